"""One check-in at a counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Visit:
    """A logged check-in.

    Attributes:
        citizen_id: internal id of the citizen who checked in.
        at: when, timezone-aware UTC.
        counter: the counter's name from the settings.
        method: ``"face"`` (recognised), ``"confirm"`` (face + typed digits) or ``"qr"`` (card read).
        distance: face distance of the match (None for a QR check-in).
        margin: distance gap to the runner-up citizen (None when not applicable).
    """

    citizen_id: int
    at: datetime
    counter: str
    method: str
    distance: float | None = None
    margin: float | None = None
