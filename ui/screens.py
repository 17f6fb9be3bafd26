"""What the counter's flow shows, without Qt: its states, the screen each one shows, the banner's
notes, the page's events, the view that renders them (:class:`ui.counter.CounterPage`), and what
else the flow is handed: the runner of service calls and the watcher's memory of outcomes.

:mod:`ui.flow` decides; this module names what it decides. The widget words every text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from kiosk.cccd.record import CccdRead
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.identify import FaceCheck, KeypadAsk
from kiosk.counter.screen_guard import Reason
from kiosk.counter.stats import DayStats
from kiosk.counter.watch import Mode, WatchResult
from models import Decision, KioskError, QualityIssue, Rating


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


MODES = {
    State.IDLE: Mode.WATCH,
    State.MATCH: Mode.GUARD,
    State.KEYPAD: Mode.GUARD,
    State.ASK_CARD: Mode.CARD,
    State.CARD: Mode.GUARD,
    State.CONSENT: Mode.GUARD,
    State.CAPTURE: Mode.CAPTURE,
    State.SAVING: Mode.PAUSED,
    State.SAVED: Mode.GUARD,
}
"""What the watcher looks for in each state."""


class Note(str, Enum):
    """A message for the banner (the widget words it)."""

    CHECKED_IN = "checked_in"  # a visit logged: the name
    ENROLLED = "enrolled"  # a new citizen saved: the name
    CONSENT_REFUSED = "consent_refused"
    NOT_A_CARD = "not_a_card"  # a QR code that is not a CCCD card: the error
    FACE_GONE = Reason.FACE_GONE.value  # the screen cleared itself, and why
    IDLE = Reason.IDLE.value
    OTHER_FACE = Reason.OTHER_FACE.value


CLEARED_NOTES = {Reason.FACE_GONE: Note.FACE_GONE, Reason.IDLE: Note.IDLE, Reason.OTHER_FACE: Note.OTHER_FACE}
"""The banner's note when the screen cleared itself (another card needs none: it shows itself)."""


class Event(str, Enum):
    """What the page reports to its listeners (the widget's signal of the same name)."""

    FORM_FILLED = "form_filled"  # CitizenRecord
    VISIT_LOGGED = "visit_logged"  # visit id (0 for a card check-in)
    ENROLLED = "enrolled"  # EnrolResult
    SAMPLES_ADDED = "samples_added"  # count
    SCREEN_CLEARED = "screen_cleared"  # the Reason value
    VISIT_DONE = "visit_done"  # visit id: the clerk finished it; the citizen is asked
    VISIT_RATED = "visit_rated"  # (visit id, Rating): the citizen answered


@dataclass(frozen=True)
class Screen:
    """What a state shows (the fields that state uses; the rest keep their defaults).

    Attributes:
        state: the state entered; ``mode``: what the watcher looks for meanwhile.
        check: MATCH: the recognised citizen's check; KEYPAD: the candidates' check (nobody shown).
        card: CARD, CONSENT, CAPTURE, SAVING, SAVED: the card read; ``card_known``: its citizen is enrolled;
            ``face_failed``: the face was not enough before the card (offer new samples).
        ask_reason: ASK_CARD: "unknown", "not_me", "keypad", "scanner" or "" (asked for by the clerk).
        attempts_left: KEYPAD: tries left; ``ask``: what the keypad asks for on this try.
        adding, need: CAPTURE, SAVING, SAVED: new samples for a known citizen; good samples to collect.
        enrolled, added: SAVED: the enrolment saved, or how many samples were added.
    """

    state: State
    mode: Mode
    check: FaceCheck | None = None
    card: CccdRead | None = None
    card_known: bool = False
    face_failed: bool = False
    ask_reason: str = ""
    attempts_left: int = 0
    ask: KeypadAsk | None = None
    adding: bool = False
    need: int = 0
    enrolled: EnrolResult | None = None
    added: int = 0


class CounterView(Protocol):
    """What the flow asks of the screen that renders it (:class:`ui.counter.CounterPage`)."""

    def show_screen(self, screen: Screen) -> None:
        """A state was entered: its panel and status line, the watcher's mode."""

    def show_looking(self, faces_in_view: bool, held: Decision | None = None) -> None:
        """IDLE with no decision yet: recognising (a face is in view) or inviting to look at the camera;
        ``held``: the face in view was already decided so and handled (MATCH: the citizen just
        served; else not recognised, their card asked for)."""

    def show_card_guide(self, result: WatchResult) -> None:
        """A QR code seen but not read: outline ``result.code`` and say ``result.hint``."""

    def end_card_guide(self) -> None:
        """The code went away: the state's own status line again."""

    def show_keypad_miss(self, attempts_left: int, ask: KeypadAsk) -> None:
        """The digits fit nobody; ``attempts_left`` more tries, the next asking for ``ask``."""

    def show_capture_issue(self, issue: QualityIssue) -> None:
        """A capture frame that cannot be kept, and what the citizen should do."""

    def show_capture_taken(self, taken: int, need: int) -> None:
        """A capture frame kept: ``taken`` of ``need`` good samples."""

    def show_note(self, note: Note, name: str = "", error: KioskError | None = None) -> None:
        """A message on the banner."""

    def show_error(self, error: BaseException, retry: Callable[[], None] | None = None) -> None:
        """A failed service call on the banner (``retry``: the action offered)."""

    def clear_note(self) -> None:
        """Remove the banner's message."""

    def show_stats(self, stats: DayStats) -> None:
        """Today's figures at this counter."""

    def open_receipt(self, result: EnrolResult) -> None:
        """The printable consent receipt of an enrolment."""

    def report(self, event: Event, value: object) -> None:
        """Tell the page's listeners what happened."""

    def show_serving(self, visit_id: int | None) -> None:
        """The visit the clerk is serving (its "Xong" button), or None: no visit to finish."""

    def show_rating(self, visit_id: int) -> None:
        """Ask the citizen, on their side, how satisfied they were with visit ``visit_id``."""

    def end_rating(self, rating: Rating | None) -> None:
        """Put the question away: answered ``rating`` (a short thanks), or None (no answer)."""


Runner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], Any]
"""``run(work, on_done, on_error)``: call ``work()`` (off the UI thread in the app), then ``on_done(result)``
or ``on_error(exception)`` back on the flow's thread (:meth:`ui.tasks.Tasks.run`)."""


class Holds(Protocol):
    """The watcher's memory of outcomes not to report again (:class:`kiosk.counter.watch.FrameWatcher`)."""

    def hold(self, check: FaceCheck) -> None:
        """Do not decide this outcome again until the face leaves."""

    def hold_citizen(self, citizen_id: int) -> None:
        """Do not decide a match of this citizen again until the face leaves."""
