"""The root of every exception the product raises on purpose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class KioskError(Exception):
    """An expected failure with a one-line message and what to do about it.

    ``str(error)`` is the message ("what is wrong"); ``hint`` says what to do next.
    The CLI prints both on one line and exits non-zero; the UI shows them in a banner.
    ``reason`` (a short code such as ``"wrong_pin"``) and ``facts`` (its figures, e.g.
    ``{"left": 3}``) let a screen say the same in its own language; both may be empty.
    """

    def __init__(
        self, message: str, hint: str = "", *, reason: str = "", facts: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.reason = reason
        self.facts: dict[str, Any] = dict(facts or {})

    def one_line(self) -> str:
        """Message and hint as one line, e.g. ``"cannot read x.jpg: ... - check the path"``."""
        return f"{self.message} - {self.hint}" if self.hint else self.message
