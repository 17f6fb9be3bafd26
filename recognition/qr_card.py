"""The card path: read a CCCD code that a webcam sees small, through the card's pattern.

For a frame where a code is located but not read (see :mod:`recognition.qr_locate`): the
given quadrilaterals, then texture regions. Per candidate, the tries of :data:`_ATTEMPTS`,
cheapest and most productive first (ranked on the development photos of
``tests/support/card_photos.py``, seeds 0-199):

1. **channel**: blue first, where the turquoise guilloche nearly vanishes (cyan ink
   reflects blue almost as well as the white card does; black ink reflects none), then grey;
2. **rectification and upscaling**: the quadrilateral, widened by a quiet-zone margin, is
   warped onto an upright square at 5-10 px per (estimated) module: 2-3x for a code seen at
   2-4 px per module; cubic interpolation;
3. **preparation**: each pixel divided by the local bright level (a maximum over ~7
   modules, box-smoothed): shadows and most of a glare's wash go; then unsharp masking
   (focus blur), or Richardson-Lucy deconvolution, or an adaptive threshold;
4. **decoders**: zxing-cpp, then zbar in binary mode; both give the raw payload bytes, kept
   as in :mod:`recognition.qr` (zxing's only as strict UTF-8);
5. after the first try fails, the corners are refined once from OpenCV's finder-pattern
   detection on the warped copy, and the tries run on the refined quadrilateral first.

The quick path (every frame with a located code) makes the first four tries, and gives up
on a texture region after one try in which zxing finds no symbol (that keeps plain frames
at ~2-10 ms and never reports hair or print as a code). ``full=True`` (the app's periodic
slow try, files) makes every try on the first two candidates (deblurring, more scales, the
green channel) once a symbol was seen in one of the first four.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from recognition import zbar, zxing
from recognition.qr_locate import Located, clockwise, find_regions, mean_side, measure, overlap
from recognition.qr_reads import QrRead, from_bytes, grey_frame, unique, zxing_reads

MARGIN = 0.18
"""Quiet zone added around a located quadrilateral, as a share of its side on each side."""
MAX_CANDIDATES = 3
"""Texture regions tried per frame besides the located codes given (``full``: one more)."""
FULL_CANDIDATES = 2
"""With ``full``, the first this many candidates get every try, the others the quick ones."""
UNSEEN_TRIES = 1
"""Tries on a texture region before giving up on it when no symbol was seen in any (quick
path; ``full``: :data:`UNSEEN_TRIES_FULL`)."""
UNSEEN_TRIES_FULL = 4
SEEN_SIDE = 0.4
"""A symbol zxing finds in a warped copy confirms a code when its side is at least this
share of the copy's (a located code fills ~0.7 of it; the odd symbol zxing imagines in
hair or print is small)."""


@dataclass(frozen=True)
class CardScan:
    """What the card path found in one frame.

    Attributes:
        reads: the codes read, distinct payloads, in the order found.
        located: codes located but not read (none once something is read): the given
            ones, and texture regions where a decoder found a symbol.
    """

    reads: tuple[QrRead, ...]
    located: tuple[Located, ...]


def read_card_qr(frame: np.ndarray, located: Sequence[np.ndarray] = (), *, full: bool = False) -> CardScan:
    """Locate the codes in ``frame`` and read them through the card's pattern.

    Args:
        frame: BGR ``(height, width, 3)`` uint8 (grey accepted: no channel choice then).
        located: quadrilaterals already known (``(4, 2)`` frame pixels, e.g. from the fast
            path); the texture detector adds its own.
        full: spend more on this frame (up to ~10x on a frame where nothing reads): more
            channels, scales, deblurring and binarisations.

    Returns:
        A :class:`CardScan`; reads are empty when nothing could be read, and ``located``
        then holds the given codes and the texture regions in which a decoder found a
        symbol (finder patterns) it could not decode: other dense texture is not reported.
    """
    grey = grey_frame(frame)
    if grey.size == 0:
        return CardScan((), ())
    channels = {"grey": grey}
    if frame.ndim == 3:
        channels.update(blue=frame[:, :, 0], green=frame[:, :, 1])
    quads = _candidates(grey, located, limit=MAX_CANDIDATES + full)
    seen = []
    for index, quad in enumerate(quads):
        given = index < len(located)
        confirmed = given
        for tries, (variant, read, found) in enumerate(_attempts(channels, quad, full and index < FULL_CANDIDATES)):
            if read:
                reads = [QrRead(r.text, r.data, f"{r.decoder}+card:{variant}") for r in read]
                return CardScan(tuple(unique(reads)), ())
            confirmed = confirmed or found
            if not confirmed and tries >= (UNSEEN_TRIES_FULL if full else UNSEEN_TRIES) - 1:
                break  # a texture region where the first tries find no symbol is no code
        if confirmed:
            seen.append(measure(grey, quad, "given" if index < len(located) else "texture"))
    return CardScan((), tuple(seen))


def _candidates(grey: np.ndarray, located: Sequence[np.ndarray], limit: int) -> list[np.ndarray]:
    """The given quadrilaterals, then at most ``limit`` texture regions that are not one of
    them (overlap under 0.85). (zxing's corners for a code it cannot decode are not used:
    they are often a small misread part of the code.)"""
    given = [clockwise(q) for q in located]
    regions = [q for q in find_regions(grey, limit + len(given)) if all(overlap(q, other) < 0.85 for other in given)]
    return given + regions[:limit]


def _warp(image: np.ndarray, quad: np.ndarray, module_px: float, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """``quad`` widened by ``margin`` of its side on each side, warped upright to a square at
    ``module_px`` per (estimated) module; returns the copy and the frame→copy homography."""
    import cv2

    from recognition.qr_locate import TYPICAL_MODULES

    centre = quad.mean(axis=0)
    wide = centre + (quad - centre) * (1 + 2 * margin)
    side = int(np.clip(round(TYPICAL_MODULES * (1 + 2 * margin) * module_px), 64, 1200))
    dst = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(wide.astype(np.float32), dst)
    return cv2.warpPerspective(
        image, matrix, (side, side), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    ), matrix


def _flatten(image: np.ndarray, module_px: float) -> np.ndarray:
    """Divide by the local bright level (max over ~7 modules, box-smoothed twice): even light,
    less glare. Square kernels: OpenCV's separable fast paths (~1 ms on 450x450)."""
    import cv2

    k = max(3, int(round(7 * module_px)) | 1)
    level = cv2.dilate(image, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    level = cv2.blur(cv2.blur(level, (k, k)), (k, k)).astype(np.float32)
    return np.clip(image.astype(np.float32) * (255.0 / np.maximum(level, 8.0)), 0, 255).astype(np.uint8)


def _binarise(image: np.ndarray, module_px: float) -> np.ndarray:
    """Adaptive (Gaussian-weighted mean over ~5 modules) threshold, for zbar."""
    import cv2

    block = max(3, int(round(5 * module_px)) | 1)
    return cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 2)


def _decode(image: np.ndarray, decoder: str) -> tuple[list[QrRead], bool]:
    """One decoder on a prepared copy: its reads (UTF-8 only from zxing), and whether it
    found a symbol at all, at least :data:`SEEN_SIDE` of the copy's side (zxing reports
    the ones it could not decode; zbar does not). A decoder that is not there reads nothing."""
    if decoder == "zbar":
        try:
            reads = (
                [from_bytes(data, "zbar-binary") for data in zbar.scan_qr(image, binary=True)]
                if zbar.binary_supported()
                else []
            )
        except zbar.ZbarUnavailableError:
            reads = []
        return reads, bool(reads)
    if not zxing.enabled():
        return [], False
    symbols = zxing.scan_qr(image, errors=True, downscale=False)
    return zxing_reads(symbols), any(mean_side(s.corners) >= SEEN_SIDE * image.shape[0] for s in symbols)


#: The tries on one located code, in order: (channel, module px of the warped copy,
#: preparation (:func:`_prepare`, ``-binary``: then :func:`_binarise`), decoder, in the
#: quick path too). Ranked on the development card photos
#: (seeds 0-199; the first alone reads 9 in 10 of those whose code is located); the
#: later ones are for the strongest blur, where each reads only the odd code.
_ATTEMPTS: tuple[tuple[str, float, str, str, bool], ...] = (
    ("blue", 7.0, "sharp", "zxing", True),
    ("blue", 5.0, "flat-binary", "zxing", True),
    ("grey", 5.0, "flat-binary", "zbar", True),
    ("grey", 7.0, "sharp", "zxing", True),
    ("blue", 8.0, "sharp-binary", "zxing", False),
    ("blue", 8.0, "deconvolve", "zxing", False),
    ("blue", 8.0, "deconvolve-binary", "zxing", False),
    ("blue", 7.0, "sharp", "zbar", False),
    ("blue", 5.0, "flat", "zxing", False),
    ("grey", 7.0, "flat-binary", "zbar", False),
    ("grey", 10.0, "sharp-binary", "zxing", False),
    ("green", 7.0, "sharp", "zxing", False),
)


def _deconvolve(image: np.ndarray, sigma: float, iterations: int = 10) -> np.ndarray:
    """Richardson-Lucy deconvolution for a Gaussian blur of ``sigma`` px (focus blur)."""
    import cv2

    observed = image.astype(np.float32) + 1.0
    estimate = observed.copy()
    for _ in range(iterations):
        estimate *= cv2.GaussianBlur(observed / (cv2.GaussianBlur(estimate, (0, 0), sigma) + 1e-3), (0, 0), sigma)
    restored: np.ndarray = np.clip(estimate, 0, 255).astype(np.uint8)
    return restored


def _prepare(warped: np.ndarray, module: float, base: str) -> np.ndarray:
    """``flat``: flattened (:func:`_flatten`); ``sharp``: unsharp-masked (sigma 0.6 module,
    amount 2.5: undoes some focus blur), then flattened; ``deconvolve``: flattened, then
    deconvolved for a blur of half a module."""
    import cv2

    if base == "sharp":
        soft = cv2.GaussianBlur(warped, (0, 0), 0.6 * module)
        return _flatten(cv2.addWeighted(warped, 3.5, soft, -2.5, 0), module)
    if base == "deconvolve":
        return _deconvolve(_flatten(warped, module), 0.5 * module)
    return _flatten(warped, module)


def _refine(prepared: np.ndarray, matrix: np.ndarray) -> np.ndarray | None:
    """The symbol's corners in the frame from OpenCV's finder-pattern detection on a warped,
    prepared copy (Aruco's, then the plain detector's), or None when neither finds it."""
    import cv2

    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        try:
            ok, points = detector.detect(prepared)
        except cv2.error:
            continue
        if ok and points is not None and points.size == 8:
            return cv2.perspectiveTransform(points.reshape(1, 4, 2).astype(np.float32), np.linalg.inv(matrix)).reshape(
                4, 2
            )
    return None


class _Copies:
    """Warped and prepared copies of one located code, each made once."""

    def __init__(self, channels: dict[str, np.ndarray], quad: np.ndarray) -> None:
        self.channels = channels
        self.quads = {"": quad}
        self._warped: dict[tuple[str, str, float], tuple[np.ndarray, np.ndarray]] = {}
        self._prepared: dict[tuple[str, str, float, str], np.ndarray] = {}

    def get(self, tag: str, channel: str, module: float, how: str) -> tuple[np.ndarray, np.ndarray]:
        """(prepared copy, frame→copy homography) for ``how`` = ``base[-binary]``."""
        key = (tag, channel, module)
        if key not in self._warped:
            self._warped[key] = _warp(self.channels[channel], self.quads[tag], module, MARGIN if not tag else 0.12)
        warped, matrix = self._warped[key]
        base, _, binary = how.partition("-")
        if key + (base,) not in self._prepared:
            self._prepared[key + (base,)] = _prepare(warped, module, base)
        prepared = self._prepared[key + (base,)]
        return (_binarise(prepared, module) if binary else prepared), matrix


def _attempts(
    channels: dict[str, np.ndarray], quad: np.ndarray, full: bool
) -> Iterator[tuple[str, list[QrRead], bool]]:
    """(variant name, reads, a symbol was found) for each try on one located code, until the
    caller stops.

    After the first try fails, the code's corners are refined once (:func:`_refine`); when
    they moved, every later try runs on the refined quadrilateral first.
    """
    copies = _Copies(channels, quad)
    for index, (channel, module, how, decoder, quick) in enumerate(_ATTEMPTS):
        if not (quick or full) or channel not in channels:
            continue
        for tag in sorted(copies.quads, reverse=True):  # "-refined" before ""
            prepared, matrix = copies.get(tag, channel, module, how)
            yield f"{channel}-{how}{tag}@{module:g}", *_decode(prepared, decoder)
            if index == 0 and len(copies.quads) == 1:
                better = _refine(prepared, matrix)
                if better is not None and overlap(clockwise(better), quad) < 0.95:
                    copies.quads["-refined"] = clockwise(better)
                    prepared, _ = copies.get("-refined", channel, module, how)
                    yield f"{channel}-{how}-refined@{module:g}", *_decode(prepared, decoder)
