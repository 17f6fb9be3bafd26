"""Reading QR codes (the CCCD card's) from frames, with byte-exact UTF-8 text.

- ``decode_qr(frame, thorough=False)`` / :func:`scan_qr`: the per-frame camera path.
  zxing-cpp looks at the full-resolution grey frame (~0.2-0.7 ms); where it finds nothing,
  nothing else runs; zbar (binary mode) reads the code it decoded, or the whole frame shrunk
  to :data:`FAST_MAX_WIDTH` when it found a code it could not decode. :func:`scan_qr` also
  says where such a code is (:mod:`recognition.qr_locate`), for the card path and the app.
- ``decode_qr(frame, thorough=True)``: files, or a frame where the fast path failed: zbar,
  OpenCV ``QRCodeDetectorAruco`` and ``QRCodeDetector`` on the full grey frame, then on
  rectified, sharpened and upscaled copies, then zxing-cpp on the grey and blue frame, then
  the card path (:mod:`recognition.qr_card`), until one decoder reads something.

Exact text: a CCCD QR holds UTF-8 in byte mode with no ECI header, and zbar *guesses* a
charset for such data (Latin-1, Shift-JIS, Big5), garbling Vietnamese. zbar in binary mode
and zxing-cpp give the raw bytes, decoded here as strict UTF-8 (zxing's non-UTF-8 payloads
are dropped: no card holds one). Other reads are text (zbar without the binary option;
OpenCV, whose ``...Bytes`` methods still turn non-UTF-8 data into Latin-1 text):
:func:`recover_text` keeps them if they read as Vietnamese card text, repairs mojibake, or
drops the read so that the next decoder tries.

Switches (module attributes, for tests and field diagnosis): :data:`ZBAR_BINARY`,
:data:`OPENCV_BYTES`, :data:`recognition.zxing.ENABLED`. cv2, pyzbar and zxingcpp are imported inside
functions: importing is cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognition import zbar, zxing
from recognition.images import load_image
from recognition.qr_card import read_card_qr
from recognition.qr_locate import Located
from recognition.qr_reads import QrRead, from_bytes, grey_frame, unique, zxing_reads
from recognition.qr_text import is_vietnamese_text, recover_text
from recognition.qr_variants import rectify, unsharp, upscale

__all__ = [
    "QrRead",
    "QrScan",
    "decode_qr",
    "is_vietnamese_text",
    "read_qr_file",
    "recover_text",
    "scan_qr",
    "zbar_binary_supported",
]

#: None: zbar's binary mode when the library has it; False: never (text mode + repair,
#: what the old zbar in pyzbar's Windows wheel gives).
ZBAR_BINARY: bool | None = None
#: None: OpenCV's ``detectAndDecodeBytes`` when present; False: ``detectAndDecode`` (str).
OPENCV_BYTES: bool | None = None
#: Fast path: zbar's images (the frame, or a code's crop) wider than this (pixels) are
#: shrunk to this width.
FAST_MAX_WIDTH = 640


def zbar_binary_supported() -> bool:
    """True when the loaded zbar library has ``ZBAR_CFG_BINARY`` (zbar >= 0.23). Cached."""
    return zbar.binary_supported()


def _from_text(text: str, decoder: str) -> QrRead | None:
    fixed = recover_text(text)
    return None if fixed is None else QrRead(text=fixed, data=fixed.encode("utf-8"), decoder=decoder)


# --- decoders: grey uint8 image → validated reads ----------------------------------------


def _zbar(grey: np.ndarray) -> list[QrRead]:
    """zbar: raw bytes in binary mode, else its text repaired or dropped."""
    if ZBAR_BINARY is not False and zbar_binary_supported():
        return [from_bytes(data, "zbar-binary") for data in zbar.scan_qr(grey, binary=True)]
    # Bytes zbar could not convert become U+FFFD, which recover_text never accepts.
    reads = (_from_text(d.decode("utf-8", "replace"), "zbar-text") for d in zbar.scan_qr(grey, binary=False))
    return [read for read in reads if read is not None]


def _opencv(grey: np.ndarray, *, aruco: bool) -> list[QrRead]:
    """One OpenCV detector, treated as a text decoder: even ``detectAndDecodeBytes``
    returns a non-UTF-8 payload converted from Latin-1, not raw, so every OpenCV read
    goes through :func:`recover_text` (valid card text kept, mojibake repaired or dropped).
    """
    import cv2

    name = "opencv-aruco" if aruco else "opencv"
    detector = cv2.QRCodeDetectorAruco() if aruco else cv2.QRCodeDetector()
    try:
        if OPENCV_BYTES is not False and hasattr(detector, "detectAndDecodeBytes"):
            payload, points, _ = detector.detectAndDecodeBytes(grey)
            text = bytes(payload).decode("utf-8", "replace")
        else:  # OpenCV without the Bytes methods
            text, points, _ = detector.detectAndDecode(grey)
    except (cv2.error, UnicodeDecodeError):  # a str binding may fail on non-UTF-8 data
        return []
    read = _from_text(text, name) if points is not None and text else None
    return [] if read is None else [read]


_aruco = functools.partial(_opencv, aruco=True)
_plain = functools.partial(_opencv, aruco=False)


_Decoder = Callable[[np.ndarray], list[QrRead]]
_Variant = Callable[[np.ndarray], list[np.ndarray]]
#: The thorough chain, cheapest and most productive first: (name, copies, decoders).
_CHAIN: tuple[tuple[str, _Variant, tuple[_Decoder, ...]], ...] = (
    ("", lambda grey: [grey], (_zbar, _aruco, _plain)),
    ("rectify", rectify, (_zbar, _aruco)),  # strong perspective (measured up to ~0.6)
    ("sharpen", functools.partial(unsharp, sigma=2.0, amount=3.0), (_zbar, _aruco)),
    ("sharpen-wide", functools.partial(unsharp, sigma=3.0, amount=2.0), (_zbar,)),
    ("upscale", upscale, (_zbar, _aruco)),  # modules of 1.4-2 px
)


# --- public entry points ------------------------------------------------------------------


def _fast_zbar(grey: np.ndarray) -> list[QrRead]:
    """zbar on the whole grey frame shrunk to :data:`FAST_MAX_WIDTH` (the fast path before zxing-cpp)."""
    import cv2

    height, width = grey.shape
    if width > FAST_MAX_WIDTH:
        size = (FAST_MAX_WIDTH, max(1, round(height * FAST_MAX_WIDTH / width)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    try:
        return _zbar(grey)
    except zbar.ZbarUnavailableError:  # no libzbar at all: OpenCV, slower but exact
        return _aruco(grey)


def _crop(grey: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The code at ``corners`` with a quiet zone (a quarter of its size, at least 8 px),
    shrunk to at most :data:`FAST_MAX_WIDTH` px wide."""
    import cv2

    low, high = corners.min(axis=0), corners.max(axis=0)
    pad = np.maximum(0.25 * (high - low), 8)
    x0, y0 = np.maximum(np.floor(low - pad).astype(int), 0)
    x1, y1 = np.ceil(high + pad).astype(int) + 1
    crop = grey[y0:y1, x0:x1]
    if crop.shape[1] > FAST_MAX_WIDTH:
        size = (FAST_MAX_WIDTH, max(1, round(crop.shape[0] * FAST_MAX_WIDTH / crop.shape[1])))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(crop)


def _fast(grey: np.ndarray) -> tuple[list[QrRead], list[np.ndarray]]:
    """The per-frame path: (reads, corners of codes found but not read).

    zxing-cpp looks at the full-resolution frame first (~0.3-0.5 ms). Nothing there: done,
    no other decoder runs. A code it decoded: zbar reads the code's crop (its raw bytes
    stay the reference read), zxing's own read when zbar fails. A code it found but could
    not decode: zbar on the whole frame shrunk, as before zxing. Without zxing-cpp: that
    zbar scan only.
    """
    if not zxing.enabled():
        return _fast_zbar(grey), []
    symbols = zxing.scan_qr(grey, errors=True)
    decoded = [s for s in symbols if s.data is not None]
    if decoded:
        reads: list[QrRead] = []
        for symbol in decoded:
            try:
                by_zbar = _zbar(_crop(grey, symbol.corners))
            except zbar.ZbarUnavailableError:
                by_zbar = []
            reads += by_zbar or zxing_reads([symbol])
        return reads, []
    if not symbols:
        return [], []
    reads = _fast_zbar(grey)
    return reads, ([] if reads else [s.corners for s in symbols])


@dataclass(frozen=True)
class QrScan:
    """The fast path's outcome on one frame.

    Attributes:
        reads: the codes read (as :func:`decode_qr` returns them).
        located: codes seen but not read (empty when anything was read): where they are,
            how big a module looks and how much glare covers them.
    """

    reads: tuple[QrRead, ...]
    located: tuple[Located, ...] = ()


def scan_qr(frame: np.ndarray) -> QrScan:
    """The per-frame fast path (``decode_qr(frame, thorough=False)``), also saying where a
    code was seen but not read: the texture region around zxing's find (a better outline
    than its corners, which are often a misread part of the code), measured by
    :func:`recognition.qr_locate.measure`. Locating costs ~2 ms, only on such frames.

    Raises:
        ValueError: ``frame`` is not a uint8 grey/BGR numpy array.
    """
    import cv2

    from recognition.qr_locate import find_regions, measure, overlap

    grey = grey_frame(frame)
    if grey.size == 0:
        return QrScan(())
    reads, found = _fast(grey)
    if reads or not found:
        return QrScan(tuple(unique(reads)))
    regions = find_regions(grey)
    located = []
    for corners in found:
        around = [q for q in regions if overlap(q, corners) > 0.02]
        best = max(around, key=lambda q: cv2.contourArea(q), default=None)
        located.append(measure(grey, corners if best is None else best, "zxing" if best is None else "texture"))
    return QrScan((), tuple(located))


def decode_qr(frame: np.ndarray, *, thorough: bool = True, card: bool = True) -> list[QrRead]:
    """Decode the QR codes in ``frame``.

    Args:
        frame: uint8 image, BGR ``(height, width, 3)`` (BGRA accepted) or grey
            ``(height, width)``.
        thorough: False for the per-frame camera path (:func:`_fast`): zxing-cpp on the
            full frame, zbar on what it finds (~0.5 ms on a 640x480 or 1280x720 frame with
            no code in view, ~1-6 ms with one). True for files, or after the fast path
            failed: zbar, OpenCV Aruco and plain OpenCV on the full frame, then on
            rectified, sharpened and upscaled copies, then zxing-cpp on the grey and blue
            frame, then the card path (:mod:`recognition.qr_card`: the located code warped
            upright, upscaled, through the card's pattern), stopping at the first decoder
            that reads something (~1-400 ms).
        card: with ``thorough``, end with the card path (False: a caller that knows no code
            was located in this frame saves its ~100 ms).

    Returns:
        One read per distinct payload (``data``), in the order found; ``[]`` when nothing
        could be read. Not finding a code is not an error here: the caller decides.

    Raises:
        ValueError: ``frame`` is not a uint8 grey/BGR numpy array (a programming error).
    """
    grey = grey_frame(frame)
    if grey.size == 0:
        return []
    if not thorough:
        return unique(_fast(grey)[0])
    for variant, copies, decoders in _CHAIN:
        images = copies(grey)
        for decoder in decoders:
            try:
                reads = [read for image in images for read in decoder(image)]
            except zbar.ZbarUnavailableError:
                continue
            if reads:
                if variant:
                    reads = [QrRead(r.text, r.data, f"{r.decoder}+{variant}") for r in reads]
                return unique(reads)
    return unique(_card_chain(frame, grey, card))


def _card_chain(frame: np.ndarray, grey: np.ndarray, card: bool) -> list[QrRead]:
    """The end of the thorough chain: zxing on the grey and blue frame, then (``card``) the card path."""
    if zxing.enabled():
        channels = [grey] + ([np.ascontiguousarray(frame[:, :, 0])] if frame.ndim == 3 and frame.shape[2] >= 3 else [])
        for name, image in zip(("", "+blue"), channels):
            reads = zxing_reads(zxing.scan_qr(image), "zxing" + name)
            if reads:
                return reads
    if not card:
        return []
    return list(read_card_qr(frame if frame.ndim == 3 and frame.shape[2] == 3 else grey, full=True).reads)


def read_qr_file(path: str | Path) -> list[QrRead]:
    """Load an image file and decode it thoroughly (``decode_qr(frame, thorough=True)``).

    Raises:
        ImageError: the file is missing, unreadable or not an image.
    """
    return decode_qr(load_image(path), thorough=True)
