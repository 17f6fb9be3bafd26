"""What the matcher found and what the decision policy made of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Decision(str, Enum):
    """The outcome of one identification (DESIGN.md, "Why face alone cannot decide").

    ``MATCH``: exactly one citizen, safe to fill the form. ``CONFIRM``: a short list of
    candidates; the citizen must type the last 4 digits of their ID number (or birth
    year) before anything personal is shown. ``UNKNOWN``: ask for the CCCD card.
    """

    MATCH = "match"
    CONFIRM = "confirm"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Candidate:
    """One enrolled citizen near the probe face.

    Attributes:
        citizen_id: the store's internal row id (not the ID number).
        distance: distance between the probe embedding and the citizen's closest sample,
            in the face engine's own unit (lower is more alike): cosine distance
            (1 - cosine similarity, 0..2) for ``sface``, Euclidean for ``dlib``.
        engine: the face engine whose index found the citizen (empty when unknown).
    """

    citizen_id: int
    distance: float
    engine: str = ""


@dataclass(frozen=True)
class Match:
    """The decision for one probe face.

    Attributes:
        decision: match / confirm / unknown.
        citizen_id: the matched citizen's internal id when ``decision`` is MATCH, else None.
        candidates: for CONFIRM, the citizens to check the typed digits against, nearest
            first; for MATCH, the matched citizen alone; empty for UNKNOWN.
        distance: distance to the nearest enrolled citizen (inf when nobody is enrolled), in
            the unit of ``engine``.
        margin: runner-up citizen's distance minus ``distance`` (inf when there is no runner-up).
        engine: the face engine whose distances ``distance`` and ``margin`` are (empty when
            nobody is enrolled).
    """

    decision: Decision
    citizen_id: int | None = None
    candidates: tuple[Candidate, ...] = field(default_factory=tuple)
    distance: float = float("inf")
    margin: float = float("inf")
    engine: str = ""
