"""QR scanning with zxing-cpp (``zxing-cpp`` on PyPI): raw payload bytes and where the code is.

Why zxing-cpp besides zbar: prebuilt wheels for Linux, Windows and macOS (no compiler, no
system library), about 0.3 ms on a 1280x720 frame with no code in view (zbar: ~4.5 ms on
the same frame halved; measured), and it reports where it found a code even when the code
could not be decoded (``errors=True``), which the card path and the app's guidance use.

Its ``bytes`` are the symbol's payload as stored, with no character-set guess: decoded here
as strict UTF-8 by the caller, like zbar's binary mode. Nothing is imported at module import
time: ``zxingcpp`` is imported inside the functions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: None: use zxing-cpp when it is installed; False: never (the QR fast path is then zbar on
#: the whole shrunk frame, as before zxing-cpp, and the card path uses zbar alone). A switch
#: for benchmarks and tests that measure the path without it.
ENABLED: bool | None = None


class ZxingUnavailableError(RuntimeError):
    """zxing-cpp is not installed (or failed to load)."""


@dataclass(frozen=True)
class Symbol:
    """One QR symbol zxing-cpp found.

    Attributes:
        data: the payload bytes as stored in the code; None when the symbol was found but
            could not be decoded (too few modules right: blur, glare, too small).
        corners: ``(4, 2)`` float32 image pixels (x, y): the symbol's top-left, top-right,
            bottom-right and bottom-left corners (the quiet zone excluded), in the symbol's
            own orientation.
        error: why decoding failed (zxing's words), ``""`` when ``data`` is set.
    """

    data: bytes | None
    corners: np.ndarray
    error: str = ""


def enabled() -> bool:
    """True when zxing-cpp is to be used: installed and not switched off (:data:`ENABLED`)."""
    return ENABLED is not False and available()


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """True when zxing-cpp can be imported. Checked once per process (cached)."""
    try:
        import zxingcpp  # noqa: F401  (imported only to learn whether it loads)
    except (ImportError, OSError):
        return False
    return True


def scan_qr(grey: np.ndarray, *, errors: bool = False, downscale: bool = True, histogram: bool = False) -> list[Symbol]:
    """Find and decode the QR codes in a grey image.

    Args:
        grey: ``(height, width)`` uint8 array (any strides).
        errors: also return symbols that were found but not decoded (``data`` None).
        downscale: let zxing also look at halved copies (finds large or blurred codes;
            ~0.15 ms more on a 1280x720 frame).
        histogram: binarise with one global threshold (zxing's ``GlobalHistogram``)
            instead of its local average; better on evenly lit, low-contrast crops.

    Returns:
        The symbols in zxing's order; empty when none.

    Raises:
        ZxingUnavailableError: zxing-cpp is not installed.
        ValueError: ``grey`` is not a 2-D uint8 array.
    """
    if grey.ndim != 2 or grey.dtype != np.uint8:
        raise ValueError(f"scan_qr wants a 2-D uint8 grey array, got {grey.dtype} {grey.shape}")
    try:
        import zxingcpp
    except (ImportError, OSError) as exc:
        raise ZxingUnavailableError(f"zxing-cpp cannot be loaded: {exc}") from exc
    binarizer = zxingcpp.Binarizer.GlobalHistogram if histogram else zxingcpp.Binarizer.LocalAverage
    found = zxingcpp.read_barcodes(
        np.ascontiguousarray(grey),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        try_rotate=False,
        try_invert=False,
        try_downscale=downscale,
        binarizer=binarizer,
        return_errors=errors,
    )
    symbols = []
    for code in found:
        p = code.position
        corners = np.array(
            [
                [p.top_left.x, p.top_left.y],
                [p.top_right.x, p.top_right.y],
                [p.bottom_right.x, p.bottom_right.y],
                [p.bottom_left.x, p.bottom_left.y],
            ],
            np.float32,
        )
        if code.valid:
            symbols.append(Symbol(bytes(code.bytes), corners))
        else:
            symbols.append(Symbol(None, corners, str(code.error) or "not decoded"))
    return symbols
