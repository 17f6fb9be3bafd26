"""Named exceptions of the evaluation and benchmark tools (one line and a hint each)."""

from __future__ import annotations

from models.errors import KioskError


class DatasetError(KioskError):
    """An image folder or pairs file that cannot be used: missing, empty or malformed."""


class EncodingCacheError(KioskError):
    """The on-disk cache of face encodings cannot be opened or written."""


class BenchError(KioskError):
    """A benchmark that cannot run as asked (e.g. not enough free memory for the index size)."""
