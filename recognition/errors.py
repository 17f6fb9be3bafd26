"""Named exceptions of the recognition layer."""

from __future__ import annotations

from models.errors import KioskError


class ImageError(KioskError):
    """A file that cannot be read as an image (missing, not an image, truncated)."""


class NoFaceError(KioskError):
    """A frame in which no face was found."""


class QrNotFoundError(KioskError):
    """A frame in which no QR code could be decoded."""


class CameraError(KioskError):
    """The camera is missing, busy or stopped delivering frames."""
