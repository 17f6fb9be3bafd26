"""Enrolment with consent, more samples for an enrolled citizen, and the rules a face sample
must meet to be stored (which also pick what a confirmed visit adds: the engine upgrade, a learnt sample)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from kiosk.counter.checkin import Learnt, visit_now
from kiosk.counter.consent import CONSENT_TEXT_VERSION, PURPOSE_FACE_CHECKIN
from kiosk.counter.gallery import Gallery
from kiosk.counter.identify import FaceCheck
from kiosk.counter.receipt import render_receipt
from kiosk.errors import (
    AlreadyEnrolledError,
    ConsentRequiredError,
    FaceAlreadyEnrolledError,
    InconsistentSamplesError,
    NotEnoughSamplesError,
    NotEnrolledError,
)
from kiosk.store.records import ConsentRecord, Store
from models import CitizenRecord, FaceSample, KioskError
from models.citizen import mask_id_number
from recognition.engines import engine_info
from recognition.matcher import pairwise_distances
from recognition.templates import distance, template


@dataclass(frozen=True)
class EnrolResult:
    """What an enrolment stored: the internal id, how many samples, the first visit logged with it,
    and how far the card's chip was verified (``""``: the QR alone; ``"signature"``, ``"csca"``)."""

    citizen_id: int
    record: CitizenRecord
    samples_stored: int
    visit_id: int = 0
    chip_level: str = ""


REPLACE_AFTER = timedelta(days=30)
"""A citizen at the cap of learnt samples gains a new one (replacing the oldest learnt) only when
their newest sample is at least this old: the template follows how they look over months, and a
citizen who comes every day does not rewrite it (and every counter's copy) at each visit."""


@dataclass(frozen=True)
class SampleRules:
    """Which face samples may be stored for a citizen: of the default engine, passing every
    quality gate, looking like one person and like nobody else enrolled.

    Attributes:
        store: the counter's store (whom a look-alike face belongs to).
        engine: the default face engine; samples of another engine are refused.
        max_spread: the largest distance allowed between two of the samples, in ``engine``'s
            unit (its policy's ``candidate_distance``).
        min_samples: how many must pass for an enrolment (``settings.min_enrol_samples``).
        identify: recognises one sample against the enrolled citizens.
        visit_samples: how many samples confirmed visits may add beyond ``min_samples``
            (``settings.visit_samples``; 0: none). At that cap a visit's sample replaces the
            oldest one after the earliest ``min_samples``.
        min_margin: how much nearer than anyone else the face must be to the citizen for a
            visit to add a sample (the policy's ``min_margin``).
        learn_distance: how far from the citizen's template a visit's frame may be and still
            be added (the policy's :attr:`recognition.policy.PolicyConfig.learn_distance`).
    """

    store: Store
    engine: str
    max_spread: float
    min_samples: int
    identify: Callable[[FaceSample], FaceCheck]
    visit_samples: int = 0
    min_margin: float = float("inf")
    learn_distance: float = 0.0

    def usable(
        self,
        samples: Sequence[FaceSample],
        citizen_id: int | None,
        minimum: int | None = None,
        allow_duplicate_face: bool = False,
    ) -> list[FaceSample]:
        """The quality-passing samples, in the given order, checked to be one person and nobody
        else enrolled (``citizen_id``: whose they are, None for a new citizen; ``minimum``:
        how many must pass, default ``min_samples``).

        Raises:
            ValueError: a sample of another engine.
            NotEnoughSamplesError, InconsistentSamplesError, FaceAlreadyEnrolledError.
        """
        needed = self.min_samples if minimum is None else minimum
        if any(s.engine != self.engine for s in samples):
            raise ValueError(f"samples of another engine than {self.engine} cannot be stored for it")
        good = [s for s in samples if s.passes]
        if len(good) < needed:
            reasons = sorted({issue.message for s in samples for issue in s.issues})
            raise NotEnoughSamplesError(
                f"{len(good)} of {len(samples)} face samples passed the quality checks, {needed} needed"
                + (f" ({'; '.join(reasons)})" if reasons else ""),
                "capture more frames of the citizen looking straight at the camera",
            )
        spread = float(
            np.max(pairwise_distances(np.stack([s.embedding for s in good]), engine_info(self.engine).metric))
        )
        if spread > self.max_spread:
            raise InconsistentSamplesError(
                f"the face samples do not look like one person (spread {spread:.2f})",
                "capture again with only the citizen in front of the camera",
            )
        for sample in [] if allow_duplicate_face else good:
            other_id = self.identify(replace(sample, other_embeddings={})).citizen_id  # None unless a MATCH
            if other_id is not None and other_id != citizen_id:
                other = self.store.citizen(other_id)
                raise FaceAlreadyEnrolledError(
                    f"this face is already enrolled as citizen {other.masked_id}",
                    "an administrator must check both records before enrolling",
                )
        return good

    def learnt(self, citizen_id: int, check: FaceCheck, *, learn: bool = False) -> Learnt:
        """What a confirmed visit adds to the citizen's samples:

        - ``upgrade_samples``: the check's qualifying frames, when the citizen has no sample
          of the default engine yet (their first ones);
        - ``learn_sample`` (only with ``learn``: live camera frames): the sharpest qualifying
          frame within ``learn_distance`` of the citizen's template and ``max_spread`` of each
          of their samples, when the face was unambiguous (``check.nearest``: the citizen was its
          nearest candidate in one engine's index, every other at least ``min_margin``
          farther); once they have ``min_samples + visit_samples``, it replaces the oldest
          sample after their earliest ``min_samples`` (:attr:`Learnt.cap`);
        - ``Learnt()``: nothing (no frame qualifies, the face was not sure, or no ``visit_samples``).

        A frame qualifies when it passes :meth:`usable` for this citizen (quality, and like nobody else).
        """
        frames = [s for s in check.samples if s.engine == self.engine]
        if not frames:
            return Learnt()
        _, stored = self.store.samples_of(citizen_id, self.engine)
        if not len(stored):
            chosen = self._qualifying(frames, citizen_id)
            return Learnt("upgrade_samples", chosen) if chosen else Learnt()
        unsure = not check.nearest or check.margin < self.min_margin
        if not learn or unsure:
            return Learnt()
        return self._learn(citizen_id, frames, stored)

    def learnt_by_card(
        self, citizen_id: int, frames: Sequence[FaceSample], margin_of: Callable[[FaceSample], float]
    ) -> Learnt:
        """What a visit by card adds to the citizen's samples. The
        card names the citizen; the live ``frames`` seen while it was on screen may teach their
        template by the rule of :meth:`learnt`, each frame judged on its own (the face beside a
        card may be somebody else's). ``margin_of(frame)``: how much farther than the card's
        citizen the frame's next nearest citizen is, in the engine's distance (NaN when the
        citizen is not the nearest); a frame counts only with at least ``min_margin``. A citizen
        with no sample of the default engine gains none this way (the clerk adds them, F5)."""
        sure = [f for f in frames if f.engine == self.engine and margin_of(f) >= self.min_margin]
        if not sure:
            return Learnt()
        _, stored = self.store.samples_of(citizen_id, self.engine)
        return self._learn(citizen_id, sure, stored) if len(stored) else Learnt()

    def _learn(self, citizen_id: int, frames: Sequence[FaceSample], stored: np.ndarray) -> Learnt:
        """The sharpest frame of an unambiguous face that qualifies on its own (:meth:`usable`),
        within ``learn_distance`` of the citizen's template (``stored``: their samples of the
        default engine) and ``max_spread`` of each sample; stored with a cap of ``min_samples +
        visit_samples`` that keeps the earliest ``min_samples``. Nothing without ``visit_samples``;
        nothing at the cap while their newest sample is younger than :data:`REPLACE_AFTER`; nothing
        while this PC's clock is behind their newest sample (its date would put the new sample
        among the earliest, which are kept)."""
        cap = self.min_samples + self.visit_samples
        if not self.visit_samples:
            return Learnt()
        newest, now = self.store.newest_sample_at(citizen_id, self.engine), self.store.clock()
        if newest is not None and (now < newest or (len(stored) >= cap and now - newest < REPLACE_AFTER)):
            return Learnt()
        metric = engine_info(self.engine).metric
        own = template(stored, metric)
        for frame in sorted(frames, key=lambda s: -s.sharpness):  # each judged on its own, sharpest first
            spread = float(pairwise_distances(np.vstack([stored, frame.embedding]), metric)[-1].max())
            if distance(frame.embedding, own, metric) > self.learn_distance or spread > self.max_spread:
                continue
            chosen = self._qualifying([frame], citizen_id)
            if chosen:
                return Learnt("learn_sample", chosen, self.min_samples, cap)
        return Learnt()

    def _qualifying(self, frames: Sequence[FaceSample], citizen_id: int) -> list[FaceSample]:
        try:
            return self.usable(frames, citizen_id, minimum=1)
        except KioskError:  # blurred, turned, inconsistent, or like another citizen: try again next visit
            return []


def enrol(
    gallery: Gallery,
    rules: SampleRules,
    record: CitizenRecord,
    samples: Sequence[FaceSample],
    *,
    consent: bool,
    staff: str,
    counter: str,
    allow_duplicate_face: bool = False,
    seen_at: datetime | None = None,
    chip_level: str = "",
) -> EnrolResult:
    """Store a new citizen with their face samples and consent, all or nothing, and log
    their first visit (method ``qr``, ``first_visit`` set; ``seen_at``: when their card or
    face was first in view, aware UTC, None: unknown). ``staff`` recorded the consent.
    ``chip_level``: how far the card's chip was verified (``"signature"``, ``"csca"``), audited;
    empty when the record came from the QR alone.

    Only samples that pass ``rules`` are stored. ``consent`` must be literally ``True``: the
    citizen accepted the consent text explicitly.

    Raises:
        ConsentRequiredError, AlreadyEnrolledError, NotEnoughSamplesError,
        InconsistentSamplesError, FaceAlreadyEnrolledError, StoreError.
    """
    store = gallery.store
    if consent is not True:
        raise ConsentRequiredError(
            "the citizen has not given explicit consent to store their face",
            "show the consent text and record the citizen's acceptance first",
        )
    if store.find_citizen(record.id_number) is not None:
        raise AlreadyEnrolledError(
            f"citizen {record.masked_id} is already enrolled", "add samples to the existing record instead"
        )
    gallery.index  # noqa: B018 - loaded before anything is written: a failure here leaves nothing half-done
    good = rules.usable(samples, None, allow_duplicate_face=allow_duplicate_face)
    consent_record = ConsentRecord(PURPOSE_FACE_CHECKIN, CONSENT_TEXT_VERSION, store.clock(), counter, staff)
    with store.transaction("enrol"):
        citizen_id = store.enrol(record, good, consent_record, counter)
        visit_id = store.record_visit(visit_now(store, citizen_id, counter, "qr", seen_at, first_visit=True))
        chip = {"chip": chip_level} if chip_level else {}
        store.audit(
            "enrol", staff, counter, record.masked_id, samples=len(good), consent_version=CONSENT_TEXT_VERSION, **chip
        )
    gallery.reindex(citizen_id)
    return EnrolResult(citizen_id, record, len(good), visit_id, chip_level)


def add_samples(
    gallery: Gallery, rules: SampleRules, id_number: str, samples: Sequence[FaceSample], *, actor: str, counter: str
) -> int:
    """Add quality-passing samples to an enrolled citizen (re-enrolment). Returns how many were stored.

    Raises:
        NotEnrolledError: nobody has this 12-digit ID number.
        NotEnoughSamplesError, InconsistentSamplesError, FaceAlreadyEnrolledError, StoreError.
    """
    store = gallery.store
    found = store.find_citizen(id_number)
    if found is None:
        raise NotEnrolledError(
            f"citizen {mask_id_number(id_number)} is not enrolled", "enrol them first (card, consent, face)"
        )
    citizen_id, record = found
    good = rules.usable(samples, citizen_id, minimum=1)
    with store.transaction("add samples"):
        store.add_samples(citizen_id, good, counter)
        store.audit("add_samples", actor, counter, record.masked_id, samples=len(good))
    gallery.reindex(citizen_id)
    return len(good)


def consent_receipt(store: Store, citizen_id: int, retention_days: int, timezone: str) -> str:
    """The printable consent receipt (HTML) of a citizen's latest consent, times shown in
    ``timezone`` (an IANA name), with the retention period in days."""
    return render_receipt(store.citizen(citizen_id), store.latest_consent(citizen_id), retention_days, timezone)
