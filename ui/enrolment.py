"""Guided face capture, for a first visit (enrol) or a known citizen (add samples), without Qt.

Each analysed frame brings the largest face with its quality issues; a passing face is
kept at most every ``interval_s`` seconds (so the samples differ a little), a failing one
is an issue to show as a live hint ("lại gần hơn", "thiếu sáng", "nhìn thẳng vào camera").
:class:`ui.flow_enrol.EnrolSteps` moves the screen (CAPTURE → SAVING → SAVED) and saves through
the kiosk's services; this module only keeps the samples and says which frames count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from kiosk.cccd.record import CccdRead
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.service import Kiosk
from models import FaceSample, QualityIssue

Saved = EnrolResult | tuple[int, int]
"""What saving gives back: an enrolment, or ``(samples added, internal citizen id or 0)``."""


class Enrolment:
    """The samples of one capture and the consent receipt of the last citizen enrolled.

    ``clock``: seconds (monotonic); ``need``: the good samples to collect (read at each start,
    so a changed setting counts from the next capture); ``open_receipt``: shows the printable
    consent receipt of an enrolment (the widget's dialog).
    """

    def __init__(
        self,
        *,
        need: Callable[[], int],
        interval_s: float = 0.4,
        clock: Callable[[], float] = time.monotonic,
        open_receipt: Callable[[EnrolResult], None] | None = None,
    ) -> None:
        self._need, self.interval_s, self.clock, self.open_receipt = need, interval_s, clock, open_receipt
        self.samples: list[FaceSample] = []
        self.adding = False
        self.needed = need()
        self.result: EnrolResult | None = None
        self._last_taken: float | None = None

    def reset(self) -> None:
        """Forget the samples (cancel, or back to idle)."""
        self.samples, self._last_taken = [], None

    def begin(self, *, adding: bool) -> None:
        """A new capture (``adding``: new samples for a known citizen); no receipt until it is saved."""
        self.reset()
        self.adding, self.result, self.needed = adding, None, self._need()

    def offer(self, sample: FaceSample | None) -> QualityIssue | int | None:
        """One analysed frame's largest face (None: no face). Returns the issue to show (no face, or
        the first quality issue), or the number of samples kept once this one is kept, or None for
        a passing face that came less than ``interval_s`` after the last one kept (not kept)."""
        if sample is None:
            return QualityIssue.NO_FACE
        if not sample.passes:
            return sample.issues[0]
        now = self.clock()
        if self._last_taken is not None and now - self._last_taken < self.interval_s:
            return None
        self._last_taken = now
        self.samples.append(sample)
        return len(self.samples)

    @property
    def complete(self) -> bool:
        """True once enough good samples are kept."""
        return len(self.samples) >= self.needed

    def saver(self, kiosk: Kiosk, card: CccdRead, seen_at: datetime | None = None) -> Callable[[], Saved]:
        """The service call that stores the samples kept (for a worker thread): enrol the card's
        citizen with consent (their first visit first seen at ``seen_at``; with a chip reader
        attached, the card's chip is read and verified first and the face checked against its
        photo), or add the samples to them (then also their internal id, 0 if gone)."""
        samples, record = list(self.samples), card.record
        if self.adding:

            def add() -> tuple[int, int]:
                count = kiosk.add_samples(record.id_number, samples)
                return count, kiosk.citizen_id_of(record.id_number) or 0

            return add

        def enrol() -> EnrolResult:
            chip = kiosk.read_chip(card) if kiosk.chip_reader_ready() else None  # no reader: the QR alone
            return kiosk.enrol(record, samples, consent=True, staff=kiosk.actor, seen_at=seen_at, chip=chip)

        return enrol

    def show_receipt(self) -> None:
        """Open the printable consent receipt of the citizen just enrolled (nothing before a save)."""
        if self.result is not None and self.open_receipt is not None:
            self.open_receipt(self.result)
