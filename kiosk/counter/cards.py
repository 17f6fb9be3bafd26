"""The CCCD card at the counter: read its QR code, whether its citizen is enrolled, check in by it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from kiosk.cccd.record import CccdRead, parse_cccd, with_corrections
from kiosk.counter.checkin import Learnt, add_learnt, visit_now
from kiosk.counter.gallery import Gallery
from kiosk.errors import CccdError
from kiosk.store.records import Store
from models import KioskError
from recognition.errors import QrNotFoundError
from recognition.qr import decode_qr

log = logging.getLogger("cccd_kiosk.counter")

CARD_FACES = 8
"""How many of the latest faces in view while a known card is up a visit by card keeps, to
teach the card's citizen's template (:meth:`kiosk.counter.service.Kiosk.check_in_by_card`)."""


@dataclass(frozen=True)
class CardCheck:
    """A CCCD card read at the counter: the parsed card, whether the citizen is enrolled, and
    the visit logged by :meth:`Kiosk.check_in_by_card` (None: none)."""

    card: CccdRead
    known: bool
    visit_id: int | None = None  # the visit a card check-in logged (None: no visit, the citizen is not enrolled)
    citizen_id: int | None = None  # the enrolled citizen's internal id (None: not enrolled)
    learnt: int = 0  # face samples the visit added to the citizen's (see Kiosk.check_in_by_card)


def read_card(frame: np.ndarray, *, thorough: bool = True) -> CccdRead:
    """Decode the CCCD QR code in a frame (BGR, HxWx3 uint8) and parse it.

    Raises:
        QrNotFoundError: no QR code could be read.
        CccdError: a QR code was read but is not a CCCD card.
    """
    reads = decode_qr(frame, thorough=thorough)
    if not reads:
        raise QrNotFoundError(
            "no QR code found", "hold the CCCD card's QR code flat, close to the camera, in good light"
        )
    first_error: CccdError | None = None
    for read in reads:  # several codes in view (a poster behind the citizen...): the card's wins
        try:
            return parse_cccd(read.data)
        except CccdError as exc:
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


def check_card(store: Store, card: CccdRead, *, actor: str, counter: str) -> CardCheck:
    """Whether the card's citizen is enrolled (the QR read is audited; no visit is logged)."""
    known = store.find_citizen(card.record.id_number) is not None
    store.audit("qr_read", actor, counter, card.record.masked_id, known=known)
    return CardCheck(card, known)


def correct_card(
    store: Store,
    card: CccdRead,
    *,
    full_name: str | None = None,
    address: str | None = None,
    actor: str,
    counter: str,
) -> CccdRead:
    """The clerk's correction of a card's name or address before enrolment (a QR printed from
    mis-encoded text): the corrected card (see :func:`kiosk.cccd.record.with_corrections`),
    audited as ``card_corrected`` with the fields changed and the warnings the card had (never
    the values). The ID number is the card's: lookups and the blind index never change.

    Raises:
        CccdError: an empty name, or a control character or ``|`` in a field.
    """
    fixed = with_corrections(card, full_name=full_name, address=address)
    changed = [f for f in ("full_name", "address") if getattr(fixed.record, f) != getattr(card.record, f)]
    if changed:
        store.audit(
            "card_corrected",
            actor,
            counter,
            card.record.masked_id,
            fields=changed,
            warnings=[w.code for w in card.warnings],
        )
    return fixed


def check_in_by_card(
    gallery: Gallery,
    card: CccdRead,
    seen_at: datetime | None = None,
    learnt: Callable[[int], Learnt] | None = None,
    *,
    actor: str,
    counter: str,
) -> CardCheck:
    """Check in a citizen by their card: a known citizen gets a visit (method ``qr``); an
    unknown one needs enrolment. The QR read is audited either way.

    ``seen_at``: when the citizen's face or card was first in view (aware UTC; None: unknown).
    ``learnt(citizen_id)``: what the visit adds to a known citizen's samples
    (:meth:`kiosk.counter.enrolment.SampleRules.learnt_by_card`); stored and audited in the
    visit's transaction, and put into the index.
    """
    store = gallery.store
    found = store.find_citizen(card.record.id_number)
    citizen_id = found[0] if found is not None else None
    learned = Learnt()
    if citizen_id is not None and learnt is not None:
        try:
            learned = learnt(citizen_id)
        except KioskError as exc:  # learning is a bonus: the visit is logged all the same
            log.warning("a visit by card learnt nothing: %s", exc.message)
    with store.transaction("record the card check-in"):
        store.audit("qr_read", actor, counter, card.record.masked_id, known=citizen_id is not None)
        visit_id, stored = None, 0
        if citizen_id is not None:
            visit_id = store.record_visit(visit_now(store, citizen_id, counter, "qr", seen_at))
            stored = add_learnt(store, citizen_id, card.record.masked_id, learned, "qr", actor=actor, counter=counter)
    if stored and citizen_id is not None:
        gallery.reindex(citizen_id)
    return CardCheck(card, citizen_id is not None, visit_id, citizen_id, stored)
