"""The counter's flow without Qt: its states, the events that move it, and what each state shows.

States (:class:`State`) and what moves between them:

- IDLE: the watcher looks for faces and cards. A face decided over agreeing frames goes
  to MATCH (form filled), KEYPAD (confirm) or ASK_CARD (unknown); a card goes to CARD.
- MATCH: Enter logs the visit; Esc ("Không phải tôi") asks for the card.
- KEYPAD: digits that fit fill the form (MATCH); three misses ask for the card.
- ASK_CARD: QR codes only, from the camera or a USB scanner; a card goes to CARD.
- CARD: known → Enter checks in by card, F5 adds face samples; new → Enter → CONSENT, F6
  corrects its name and address (a mis-encoded QR).
- CONSENT: the box ticked, then Enter (or the button) → CAPTURE; Esc refuses (nothing stored).
- CAPTURE (≥ min_enrol_samples good samples) → SAVING → SAVED.

The keypad's digits: :mod:`ui.flow_keypad` (``CounterFlow.keypad``); consent, capture and saving:
:mod:`ui.flow_enrol` (``CounterFlow.enrol``). Beside the states, :mod:`ui.flow_visit`
(``CounterFlow.visits``) keeps a visit's first-seen time, the visit the clerk serves until "Xong"
(F8) and the citizen's satisfaction answer.

Privacy (:class:`kiosk.counter.screen_guard.ScreenGuard`): while a citizen's data or the
keypad is up, the watcher identifies the face in view (mode GUARD); the screen goes back to
IDLE once the citizen has been gone ``privacy_clear_s`` or nobody pressed a key for
``idle_clear_s``, and as soon as someone else's face or card is in view (another card
replaces the screen). A capture with no face times out; saving is never interrupted.

The widget (:class:`ui.counter.CounterPage`) feeds events in (:meth:`CounterFlow.frame`,
:meth:`~CounterFlow.primary`, :meth:`~CounterFlow.scanned`...) and renders what the flow
tells its :class:`CounterView`; it words every text. Time is an injected clock (seconds,
monotonic): :meth:`CounterFlow.until_tick` says when the flow next needs :meth:`~CounterFlow.tick`,
and the widget's timer calls it. Service calls that write run through an injected
:data:`Runner` (a worker thread in the app, at once in tests) and report back here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.cccd.record import CccdRead
from kiosk.counter.cards import CARD_FACES
from kiosk.counter.desk import Desk
from kiosk.counter.identify import FaceCheck
from kiosk.counter.screen_guard import Reason, ScreenGuard, citizens_of, same_face_for
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Mode, WatchResult, card_from_scanner
from models import CitizenRecord, Decision, FaceSample, KioskError
from ui.enrolment import Enrolment
from ui.flow_enrol import EnrolSteps
from ui.flow_keypad import KEYPAD_ATTEMPTS, KeypadSteps
from ui.flow_visit import VisitLifecycle
from ui.screens import CLEARED_NOTES, MODES, CounterView, Event, Holds, Note, Runner, Screen, State

__all__ = ["KEYPAD_ATTEMPTS", "CounterFlow", "CounterView", "Event", "Holds", "Note", "Runner", "Screen", "State"]


class CounterFlow:
    """The counter's state machine. Call from one thread (the UI thread); ``view`` renders it.

    ``kiosk``: the services; ``watcher``: holds outcomes already handled; ``run``: runs service
    calls that write (:data:`Runner`); ``clock``: seconds, monotonic, for the privacy limits and
    the capture's pace; ``guard``: the privacy rules (default: the kiosk's settings, same clock).
    """

    def __init__(
        self,
        *,
        kiosk: Kiosk,
        view: CounterView,
        watcher: Holds,
        run: Runner,
        clock: Callable[[], float] = time.monotonic,
        guard: ScreenGuard | None = None,
        capture_interval_s: float = 0.4,
        desk: Desk | None = None,
    ) -> None:
        self.kiosk, self.view, self.watcher, self.run, self.clock = kiosk, view, watcher, run, clock
        settings = kiosk.settings
        if guard is None:
            guard = ScreenGuard(
                face_gone_s=settings.privacy_clear_s,
                idle_s=settings.idle_clear_s,
                same_face=same_face_for(kiosk),
                clock=clock,
            )
        self.guard = guard
        self.desk = desk or Desk(face_gone_s=settings.privacy_clear_s, idle_s=settings.idle_clear_s, clock=clock)
        """Who is at the counter, for the local API (kiosk/api): told what this flow decides."""
        self.enrolment = Enrolment(
            need=lambda: kiosk.settings.min_enrol_samples,
            interval_s=capture_interval_s,
            clock=clock,
            open_receipt=view.open_receipt,
        )
        self.visits = VisitLifecycle(kiosk=kiosk, view=view, run=run, clock=clock)
        """The visit's first-seen time, the visit being served ("Xong", F8) and the citizen's answer."""
        self.keypad = KeypadSteps(self)
        """KEYPAD: the digits typed, checked, and the tries left."""
        self.enrol = EnrolSteps(self)
        """CONSENT → CAPTURE → SAVING → SAVED for the card on screen (the samples: ``enrolment``)."""
        self.screen = Screen(State.IDLE, Mode.WATCH)
        self.check: FaceCheck | None = None
        self.card: CccdRead | None = None
        self.card_known = False
        self.card_citizen: int | None = None  # internal id of the card's citizen when enrolled
        self.card_faces: deque[FaceSample] = deque(maxlen=CARD_FACES)
        """The latest faces that fitted a known card's screen while it was up (live frames)."""
        self.face_failed = False
        self.busy = False  # a service call for this screen is on its way back
        self.guiding = False
        self.held_in_view: Decision | None = None  # IDLE: the decision held back for the face in view

    @property
    def state(self) -> State:
        """The current state."""
        return self.screen.state

    def enter(self, screen: Screen) -> None:
        """Show ``screen``: the flow's new state."""
        self.screen, self.guiding = screen, False
        self.view.show_screen(screen)

    def _screen(self, state: State, **fields: Any) -> Screen:
        return Screen(state, MODES[state], **fields)

    # -- entering states --------------------------------------------------------------------
    def go_idle(self) -> None:
        """Back to waiting for the next citizen; nothing personal stays on screen."""
        self.check, self.card, self.card_known, self.face_failed = None, None, False, False
        self.card_faces.clear()
        self.desk.withdrawn("cancelled")
        self.guard.release()
        self.enrolment.reset()
        self.enter(self._screen(State.IDLE))
        self.run(self.kiosk.counter_stats, self.view.show_stats, lambda _error: None)

    def ask_for_card(self, reason: str) -> None:
        """Ask for the CCCD card (``reason``: see :attr:`Screen.ask_reason`)."""
        self.face_failed = self.face_failed or reason in ("unknown", "not_me", "keypad")
        if reason == "unknown":  # a face not the citizen's: whoever was confirmed has gone
            self.desk.cleared("other_face")
        else:
            self.desk.withdrawn(reason or "ask_card")
        self.guard.waiting()
        self.enter(self._screen(State.ASK_CARD, ask_reason=reason))

    def show_match(self, check: FaceCheck) -> None:
        """A recognised citizen: fill the form."""
        assert check.citizen is not None
        self.check = check
        self.guard.citizen(citizens=citizens_of(check), id_number=check.citizen.id_number, strict=True)
        self.enter(self._screen(State.MATCH, check=check))
        self.desk.recognised(check.citizen, "keypad" if check.via_keypad else "auto")
        self.view.report(Event.FORM_FILLED, check.citizen)

    def show_card(self, card: CccdRead) -> None:
        """A card was read: look it up (audited) and show it; a failed look-up leaves the screen as it is."""
        try:
            known = self.kiosk.check_card(card).known
            citizen = self.kiosk.citizen_id_of(card.record.id_number) if known else None
        except KioskError as exc:
            self.view.show_error(exc)
            return
        self.check, self.card, self.card_known, self.card_citizen = None, card, known, citizen
        self.card_faces.clear()
        self.enrolment.reset()
        self.guard_card()
        self.enter(self._screen(State.CARD, card=card, card_known=known, face_failed=self.face_failed))
        self.desk.card_read(card.record, known)
        self.view.report(Event.FORM_FILLED, card.record)

    def correct_card(self, id_number: str, full_name: str, address: str) -> bool:
        """F6 on a new card: the clerk's correction of the name and address the card ``id_number``
        holds mis-encoded, audited; the card's screen again with the corrected record. Only for
        the card on screen, not yet enrolled (an enrolled citizen's record is the one they
        consented with). Returns whether it was applied (an error is shown when not)."""
        card = self.card
        if self.state is not State.CARD or self.card_known or card is None or card.record.id_number != id_number:
            return False
        try:
            card = self.kiosk.correct_card(card, full_name=full_name, address=address)
        except KioskError as exc:
            self.view.show_error(exc)
            return False
        self.card = card
        self.enter(self._screen(State.CARD, card=card, card_known=False, face_failed=self.face_failed))
        self.desk.card_read(card.record, False)
        return True

    def guard_card(self) -> None:
        """Guard the card's citizen: their own card or any face not recognised as someone else keeps the screen."""
        if self.card is not None:
            citizens = frozenset({self.card_citizen}) if self.card_citizen else frozenset()
            self.guard.citizen(citizens=citizens, id_number=self.card.record.id_number)

    def clear_screen(self, reason: Reason) -> None:
        """Back to idle because the citizen left, nobody used the screen, or someone else is in front."""
        self.desk.cleared(reason.value)
        self.go_idle()
        if reason in CLEARED_NOTES:
            self.view.show_note(CLEARED_NOTES[reason])
        self.view.report(Event.SCREEN_CLEARED, reason.value)

    # -- what the camera saw ----------------------------------------------------------------
    def frame(self, result: WatchResult) -> None:
        """One analysed frame of the current screen (the widget drops frames of an older one)."""
        in_view = bool(result.boxes) or result.card is not None
        self._note_seen(in_view)
        if self.state is State.IDLE:
            self.desk.seen(in_view)
        if self.state is State.CAPTURE:
            if result.sample is not None:
                self.guard.present()
            self.enrol.frame(result.sample)
        elif result.card is not None:
            self._card_in_view(result.card)
        elif result.card_error is not None:
            self.view.show_note(Note.NOT_A_CARD, error=result.card_error)
        elif result.hint is not None and self.state in (State.IDLE, State.ASK_CARD, State.KEYPAD):
            self.guiding = True
            self.view.show_card_guide(result)
            if self.state is State.IDLE and result.decided is not None:
                self._face_result(result)
        elif self.state is State.IDLE:
            self._face_result(result)
        elif result.mode is Mode.GUARD and not self.busy:
            reason = self.guard.face(result.seen, result.sample)
            if reason is not None:
                self.clear_screen(reason)
            elif self.state is State.CARD and self.card_known and result.sample is not None and self.guard.face_fitted:
                self.card_faces.append(result.sample)
        elif self.guiding:
            self.guiding = False
            self.view.end_card_guide()

    def _note_seen(self, in_view: bool) -> None:
        """Tell the visit's first-seen clock whether a face or card is in view on this screen."""
        self.visits.note_seen(in_view, self.state, deciding=self.check is not None)

    def _card_in_view(self, card: CccdRead) -> None:
        """A card read from the camera: shown when the screen waits for one; replaces another citizen's screen."""
        if self.state in (State.IDLE, State.ASK_CARD) or (
            not self.busy and self.guard.card(card.record.id_number) is not None
        ):
            self.view.clear_note()
            self.show_card(card)

    def _face_result(self, result: WatchResult) -> None:
        check = result.decided
        if check is None:
            if not result.boxes:
                self.held_in_view = None
            elif result.held is not None:
                self.held_in_view = result.held.decision  # kept until the face leaves: no flicker between votes
            self.view.show_looking(bool(result.boxes), self.held_in_view)
        elif check.decision is Decision.MATCH:
            self.show_match(check)
        elif check.decision is Decision.CONFIRM:
            self.keypad.show(check, result.sample)
        else:
            self.watcher.hold(check)
            self.ask_for_card("unknown")

    def scanned(self, payload: str | bytes) -> None:
        """Text from a USB QR scanner (keyboard wedge or serial port)."""
        self.guard.activity()
        self._note_seen(True)
        if self.state not in (State.IDLE, State.ASK_CARD, State.KEYPAD, State.MATCH, State.CARD):
            return
        try:
            card = card_from_scanner(payload)
        except KioskError as exc:
            self.view.show_error(exc)
            self.ask_for_card("scanner")
            return
        self.view.clear_note()
        self.show_card(card)

    # -- time ---------------------------------------------------------------------------------
    def activity(self) -> None:
        """A key or a button was pressed: the screen is in use."""
        self.guard.activity()

    def until_tick(self) -> float | None:
        """Seconds until :meth:`tick` could change something; None while no time limit runs."""
        guard, rating = self.guard.until_due(), self.visits.until_due()
        if rating is None:
            return guard
        return rating if guard is None else min(guard, rating)

    def tick(self) -> None:
        """Clear the screen when a privacy time limit has passed (not while a service call is on its way
        back); put the satisfaction question away once its time is up (no answer: nothing recorded)."""
        self.visits.expire()
        if self.busy:
            return
        reason = self.guard.due()
        if reason is not None:
            self.clear_screen(reason)

    # -- the clerk's keys ---------------------------------------------------------------------
    def primary(self) -> None:
        """Enter: confirm what is on screen."""
        if self.busy:
            return
        check, card, faces = self.check, self.card, tuple(self.card_faces)
        seen_at = self.visits.seen_at()
        if self.state is State.MATCH and check is not None:
            self.call(lambda: self.kiosk.check_in(check, seen_at, learn=True), self._checked_in)
        elif self.state is State.CARD and card is not None:
            if self.card_known:
                self.call(lambda: self._card_check_in(card, seen_at, faces), self._checked_in_by_card)
            else:
                self.enrol.ask_consent()
        elif self.state is State.CONSENT:
            self.enrol.give_consent()
        elif self.state is State.SAVED:
            self.go_idle()

    def secondary(self) -> None:
        """Esc: "not me", cancel, refuse."""
        if self.state is State.MATCH and self.check is not None:
            self.watcher.hold(self.check)
            self.ask_for_card("not_me")
        elif self.state is State.KEYPAD:
            self.ask_for_card("keypad")
        elif self.state is State.CONSENT:
            self.enrol.refuse_consent()
        elif self.state in (State.ASK_CARD, State.CARD, State.CAPTURE, State.SAVED):
            self.go_idle()

    def extra(self) -> None:
        """F5: add face samples to the citizen known by card."""
        if self.state is State.CARD and self.card_known:
            self.enrol.start(adding=True)

    # -- results of the service calls ----------------------------------------------------------
    def call(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``work`` (a service call for this screen) through the runner, busy until it is back:
        then ``on_done(result)``, or the error shown."""
        self.busy = True

        def done(result: Any) -> None:
            self.busy = False
            on_done(result)

        def failed(error: BaseException) -> None:
            self.busy = False
            self.view.show_error(error)  # the screen stays: Enter tries again, nothing is lost

        self.run(work, done, failed)

    def _card_check_in(
        self, card: CccdRead, seen_at: datetime | None, faces: tuple[FaceSample, ...]
    ) -> tuple[int | None, int | None]:
        """(On the runner's thread) the visit by card (its citizen's face in view may teach their
        template): the card's citizen's internal id and the visit id."""
        checked = self.kiosk.check_in_by_card(card, seen_at, faces=faces)
        return checked.citizen_id, checked.visit_id

    def _checked_in_by_card(self, logged: tuple[int | None, int | None]) -> None:
        citizen, visit_id = logged
        if citizen is not None:
            self.watcher.hold_citizen(citizen)  # their face in view is not decided again at once
        self._checked_in(visit_id)

    def _checked_in(self, visit_id: int | None) -> None:
        matched = self.state is State.MATCH and self.check is not None
        record: CitizenRecord | None = (
            self.check.citizen if matched and self.check else (self.card.record if self.card else None)
        )
        if matched and self.check is not None:
            self.watcher.hold(self.check)
        if visit_id:  # the local API's clients learn the visit (face, keypad or card)
            self.desk.confirmed(visit_id)
        self.go_idle()
        self.view.show_note(Note.CHECKED_IN, name=record.full_name if record else "")
        self.visits.serve(visit_id)
        self.view.report(Event.VISIT_LOGGED, visit_id)
