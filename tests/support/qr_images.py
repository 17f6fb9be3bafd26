"""Helpers (not tests) that make real QR images and distort them like a webcam would.

Every image is a numpy uint8 array: grey ``(height, width)`` from :func:`make_qr`, and
the distortions keep the number of channels they are given (grey stays grey, BGR stays
BGR). Sizes and coordinates are in pixels, ``x`` to the right and ``y`` down.

The QR payload is encoded as UTF-8 **bytes in byte mode with no ECI header**, as on real
CCCD cards: that is exactly what makes zbar guess a character set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

REPO = Path(__file__).resolve().parents[2]
#: An 800x600 webcam-style photo of a person (CC0).
LISA = REPO / "sample_images" / "faces" / "lisa" / "1.jpg"
#: A 1350x1350 studio portrait on a plain grey background (CC BY 4.0).
LONDON = REPO / "sample_images" / "faces" / "london_005" / "1.jpg"

Generator = Literal["qrcode", "segno"]


def cccd_payload(name: str, address: str = "Khóm 5, Phường 7, TP Cà Mau, Cà Mau") -> str:
    """A CCCD-like payload: ``id12|old_id9|name|DDMMYYYY|gender|address|DDMMYYYY``."""
    return f"096201001234|381234567|{name}|01012001|Nam|{address}|15082021"


def make_qr(
    text: str | bytes,
    generator: Generator = "qrcode",
    *,
    box_px: int = 4,
    border: int = 4,
    error: Literal["L", "M", "Q", "H"] = "M",
) -> np.ndarray:
    """Render ``text`` as a grey QR image (0 = black module, 255 = white).

    Args:
        text: str (encoded as UTF-8) or raw bytes, stored in one byte-mode segment, no ECI.
        generator: the library that builds the symbol, ``"qrcode"`` or ``"segno"``.
        box_px: pixels per module (side of one square).
        border: quiet zone width in modules (the standard asks for 4).
        error: error-correction level.

    Returns:
        ``(side, side)`` uint8 array, ``side = (modules + 2 * border) * box_px``.
    """
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if generator == "qrcode":
        import qrcode
        from qrcode.util import MODE_8BIT_BYTE, QRData

        levels = {
            "L": qrcode.ERROR_CORRECT_L,
            "M": qrcode.ERROR_CORRECT_M,
            "Q": qrcode.ERROR_CORRECT_Q,
            "H": qrcode.ERROR_CORRECT_H,
        }
        qr = qrcode.QRCode(error_correction=levels[error], box_size=1, border=0)
        qr.add_data(QRData(data, mode=MODE_8BIT_BYTE))
        qr.make(fit=True)
        modules = np.array(qr.get_matrix(), dtype=bool)
    elif generator == "segno":
        import segno

        symbol = segno.make(data, error=error.lower(), mode="byte", micro=False, boost_error=False)
        modules = np.array([[bool(v) for v in row] for row in symbol.matrix], dtype=bool)
    else:
        raise ValueError(f"unknown QR generator {generator!r}")
    grey = np.where(modules, 0, 255).astype(np.uint8)
    grey = np.pad(grey, border, constant_values=255)
    return np.kron(grey, np.ones((box_px, box_px), dtype=np.uint8))


def _white(img: np.ndarray) -> int | tuple[int, int, int]:
    return 255 if img.ndim == 2 else (255, 255, 255)


def rotate(img: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by ``degrees`` about the centre; the canvas grows to fit and
    uncovered corners are white."""
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w, new_h = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    m[0, 2] += new_w / 2 - w / 2
    m[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(
        img, m, (new_w, new_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=_white(img)
    )


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` in pixels (out of focus)."""
    import cv2

    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma) if sigma > 0 else img.copy()


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at ``quality`` (1..100), like a compressed webcam stream."""
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    assert ok
    flag = cv2.IMREAD_GRAYSCALE if img.ndim == 2 else cv2.IMREAD_COLOR
    return cv2.imdecode(buf, flag)


def perspective(img: np.ndarray, strength: float) -> np.ndarray:
    """Tilt the card away from the camera: the top edge shrinks towards its middle by
    ``strength`` × width in total (0 = none, 0.3 = top edge 70% as long as the bottom) and
    the right edge by half that, on a white canvas the size of the input."""
    import cv2

    h, w = img.shape[:2]
    dx = strength * w / 2
    dy = strength * h / 4
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[dx, 0], [w - dx, dy], [w - dx / 2, h - dy], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(
        img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=_white(img)
    )


def photo_frame(path: Path = LISA, size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A real photo resized to ``size`` = (width, height), BGR uint8."""
    import cv2

    photo = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert photo is not None, f"missing sample photo {path}"
    return cv2.resize(photo, size, interpolation=cv2.INTER_AREA)


def embed(img: np.ndarray, background: np.ndarray, x: int, y: int, scale: float = 1.0) -> np.ndarray:
    """Paste ``img`` scaled by ``scale`` into a copy of ``background`` with its top-left
    corner at (``x``, ``y``); the result has the background's shape and channels."""
    import cv2

    patch = img
    if scale != 1.0:
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        patch = cv2.resize(img, None, fx=scale, fy=scale, interpolation=interp)
    if background.ndim == 3 and patch.ndim == 2:
        patch = cv2.cvtColor(patch, cv2.COLOR_GRAY2BGR)
    elif background.ndim == 2 and patch.ndim == 3:
        patch = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    out = background.copy()
    ph, pw = patch.shape[:2]
    if y + ph > out.shape[0] or x + pw > out.shape[1] or x < 0 or y < 0:
        raise ValueError(f"a {pw}x{ph} patch at ({x}, {y}) does not fit in {out.shape[1]}x{out.shape[0]}")
    out[y : y + ph, x : x + pw] = patch
    return out
