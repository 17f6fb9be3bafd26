"""Guided face capture and saving, for a first visit (enrol) or a known citizen (add samples).

Each analysed frame brings the largest face with its quality issues; a passing face is
kept at most every ``capture_interval_s`` (so the samples differ a little), a failing one
turns into a live hint ("lại gần hơn", "thiếu sáng", "nhìn thẳng vào camera"). Saving
runs on a worker thread; the consent receipt is offered afterwards.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from kiosk.counter.service import EnrolResult
from kiosk.counter.watch import Mode, WatchResult
from kiosk.errors import StoreError
from models import FaceSample, QualityIssue
from ui.i18n import pick, tr
from ui.style import AMBER, GREEN

if TYPE_CHECKING:
    from ui.counter import CounterPage


class Enrolment:
    """The capture-and-save part of the counter screen (state CAPTURE → SAVING → SAVED)."""

    def __init__(self, *, page: CounterPage, capture_interval_s: float = 0.4) -> None:
        self.page = page
        self.capture_interval_s = capture_interval_s
        self.samples: list[FaceSample] = []
        self.adding = False
        self.result: EnrolResult | None = None
        self._last_taken = 0.0

    def reset(self) -> None:
        """Forget the samples (cancel, or back to idle)."""
        self.samples, self._last_taken = [], 0.0

    def start(self, *, adding: bool) -> None:
        """Start capturing for the card on screen (``adding``: a known citizen gets new samples)."""
        from ui.counter import State

        page = self.page
        if page.card is None:
            return
        self.reset()
        self.adding, self.result = adding, None
        page.capture.start(page.card.record.full_name, self.needed, adding=adding)
        page.guard.capture()
        page.set_state(State.CAPTURE, Mode.CAPTURE, page.capture, tr("Mời nhìn thẳng vào camera"))

    @property
    def needed(self) -> int:
        """Good samples to collect: the enrolment minimum (also for new samples of a known citizen)."""
        return self.page.kiosk.settings.min_enrol_samples

    def on_sample(self, result: WatchResult) -> None:
        """One analysed frame during capture."""
        page = self.page
        sample = result.sample
        good = sample is not None and sample.passes
        page.preview.set_boxes(result.boxes, result.frame_shape, GREEN if good else AMBER)
        if sample is None:
            self._hint(QualityIssue.NO_FACE)
            return
        if not sample.passes:
            self._hint(sample.issues[0])
            return
        now = time.monotonic()
        if now - self._last_taken < self.capture_interval_s:
            return
        self._last_taken = now
        self.samples.append(sample)
        page.capture.progress(len(self.samples))
        page.capture.set_hint(lambda: tr("Tốt, giữ yên…"), GREEN)
        page.preview.set_status(tr("Đã chụp {n} / {need}").format(n=len(self.samples), need=self.needed))
        if len(self.samples) >= self.needed:
            self.save()

    def _hint(self, issue: QualityIssue) -> None:
        text = pick(issue.message_vi, issue.message)
        self.page.capture.set_hint(lambda: pick(issue.message_vi, issue.message), AMBER)
        self.page.preview.set_status(text[:1].upper() + text[1:])

    def save(self) -> None:
        """Store the samples on a worker thread (enrol, or add to the known citizen)."""
        from ui.counter import State

        page = self.page
        card, samples, kiosk = page.card, list(self.samples), page.kiosk
        assert card is not None
        page.guard.release()  # saving is never interrupted
        page.set_state(State.SAVING, Mode.PAUSED, page.capture, tr("Đang lưu…"))
        page.capture.set_hint(lambda: tr("Đang lưu…"), GREEN)
        if self.adding:
            def work() -> tuple[int, int]:
                count = kiosk.add_samples(card.record.id_number, samples)
                found = kiosk.store.find_citizen(card.record.id_number)
                return count, found[0] if found else 0
            page.tasks.run(work, self._added, self._failed)
        else:
            page.tasks.run(lambda: kiosk.enrol(card.record, samples, consent=True, staff=kiosk.actor), self._enrolled, self._failed)

    def _enrolled(self, result: EnrolResult) -> None:
        from ui.counter import State

        page = self.page
        self.result = result
        page.recognizer.watcher.hold_citizen(result.citizen_id)
        page.saved.show_enrolled(result)
        page.guard.citizen(citizens=frozenset({result.citizen_id}), id_number=result.record.id_number, strict=True)
        page.set_state(State.SAVED, Mode.GUARD, page.saved, tr("Đã lưu"))
        page.banner.show_message("success", tr("Đã đăng ký: {name}").format(name=result.record.full_name))
        page.enrolled.emit(result)

    def _added(self, outcome: tuple[int, int]) -> None:
        from ui.counter import State

        page = self.page
        count, citizen_id = outcome
        if citizen_id:
            page.recognizer.watcher.hold_citizen(citizen_id)
        assert page.card is not None
        page.saved.show_samples_added(page.card.record.full_name, count)
        page.guard.citizen(citizens=frozenset({citizen_id}) if citizen_id else frozenset(), id_number=page.card.record.id_number,
                           strict=bool(citizen_id))
        page.set_state(State.SAVED, Mode.GUARD, page.saved, tr("Đã lưu"))
        page.samples_added.emit(count)

    def _failed(self, error: BaseException) -> None:
        from ui.counter import State

        page = self.page
        if page.state is not State.SAVING:
            return
        if isinstance(error, StoreError):  # keep the samples: the clerk retries saving
            page.banner.show_error(error, action=(tr("Lưu lại"), self.save))
            return
        page.banner.show_error(error)
        self.start(adding=self.adding)  # quality or identity problem: capture again

    def show_receipt(self) -> None:
        """Open the printable consent receipt of the citizen just enrolled."""
        if self.result is None:
            return
        from ui.receipt import ReceiptDialog

        previous = getattr(self.page, "receipt_dialog", None)
        if previous is not None:  # one receipt at a time; a closed one is freed, not kept all day
            previous.close()
            previous.deleteLater()
        html = self.page.kiosk.consent_receipt(self.result.citizen_id)
        dialog = ReceiptDialog(html=html, name=self.result.record.full_name, parent=self.page)
        dialog.show()
        self.page.receipt_dialog = dialog  # type: ignore[attr-defined]
