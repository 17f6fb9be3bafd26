"""The counter's visit sequence (issue #22): enrol, then every later photo of a person is a
visit that may teach the citizen's template, as the kiosk does.

For each enrolled person of an :class:`kiosk.measure.identification.OpenSet`, their genuine
probes are visits 2, 3, ... in file order. Each visit is searched and decided as the kiosk
decides (templates, :func:`recognition.policy.decide` at the threshold of the gallery's size
or of ``as_gallery`` citizens, the keypad with the person's own digits). A matched visit
then teaches the citizen by the rule of :meth:`kiosk.counter.enrolment.SampleRules.learnt`
(the face unambiguous: the citizen nearest, every other ``min_margin`` farther; within
``learn_distance`` of their template and ``candidate_distance`` of each of their samples):
their enrolled photos stay, and once ``visit_samples`` faces were learnt, a new one replaces
the oldest learnt (at the counter the earliest ``min_enrol_samples`` stay; counted in
``retired``); the quality gates are left out (a data set's photos carry no capture quality). A visit that ends at the card (neither the face nor the digits
matched) teaches by the card's rule (:meth:`~kiosk.counter.enrolment.SampleRules.learnt_by_card`:
the card's citizen the face's nearest, the next ``min_margin`` farther, then the same
distances), counted in ``learnt_by_card`` too. After the last visit, the strangers are
searched against the grown gallery: none may be filled in automatically; a stranger matched
through the keypad whose face the rule would have taken is counted in ``strangers_learnt``,
and one whose face would teach the template of the citizen they look most like, had they
borrowed that citizen's card, in ``strangers_learnt_by_card`` (the worst case of a borrowed card).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.measure.encodings import EncodedSet
from kiosk.measure.identification import (
    OpenSet,
    Probe,
    build_matcher,
    comparisons_as,
    make_id_numbers,
    search,
    typed_digits,
)
from models import Candidate, Decision, Match
from recognition.matcher import Matcher, pairwise_distances
from recognition.policy import PolicyConfig, decide, keypad_digits, resolve_confirm
from recognition.templates import distance, template


@dataclass
class _Tally:
    visits: int = 0
    auto: int = 0
    matched: int = 0
    wrong: int = 0
    learnt: int = 0
    card_learnt: int = 0
    retired: int = 0


def _learns(
    matcher: Matcher, embedding: np.ndarray, first: Match, final: Match, own: int, policy: PolicyConfig
) -> bool:
    """The kiosk's learning rule for one visit of citizen ``own`` confirmed by face or keypad
    (see the module docstring)."""
    if final.decision is not Decision.MATCH or final.citizen_id != own:
        return False
    nearest = bool(first.candidates) and first.candidates[0].citizen_id == own
    unambiguous = first.decision is Decision.MATCH or (nearest and first.margin >= policy.min_margin)
    return unambiguous and _teaches(matcher, embedding, own, policy)


def _learns_by_card(
    matcher: Matcher, candidates: list[Candidate], embedding: np.ndarray, own: int, policy: PolicyConfig
) -> bool:
    """The rule for a visit by citizen ``own``'s card (:meth:`kiosk.counter.enrolment.SampleRules.learnt_by_card`):
    the face's nearest citizen (``candidates``, nearest first) is the card's, the next ``min_margin`` farther."""
    sure = bool(candidates) and candidates[0].citizen_id == own
    if sure and len(candidates) > 1:
        sure = candidates[1].distance - candidates[0].distance >= policy.min_margin
    return sure and _teaches(matcher, embedding, own, policy)


def _teaches(matcher: Matcher, embedding: np.ndarray, own: int, policy: PolicyConfig) -> bool:
    """A face of citizen ``own`` beyond doubt is added when within ``learn_distance`` of their
    template and ``candidate_distance`` of each sample."""
    stored = matcher.embeddings_of(own)
    if not len(stored):
        return False
    near = distance(embedding, template(stored, matcher.metric), matcher.metric) <= policy.learn_distance
    spread = float(pairwise_distances(np.vstack([stored, embedding]), matcher.metric)[-1].max())
    return near and spread <= policy.candidate_distance


def _decide(
    matcher: Matcher,
    probe: Probe,
    index: int,
    encoded: EncodedSet,
    policy: PolicyConfig,
    ids: dict[int, str],
    seed: int,
) -> tuple[list[Candidate], Match, Match]:
    """One probe's nearest citizens, its decision (before the keypad) and that decision resolved
    with the digits its person types."""
    found = search(matcher, [probe], encoded, policy.search_k)[0]
    first = decide(found, policy)
    digits = keypad_digits(len(first.candidates), 0)
    final = resolve_confirm(first, typed_digits(probe, index, ids, seed, digits), lambda cid: ids[cid][-digits:])
    return found, first, final


def run_sequence(
    open_set: OpenSet,
    encoded: EncodedSet,
    policy: PolicyConfig,
    *,
    visit_samples: int,
    as_gallery: int | None = None,
    seed: int = 0,
) -> dict[str, object]:
    """The visit sequence with learning (``visit_samples`` > 0) and without, on the same visits:
    ``{"learning": {...}, "no_learning": {...}, "visit_samples": n}``; each run gives visits,
    auto_rate (share of visits filled in with no typing), fnir, wrong_person, learnt,
    learnt_by_card, retired, by_visit (auto rate of each visit number from 2 on), strangers,
    stranger_auto, strangers_matched, strangers_learnt and strangers_learnt_by_card. ``policy``: the engine's unscaled policy."""
    ids = make_id_numbers(len(open_set.gallery), seed)
    runs = {}
    for name, learnt in (("learning", visit_samples), ("no_learning", 0)):
        runs[name] = _one_run(open_set, encoded, policy, ids, learnt, as_gallery, seed)
    return {**runs, "visit_samples": visit_samples}


def _one_run(
    open_set: OpenSet,
    encoded: EncodedSet,
    policy: PolicyConfig,
    ids: dict[int, str],
    visit_samples: int,
    as_gallery: int | None,
    seed: int,
) -> dict[str, object]:
    matcher = build_matcher(open_set.gallery, encoded)
    enrolled = list(open_set.gallery.values())

    def scaled() -> PolicyConfig:
        """The policy at the grown gallery's size (or at ``as_gallery`` citizens enrolled like it)."""
        return policy.at_scale(comparisons_as(len(matcher), len(enrolled), as_gallery))

    total = _Tally()
    by_visit: dict[int, _Tally] = {}
    seen: dict[int, int] = {}
    learnt: dict[int, list[np.ndarray]] = {}  # each citizen's learnt faces, oldest first
    learns = visit_samples > 0

    def teach(own: int, embedding: np.ndarray) -> None:
        """Add a learnt face; past ``visit_samples`` learnt, the oldest learnt one is retired."""
        mine = learnt.setdefault(own, [])
        mine.append(embedding)
        total.learnt += 1
        if len(mine) <= visit_samples:
            matcher.add(own, embedding)
            return
        del mine[0]
        total.retired += 1
        matcher.remove(own)
        matcher.add(own, np.vstack([encoded.embeddings[[encoded.row(f) for f in enrolled[own - 1]]], *mine]))

    for index, probe in enumerate(open_set.genuine):
        own = probe.citizen_id
        assert own is not None
        seen[own] = visit = seen.get(own, 1) + 1
        found, first, final = _decide(matcher, probe, index, encoded, scaled(), ids, seed)
        tally = by_visit.setdefault(visit, _Tally())
        for t in (total, tally):
            t.visits += 1
            t.auto += first.decision is Decision.MATCH and first.citizen_id == own
            t.matched += final.decision is Decision.MATCH and final.citizen_id == own
            t.wrong += final.decision is Decision.MATCH and final.citizen_id != own
        embedding = encoded.embeddings[encoded.row(probe.file)]
        at_card = final.decision is not Decision.MATCH  # neither the face nor the digits matched
        if learns and (
            _learns_by_card(matcher, found, embedding, own, policy)
            if at_card
            else _learns(matcher, embedding, first, final, own, policy)
        ):
            teach(own, embedding)
            total.card_learnt += at_card
    strangers = _Tally()
    at_end = scaled()
    for index, probe in enumerate(open_set.strangers):
        found, first, final = _decide(matcher, probe, index, encoded, at_end, ids, seed + 1)
        strangers.visits += 1
        strangers.auto += first.decision is Decision.MATCH
        strangers.matched += final.decision is Decision.MATCH
        embedding = encoded.embeddings[encoded.row(probe.file)]
        if not learns:
            continue
        if final.decision is Decision.MATCH and final.citizen_id is not None:
            strangers.learnt += _learns(matcher, embedding, first, final, final.citizen_id, policy)
        if found:  # the worst case of a borrowed card: the stranger holds the card of whom they look most like
            strangers.card_learnt += _learns_by_card(matcher, found, embedding, found[0].citizen_id, policy)
    n = total.visits
    return {
        "visits": n,
        "auto_rate": total.auto / n if n else float("nan"),
        "fnir": (n - total.matched) / n if n else float("nan"),
        "wrong_person": total.wrong,
        "learnt": total.learnt,
        "learnt_by_card": total.card_learnt,
        "retired": total.retired,
        "auto_threshold_at_end": at_end.auto_accept_distance,
        "by_visit": {str(v): round(t.auto / t.visits, 4) for v, t in sorted(by_visit.items()) if t.visits >= 10},
        "strangers": strangers.visits,
        "stranger_auto": strangers.auto,
        "strangers_matched": strangers.matched,
        "strangers_learnt": strangers.learnt,
        "strangers_learnt_by_card": strangers.card_learnt,
        "samples_per_citizen": len(matcher) / len(enrolled) if enrolled else 0.0,
    }
