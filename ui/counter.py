"""The counter screen: preview on the left, the step the citizen is at on the right.

States (:class:`State`) and what moves between them:

- IDLE: the watcher looks for faces and cards. A face decided over agreeing frames goes
  to MATCH (form filled), KEYPAD (confirm) or ASK_CARD (unknown); a card goes to CARD.
- MATCH: Enter logs the visit; Esc ("Không phải tôi") asks for the card.
- KEYPAD: digits that fit fill the form (MATCH); three misses ask for the card.
- ASK_CARD: QR codes only, from the camera or a USB scanner; a card goes to CARD.
- CARD: known → Enter checks in by card, F5 adds face samples; new → Enter → CONSENT.
- CONSENT → CAPTURE (≥ min_enrol_samples good samples) → SAVING → SAVED.

Database writes and enrolment run through :class:`ui.tasks.Tasks`; recognition results
arrive by signal from :class:`ui.recognizer.RecognitionThread` and are dropped when they
belong to an older screen (generation).

Privacy (:class:`kiosk.counter.screen_guard.ScreenGuard`): while a citizen's data or the keypad is
up, the watcher keeps identifying the face in view (mode GUARD); the screen goes back to
IDLE once the citizen has been gone ``privacy_clear_s`` or nobody pressed a key for
``idle_clear_s``, and as soon as someone else's face or card is in view (another card
replaces the screen). A capture with no face times out; saving is never interrupted.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QHBoxLayout, QStackedWidget, QWidget

from kiosk.cccd.card_reading import CardHint
from kiosk.cccd.record import CccdRead
from kiosk.counter.screen_guard import Reason, ScreenGuard, citizens_of, same_face_for
from kiosk.counter.service import FaceCheck, Kiosk
from kiosk.counter.stats import DayStats, today_stats
from kiosk.counter.watch import Mode, WatchResult, card_from_scanner
from models import Decision, FaceSample, KioskError
from ui.consent import CapturePanel, ConsentPanel
from ui.enrolment import Enrolment
from ui.errors import describe_error
from ui.frames import FrameSlot
from ui.i18n import tr
from ui.keypad import KeypadPanel
from ui.panels import AskCardPanel, FormPanel, IdlePanel, SavedPanel
from ui.preview import PreviewWidget
from ui.recognizer import RecognitionThread
from ui.tasks import Tasks
from ui.widgets import Banner

KEYPAD_ATTEMPTS = 3
GUARD_TICK_MS = 250
"""How often the privacy time limits are checked (milliseconds)."""


class State(str, Enum):
    """Where the citizen is in the flow."""

    IDLE = "idle"
    MATCH = "match"
    KEYPAD = "keypad"
    ASK_CARD = "ask_card"
    CARD = "card"
    CONSENT = "consent"
    CAPTURE = "capture"
    SAVING = "saving"
    SAVED = "saved"


def card_hint_text(hint: CardHint | None) -> str:
    """The preview's line for a QR code seen but not read."""
    if hint is CardHint.CLOSER:
        return tr("Đã thấy mã QR: đưa thẻ lại gần hơn")
    if hint is CardHint.GLARE:
        return tr("Đã thấy mã QR: nghiêng thẻ để tránh lóa")
    return tr("Đã thấy mã QR: giữ yên thẻ")


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

    def __init__(self, *, kiosk: Kiosk, slot: FrameSlot, recognizer: RecognitionThread, tasks: Tasks, banner: Banner,
                 capture_interval_s: float = 0.4, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kiosk, self.recognizer, self.tasks, self.banner = kiosk, recognizer, tasks, banner
        self.state = State.IDLE
        self.check: FaceCheck | None = None
        self.card: CccdRead | None = None
        self.card_known = False
        self.card_citizen: int | None = None  # internal id of the card's citizen when enrolled
        self.face_failed = False
        self.attempts_left = KEYPAD_ATTEMPTS
        self.busy = False
        self.guiding = False
        self.stats: DayStats | None = None
        settings = kiosk.settings
        self.guard = ScreenGuard(face_gone_s=settings.privacy_clear_s, idle_s=settings.idle_clear_s, same_face=same_face_for(kiosk))
        self.preview = PreviewWidget(slot=slot)
        self.idle, self.form, self.keypad = IdlePanel(), FormPanel(), KeypadPanel()
        self.ask_card, self.consent, self.capture, self.saved = AskCardPanel(), ConsentPanel(), CapturePanel(), SavedPanel()
        self.panels = QStackedWidget()
        for panel in (self.idle, self.form, self.keypad, self.ask_card, self.consent, self.capture, self.saved):
            self.panels.addWidget(panel)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 12, 12, 12)
        row.addWidget(self.preview, 5)
        row.addWidget(self.panels, 4)
        self.enrolment = Enrolment(page=self, capture_interval_s=capture_interval_s)
        self.idle.card_button.clicked.connect(lambda: self.ask_for_card(""))
        self.form.primary_pressed.connect(self.primary)
        self.form.secondary_pressed.connect(self.secondary)
        self.form.extra_pressed.connect(self.extra)
        self.keypad.submitted.connect(self._keypad_submitted)
        self.keypad.use_card.connect(lambda: self.ask_for_card("keypad"))
        self.ask_card.cancel_pressed.connect(self.go_idle)
        self.consent.accepted.connect(lambda: self.enrolment.start(adding=False))
        self.consent.refused.connect(self._consent_refused)
        self.capture.cancelled.connect(self.go_idle)
        self.saved.done_pressed.connect(self.go_idle)
        self.saved.receipt_pressed.connect(self.enrolment.show_receipt)
        recognizer.result.connect(self.on_result)
        recognizer.failed.connect(self._recognition_failed)
        for pressable in self.panels.findChildren(QAbstractButton):  # a click is activity, like a key
            pressable.pressed.connect(self.guard.activity)
        self._guard_timer = QTimer(self)
        self._guard_timer.timeout.connect(self._check_guard)
        self._guard_timer.start(GUARD_TICK_MS)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # -- moving between states -----------------------------------------------------------
    def set_state(self, state: State, mode: Mode, panel: QWidget, status: str) -> None:
        """Enter ``state``: the watcher's mode, the panel shown, the status line on the preview."""
        self.state = state
        self.guiding = False
        self.recognizer.set_mode(mode)
        self.panels.setCurrentWidget(panel)
        panel.updateGeometry()  # its texts were set while hidden: let the layouts see its new size
        self.preview.set_status(status)
        self.setFocus()
        self.state_changed.emit(state.value)

    def go_idle(self) -> None:
        """Back to waiting for the next citizen; nothing personal stays on screen."""
        self.check, self.card, self.card_known, self.face_failed = None, None, False, False
        self.guard.release()
        for panel in (self.form, self.consent, self.capture, self.saved):
            panel.clear()
        self.keypad.clear_typed()
        self.enrolment.reset()
        self.set_state(State.IDLE, Mode.WATCH, self.idle, tr("Mời nhìn vào camera"))
        self.refresh_stats()

    def ask_for_card(self, reason: str) -> None:
        """Ask for the CCCD card (``reason`` says why, see :meth:`AskCardPanel.start`)."""
        self.face_failed = self.face_failed or reason in ("unknown", "not_me", "keypad")
        self.ask_card.start(reason)
        self.guard.waiting()
        self.set_state(State.ASK_CARD, Mode.CARD, self.ask_card, tr("Mời đưa mã QR trên thẻ CCCD vào camera"))

    def show_match(self, check: FaceCheck) -> None:
        """A recognised citizen: fill the form."""
        assert check.citizen is not None
        self.check = check
        self.form.show_match(check, self.kiosk.policies.get(check.engine, self.kiosk.policy).auto_accept_distance)
        self.guard.citizen(citizens=citizens_of(check), id_number=check.citizen.id_number, strict=True)
        self.set_state(State.MATCH, Mode.GUARD, self.form, tr("Đã nhận ra công dân"))
        self.form_filled.emit(check.citizen)

    def show_keypad(self, check: FaceCheck, face: FaceSample | None = None) -> None:
        """Several possible citizens: ask for the digits; show nobody. ``face``: the face that was decided."""
        self.check, self.attempts_left = check, KEYPAD_ATTEMPTS
        self.keypad.start(self.kiosk.settings.confirm_with, KEYPAD_ATTEMPTS)
        self.guard.citizen(citizens=citizens_of(check), anchor=face)
        self.set_state(State.KEYPAD, Mode.GUARD, self.keypad, tr("Mời nhập số xác nhận trên bàn phím"))

    def show_card(self, card: CccdRead) -> None:
        """A card was read: look it up and show it."""
        try:
            known = self.kiosk.check_card(card).known
            found = self.kiosk.store.find_citizen(card.record.id_number) if known else None
        except KioskError as exc:
            self.banner.show_error(exc)
            return
        self.check, self.card, self.card_known = None, card, known
        self.enrolment.reset()
        self.card_citizen = found[0] if found else None
        self.form.show_card(card, known=known, face_failed=self.face_failed)
        self.guard_card()
        self.set_state(State.CARD, Mode.GUARD, self.form, tr("Đã đọc thẻ CCCD"))
        self.form_filled.emit(card.record)

    def guard_card(self) -> None:
        """Guard the card's citizen: their own card or any face not recognised as someone else keeps the screen."""
        if self.card is not None:
            citizens = frozenset({self.card_citizen}) if self.card_citizen else frozenset()
            self.guard.citizen(citizens=citizens, id_number=self.card.record.id_number)

    # -- what the camera saw ------------------------------------------------------------
    def on_result(self, generation: int, result: WatchResult) -> None:
        """A frame's outcome from the recognition thread (stale generations are dropped)."""
        if generation != self.recognizer.generation:
            return
        if self.state is State.CAPTURE:
            if result.sample is not None:
                self.guard.present()
            self.enrolment.on_sample(result)
            return
        self.preview.set_boxes(result.boxes, result.frame_shape)
        if result.card is not None:
            self._card_in_view(result.card)
        elif result.card_error is not None:
            self.banner.show_message("warning", tr("Mã QR này không phải của thẻ CCCD."), describe_error(result.card_error)[1],
                                     seconds=4)
        elif result.hint is not None and self.state in (State.IDLE, State.ASK_CARD, State.KEYPAD):
            self._guide_card(result)
        elif self.state is State.IDLE:
            self._face_result(result)
        elif result.mode is Mode.GUARD and not self.busy:
            reason = self.guard.face(result.seen, result.sample)
            if reason is not None:
                self.clear_screen(reason)
        elif self.guiding:
            self.guiding = False
            self.preview.set_status(self._state_status())

    def _guide_card(self, result: WatchResult) -> None:
        """A QR code is seen but not read: outline it and say what would help."""
        self.guiding = True
        self.preview.set_code(result.code, result.frame_shape)
        self.preview.set_status(card_hint_text(result.hint))
        if self.state is State.IDLE and result.decided is not None:
            self._face_result(result)

    def _card_in_view(self, card: CccdRead) -> None:
        """A card read from the camera: shown when the screen waits for one; replaces another citizen's screen."""
        if self.state in (State.IDLE, State.ASK_CARD) or (not self.busy and self.guard.card(card.record.id_number) is not None):
            self.banner.clear()
            self.show_card(card)

    def _face_result(self, result: WatchResult) -> None:
        check = result.decided
        if check is None:
            self.preview.set_status(tr("Đang nhận diện…") if result.boxes else tr("Mời nhìn vào camera"))
        elif check.decision is Decision.MATCH:
            self.show_match(check)
        elif check.decision is Decision.CONFIRM:
            self.show_keypad(check, result.sample)
        else:
            self.recognizer.watcher.hold(check)
            self.ask_for_card("unknown")

    def on_scanned(self, payload: object) -> None:
        """Text from a USB QR scanner (keyboard wedge or serial port)."""
        self.guard.activity()
        if self.state not in (State.IDLE, State.ASK_CARD, State.KEYPAD, State.MATCH, State.CARD):
            return
        try:
            card = card_from_scanner(payload)  # type: ignore[arg-type]
        except KioskError as exc:
            self.banner.show_error(exc)
            self.ask_for_card("scanner")
            return
        self.banner.clear()
        self.show_card(card)

    def _recognition_failed(self, generation: int, error: KioskError) -> None:
        self.banner.show_error(error)

    # -- privacy ------------------------------------------------------------------------
    def _check_guard(self) -> None:
        receipt = getattr(self, "receipt_dialog", None)
        if self.busy or (receipt is not None and receipt.isVisible()):
            return  # a service call for this screen is on its way back, or the clerk is printing the receipt
        reason = self.guard.due()
        if reason is not None:
            self.clear_screen(reason)

    def clear_screen(self, reason: Reason) -> None:
        """Back to idle because the citizen left, nobody used the screen, or someone else is in front."""
        self.go_idle()
        notes = {Reason.FACE_GONE: tr("Màn hình đã tự xoá: công dân đã rời khỏi camera."),
                 Reason.IDLE: tr("Màn hình đã tự xoá sau một thời gian không thao tác."),
                 Reason.OTHER_FACE: tr("Màn hình đã tự xoá: có người khác trước camera.")}
        if reason in notes:
            self.banner.show_message("info", notes[reason], seconds=4)
        self.screen_cleared.emit(reason.value)

    # -- the clerk's keys -----------------------------------------------------------------
    def primary(self) -> None:
        """Enter: confirm what is on screen."""
        if self.busy:
            return
        if self.state is State.MATCH and self.check is not None:
            self._run(lambda c=self.check: self.kiosk.check_in(c), self._checked_in)
        elif self.state is State.CARD and self.card is not None:
            if self.card_known:
                self._run(lambda c=self.card: self._card_check_in(c), self._checked_in)
            else:
                self.consent.start(self.card.record, self.kiosk.settings.retention_days)
                self.guard_card()
                self.set_state(State.CONSENT, Mode.GUARD, self.consent, tr("Mời đọc và đồng ý"))
        elif self.state is State.CONSENT:
            self.consent._accept()  # noqa: SLF001 - accepts only if the box is ticked
        elif self.state is State.SAVED:
            self.go_idle()

    def secondary(self) -> None:
        """Esc: "not me", cancel, refuse."""
        if self.state is State.MATCH and self.check is not None:
            self.recognizer.watcher.hold(self.check)
            self.form.clear()
            self.ask_for_card("not_me")
        elif self.state is State.KEYPAD:
            self.ask_for_card("keypad")
        elif self.state is State.CONSENT:
            self._consent_refused()
        elif self.state in (State.ASK_CARD, State.CARD, State.CAPTURE, State.SAVED):
            self.go_idle()

    def extra(self) -> None:
        """F5: add face samples to the citizen known by card."""
        if self.state is State.CARD and self.card_known:
            self.enrolment.start(adding=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802, D102
        self.guard.activity()
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keypad.submitted.emit(self.keypad.typed) if self.state is State.KEYPAD and len(self.keypad.typed) == 4 else self.primary()
        elif key == Qt.Key.Key_Escape:
            self.secondary()
        elif key == Qt.Key.Key_F3 and self.state is State.IDLE:
            self.ask_for_card("")
        elif key == Qt.Key.Key_F5:
            self.extra()
        elif key == Qt.Key.Key_F12:
            self.admin_requested.emit()
        elif key == Qt.Key.Key_P and self.state is State.SAVED:
            self.enrolment.show_receipt()
        elif key == Qt.Key.Key_Space and self.state is State.CONSENT:
            self.consent.toggle()
        elif self.state is State.KEYPAD and event.text().isdigit():
            self.keypad.press(event.text())
        elif self.state is State.KEYPAD and key == Qt.Key.Key_Backspace:
            self.keypad.backspace()
        else:
            super().keyPressEvent(event)

    # -- results of the service calls ----------------------------------------------------
    def _run(self, fn: object, on_done: object) -> None:
        self.busy = True

        def done(result: object) -> None:
            self.busy = False
            on_done(result)  # type: ignore[operator]

        def failed(error: BaseException) -> None:
            self.busy = False
            self.banner.show_error(error)  # the screen stays: Enter tries again, nothing is lost

        self.tasks.run(fn, done, failed)  # type: ignore[arg-type]

    def _card_check_in(self, card: CccdRead) -> int:
        self.kiosk.check_in_by_card(card)
        found = self.kiosk.store.find_citizen(card.record.id_number)
        if found is not None:
            self.recognizer.watcher.hold_citizen(found[0])
        return 0

    def _checked_in(self, visit_id: int) -> None:
        record = self.check.citizen if self.state is State.MATCH and self.check else (self.card.record if self.card else None)
        if self.state is State.MATCH and self.check is not None:
            self.recognizer.watcher.hold(self.check)
        name = record.full_name if record else ""
        self.go_idle()
        self.banner.show_message("success", tr("Đã ghi nhận lượt đến: {name}").format(name=name))
        self.visit_logged.emit(visit_id)

    def _keypad_submitted(self, typed: str) -> None:
        if self.state is not State.KEYPAD or self.check is None or self.busy:
            return
        self._run(lambda c=self.check: self.kiosk.confirm(c, typed), self._keypad_checked)

    def _keypad_checked(self, resolved: FaceCheck) -> None:
        if self.state is not State.KEYPAD:
            return
        if resolved.decision is Decision.MATCH:
            self.show_match(resolved)
            return
        self.attempts_left -= 1
        if self.attempts_left <= 0:
            self.ask_for_card("keypad")
        else:
            self.keypad.missed_once(self.attempts_left)

    def _consent_refused(self) -> None:
        self.go_idle()
        self.banner.show_message("info", tr("Công dân không đồng ý: không lưu khuôn mặt. Tiếp tục làm thủ tục bằng thẻ."))

    def refresh_stats(self) -> None:
        """Update today's figures (read off the UI thread)."""
        counter = self.kiosk.settings.counter_name
        zone = self.kiosk.settings.display_timezone
        self.tasks.run(lambda: today_stats(self.kiosk.store, counter, tz=zone), self._show_stats, lambda _e: None)

    def _show_stats(self, stats: DayStats) -> None:
        self.stats = stats
        self.idle.set_today(tr("Hôm nay: {n} lượt đến (khuôn mặt {f} · bàn phím {k} · thẻ {c}) · {e} đăng ký mới").format(
            n=stats.check_ins, f=stats.by_face, k=stats.by_keypad, c=stats.by_card, e=stats.enrolments))
        self.stats_changed.emit(stats)

    def _state_status(self) -> str:
        """The preview's status line for the current state, in the current language."""
        return {State.IDLE: tr("Mời nhìn vào camera"), State.ASK_CARD: tr("Mời đưa mã QR trên thẻ CCCD vào camera"),
                State.MATCH: tr("Đã nhận ra công dân"), State.KEYPAD: tr("Mời nhập số xác nhận trên bàn phím"),
                State.CARD: tr("Đã đọc thẻ CCCD"), State.CONSENT: tr("Mời đọc và đồng ý"),
                State.CAPTURE: tr("Mời nhìn thẳng vào camera"), State.SAVING: tr("Đang lưu…"), State.SAVED: tr("Đã lưu")}[self.state]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802, D102
        if event.type() == QEvent.Type.LanguageChange:
            self.preview.set_status(self._state_status())
            if self.stats is not None:
                self._show_stats(self.stats)
        super().changeEvent(event)
