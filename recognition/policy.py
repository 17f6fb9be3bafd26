"""The decision policy: turn ranked candidates into match / confirm / unknown.

DESIGN.md, "Why face alone cannot decide at province scale": a face alone may fill the
form only when it is very close to one citizen and clearly farther from every other
(**auto**). Otherwise up to ``max_candidates`` citizens within ``candidate_distance``
go to a keypad: the citizen types the last 4 digits of their ID number (or their birth
year) and the one candidate it fits is the match (**confirm**). Anything else is
**unknown**: ask for the CCCD card.

Every threshold is in one face engine's distance (cosine distance for ``sface``,
Euclidean for ``dlib``). The auto threshold also follows the gallery: a stranger's
best match gets closer as more templates are enrolled, so with a fitted impostor tail
(:class:`ImpostorTail`) the threshold tightens until the expected share of strangers
auto-filled stays at ``target_fpir`` (:meth:`PolicyConfig.at_scale`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from models import Candidate, Decision, Match


@dataclass(frozen=True)
class ImpostorTail:
    """The near end of the distances between a stranger's face and one enrolled template,
    fitted as an exponential tail (a generalised Pareto tail of shape 0):
    ``P(distance < d) = exp(-(at_one - d) / scale)`` for ``d`` well under ``at_one``.

    Attributes:
        at_one: the distance where the fitted probability reaches 1 (engine units).
        scale: how fast the probability falls per unit of distance (engine units); 0 = no fit.
    """

    at_one: float = 0.0
    scale: float = 0.0

    @property
    def fitted(self) -> bool:
        """True when the tail has been fitted (``scale`` > 0)."""
        return self.scale > 0

    def probability(self, distance: float) -> float:
        """Fitted chance that one stranger-template comparison falls under ``distance``."""
        return min(1.0, math.exp(-(self.at_one - distance) / self.scale)) if self.fitted else float("nan")

    def distance_for(self, probability: float) -> float:
        """The distance under which one comparison falls with the given (small) probability."""
        return self.at_one + self.scale * math.log(probability)


@dataclass(frozen=True)
class PolicyConfig:
    """Thresholds of the policy for one face engine, in that engine's distance.

    Attributes:
        auto_accept_distance: best distance at or under which a face may match alone
            (the loosest value; :meth:`at_scale` may tighten it).
        min_margin: the runner-up citizen must be at least this much farther for auto.
        candidate_distance: citizens within this distance go to keypad confirmation.
        max_candidates: at most this many citizens are offered to the keypad.
        tail: the fitted impostor tail (unfitted: the auto threshold does not follow the gallery).
        target_fpir: share of strangers (probes of people not enrolled) the auto branch may
            fill in, used with ``tail``.
        holder_distance: the farthest a face being enrolled may be from the card chip's photo
            (1:1) for it to be the card's holder.
    """

    auto_accept_distance: float = 0.40
    min_margin: float = 0.06
    candidate_distance: float = 0.60
    max_candidates: int = 5
    tail: ImpostorTail = ImpostorTail()
    target_fpir: float = 0.001
    holder_distance: float = 0.59

    @property
    def search_k(self) -> int:
        """How many nearest citizens the matcher must return for :func:`decide` (≥ 2, for the margin)."""
        return max(2, self.max_candidates)

    def auto_distance_at(self, templates: int) -> float:
        """The auto threshold with ``templates`` enrolled templates: ``auto_accept_distance``,
        or stricter where the fitted tail says a stranger's best of ``templates`` comparisons
        would fall under it more often than ``target_fpir``."""
        if not self.tail.fitted or templates < 1:
            return self.auto_accept_distance
        return max(0.0, min(self.auto_accept_distance, self.tail.distance_for(self.target_fpir / templates)))

    @property
    def learn_distance(self) -> float:
        """The farthest a visit's face may be from a citizen's template for the visit to teach it
        (:meth:`kiosk.counter.enrolment.SampleRules.learnt`): where the fitted tail puts one
        stranger that close to one citizen with chance :data:`LEARN_FMR` (SFace 0.42, dlib 0.47),
        never under the loosest auto threshold nor over ``candidate_distance``; without a fitted
        tail, the auto threshold. It does not follow the gallery: the digits or the automatic
        match already chose the citizen; this only keeps somebody else's face out of their samples."""
        if not self.tail.fitted:
            return self.auto_accept_distance
        return max(self.auto_accept_distance, min(self.candidate_distance, self.tail.distance_for(LEARN_FMR)))

    def at_scale(self, templates: int) -> PolicyConfig:
        """A copy whose ``auto_accept_distance`` is :meth:`auto_distance_at` ``templates``."""
        return replace(self, auto_accept_distance=self.auto_distance_at(templates))


LEARN_FMR = 1e-5
"""Chance, per citizen, that a stranger's face falls within :attr:`PolicyConfig.learn_distance`."""


def decide(candidates: Sequence[Candidate], config: PolicyConfig) -> Match:
    """Decide from the matcher's candidates (nearest first, each citizen once, one engine)."""
    if not candidates:
        return Match(Decision.UNKNOWN)
    best = candidates[0]
    engine = best.engine
    margin = candidates[1].distance - best.distance if len(candidates) > 1 else float("inf")
    if best.distance <= config.auto_accept_distance and margin >= config.min_margin:
        return Match(Decision.MATCH, best.citizen_id, (best,), best.distance, margin, engine)
    near = tuple(c for c in candidates[: config.max_candidates] if c.distance <= config.candidate_distance)
    if near:
        return Match(Decision.CONFIRM, None, near, best.distance, margin, engine)
    return Match(Decision.UNKNOWN, None, (), best.distance, margin, engine)


def combine(matches: Sequence[Match]) -> Match:
    """One decision from the decisions of several engines' indexes over *disjoint* citizens
    (the default engine's, and an older engine's for citizens not yet upgraded), first = default.

    Face alone may fill the form only when exactly one engine found anyone: an auto match
    in one index beside a candidate in another becomes a keypad confirmation over all of
    them. Distance and margin are those of the first engine that found anyone.
    """
    found = [m for m in matches if m.decision is not Decision.UNKNOWN]
    if len(found) == 1:
        return found[0]
    if not found:
        return next((m for m in matches if m.engine), matches[0] if matches else Match(Decision.UNKNOWN))
    lead = found[0]
    candidates = tuple(c for m in found for c in m.candidates)
    return Match(Decision.CONFIRM, None, candidates, lead.distance, lead.margin, lead.engine)


KEYPAD_TRIES = 3
"""Entries of digits a citizen gets before the card is asked for."""
SHORT_DIGITS = 4
"""ID digits asked for when one citizen is offered, on the first try."""
LONG_DIGITS = 6
"""ID digits asked for when several citizens are offered, and after a miss."""


def keypad_digits(candidates: int, attempt: int) -> int:
    """How many last digits of the ID number the keypad asks for: :data:`SHORT_DIGITS` when
    one citizen is offered and it is the first try (``attempt`` 0), else :data:`LONG_DIGITS`.

    The last six digits of a CCCD number are its serial, close to uniform, so a stranger
    typing ``d`` digits fits one candidate with chance ``10^-d`` per try: with several
    citizens offered, or a second try, four digits would multiply that chance (5
    candidates × 3 tries × 10^-4 = 1.5e-3 per stranger who reaches the keypad), six keep it
    under :func:`keypad_risk` ``(1, 3)`` = 1.02e-4 whatever the gallery's size.
    """
    return SHORT_DIGITS if candidates <= 1 and attempt == 0 else LONG_DIGITS


def keypad_risk(candidates: int, tries: int) -> float:
    """The most a stranger shown the keypad with ``candidates`` citizens can expect to be
    matched over ``tries`` tries of random digits (a union bound, uniform ID digits)."""
    return float(sum(candidates / 10 ** keypad_digits(candidates, attempt) for attempt in range(tries)))


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
        return Match(Decision.UNKNOWN, None, (), match.distance, match.margin, match.engine)
    chosen = fits[0]
    return Match(Decision.MATCH, chosen.citizen_id, (chosen,), chosen.distance, match.margin, chosen.engine)
