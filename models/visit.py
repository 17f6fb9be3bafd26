"""One check-in at a counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Rating(str, Enum):
    """The citizen's answer to "how satisfied are you?" after a visit (four faces on screen)."""

    VERY_SATISFIED = "very_satisfied"  # Rất hài lòng
    SATISFIED = "satisfied"  # Hài lòng
    UNSATISFIED = "unsatisfied"  # Chưa hài lòng
    VERY_UNSATISFIED = "very_unsatisfied"  # Không hài lòng


@dataclass(frozen=True)
class Visit:
    """A logged visit: a citizen served at a counter, the first (enrolment) or a return (check-in).

    Attributes:
        citizen_id: internal id of the citizen who checked in.
        at: when, timezone-aware UTC.
        counter: the counter's name from the settings.
        method: ``"face"`` (recognised), ``"confirm"`` (face + typed digits) or ``"qr"`` (card read).
        distance: face distance of the match (None for a QR check-in).
        margin: distance gap to the runner-up citizen (None when not applicable).
        seen_at: when the face (or card) was first in view, timezone-aware UTC; None if unknown.
        first_visit: True for the visit logged at enrolment (the citizen's first).
    """

    citizen_id: int
    at: datetime
    counter: str
    method: str
    distance: float | None = None
    margin: float | None = None
    seen_at: datetime | None = None
    first_visit: bool = False
