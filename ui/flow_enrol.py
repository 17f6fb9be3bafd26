"""The counter's enrolment steps, without Qt: CONSENT → CAPTURE → SAVING → SAVED for the card on screen.

In order: a new citizen's card and Enter ask for consent (:meth:`EnrolSteps.ask_consent`); the
box ticked, then Enter or the button (:meth:`EnrolSteps.give_consent`) starts the capture; Esc
refuses and nothing is stored. A citizen known by card gets new samples with F5 (CAPTURE at
once). Each analysed frame's largest face is offered to the flow's
:class:`ui.enrolment.Enrolment` (:meth:`EnrolSteps.frame`), which keeps the good ones; with
``min_enrol_samples`` kept, :meth:`EnrolSteps.save` enters SAVING and stores them through the
runner (enrol with consent, or add to the known citizen); SAVED shows what was stored. Saving is
never interrupted; a database error or a chip read that failed keeps the samples and offers to
save again; a chip that refuses the card or the face ends the enrolment with nothing stored; any
other error captures again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from kiosk.cccd.record import CccdRead
from kiosk.counter.desk import Desk
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.screen_guard import ScreenGuard
from kiosk.counter.service import Kiosk
from kiosk.errors import ChipError, StoreError
from models import FaceSample, QualityIssue
from ui.enrolment import Enrolment, Saved
from ui.flow_visit import VisitLifecycle
from ui.screens import MODES, CounterView, Event, Holds, Note, Runner, Screen, State

CHIP_RETRY = frozenset(
    {"no_pcsc", "no_reader", "no_card", "card_lost", "read_failed", "sod_malformed", "not_an_id_chip", "access_denied"}
)
"""Chip failures the clerk can fix (the card off the reader, another card on it, a read cut
short): saving is offered again with the samples kept. Any other chip failure (a face that is
not the holder, a chip that disagrees with the QR or fails its signature) refuses the enrolment."""


class EnrolHost(Protocol):
    """What the enrolment steps use of the flow (:class:`ui.flow.CounterFlow`): its parts, the card
    on screen, the screen itself and the transitions they share with it."""

    kiosk: Kiosk
    view: CounterView
    watcher: Holds
    run: Runner
    guard: ScreenGuard
    desk: Desk
    enrolment: Enrolment
    visits: VisitLifecycle
    screen: Screen
    card: CccdRead | None
    card_known: bool

    def enter(self, screen: Screen) -> None:
        """Show ``screen`` (the flow's new state)."""

    def go_idle(self) -> None:
        """Back to waiting for the next citizen."""

    def guard_card(self) -> None:
        """Guard the card's citizen while their screen is up."""


class EnrolSteps:
    """Moves ``flow`` (:class:`EnrolHost`) from CONSENT to SAVED; the samples live in ``flow.enrolment``."""

    def __init__(self, flow: EnrolHost) -> None:
        self.flow = flow
        self.consent_ticked = False

    # -- consent ------------------------------------------------------------------------------
    def ask_consent(self) -> None:
        """CARD of a citizen not enrolled, Enter: show the consent, its box unticked."""
        flow = self.flow
        self.consent_ticked = False
        flow.guard_card()
        flow.enter(replace(flow.screen, state=State.CONSENT, mode=MODES[State.CONSENT]))

    def set_consent_ticked(self, ticked: bool) -> None:
        """The consent box was ticked or unticked."""
        self.consent_ticked = ticked

    def give_consent(self) -> None:
        """Accept the consent: only with the box ticked (silence is not consent)."""
        if self.flow.screen.state is State.CONSENT and self.consent_ticked:
            self.start(adding=False)

    def refuse_consent(self) -> None:
        """The citizen does not agree: nothing is stored."""
        self.flow.go_idle()
        self.flow.view.show_note(Note.CONSENT_REFUSED)

    # -- capture and saving -------------------------------------------------------------------
    def start(self, *, adding: bool) -> None:
        """Start capturing for the card on screen (``adding``: a known citizen gets new samples)."""
        flow = self.flow
        if flow.card is None:
            return
        flow.enrolment.begin(adding=adding)
        flow.guard.capture()
        capture = Screen(
            State.CAPTURE,
            MODES[State.CAPTURE],
            card=flow.card,
            card_known=flow.card_known,
            adding=adding,
            need=flow.enrolment.needed,
        )
        flow.enter(capture)

    def frame(self, sample: FaceSample | None) -> None:
        """One CAPTURE frame's largest face (None: no face): a live hint, or a sample kept; the last one saves."""
        flow = self.flow
        kept = flow.enrolment.offer(sample)
        if isinstance(kept, QualityIssue):
            flow.view.show_capture_issue(kept)
        elif kept is not None:
            flow.view.show_capture_taken(kept, flow.enrolment.needed)
            if flow.enrolment.complete:
                self.save()

    def save(self) -> None:
        """Store the samples through the runner (enrol, or add to the known citizen); never interrupted."""
        flow = self.flow
        assert flow.card is not None
        flow.guard.release()
        flow.enter(replace(flow.screen, state=State.SAVING, mode=MODES[State.SAVING]))
        flow.run(flow.enrolment.saver(flow.kiosk, flow.card, flow.visits.seen_at()), self._saved, self._save_failed)

    def _saved(self, saved: Saved) -> None:
        flow = self.flow
        if isinstance(saved, EnrolResult):
            flow.enrolment.result = saved
            flow.watcher.hold_citizen(saved.citizen_id)
            flow.guard.citizen(citizens=frozenset({saved.citizen_id}), id_number=saved.record.id_number, strict=True)
            flow.enter(replace(flow.screen, state=State.SAVED, mode=MODES[State.SAVED], enrolled=saved))
            flow.desk.enrolled(saved.record, saved.visit_id)
            flow.view.show_note(Note.ENROLLED, name=saved.record.full_name)
            flow.visits.serve(saved.visit_id)
            flow.view.report(Event.ENROLLED, saved)
            return
        count, citizen = saved
        if citizen:
            flow.watcher.hold_citizen(citizen)
        assert flow.card is not None
        flow.guard.citizen(
            citizens=frozenset({citizen}) if citizen else frozenset(),
            id_number=flow.card.record.id_number,
            strict=bool(citizen),
        )
        flow.enter(replace(flow.screen, state=State.SAVED, mode=MODES[State.SAVED], added=count))
        flow.view.report(Event.SAMPLES_ADDED, count)

    def _save_failed(self, error: BaseException) -> None:
        flow = self.flow
        if flow.screen.state is not State.SAVING:
            return
        if isinstance(error, StoreError) or (isinstance(error, ChipError) and error.reason in CHIP_RETRY):
            flow.view.show_error(error, retry=self.save)  # keep the samples: the clerk retries saving
            return
        if isinstance(error, ChipError):  # the card or the face was refused: nothing stored, next citizen
            flow.go_idle()
            flow.view.show_error(error)
            return
        flow.view.show_error(error)
        self.start(adding=flow.enrolment.adding)  # quality or identity problem: capture again
