"""The counter's flow (ui/flow.py and its parts) without a display: a clock the test moves, service
calls run when the test says, a watcher and a view that record what the flow asked of them, and the
frames the flow is fed (real analyses of sample-set images)."""

from __future__ import annotations

from kiosk.cccd.record import CccdRead, parse_cccd
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.identify import FaceCheck
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Mode, WatchResult
from recognition.qr import read_qr_file
from tests.support.data import CARDS, FRAMES, analyzed
from ui.flow import CounterFlow, Event, Note, Screen

SHAPE = (480, 640)
"""Every fed frame's (height, width) in pixels."""


class Clock:
    """Seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Worker:
    """The flow's service calls, run at once (``at_once``) or when the test calls :meth:`finish`."""

    def __init__(self, at_once: bool = True) -> None:
        self.at_once = at_once
        self.pending: list = []

    def __call__(self, work, on_done, on_error) -> None:
        self.pending.append((work, on_done, on_error))
        if self.at_once:
            self.finish()

    def finish(self) -> None:
        while self.pending:
            work, on_done, on_error = self.pending.pop(0)
            try:
                result = work()
            except Exception as exc:
                on_error(exc)
            else:
                on_done(result)


class Watcher:
    """What the flow asked the frame watcher not to decide again."""

    def __init__(self) -> None:
        self.held: list = []

    def hold(self, check: FaceCheck) -> None:
        self.held.append(check.citizen.full_name if check.citizen else check.decision)

    def hold_citizen(self, citizen_id: int) -> None:
        self.held.append(citizen_id)


class View:
    """Records what the flow shows (every method of ui.screens.CounterView)."""

    def __init__(self) -> None:
        self.screens: list[Screen] = []
        self.notes: list[tuple[Note, str]] = []
        self.errors: list[BaseException] = []
        self.retry = None
        self.events: list[tuple[Event, object]] = []
        self.lines: list[str] = []
        self.misses: list[int] = []
        self.asks: list = []  # what the keypad asked for after each miss
        self.receipts: list[EnrolResult] = []
        self.stats = []

    @property
    def states(self) -> list[str]:
        return [s.state.value for s in self.screens]

    def show_screen(self, screen):
        self.screens.append(screen)

    def show_looking(self, faces_in_view, held=None):
        looking = "recognising" if faces_in_view else "look at the camera"
        self.lines.append(looking if held is None else f"held {held.value}")

    def show_card_guide(self, result):
        self.lines.append(f"guide {result.hint.value}")

    def end_card_guide(self):
        self.lines.append("guide over")

    def show_keypad_miss(self, attempts_left, ask):
        self.misses.append(attempts_left)
        self.asks.append(ask)

    def show_capture_issue(self, issue):
        self.lines.append(f"issue {issue.message}")

    def show_capture_taken(self, taken, need):
        self.lines.append(f"taken {taken}/{need}")

    def show_note(self, note, name="", error=None):
        self.notes.append((note, name))

    def show_error(self, error, retry=None):
        self.errors.append(error)
        self.retry = retry

    def clear_note(self):
        self.notes.append(("cleared", ""))

    def show_stats(self, stats):
        self.stats.append(stats)

    def open_receipt(self, result):
        self.receipts.append(result)

    def report(self, event, value):
        self.events.append((event, value))

    def show_serving(self, visit_id):
        self.lines.append(f"serving {visit_id}")

    def show_rating(self, visit_id):
        self.lines.append(f"rate {visit_id}")

    def end_rating(self, rating):
        self.lines.append(f"rated {rating.value if rating else None}")


def start_flow(kiosk: Kiosk, clock: Clock, worker: Worker | None = None) -> tuple[CounterFlow, View, Watcher]:
    """A flow over ``kiosk`` with a recording view and watcher, at idle (``worker``: at once by default)."""
    view, watcher = View(), Watcher()
    flow = CounterFlow(
        kiosk=kiosk, view=view, watcher=watcher, run=worker or Worker(), clock=clock, capture_interval_s=0.4
    )
    flow.go_idle()
    return flow, view, watcher


def strict(kiosk: Kiosk) -> Kiosk:
    """The same database under settings where every face needs the keypad."""
    return Kiosk(kiosk.settings.replace(sface_auto_accept_distance=0.05), kiosk.store)


def decided(kiosk: Kiosk, image: str) -> WatchResult:
    """An idle frame where the agreeing frames decided on the face in ``image`` (frames/...)."""
    faces = analyzed(FRAMES / image)
    return WatchResult(
        Mode.WATCH, SHAPE, faces.boxes, decided=kiosk.identify_sample(faces.primary), sample=faces.primary
    )


def guarded(kiosk: Kiosk, image: str | None) -> WatchResult:
    """A frame on a citizen's screen: the face in ``image`` identified alone (None: nobody in view)."""
    if image is None:
        return WatchResult(Mode.GUARD, SHAPE)
    faces = analyzed(FRAMES / image)
    return WatchResult(Mode.GUARD, SHAPE, faces.boxes, sample=faces.primary, seen=kiosk.identify_sample(faces.primary))


def card(folder: str) -> CccdRead:
    """The card of sample-set citizen ``folder`` (cards/<folder>.jpg), read as the camera reads it."""
    return parse_cccd(read_qr_file(CARDS / f"{folder}.jpg")[0].data)
