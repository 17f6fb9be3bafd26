"""Logging a visit: a matched face's check-in (with the samples it may add), and the
time rules every visit follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

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


def add_learnt(
    store: Store,
    citizen_id: int,
    masked_id: str,
    action: str,
    samples: Sequence[FaceSample],
    method: str,
    *,
    actor: str,
    counter: str,
) -> None:
    """Store the samples a visit (by ``method``: face, confirm, qr) adds to a citizen, audited
    under ``action`` with the method and engine; nothing when there are none. Call inside the
    visit's transaction; the caller puts them into the index."""
    if samples:
        store.add_samples(citizen_id, samples, counter)
        store.audit(action, actor, counter, masked_id, method=method, engine=samples[0].engine, samples=len(samples))


def check_in(
    gallery: Gallery,
    check: FaceCheck,
    seen_at: datetime | None,
    learnt: Callable[[int, FaceCheck], tuple[str, list[FaceSample]]],
    *,
    counter: str,
    actor: str,
) -> int:
    """Log the visit of a matched face (the clerk pressed confirm). Returns the visit id.

    ``seen_at``: when the face was first in view (aware UTC; None: unknown); the visit's
    ``at`` is now, so ``at - seen_at`` is the time the citizen waited to be confirmed.

    ``learnt(citizen_id, check)``: what the visit adds to the citizen's samples, as ``(audit
    action, samples)`` (:meth:`kiosk.counter.enrolment.SampleRules.learnt`: their first
    samples of the default engine, or one learnt from an unambiguous face). Those are
    stored in the same transaction as the visit (audited under that action) and put into the
    index; they travel to the registry with the next sync and go with a purge.

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
    action, samples = learnt(citizen_id, check)
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
        add_learnt(
            store, citizen_id, check.citizen.masked_id, action, samples, visit.method, actor=actor, counter=counter
        )
    if samples:
        gallery.reindex(citizen_id)
    return visit_id
