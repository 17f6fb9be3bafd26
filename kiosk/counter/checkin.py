"""Logging a visit: a matched face's check-in (with the samples it may add), and the
time rules every visit follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np

from kiosk.counter.gallery import Gallery
from kiosk.counter.identify import FaceCheck
from kiosk.store.records import Store
from models import Decision, FaceSample, Visit


def visit_now(
    store: Store,
    citizen_id: int,
    counter: str,
    method: str,
    seen_at: datetime | None,
    *,
    distance: float | None = None,
    margin: float | None = None,
    first_visit: bool = False,
) -> Visit:
    """A visit of ``citizen_id`` at ``counter`` at the store's clock's now (aware UTC).

    ``seen_at``: when the citizen's face or card was first in view (aware UTC; None: unknown);
    never later than the visit itself. ``distance`` and ``margin``: the face's, in its engine's
    unit (None: not by face).
    """
    now = store.clock()
    return Visit(
        citizen_id,
        now,
        counter,
        method,
        distance,
        margin,
        seen_at=None if seen_at is None else min(seen_at, now),
        first_visit=first_visit,
    )


class Learnt(NamedTuple):
    """What a confirmed visit adds to a citizen's face samples
    (:meth:`kiosk.counter.enrolment.SampleRules.learnt`).

    Attributes:
        action: the audit action (``upgrade_samples``, ``learn_sample``); empty: nothing.
        samples: the samples to store (empty: nothing).
        keep_first: how many of the citizen's earliest samples are never retired (with ``cap``).
        cap: after storing, the citizen's oldest other samples of the engine are retired until
            this many are left (:meth:`kiosk.store.records.Store.retire_oldest`); 0: none retired.
    """

    action: str = ""
    samples: Sequence[FaceSample] = ()
    keep_first: int = 0
    cap: int = 0


def add_learnt(
    store: Store, citizen_id: int, masked_id: str, learnt: Learnt, method: str, *, actor: str, counter: str
) -> int:
    """Store the samples a visit (by ``method``: face, confirm, qr) adds to a citizen and retire
    the oldest learnt one beyond ``learnt.cap``, audited under ``learnt.action`` with the method,
    engine and how many were retired; nothing when there are none. Call inside the visit's
    transaction; the caller reindexes the citizen when this returns more than 0.

    Returns:
        how many samples were stored.
    """
    if not learnt.samples:
        return 0
    store.add_samples(citizen_id, learnt.samples, counter)
    engine = learnt.samples[0].engine
    retired = store.retire_oldest(citizen_id, engine, learnt.keep_first, learnt.cap, counter) if learnt.cap else 0
    store.audit(
        learnt.action,
        actor,
        counter,
        masked_id,
        method=method,
        engine=engine,
        samples=len(learnt.samples),
        **({"retired": retired} if retired else {}),
    )
    return len(learnt.samples)


def check_in(
    gallery: Gallery,
    check: FaceCheck,
    seen_at: datetime | None,
    learnt: Callable[[int, FaceCheck], Learnt],
    *,
    counter: str,
    actor: str,
) -> int:
    """Log the visit of a matched face (the clerk pressed confirm). Returns the visit id.

    ``seen_at``: when the face was first in view (aware UTC; None: unknown); the visit's
    ``at`` is now, so ``at - seen_at`` is the time the citizen waited to be confirmed.

    ``learnt(citizen_id, check)``: what the visit adds to the citizen's samples
    (:meth:`kiosk.counter.enrolment.SampleRules.learnt`: their first samples of the default
    engine, or one learnt from an unambiguous face, replacing their oldest learnt one at the
    cap). Those are stored in the same transaction as the visit (audited under its action)
    and put into the index; they travel to the registry with the next sync and go with a purge.

    Raises:
        ValueError: the check is not a MATCH.
    """
    store = gallery.store
    citizen_id = check.citizen_id
    if check.decision is not Decision.MATCH or citizen_id is None or check.citizen is None:
        raise ValueError("only a MATCH can be checked in")
    visit = visit_now(
        store,
        citizen_id,
        counter,
        "confirm" if check.via_keypad else "face",
        seen_at,
        distance=check.distance,
        margin=check.margin if np.isfinite(check.margin) else None,
    )
    learned = learnt(citizen_id, check)
    with store.transaction("record the visit"):
        visit_id = store.record_visit(visit)
        store.audit(
            "identify",
            actor,
            counter,
            check.citizen.masked_id,
            method=visit.method,
            distance=round(check.distance, 4),
            engine=check.engine,
        )
        stored = add_learnt(
            store, citizen_id, check.citizen.masked_id, learned, visit.method, actor=actor, counter=counter
        )
    if stored:
        gallery.reindex(citizen_id)
    return visit_id
