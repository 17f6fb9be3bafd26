"""What every QR decoder returns (:class:`QrRead`) and the small steps the frame path
(:mod:`recognition.qr`) and the card path (:mod:`recognition.qr_card`) share: bytes to a
read, a frame to grey, duplicates dropped, zxing-cpp's symbols to reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition import zxing


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
            ``"zxing"``, ``"opencv-aruco"``, ``"opencv"``, suffixed ``"+<variant>"`` when it
            read a preprocessed copy (e.g. ``"opencv-aruco+upscale"``, ``"zxing+blue"``,
            ``"zxing+card:blue-sharp@7"``).
    """

    text: str
    data: bytes
    decoder: str


def from_bytes(data: bytes, decoder: str) -> QrRead:
    """A read of raw payload ``data``: its text when the bytes are UTF-8, else ``""`` (kept as bytes)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""  # binary payload: keep the bytes, never guess text for it
    return QrRead(text=text, data=data, decoder=decoder)


def grey_frame(frame: np.ndarray) -> np.ndarray:
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


def unique(reads: list[QrRead]) -> list[QrRead]:
    """``reads`` without repeated payloads (the first read of each ``data`` kept, order kept)."""
    kept: dict[bytes, QrRead] = {}
    for read in reads:
        kept.setdefault(read.data, read)
    return list(kept.values())


def zxing_reads(symbols: list[zxing.Symbol], decoder: str = "zxing") -> list[QrRead]:
    """zxing's decoded symbols as reads: UTF-8 only (a non-text payload is no card: dropped)."""
    reads = []
    for symbol in symbols:
        try:
            if symbol.data is not None:
                reads.append(QrRead(symbol.data.decode("utf-8"), symbol.data, decoder))
        except UnicodeDecodeError:
            continue
    return reads
