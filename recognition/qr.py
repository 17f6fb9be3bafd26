"""Reading QR codes (the CCCD card's) from frames, with byte-exact UTF-8 text.

- ``decode_qr(frame, thorough=False)``: the per-frame camera path: zbar alone, binary
  mode, on the grey frame shrunk to at most :data:`FAST_MAX_WIDTH` px wide.
- ``decode_qr(frame, thorough=True)``: files, or a frame where the fast path failed: zbar,
  OpenCV ``QRCodeDetectorAruco`` and ``QRCodeDetector`` on the full grey frame, then on
  rectified, sharpened and upscaled copies, until one decoder reads something.

Exact text: a CCCD QR holds UTF-8 in byte mode with no ECI header, and zbar *guesses* a
charset for such data (Latin-1, Shift-JIS, Big5), garbling Vietnamese. zbar in binary mode
gives the raw bytes, decoded here as strict UTF-8. Other reads are text (zbar without the
binary option; OpenCV, whose ``...Bytes`` methods still turn non-UTF-8 data into Latin-1
text): :func:`recover_text` keeps them if they read as Vietnamese card text, repairs
mojibake, or drops the read so that the next decoder tries.

Switches (module attributes, for tests and field diagnosis): :data:`ZBAR_BINARY`,
:data:`OPENCV_BYTES`. cv2 and pyzbar are imported inside functions: importing is cheap.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognition import zbar
from recognition.images import load_image

#: None: zbar's binary mode when the library has it; False: never (text mode + repair,
#: what the old zbar in pyzbar's Windows wheel gives).
ZBAR_BINARY: bool | None = None
#: None: OpenCV's ``detectAndDecodeBytes`` when present; False: ``detectAndDecode`` (str).
OPENCV_BYTES: bool | None = None
#: Fast path: frames wider than this (pixels) are shrunk to this width before the scan.
FAST_MAX_WIDTH = 640


@dataclass(frozen=True)
class QrRead:
    """One decoded QR code.

    Attributes:
        text: the payload as exact text. ``""`` when zbar's raw bytes are not valid UTF-8
            (binary data, which no CCCD card holds; a card parser rejects ``""``). Text-only
            decoders drop such codes instead of guessing.
        data: the payload bytes: raw from ``zbar-binary``, else ``text.encode("utf-8")``
            (equal to the raw bytes whenever the payload is UTF-8).
        decoder: which decoder read it, and on what: ``"zbar-binary"``, ``"zbar-text"``,
            ``"opencv-aruco"``, ``"opencv"``, suffixed ``"+<variant>"`` when it read a
            preprocessed copy (e.g. ``"opencv-aruco+upscale"``).
    """

    text: str
    data: bytes
    decoder: str


def zbar_binary_supported() -> bool:
    """True when the loaded zbar library has ``ZBAR_CFG_BINARY`` (zbar >= 0.23). Cached."""
    return zbar.binary_supported()


# --- text checks ----------------------------------------------------------------------

# Besides printable ASCII and U+1EA0..U+1EF9 (Latin Extended Additional): the other
# Vietnamese letters, the combining tone/vowel marks of decomposed text, tab, CR, LF, BOM.
_VIET_OTHER = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝăĂđĐĩĨũŨơƠưƯ"
                        "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323\t\r\n\ufeff")
_CHARSET_GUESSES = ("latin-1", "cp1252", "shift_jis", "cp932", "big5", "cp950")


def is_vietnamese_text(text: str) -> bool:
    """True when every character can occur in CCCD card text (see ``_VIET_OTHER``).

    Every mojibake of Vietnamese UTF-8 fails this: as Latin-1 the continuation bytes
    0x80..0xBF become C1 controls or symbols (``½ ª ¡``); as Shift-JIS or Big5 they
    become half-width katakana or CJK ideographs.
    """
    return all(0x20 <= ord(ch) < 0x7F or 0x1EA0 <= ord(ch) <= 0x1EF9 or ch in _VIET_OTHER
               for ch in text)


def _big5_user_area(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: map U+F6B1..U+F848 back to Big5 C6A1..C8FE.

    iconv's BIG5/CP950 decode those user-defined codes (which UTF-8 ``ơ`` = C6 A1 hits) to
    the private-use area; Python's big5 codec cannot encode them back.
    """
    assert isinstance(error, UnicodeEncodeError)
    out = bytearray()
    for ch in error.object[error.start:error.end]:
        index = ord(ch) - 0xF6B1
        if not 0 <= index < 408:
            raise error
        index += 63  # C6A1 is the first code; rows hold 63 (0x40..0x7E) + 94 (0xA1..0xFE)
        row, col = divmod(index, 157)
        out += bytes((0xC6 + row, 0x40 + col if col < 63 else 0xA1 + col - 63))
    return bytes(out), error.end


codecs.register_error("qr-big5-user", _big5_user_area)


def recover_text(text: str) -> str | None:
    """Return ``text`` if it reads as Vietnamese card text, else the text recovered from
    charset mojibake (re-encoded as Latin-1, CP1252, Shift-JIS/CP932 or Big5/CP950 and
    decoded as UTF-8), else None: the caller should drop the read."""
    if is_vietnamese_text(text):
        return text
    for charset in _CHARSET_GUESSES:
        handler = "qr-big5-user" if charset in ("big5", "cp950") else "strict"
        try:
            fixed = text.encode(charset, errors=handler).decode("utf-8")
        except (UnicodeError, LookupError):
            continue
        if is_vietnamese_text(fixed):
            return fixed
    return None


def _from_bytes(data: bytes, decoder: str) -> QrRead:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # binary payload: keep the bytes, never guess text for it
    return QrRead(text=text, data=data, decoder=decoder)


def _from_text(text: str, decoder: str) -> QrRead | None:
    fixed = recover_text(text)
    return None if fixed is None else QrRead(text=fixed, data=fixed.encode("utf-8"), decoder=decoder)


# --- decoders: grey uint8 image → validated reads ----------------------------------------

def _zbar(grey: np.ndarray) -> list[QrRead]:
    """zbar: raw bytes in binary mode, else its text repaired or dropped."""
    if ZBAR_BINARY is not False and zbar_binary_supported():
        return [_from_bytes(data, "zbar-binary") for data in zbar.scan_qr(grey, binary=True)]
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


# --- preprocessed copies for the thorough path: grey → list of grey images ----------------

def _unsharp(grey: np.ndarray, sigma: float, amount: float) -> list[np.ndarray]:
    """(1 + amount) × image − amount × Gaussian(sigma px): undoes some focus blur."""
    import cv2

    soft = cv2.GaussianBlur(grey, (0, 0), sigma)
    return [cv2.addWeighted(grey, 1.0 + amount, soft, -amount, 0)]


def _upscale(grey: np.ndarray) -> list[np.ndarray]:
    """Twice the size (cubic): codes whose modules are under ~2 pixels."""
    import cv2

    return [cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)]


def _rectify(grey: np.ndarray, per_scale: int = 4, max_side: int = 1000) -> list[np.ndarray]:
    """Square, upright copies of the largest solid quadrilateral blobs: a code on a card
    tilted away from the camera, too skewed for the decoders' own corner finding.

    Adaptive threshold; morphological closing with kernels of 1/120, 1/60 and 1/30 of the
    short side so a code's modules merge into one blob; per kernel, the ``per_scale``
    largest contours whose convex hull is a quadrilateral they fill to >= 85%, each warped
    onto a square (side = its longest edge, at most ``max_side`` px) with a white 10%
    margin as quiet zone.
    """
    import cv2

    height, width = grey.shape
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 10)
    warped = []
    for k in sorted({max(3, min(height, width) // d) for d in (120, 60, 30)}):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        contours, _ = cv2.findContours(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel),
                                       cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        quads = []
        for contour in contours:
            area = cv2.contourArea(contour)
            if not 900 <= area <= 0.8 * height * width:
                continue
            hull = cv2.convexHull(contour)
            if area < 0.85 * cv2.contourArea(hull):
                continue
            corners = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
            if len(corners) == 4:
                quads.append((area, corners.reshape(4, 2).astype(np.float32)))
        for _, quad in sorted(quads, key=lambda q: -q[0])[:per_scale]:
            total, diff = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
            src = quad[[np.argmin(total), np.argmin(diff), np.argmax(total), np.argmax(diff)]]
            side = min(max_side, int(max(np.linalg.norm(src - np.roll(src, 1, axis=0), axis=1))))
            margin = max(8, side // 10)
            dst = np.float32([[0, 0], [side, 0], [side, side], [0, side]]) + margin
            matrix = cv2.getPerspectiveTransform(src, dst)
            warped.append(cv2.warpPerspective(grey, matrix, (side + 2 * margin,) * 2,
                                              flags=cv2.INTER_CUBIC, borderValue=255))
    return warped


_Decoder = Callable[[np.ndarray], list[QrRead]]
_Variant = Callable[[np.ndarray], list[np.ndarray]]
#: The thorough chain, cheapest and most productive first: (name, copies, decoders).
_CHAIN: tuple[tuple[str, _Variant, tuple[_Decoder, ...]], ...] = (
    ("", lambda grey: [grey], (_zbar, _aruco, _plain)),
    ("rectify", _rectify, (_zbar, _aruco)),  # strong perspective (measured up to ~0.6)
    ("sharpen", functools.partial(_unsharp, sigma=2.0, amount=3.0), (_zbar, _aruco)),
    ("sharpen-wide", functools.partial(_unsharp, sigma=3.0, amount=2.0), (_zbar,)),
    ("upscale", _upscale, (_zbar, _aruco)),  # modules of 1.4-2 px
)


# --- public entry points ------------------------------------------------------------------

def _grey(frame: np.ndarray) -> np.ndarray:
    """uint8 grey/BGR/BGRA frame → contiguous grey uint8 ``(height, width)``."""
    import cv2

    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError(f"decode_qr wants a uint8 numpy frame, got {getattr(frame, 'dtype', type(frame))}")
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ValueError(f"decode_qr wants a grey (h, w) or BGR (h, w, 3) frame, got shape {frame.shape}")
    if frame.size == 0:
        return np.zeros(frame.shape[:2], np.uint8)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)


def _unique(reads: list[QrRead]) -> list[QrRead]:
    seen: set[bytes] = set()
    return [r for r in reads if not (r.data in seen or seen.add(r.data))]


def _fast(grey: np.ndarray) -> list[QrRead]:
    import cv2

    height, width = grey.shape
    if width > FAST_MAX_WIDTH:
        size = (FAST_MAX_WIDTH, max(1, round(height * FAST_MAX_WIDTH / width)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    try:
        return _zbar(grey)
    except zbar.ZbarUnavailableError:  # no libzbar at all: OpenCV, slower but exact
        return _aruco(grey)


def decode_qr(frame: np.ndarray, *, thorough: bool = True) -> list[QrRead]:
    """Decode the QR codes in ``frame``.

    Args:
        frame: uint8 image, BGR ``(height, width, 3)`` (BGRA accepted) or grey
            ``(height, width)``.
        thorough: False for the per-frame camera path: zbar only, on the grey frame shrunk
            to :data:`FAST_MAX_WIDTH` px wide (~6 ms for 1280x720 on 2 cores; reliable for
            modules of >= ~5 px in a 1280-wide frame). True for files, or
            after the fast path failed: zbar, OpenCV Aruco and plain OpenCV on the full
            frame, then on rectified, sharpened and upscaled copies, stopping at the first
            decoder that reads something (~1-250 ms; reads modules down to ~1.5 px).

    Returns:
        One read per distinct payload (``data``), in the order found; ``[]`` when nothing
        could be read. Not finding a code is not an error here: the caller decides.

    Raises:
        ValueError: ``frame`` is not a uint8 grey/BGR numpy array (a programming error).
    """
    grey = _grey(frame)
    if grey.size == 0:
        return []
    if not thorough:
        return _unique(_fast(grey))
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
                return _unique(reads)
    return []


def read_qr_file(path: str | Path) -> list[QrRead]:
    """Load an image file and decode it thoroughly (``decode_qr(frame, thorough=True)``).

    Raises:
        ImageError: the file is missing, unreadable or not an image.
    """
    return decode_qr(load_image(path), thorough=True)
