"""The decision policy: turn ranked candidates into match / confirm / unknown.

DESIGN.md, "Why face alone cannot decide at province scale": a face alone may fill the
form only when it is very close to one citizen and clearly farther from every other
(**auto**). Otherwise up to ``max_candidates`` citizens within ``candidate_distance``
go to a keypad: the citizen types the last 4 digits of their ID number (or their birth
year) and the one candidate it fits is the match (**confirm**). Anything else is
**unknown**: ask for the CCCD card.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models import Candidate, Decision, Match


@dataclass(frozen=True)
class PolicyConfig:
    """Thresholds of the policy (Euclidean distances between dlib embeddings).

    Attributes:
        auto_accept_distance: best distance at or under which a face may match alone.
        min_margin: the runner-up citizen must be at least this much farther for auto.
        candidate_distance: citizens within this distance go to keypad confirmation.
        max_candidates: at most this many citizens are offered to the keypad.
    """

    auto_accept_distance: float = 0.40
    min_margin: float = 0.06
    candidate_distance: float = 0.60
    max_candidates: int = 5

    @property
    def search_k(self) -> int:
        """How many nearest citizens the matcher must return for :func:`decide` (≥ 2, for the margin)."""
        return max(2, self.max_candidates)


def decide(candidates: Sequence[Candidate], config: PolicyConfig) -> Match:
    """Decide from the matcher's candidates (nearest first, each citizen once)."""
    if not candidates:
        return Match(Decision.UNKNOWN)
    best = candidates[0]
    margin = candidates[1].distance - best.distance if len(candidates) > 1 else float("inf")
    if best.distance <= config.auto_accept_distance and margin >= config.min_margin:
        return Match(Decision.MATCH, best.citizen_id, (best,), best.distance, margin)
    near = tuple(c for c in candidates[: config.max_candidates] if c.distance <= config.candidate_distance)
    if near:
        return Match(Decision.CONFIRM, None, near, best.distance, margin)
    return Match(Decision.UNKNOWN, None, (), best.distance, margin)


def resolve_confirm(match: Match, typed: str, key_of: Callable[[int], str]) -> Match:
    """Resolve a CONFIRM decision with what the citizen typed on the keypad.

    ``key_of(citizen_id)`` gives the expected entry for a candidate (e.g. the last 4
    digits of their ID number). Exactly one fitting candidate → MATCH to them; none, or
    more than one (ambiguous), → UNKNOWN. A non-CONFIRM match is returned unchanged.
    """
    if match.decision is not Decision.CONFIRM:
        return match
    entry = typed.strip()
    fits = [c for c in match.candidates if entry and key_of(c.citizen_id) == entry]
    if len(fits) != 1:
        return Match(Decision.UNKNOWN, None, (), match.distance, match.margin)
    chosen = fits[0]
    return Match(Decision.MATCH, chosen.citizen_id, (chosen,), chosen.distance, match.margin)
