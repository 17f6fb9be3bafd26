"""The counter's keypad step, without Qt: several citizens could be the face, the citizen types digits.

In order: a face decided as *confirm* (candidates within reach, none sure) shows the keypad and
nobody's data (:meth:`KeypadSteps.show`); the citizen types the last digits of their ID number
(4 when one citizen is offered, 6 when several are or after a miss; or their birth year, by
setting: :meth:`kiosk.counter.service.Kiosk.keypad_ask`) (:meth:`KeypadSteps.submit`); the kiosk
checks them through the runner; digits that fit one candidate fill the form (MATCH); a miss
leaves one try fewer of :data:`KEYPAD_ATTEMPTS`, and the last miss asks for the card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.counter.identify import FaceCheck
from kiosk.counter.screen_guard import ScreenGuard, citizens_of
from kiosk.counter.service import Kiosk
from models import Decision, FaceSample
from recognition.policy import KEYPAD_TRIES
from ui.screens import MODES, CounterView, Screen, State

KEYPAD_ATTEMPTS = KEYPAD_TRIES
"""Entries of digits a citizen gets before the card is asked for."""


class KeypadHost(Protocol):
    """What the keypad step uses of the flow (:class:`ui.flow.CounterFlow`)."""

    kiosk: Kiosk
    view: CounterView
    guard: ScreenGuard
    screen: Screen
    check: FaceCheck | None
    busy: bool

    def enter(self, screen: Screen) -> None:
        """Show ``screen`` (the flow's new state)."""

    def call(self, work: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run a service call for this screen (busy until it is back)."""

    def show_match(self, check: FaceCheck) -> None:
        """A recognised citizen: fill the form."""

    def ask_for_card(self, reason: str) -> None:
        """Ask for the CCCD card."""


class KeypadSteps:
    """The KEYPAD state of ``flow`` (:class:`KeypadHost`) and the tries left (``attempts_left``)."""

    def __init__(self, flow: KeypadHost) -> None:
        self.flow = flow
        self.attempts_left = KEYPAD_ATTEMPTS

    def show(self, check: FaceCheck, face: FaceSample | None = None) -> None:
        """Several possible citizens: ask for the digits; show nobody. ``face``: the face that was decided."""
        flow = self.flow
        flow.check, self.attempts_left = check, KEYPAD_ATTEMPTS
        flow.guard.citizen(citizens=citizens_of(check), anchor=face)
        ask = flow.kiosk.keypad_ask(check, 0)
        flow.enter(Screen(State.KEYPAD, MODES[State.KEYPAD], check=check, attempts_left=KEYPAD_ATTEMPTS, ask=ask))

    @property
    def attempt(self) -> int:
        """The current try, 0 = the first."""
        return KEYPAD_ATTEMPTS - self.attempts_left

    def submit(self, typed: str) -> None:
        """The citizen typed the digits asked for (ignored off the keypad or while the last entry is being checked)."""
        flow, check, attempt = self.flow, self.flow.check, self.attempt
        if flow.screen.state is not State.KEYPAD or check is None or flow.busy:
            return
        flow.call(lambda: flow.kiosk.confirm(check, typed, attempt), self._checked)

    def _checked(self, resolved: FaceCheck) -> None:
        flow = self.flow
        if flow.screen.state is not State.KEYPAD:
            return
        if resolved.decision is Decision.MATCH:
            flow.show_match(resolved)
            return
        self.attempts_left -= 1
        if self.attempts_left <= 0 or flow.check is None:
            flow.ask_for_card("keypad")
        else:
            flow.view.show_keypad_miss(self.attempts_left, flow.kiosk.keypad_ask(flow.check, self.attempt))
