"""Recognising a face at the counter: search the index, decide, confirm with the keypad.

Nothing personal about a citizen leaves this module for a face until the decision is a MATCH.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from kiosk.counter.gallery import Gallery
from kiosk.store.records import Store
from models import CitizenRecord, Decision, FaceBox, FaceSample, Match
from recognition.engines import engine_info
from recognition.policy import SHORT_DIGITS, PolicyConfig, combine, decide, keypad_digits, resolve_confirm
from recognition.templates import template


@dataclass(frozen=True)
class FaceCheck:
    """The outcome of showing a face to the kiosk.

    Attributes:
        decision: match / confirm / unknown.
        candidate_count: how many citizens the keypad would be checked against (CONFIRM).
        distance: distance to the nearest enrolled citizen (inf when nobody is enrolled).
        margin: runner-up distance minus ``distance`` (inf without a runner-up).
        box: the face that was matched (the largest in the frame), frame pixels.
        citizen: the record to fill in, **only** when ``decision`` is MATCH.
        via_keypad: True when the match came from confirming typed digits.
        engine: the face engine whose distances these are.
        samples: the frames' faces behind this check (the agreeing frames at the counter);
            a confirmed citizen who lacks templates of the default engine gains them from these,
            and one who has them may learn one (:meth:`kiosk.counter.enrolment.SampleRules.learnt`).
        nearest: a MATCH whose citizen was also the face's nearest candidate, in one engine's
            index (True for an automatic match; after the keypad, False when the digits picked
            someone farther or the candidates came from two engines' indexes).
    """

    decision: Decision
    candidate_count: int
    distance: float
    margin: float
    box: FaceBox | None = None
    citizen: CitizenRecord | None = None
    via_keypad: bool = False
    engine: str = ""
    samples: tuple[FaceSample, ...] = field(default=(), repr=False, compare=False)
    nearest: bool = False
    _match: Match = field(default_factory=lambda: Match(Decision.UNKNOWN), repr=False, compare=False)

    @property
    def citizen_id(self) -> int | None:
        """The matched citizen's internal id, **only** when ``decision`` is MATCH (else None)."""
        return self._match.citizen_id if self._match.decision is Decision.MATCH else None


def identify_sample(gallery: Gallery, policies: Mapping[str, PolicyConfig], sample: FaceSample) -> FaceCheck:
    """Recognise an already embedded face: through the default engine's index (``gallery.engine``),
    each citizen found scored against their template (:mod:`recognition.templates`),
    and through each older engine's index (citizens not yet upgraded) with the sample's embedding
    by that engine. The face fills the form alone only if exactly one index found anyone.

    ``policies``: each engine's decision policy, by engine name. Citizens found in the index
    but purged from the store since (by another program) are dropped from it on the way.

    Raises:
        ValueError: the sample is not the default engine's.
    """
    if sample.engine != gallery.engine:
        raise ValueError(f"a {sample.engine} sample cannot be matched by a kiosk whose engine is {gallery.engine}")
    store, index = gallery.store, gallery.index
    probes = {
        index.primary: sample.embedding,
        **{e: sample.other_embeddings[e] for e in index.legacy_engines if e in sample.other_embeddings},
    }
    while True:
        found = {name: index.matchers[name].nearest(emb, policies[name].search_k) for name, emb in probes.items()}
        gone = {c.citizen_id for cands in found.values() for c in cands if not store.has_citizen(c.citizen_id)}
        for citizen_id in gone:  # purged by another program (a CLI purge, a sync) since the index was loaded
            index.remove(citizen_id)
        if gone:
            continue
        decisions = [
            decide(cands, policies[name].at_scale(index.matchers[name].comparisons)) for name, cands in found.items()
        ]
        try:
            decision = combine(decisions)
            automatic = decision.decision is Decision.MATCH
            return _face_check(store, decision, sample.box, via_keypad=False, samples=(sample,), nearest=automatic)
        except KeyError as exc:  # purged on another thread between the search and the lookup: search again
            index.remove(exc.args[0])


def margin_for(gallery: Gallery, policies: Mapping[str, PolicyConfig], sample: FaceSample, citizen_id: int) -> float:
    """How much farther than citizen ``citizen_id`` the next nearest citizen is from ``sample``'s
    face, in the default engine's index by template, in its distance: inf when nobody else was
    found; NaN when ``citizen_id`` is not the nearest, when the sample is another engine's, or
    when an older engine's index (citizens not yet upgraded) finds anybody within its
    ``candidate_distance`` (as :func:`identify_sample` would then not decide alone). For
    learning from a visit by card; it names nobody. ``policies``: each engine's, by name."""
    if sample.engine != gallery.engine:
        return math.nan
    index = gallery.index
    found = index.matchers[index.primary].nearest(sample.embedding, policies[index.primary].search_k)
    if not found or found[0].citizen_id != citizen_id:
        return math.nan
    for engine in index.legacy_engines:
        probe = sample.other_embeddings.get(engine)
        near = [] if probe is None else index.matchers[engine].nearest(probe, 1)
        if near and near[0].distance <= policies[engine].candidate_distance:
            return math.nan
    return found[1].distance - found[0].distance if len(found) > 1 else math.inf


def fused_sample(samples: Sequence[FaceSample], metric: str) -> FaceSample | None:
    """One face from several frames of one approach: the last frame's, with each engine's
    embedding the template of the frames' (:func:`recognition.templates.template`). None for
    fewer than two frames, or frames not embedded by the same engines (an older engine's index
    would go unsearched)."""
    if len(samples) < 2 or len({frozenset(s.other_embeddings) for s in samples}) > 1:
        return None
    others = {
        engine: template(np.stack([s.other_embeddings[engine] for s in samples]), engine_info(engine).metric)
        for engine in samples[-1].other_embeddings
    }
    return replace(
        samples[-1],
        embedding=template(np.stack([s.embedding for s in samples]), metric).astype(np.float32),
        other_embeddings={e: v.astype(np.float32) for e, v in others.items()},
    )


def identify_frames(
    gallery: Gallery, policies: Mapping[str, PolicyConfig], samples: Sequence[FaceSample], agreed: FaceCheck
) -> FaceCheck:
    """The decision on the agreeing frames of one approach, fused (:func:`fused_sample`):
    the fused face's automatic match when it names the citizen the frames agreed on (or one
    of the candidates they agreed to offer the keypad), else ``agreed`` as it was. So fusing
    can only spare a citizen the keypad, never name anybody the frames did not."""
    if agreed.decision is Decision.MATCH:
        return agreed
    fused = fused_sample(samples, engine_info(gallery.engine).metric)
    if fused is None:
        return agreed
    check = identify_sample(gallery, policies, fused)
    named = {c.citizen_id for c in agreed._match.candidates}
    if check.decision is Decision.MATCH and check.citizen_id in named:
        return replace(check, samples=tuple(samples))
    return agreed


class KeypadAsk(NamedTuple):
    """What the keypad asks a citizen for: ``entry`` ``"id"`` (the last ``digits`` digits of the
    ID number) or ``"birth_year"`` (4 digits)."""

    entry: str
    digits: int


def keypad_ask(check: FaceCheck, confirm_with: str, attempt: int) -> KeypadAsk:
    """What to ask for on try ``attempt`` (0 = the first) of a CONFIRM check: the ID digits of
    :func:`recognition.policy.keypad_digits` (4 for one candidate on the first try, else 6); the
    birth year instead of 4 ID digits when ``confirm_with`` is ``birth_year`` (a year is far easier
    to guess, so it is never asked where 6 digits are needed)."""
    digits = keypad_digits(check.candidate_count, attempt)
    if confirm_with == "birth_year" and digits == SHORT_DIGITS:
        return KeypadAsk("birth_year", 4)
    return KeypadAsk("id", digits)


def answer(ask: KeypadAsk, known: str) -> str:
    """What a citizen who knows ``known`` (the last digits of their ID number, or their birth
    year) types when asked ``ask``: as many of the last ID digits as are asked for (too few known: all of them)."""
    return known[-ask.digits :] if ask.entry == "id" else known


def confirm(
    store: Store, check: FaceCheck, typed: str, *, confirm_with: str, attempt: int, actor: str, counter: str
) -> FaceCheck:
    """Resolve a CONFIRM check with the digits the citizen typed on try ``attempt`` (0 = the first):
    exactly what :func:`keypad_ask` asks for, or it fits nobody. The attempt is audited (whether
    it fitted, how many candidates, how many digits) as ``actor`` at ``counter``; any other check
    comes back as is."""
    if check.decision is not Decision.CONFIRM:
        return check
    ask = keypad_ask(check, confirm_with, attempt)

    def keypad_entry(citizen_id: int) -> str:
        record = store.citizen(citizen_id)
        return str(record.date_of_birth.year) if ask.entry == "birth_year" else record.id_number[-ask.digits :]

    entry = typed.strip()
    well_formed = entry.isdigit() and len(entry) == ask.digits
    resolved = resolve_confirm(check._match, entry if well_formed else "", keypad_entry)
    store.audit(
        "keypad",
        actor,
        counter,
        "",
        fitted=resolved.decision is Decision.MATCH,
        candidates=len(check._match.candidates),
        digits=ask.digits,
        attempt=attempt + 1,
    )
    offered = check._match.candidates
    nearest = bool(offered) and resolved.citizen_id == offered[0].citizen_id and len({c.engine for c in offered}) == 1
    return _face_check(store, resolved, check.box, via_keypad=True, samples=check.samples, nearest=nearest)


def _face_check(
    store: Store,
    match: Match,
    box: FaceBox | None,
    *,
    via_keypad: bool,
    samples: tuple[FaceSample, ...] = (),
    nearest: bool = False,
) -> FaceCheck:
    """The check a match gives; the citizen's record is read only for a MATCH (KeyError: purged)."""
    citizen = (
        store.citizen(match.citizen_id) if match.decision is Decision.MATCH and match.citizen_id is not None else None
    )
    return FaceCheck(
        match.decision,
        len(match.candidates) if match.decision is Decision.CONFIRM else 0,
        match.distance,
        match.margin,
        box,
        citizen,
        via_keypad,
        match.engine,
        samples,
        nearest,
        match,
    )
