"""The counter screen: preview on the left, the step the citizen is at on the right.

The states, what moves between them and what each shows live in :mod:`ui.flow` and its parts (no Qt);
this widget feeds it the events (analysed frames, keys, buttons, a USB scanner, its timer)
and renders what it decides: the panel of each state, the preview's status line, the
banner, in the current language. Database writes and enrolment run through
:class:`ui.tasks.Tasks`; recognition results arrive by signal from
:class:`ui.recognizer.RecognitionThread` and are dropped when they belong to an older
screen (generation). The widget reaches data only through the kiosk's services.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QStackedWidget, QWidget

from kiosk.api.fields import citizen_text_json, citizen_tsv
from kiosk.cccd.card_reading import CardHint
from kiosk.cccd.record import CccdRead, correctable
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.identify import FaceCheck, KeypadAsk
from kiosk.counter.screen_guard import ScreenGuard
from kiosk.counter.service import Kiosk
from kiosk.counter.stats import DayStats
from kiosk.counter.watch import WatchResult
from models import Decision, FaceSample, KioskError, QualityIssue, Rating
from ui.consent import CapturePanel, ConsentPanel
from ui.correction import CorrectionDialog
from ui.enrolment import Enrolment
from ui.errors import describe_error
from ui.flow import KEYPAD_ATTEMPTS, CounterFlow, Event, Note, Screen, State
from ui.frames import FrameSlot
from ui.i18n import pick, tr
from ui.keypad import KeypadPanel
from ui.panels import AskCardPanel, FormPanel, IdlePanel, SavedPanel
from ui.preview import PreviewWidget
from ui.rating import ANSWERS, RatingHost
from ui.recognizer import RecognitionThread
from ui.style import AMBER, GREEN
from ui.tasks import Tasks
from ui.widgets import Banner

__all__ = ["GUARD_TICK_MS", "KEYPAD_ATTEMPTS", "CounterPage", "State", "card_hint_text"]

GUARD_TICK_MS = 250
"""Longest wait between two looks at the privacy time limits while one runs (milliseconds)."""


def card_hint_text(hint: CardHint | None) -> str:
    """The preview's line for a QR code seen but not read."""
    if hint is CardHint.CLOSER:
        return tr("Đã thấy mã QR: đưa thẻ lại gần hơn")
    if hint is CardHint.GLARE:
        return tr("Đã thấy mã QR: nghiêng thẻ để tránh lóa")
    return tr("Đã thấy mã QR: giữ yên thẻ")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class CounterPage(QWidget):
    """The clerk's and the citizen's screen. Signals report what happened (tests wait on them)."""

    state_changed = Signal(str)
    form_filled = Signal(object)  # CitizenRecord
    visit_logged = Signal(int)  # visit id (0 for a card check-in)
    enrolled = Signal(object)  # EnrolResult
    samples_added = Signal(int)
    admin_requested = Signal()
    stats_changed = Signal(object)  # DayStats
    screen_cleared = Signal(str)  # the Reason value: the screen cleared itself (privacy)
    visit_done = Signal(int)  # visit id: the clerk finished it, the citizen is asked
    visit_rated = Signal(object)  # (visit id, Rating): the citizen answered

    def __init__(
        self,
        *,
        kiosk: Kiosk,
        slot: FrameSlot,
        recognizer: RecognitionThread,
        tasks: Tasks,
        banner: Banner,
        capture_interval_s: float = 0.4,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kiosk, self.recognizer, self.tasks, self.banner = kiosk, recognizer, tasks, banner
        self.stats: DayStats | None = None
        self.receipt_dialog: QWidget | None = None
        self.preview = PreviewWidget(slot=slot)
        self.idle, self.form, self.keypad = IdlePanel(), FormPanel(), KeypadPanel()
        self.ask_card, self.consent, self.capture, self.saved = (
            AskCardPanel(),
            ConsentPanel(),
            CapturePanel(),
            SavedPanel(),
        )
        self.panels = QStackedWidget()
        for panel in (self.idle, self.form, self.keypad, self.ask_card, self.consent, self.capture, self.saved):
            self.panels.addWidget(panel)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 12, 12, 12)
        row.addWidget(self.preview, 5)
        row.addWidget(self.panels, 4)
        self._correction: CorrectionDialog | None = None
        self._tick_timer = QTimer(self)  # the flow's clock is looked at when it says so (at most every GUARD_TICK_MS)
        self._tick_timer.setSingleShot(True)
        self._tick_timer.timeout.connect(self._tick)
        self.flow = CounterFlow(
            kiosk=kiosk, view=self, watcher=recognizer.watcher, run=tasks.run, capture_interval_s=capture_interval_s
        )
        flow = self.flow
        self.idle.card_button.clicked.connect(lambda: flow.ask_for_card(""))
        self.form.primary_pressed.connect(flow.primary)
        self.form.secondary_pressed.connect(flow.secondary)
        self.form.extra_pressed.connect(flow.extra)
        self.form.correct_pressed.connect(self.open_correction)
        self.form.copy_pressed.connect(self.copy_record)
        self.keypad.submitted.connect(flow.keypad.submit)
        self.keypad.use_card.connect(lambda: flow.ask_for_card("keypad"))
        self.ask_card.cancel_pressed.connect(flow.go_idle)
        self.consent.box.toggled.connect(flow.enrol.set_consent_ticked)
        self.consent.accepted.connect(flow.enrol.give_consent)
        self.consent.refused.connect(flow.enrol.refuse_consent)
        self.capture.cancelled.connect(flow.go_idle)
        self.saved.done_pressed.connect(flow.go_idle)
        self.saved.receipt_pressed.connect(flow.enrolment.show_receipt)
        recognizer.result.connect(self.on_result)
        recognizer.failed.connect(self._recognition_failed)
        for pressable in self.panels.findChildren(QAbstractButton):  # a click is activity, like a key
            pressable.pressed.connect(flow.activity)
        self.rating = RatingHost(self, kiosk.settings.citizen_screen)
        self.rating.panel.rated.connect(flow.visits.rate)
        self.idle.done_button.clicked.connect(flow.visits.finish)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- the flow's state, for the window, the tools and the tests -----------------------------
    @property
    def state(self) -> State:
        """Where the citizen is in the flow."""
        return self.flow.state

    @property
    def check(self) -> FaceCheck | None:
        """The face check on screen (MATCH, KEYPAD)."""
        return self.flow.check

    @property
    def card(self) -> CccdRead | None:
        """The card on screen (CARD and the enrolment after it)."""
        return self.flow.card

    @property
    def card_known(self) -> bool:
        """True when the card's citizen is enrolled."""
        return self.flow.card_known

    @property
    def face_failed(self) -> bool:
        """True when the face was not enough before the card was asked for."""
        return self.flow.face_failed

    @property
    def busy(self) -> bool:
        """True while a service call for this screen is on its way back."""
        return self.flow.busy

    @property
    def guard(self) -> ScreenGuard:
        """The privacy rules of this screen (its clock may be replaced: tests move time)."""
        return self.flow.guard

    @property
    def enrolment(self) -> Enrolment:
        """The capture's samples and the consent receipt of the citizen just enrolled."""
        return self.flow.enrolment

    def go_idle(self) -> None:
        """Back to waiting for the next citizen; nothing personal stays on screen."""
        self.flow.go_idle()

    def ask_for_card(self, reason: str) -> None:
        """Ask for the CCCD card (``reason``: see :meth:`AskCardPanel.start`)."""
        self.flow.ask_for_card(reason)

    def show_match(self, check: FaceCheck) -> None:
        """A recognised citizen: fill the form."""
        self.flow.show_match(check)

    def show_keypad(self, check: FaceCheck, face: FaceSample | None = None) -> None:
        """Several possible citizens: ask for the digits; show nobody."""
        self.flow.keypad.show(check, face)

    def show_card(self, card: CccdRead) -> None:
        """A card was read: look it up and show it."""
        self.flow.show_card(card)

    def primary(self) -> None:
        """Enter: confirm what is on screen."""
        self.flow.primary()

    def secondary(self) -> None:
        """Esc: "not me", cancel, refuse."""
        self.flow.secondary()

    def extra(self) -> None:
        """F5: add face samples to the citizen known by card."""
        self.flow.extra()

    def copy_record(self) -> None:
        """ "Sao chép": the record on the form to the clipboard as one tab-separated line (Shift or
        Ctrl held: JSON), in the order and with the names of kiosk.api.fields (``kiosk qr --json``)."""
        flow = self.flow
        record = flow.check.citizen if flow.check is not None else (flow.card.record if flow.card else None)
        if record is None or self.state not in (State.MATCH, State.CARD):
            return
        flow.activity()
        held = QGuiApplication.keyboardModifiers()
        as_json = bool(held & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
        QGuiApplication.clipboard().setText(citizen_text_json(record) if as_json else citizen_tsv(record))
        self.banner.show_message("info", tr("Đã sao chép hồ sơ: dán vào phần mềm một cửa"))

    def on_scanned(self, payload: object) -> None:
        """Text from a USB QR scanner (keyboard wedge or serial port)."""
        if isinstance(payload, (str, bytes)):  # the scanners emit text (wedge) or bytes (serial)
            self.flow.scanned(payload)

    # -- events in ------------------------------------------------------------------------------
    def on_result(self, generation: int, result: WatchResult) -> None:
        """A frame's outcome from the recognition thread (stale generations are dropped)."""
        if generation != self.recognizer.generation:
            return
        if self.flow.state is State.CAPTURE:
            good = result.sample is not None and result.sample.passes
            self.preview.set_boxes(result.boxes, result.frame_shape, GREEN if good else AMBER)
        else:
            self.preview.set_boxes(result.boxes, result.frame_shape)
        self.flow.frame(result)

    def _recognition_failed(self, generation: int, error: KioskError) -> None:
        self.banner.show_error(error)

    def _tick(self) -> None:
        receipt = self.receipt_dialog
        if receipt is None or not receipt.isVisible():  # the clerk printing the receipt keeps the screen
            self.flow.tick()
        self._schedule_tick()

    def _schedule_tick(self) -> None:
        """Look at the flow's time limits when it says so, at least every GUARD_TICK_MS while one runs."""
        wait = self.flow.until_tick()
        if wait is None:
            self._tick_timer.stop()
        else:
            self._tick_timer.start(max(1, min(GUARD_TICK_MS, round(wait * 1000))))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        flow = self.flow
        flow.activity()
        key, state, asking = event.key(), flow.state, flow.visits.rating_visit is not None
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keypad.submitted.emit(self.keypad.typed) if state is State.KEYPAD and len(
                self.keypad.typed
            ) == 4 else flow.primary()
        elif key == Qt.Key.Key_Escape:
            flow.secondary()
        elif key == Qt.Key.Key_F3 and state is State.IDLE:
            flow.ask_for_card("")
        elif key == Qt.Key.Key_F5:
            flow.extra()
        elif key == Qt.Key.Key_F6:
            self.open_correction()
        elif key == Qt.Key.Key_F12:
            self.admin_requested.emit()
        elif key == Qt.Key.Key_F8:
            flow.visits.finish()
        elif asking and state is not State.KEYPAD and event.text() in ("1", "2", "3", "4"):
            flow.visits.rate(ANSWERS[int(event.text()) - 1])
        elif key == Qt.Key.Key_P and state is State.SAVED:
            flow.enrolment.show_receipt()
        elif key == Qt.Key.Key_Space and state is State.CONSENT:
            self.consent.toggle()
        elif state is State.KEYPAD and event.text().isdigit():
            self.keypad.press(event.text())
        elif state is State.KEYPAD and key == Qt.Key.Key_Backspace:
            self.keypad.backspace()
        else:
            super().keyPressEvent(event)

    def open_correction(self) -> None:
        """F6 on a new card: the name and address in a dialog; OK hands them to the flow (audited there)."""
        flow = self.flow
        card = flow.card
        if flow.state is not State.CARD or flow.card_known or card is None or self._correction is not None:
            return
        if not correctable(card):
            return  # nothing on this card was read mis-encoded: it is the card's word
        dialog = CorrectionDialog(card, flow.correct_card, parent=self)
        dialog.typing.connect(flow.activity)  # typing keeps the citizen's screen up
        dialog.finished.connect(self._correction_closed)
        self._correction = dialog
        dialog.open()

    def _correction_closed(self, _result: int) -> None:
        if self._correction is not None:
            self._correction.deleteLater()
        self._correction = None

    # -- what the flow shows (ui.flow.CounterView) --------------------------------------------
    def show_screen(self, screen: Screen) -> None:
        """Enter ``screen.state``: its panel, the watcher's mode, the status line on the preview."""
        state = screen.state
        dialog = self._correction
        if dialog is not None and (screen.card is None or screen.card.record.id_number != dialog.id_number):
            dialog.reject()  # the card's screen went (the citizen left, Esc, another card): so does its dialog
        if state is State.IDLE:
            for cleared in (self.form, self.consent, self.capture, self.saved):
                cleared.clear()
            self.keypad.clear_typed()
        elif state is State.MATCH and screen.check is not None:
            self.form.show_match(
                screen.check, self.kiosk.policies.get(screen.check.engine, self.kiosk.policy).auto_accept_distance
            )
        elif state is State.KEYPAD and screen.ask is not None:
            self.keypad.start(screen.ask, screen.attempts_left)
        elif state is State.ASK_CARD:
            self.form.clear()  # nothing of a citizen stays in the hidden form ("not me", a mangled scan)
            self.ask_card.start(screen.ask_reason)
        elif state is State.CARD and screen.card is not None:
            self.form.show_card(screen.card, known=screen.card_known, face_failed=screen.face_failed)
        elif state is State.CONSENT and screen.card is not None:
            self.consent.start(screen.card.record, self.kiosk.settings.retention_days)
        elif state is State.CAPTURE and screen.card is not None:
            self.capture.start(screen.card.record.full_name, screen.need, adding=screen.adding)
        elif state is State.SAVING:
            self.capture.set_hint(lambda: tr("Đang lưu…"), GREEN)
        elif state is State.SAVED and screen.enrolled is not None:
            self.saved.show_enrolled(screen.enrolled)
        elif state is State.SAVED and screen.card is not None:
            self.saved.show_samples_added(screen.card.record.full_name, screen.added)
        panel = {
            State.IDLE: self.idle,
            State.MATCH: self.form,
            State.KEYPAD: self.keypad,
            State.ASK_CARD: self.ask_card,
            State.CARD: self.form,
            State.CONSENT: self.consent,
            State.CAPTURE: self.capture,
            State.SAVING: self.capture,
            State.SAVED: self.saved,
        }[state]
        self.recognizer.set_mode(screen.mode)
        self.panels.setCurrentWidget(panel)
        panel.updateGeometry()  # its texts were set while hidden: let the layouts see its new size
        self.preview.set_status(self._state_status())
        self.setFocus()
        self._schedule_tick()
        self.state_changed.emit(state.value)

    def show_looking(self, faces_in_view: bool, held: Decision | None = None) -> None:
        if not faces_in_view:
            self.preview.set_status(tr("Mời nhìn vào camera"))
        elif held is Decision.MATCH:
            self.preview.set_status(tr("Đã ghi nhận lượt đến của công dân này"))
        elif held is not None:
            self.preview.set_status(tr("Chưa nhận ra khuôn mặt: quét thẻ CCCD (F3)"))
        else:
            self.preview.set_status(tr("Đang nhận diện…"))

    def show_card_guide(self, result: WatchResult) -> None:
        self.preview.set_code(result.code, result.frame_shape)
        self.preview.set_status(card_hint_text(result.hint))

    def end_card_guide(self) -> None:
        self.preview.set_status(self._state_status())

    def show_keypad_miss(self, attempts_left: int, ask: KeypadAsk) -> None:
        self.keypad.missed_once(attempts_left, ask)

    def show_capture_issue(self, issue: QualityIssue) -> None:
        self.capture.set_hint(lambda: pick(issue.message_vi, issue.message), AMBER)
        self.preview.set_status(_capitalised(pick(issue.message_vi, issue.message)))

    def show_capture_taken(self, taken: int, need: int) -> None:
        self.capture.progress(taken)
        self.capture.set_hint(lambda: tr("Tốt, giữ yên…"), GREEN)
        self.preview.set_status(tr("Đã chụp {n} / {need}").format(n=taken, need=need))

    def show_note(self, note: Note, name: str = "", error: KioskError | None = None) -> None:
        if note is Note.NOT_A_CARD:
            detail = describe_error(error)[1] if error is not None else ""
            self.banner.show_message("warning", tr("Mã QR này không phải của thẻ CCCD."), detail, seconds=4)
        elif note is Note.CHECKED_IN:
            self.banner.show_message("success", tr("Đã ghi nhận lượt đến: {name}").format(name=name))
        elif note is Note.ENROLLED:
            self.banner.show_message("success", tr("Đã đăng ký: {name}").format(name=name))
        elif note is Note.CONSENT_REFUSED:
            self.banner.show_message(
                "info", tr("Công dân không đồng ý: không lưu khuôn mặt. Tiếp tục làm thủ tục bằng thẻ.")
            )
        else:
            cleared = {
                Note.FACE_GONE: tr("Màn hình đã tự xoá: công dân đã rời khỏi camera."),
                Note.IDLE: tr("Màn hình đã tự xoá sau một thời gian không thao tác."),
                Note.OTHER_FACE: tr("Màn hình đã tự xoá: có người khác trước camera."),
            }
            self.banner.show_message("info", cleared[note], seconds=4)

    def show_error(self, error: BaseException, retry: Callable[[], None] | None = None) -> None:
        self.banner.show_error(error, action=(tr("Lưu lại"), retry) if retry is not None else None)

    def clear_note(self) -> None:
        self.banner.clear()

    def show_stats(self, stats: DayStats) -> None:
        """Today's figures on the idle panel."""
        self.stats = stats
        self.idle.set_today(
            tr("Hôm nay: {n} lượt đến (lần đầu {e} · khuôn mặt {f} · bàn phím {k} · thẻ {c})").format(
                n=stats.visits, e=stats.first_visits, f=stats.by_face, k=stats.by_keypad, c=stats.by_card
            )
        )
        self.stats_changed.emit(stats)

    def open_receipt(self, result: EnrolResult) -> None:
        """Open the printable consent receipt of the citizen just enrolled (one at a time)."""
        from ui.receipt import ReceiptDialog

        previous = self.receipt_dialog
        if previous is not None:  # one receipt at a time; a closed one is freed, not kept all day
            previous.close()
            previous.deleteLater()
        html = self.kiosk.consent_receipt(result.citizen_id)
        dialog = ReceiptDialog(html=html, name=result.record.full_name, parent=self)
        dialog.show()
        self.receipt_dialog = dialog

    def report(self, event: Event, value: object) -> None:
        """Emit the signal of the same name."""
        getattr(self, event.value).emit(value)

    # -- the clerk's "Xong" and the citizen's answer ---------------------------------------------
    def show_serving(self, visit_id: int | None) -> None:
        """The idle panel's "Xong (F8)" button while a visit waits to be finished."""
        self.idle.set_serving(visit_id)

    def show_rating(self, visit_id: int) -> None:
        """Ask the citizen (on their monitor, else over this window) and watch the time."""
        self.rating.show()
        self._schedule_tick()

    def end_rating(self, rating: Rating | None) -> None:
        """Thank the citizen for an answer (a moment), or put the unanswered question away."""
        if rating is None:
            self.rating.hide()
            return
        self.rating.panel.answered(rating)
        QTimer.singleShot(1500, lambda: None if self.flow.visits.rating_visit is not None else self.rating.hide())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.rating.fit()
        super().resizeEvent(event)

    def _state_status(self) -> str:
        """The preview's status line for the current state, in the current language."""
        return {
            State.IDLE: tr("Mời nhìn vào camera"),
            State.ASK_CARD: tr("Mời đưa mã QR trên thẻ CCCD vào camera"),
            State.MATCH: tr("Đã nhận ra công dân"),
            State.KEYPAD: tr("Mời nhập số xác nhận trên bàn phím"),
            State.CARD: tr("Đã đọc thẻ CCCD"),
            State.CONSENT: tr("Mời đọc và đồng ý"),
            State.CAPTURE: tr("Mời nhìn thẳng vào camera"),
            State.SAVING: tr("Đang lưu…"),
            State.SAVED: tr("Đã lưu"),
        }[self.flow.state]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.rating.panel.retranslate()
            self.preview.set_status(self._state_status())
            if self.stats is not None:
                self.show_stats(self.stats)
        super().changeEvent(event)
