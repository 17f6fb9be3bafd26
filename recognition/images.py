"""Reading image files into frames.

A *frame* everywhere in this project is a ``numpy.ndarray`` of shape ``(height, width, 3)``,
dtype ``uint8``, channels in OpenCV's **BGR** order. Conversion to RGB (what dlib wants) or
grey happens in the function that needs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recognition.errors import ImageError


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file (JPEG, PNG, BMP, WebP...) as a BGR uint8 frame.

    Raises:
        ImageError: the file is missing, unreadable, not an image or truncated.
    """
    import cv2

    p = Path(path)
    if p.is_dir():
        images = any(child.suffix.lower() in (".jpg", ".jpeg", ".png") for child in p.iterdir())
        raise ImageError(
            f"cannot read {p}: it is a folder, not an image",
            f"give the image files in it ({p / '*.jpg'})" if images else "give image files (JPEG or PNG), not a folder",
        )
    if not p.is_file():
        raise ImageError(f"cannot read {p}: no such file", "check the path")
    try:
        data = np.fromfile(p, dtype=np.uint8)  # works with non-ASCII paths on Windows
    except OSError as exc:
        raise ImageError(f"cannot read {p}: {exc.strerror or exc}", "check the file's permissions") from exc
    frame = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if frame is None:
        raise ImageError(f"cannot read {p}: not an image or the file is damaged", "use a JPEG or PNG photo")
    return frame


def to_rgb(frame: np.ndarray) -> np.ndarray:
    """BGR (or grey) frame → contiguous RGB uint8 array, the layout dlib expects."""
    import cv2

    if frame.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB))
    return np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))


def to_grey(frame: np.ndarray) -> np.ndarray:
    """BGR (or already grey) frame → contiguous grey uint8 array."""
    import cv2

    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    return np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))


def decode_image(data: bytes, what: str = "image") -> np.ndarray:
    """Decode image bytes (JPEG, PNG, JPEG 2000...) as a BGR uint8 frame.

    JPEG 2000, which ID chips often hold, goes through OpenCV and, where OpenCV was built
    without it, through Pillow's bundled OpenJPEG.

    Raises:
        ImageError: the bytes are not an image either can decode.
    """
    import cv2

    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None and data:
        import io

        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                rgb = np.asarray(image.convert("RGB"))
            frame = np.ascontiguousarray(rgb[:, :, ::-1])
        except (UnidentifiedImageError, OSError, ValueError):
            frame = None
    if frame is None:
        raise ImageError(f"cannot decode the {what}: not an image or damaged", "read it again")
    return frame
