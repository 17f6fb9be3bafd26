"""The counter's flow (ui/flow.py) without a display: the transitions a clerk sees, driven by real
faces and cards (the real analysis of sample-set images, the real decision policy, real SQLite),
a fake clock the test moves, and service calls run when the test says."""

from __future__ import annotations

import pytest

from kiosk.cccd.record import CccdRead, parse_cccd
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.identify import FaceCheck
from kiosk.counter.screen_guard import MISMATCH_FRAMES, ScreenGuard
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Mode, WatchResult
from kiosk.errors import StoreError
from models import Decision, QualityIssue, Rating
from recognition.qr import read_qr_file
from tests.support.data import CARDS, FRAMES, analyzed, check_ins, enrol_frames
from ui.flow import KEYPAD_ATTEMPTS, CounterFlow, Event, Note, Screen, State

SHAPE = (480, 640)


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
        self.receipts: list[EnrolResult] = []
        self.stats = []

    @property
    def states(self) -> list[str]:
        return [s.state.value for s in self.screens]

    def show_screen(self, screen):
        self.screens.append(screen)

    def show_looking(self, faces_in_view):
        self.lines.append("recognising" if faces_in_view else "look at the camera")

    def show_card_guide(self, result):
        self.lines.append(f"guide {result.hint.value}")

    def end_card_guide(self):
        self.lines.append("guide over")

    def show_keypad_miss(self, attempts_left):
        self.misses.append(attempts_left)

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


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_flow(clock):
    """Factory: a flow over ``kiosk`` with a recording view and watcher, at idle."""

    def make(kiosk: Kiosk, worker: Worker | None = None):
        view, watcher = View(), Watcher()
        flow = CounterFlow(
            kiosk=kiosk, view=view, watcher=watcher, run=worker or Worker(), clock=clock, capture_interval_s=0.4
        )
        flow.go_idle()
        return flow, view, watcher

    return make


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
    return parse_cccd(read_qr_file(CARDS / f"{folder}.jpg")[0].data)


def test_a_recognised_face_fills_the_form_and_enter_logs_the_visit(make_flow, enrolled):
    flow, view, watcher = make_flow(enrolled)
    assert flow.state is State.IDLE and view.screens[-1].mode is Mode.WATCH and view.stats[-1].check_ins == 0
    flow.frame(WatchResult(Mode.WATCH, SHAPE, analyzed(FRAMES / "london_005" / "visit_2.jpg").boxes))
    assert flow.state is State.IDLE and view.lines[-1] == "recognising"  # agreeing frames not in yet
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    assert flow.state is State.MATCH and view.screens[-1].mode is Mode.GUARD
    assert view.screens[-1].check.citizen.full_name == "Lê Anh Sơn"
    assert view.events == [(Event.FORM_FILLED, view.screens[-1].check.citizen)]
    flow.primary()
    assert flow.state is State.IDLE and flow.check is None
    assert view.notes[-1] == (Note.CHECKED_IN, "Lê Anh Sơn") and view.events[-1][0] is Event.VISIT_LOGGED
    assert watcher.held == ["Lê Anh Sơn"]  # the same face in view is not decided again
    assert [(v["full_name"], v["method"]) for v in check_ins(enrolled.store, 5)] == [("Lê Anh Sơn", "face")]
    assert view.stats[-1].by_face == 1  # today's figures through the service, after the visit


def test_not_me_asks_for_the_card_and_holds_the_face(make_flow, enrolled):
    flow, view, watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    flow.secondary()
    assert (
        flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "not_me" and view.screens[-1].mode is Mode.CARD
    )
    assert watcher.held == ["Lê Anh Sơn"] and flow.face_failed and not check_ins(enrolled.store, 5)


def test_confirm_goes_to_the_keypad_a_wrong_entry_misses_and_the_right_digits_fill_the_form(make_flow, enrolled):
    kiosk = strict(enrolled)
    flow, view, _watcher = make_flow(kiosk, worker := Worker(at_once=False))
    worker.finish()  # today's figures
    flow.frame(decided(kiosk, "london_005/visit_4.jpg"))
    assert flow.state is State.KEYPAD and view.screens[-1].attempts_left == KEYPAD_ATTEMPTS
    assert view.events == []  # nobody's data is shown before the digits fit
    flow.keypad.submit("0000")
    assert flow.busy
    flow.keypad.submit("4127")  # a second entry while the first is being checked is ignored
    assert len(worker.pending) == 1
    worker.finish()
    assert flow.state is State.KEYPAD and view.misses == [KEYPAD_ATTEMPTS - 1] and not flow.busy
    flow.keypad.submit("4127")
    worker.finish()
    assert flow.state is State.MATCH and flow.check.via_keypad
    assert view.events == [(Event.FORM_FILLED, flow.check.citizen)] and flow.check.citizen.id_number == "096098004127"
    flow.primary()
    worker.finish()
    assert flow.state is State.IDLE and check_ins(kiosk.store, 1)[0]["method"] == "confirm"


def test_three_wrong_entries_ask_for_the_card(make_flow, enrolled):
    kiosk = strict(enrolled)
    flow, view, _watcher = make_flow(kiosk)
    flow.frame(decided(kiosk, "london_005/visit_4.jpg"))
    for _ in range(KEYPAD_ATTEMPTS):
        flow.keypad.submit("0000")
    assert view.misses == [2, 1] and flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "keypad"
    assert not check_ins(kiosk.store, 5)


def test_a_stranger_shows_the_card_gives_consent_and_is_enrolled(make_flow, enrolled, clock):
    flow, view, watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "strangers/london_132_1.jpg"))
    assert (
        flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "unknown" and watcher.held == [Decision.UNKNOWN]
    )
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    assert flow.state is State.CARD and not flow.card_known and flow.face_failed
    assert view.events[-1] == (Event.FORM_FILLED, card("london_045").record)
    flow.primary()
    assert flow.state is State.CONSENT and view.screens[-1].card.record.full_name == "Lý Quốc Sơn"
    flow.primary()  # Enter alone is not consent: the box is unticked
    flow.enrol.give_consent()
    assert flow.state is State.CONSENT
    flow.enrol.set_consent_ticked(True)
    flow.primary()
    assert flow.state is State.CAPTURE and view.screens[-1].mode is Mode.CAPTURE and view.screens[-1].need == 3
    turned = analyzed(FRAMES / "london_045" / "enrol_bad_3_0.jpg").primary
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=turned))
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE))
    assert view.lines[-2:] == [f"issue {turned.issues[0].message}", f"issue {QualityIssue.NO_FACE.message}"]
    assert flow.enrolment.samples == []
    good = [analyzed(p).primary for p in enrol_frames("london_045")]
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=good[0]))
    clock.now += 0.1
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=good[1]))  # too soon after the last one kept
    assert len(flow.enrolment.samples) == 1 and view.lines[-1] == "taken 1/3"
    for sample in good[1:]:
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=sample))
    assert view.states[-3:] == ["capture", "saving", "saved"]
    result = view.screens[-1].enrolled
    assert result.record.full_name == "Lý Quốc Sơn" and result.samples_stored == 3
    assert view.events[-1] == (Event.ENROLLED, result) and view.notes[-1] == (Note.ENROLLED, "Lý Quốc Sơn")
    assert watcher.held[-1] == result.citizen_id and enrolled.store.consents(result.citizen_id)
    flow.enrolment.show_receipt()
    assert view.receipts == [result]
    flow.primary()
    assert flow.state is State.IDLE and flow.enrolment.samples == []


def test_refusing_consent_stores_nothing(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.scanned(read_qr_file(CARDS / "london_045.jpg")[0].text)
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.secondary()
    assert flow.state is State.IDLE and view.notes[-1] == (Note.CONSENT_REFUSED, "")
    assert enrolled.store.find_citizen("096203007742") is None


def test_a_known_card_checks_in_or_gets_new_samples(make_flow, enrolled, clock):
    flow, view, watcher = make_flow(enrolled)
    flow.ask_for_card("")
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_099")))
    assert flow.state is State.CARD and flow.card_known and not view.screens[-1].face_failed
    flow.extra()
    assert flow.state is State.CAPTURE and view.screens[-1].adding
    before = enrolled.store.sample_count()
    for path in enrol_frames("london_099"):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))
    assert flow.state is State.SAVED and view.events[-1][0] is Event.SAMPLES_ADDED
    assert enrolled.store.sample_count() == before + view.events[-1][1] == before + view.screens[-1].added
    flow.go_idle()
    flow.scanned(read_qr_file(CARDS / "london_099.jpg")[0].text)
    flow.primary()
    [card_visit] = check_ins(enrolled.store, 1)
    assert flow.state is State.IDLE and view.events[-1] == (Event.VISIT_LOGGED, card_visit["id"])  # its real id
    assert card_visit["method"] == "qr" and watcher.held[-1] == enrolled.citizen_id_of("096302009958")


def test_a_mangled_scan_asks_for_the_card_on_the_camera(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.scanned(read_qr_file(CARDS / "london_045.jpg")[0].text.replace("ý", "?"))
    assert (
        flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "scanner" and "'?'" in view.errors[-1].message
    )


def test_the_form_clears_once_the_face_has_gone_for_the_settings_seconds(make_flow, enrolled, clock):
    flow, view, _watcher = make_flow(enrolled)
    limit = enrolled.settings.privacy_clear_s
    assert flow.until_tick() is None  # idle: no time limit runs, the widget's timer rests
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    assert flow.until_tick() == limit
    for _ in range(3):  # she stays: each frame of her face keeps the form
        clock.now += limit - 1
        flow.frame(guarded(enrolled, "london_005/visit_2.jpg"))
        flow.tick()
    assert flow.state is State.MATCH
    flow.frame(guarded(enrolled, None))  # she left
    clock.now += limit - 1
    flow.tick()
    assert flow.state is State.MATCH and flow.until_tick() == 1
    clock.now += 1
    flow.tick()
    assert flow.state is State.IDLE and view.events[-1] == (Event.SCREEN_CLEARED, "face_gone")
    assert view.notes[-1] == (Note.FACE_GONE, "") and not check_ins(enrolled.store, 5)


def test_another_face_clears_a_recognised_citizen(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    for _ in range(MISMATCH_FRAMES):
        flow.frame(guarded(enrolled, "lisa/visit_2.jpg"))
    assert flow.state is State.IDLE and view.events[-1] == (Event.SCREEN_CLEARED, "other_face")


def test_an_unused_screen_clears_after_the_idle_seconds_even_with_the_face_in_view(make_flow, enrolled, clock):
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    idle = enrolled.settings.idle_clear_s
    for _ in range(int(idle // 5)):
        clock.now += 5
        flow.frame(WatchResult(Mode.GUARD, SHAPE, card=card("london_045")))  # his card keeps being seen
        flow.tick()
    assert flow.state is State.IDLE and view.events[-1] == (Event.SCREEN_CLEARED, "idle")
    flow.ask_for_card("")
    clock.now += idle - 1
    flow.activity()  # a key press
    clock.now += idle - 1
    flow.tick()
    assert flow.state is State.ASK_CARD
    clock.now += 1
    flow.tick()
    assert flow.state is State.IDLE and view.notes[-1] == (Note.IDLE, "")


def test_no_clearing_while_a_visit_is_being_saved_and_saving_is_never_interrupted(make_flow, enrolled, clock):
    flow, view, _watcher = make_flow(enrolled, worker := Worker(at_once=False))
    worker.finish()
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    flow.primary()
    clock.now += 10_000
    flow.tick()
    assert flow.state is State.MATCH and flow.busy
    worker.finish()
    assert flow.state is State.IDLE and view.events[-1][0] is Event.VISIT_LOGGED

    flow.frame(WatchResult(Mode.WATCH, SHAPE, card=card("london_045")))
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.enrol.give_consent()
    for path in enrol_frames("london_045"):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))
    assert flow.state is State.SAVING and flow.until_tick() is None
    clock.now += 10_000
    flow.tick()
    assert flow.state is State.SAVING
    worker.finish()
    assert flow.state is State.SAVED and enrolled.citizen_id_of("096203007742") is not None


def test_a_database_error_while_saving_keeps_the_samples_and_offers_to_save_again(
    make_flow, enrolled, clock, monkeypatch
):
    flow, view, _watcher = make_flow(enrolled)
    flow.scanned(read_qr_file(CARDS / "london_045.jpg")[0].text)
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.primary()

    def locked(*_args, **_kwargs):
        raise StoreError("database is locked", "close the other program")

    monkeypatch.setattr(enrolled, "enrol", locked)
    for path in enrol_frames("london_045"):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))
    assert flow.state is State.SAVING and isinstance(view.errors[-1], StoreError) and len(flow.enrolment.samples) == 3
    monkeypatch.undo()
    view.retry()
    assert flow.state is State.SAVED and view.events[-1][0] is Event.ENROLLED


def test_a_card_seen_but_not_read_is_guided_and_another_card_replaces_a_shown_one(make_flow, enrolled):
    from kiosk.cccd.card_reading import CardHint

    flow, view, _watcher = make_flow(enrolled)
    flow.ask_for_card("")
    flow.frame(
        WatchResult(Mode.CARD, SHAPE, code=((1.0, 1.0), (9.0, 1.0), (9.0, 9.0), (1.0, 9.0)), hint=CardHint.CLOSER)
    )
    assert view.lines[-1] == "guide closer" and flow.guiding
    flow.frame(WatchResult(Mode.CARD, SHAPE))
    assert view.lines[-1] == "guide over" and not flow.guiding
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    flow.frame(WatchResult(Mode.GUARD, SHAPE, card=card("london_045")))  # his own card: nothing happens
    assert view.events.count((Event.FORM_FILLED, card("london_045").record)) == 1
    flow.frame(WatchResult(Mode.GUARD, SHAPE, card=card("london_099")))
    assert flow.state is State.CARD and flow.card.record.full_name == "Phạm Thị Hương" and flow.card_known


def test_until_tick_follows_the_guard(clock):
    guard = ScreenGuard(face_gone_s=8, idle_s=90, clock=clock)
    assert guard.until_due() is None
    guard.citizen(id_number="096098004127")
    assert guard.until_due() == 8
    clock.now += 5
    guard.activity()
    assert guard.until_due() == 8
    clock.now += 100
    assert guard.until_due() == 0 and guard.due() is not None
    guard.waiting()
    assert guard.until_due() == 90


def test_a_visit_remembers_when_the_face_came_into_view_then_done_asks_and_silence_records_none(
    make_flow, enrolled, clock
):
    from datetime import datetime

    flow, view, _watcher = make_flow(enrolled)
    seen = decided(enrolled, "london_005/visit_2.jpg")
    flow.frame(WatchResult(Mode.WATCH, SHAPE))  # nobody yet
    clock.now += 30
    flow.frame(WatchResult(Mode.WATCH, SHAPE, seen.boxes))  # a face comes into view, not decided yet
    clock.now += 4
    flow.frame(seen)  # decided: the form fills
    clock.now += 1.5
    flow.primary()  # the clerk confirms 5.5 s after the face appeared
    [visit] = check_ins(enrolled.store, 1)
    waited = datetime.fromisoformat(visit["at"]) - datetime.fromisoformat(visit["seen_at"])
    assert waited.total_seconds() == pytest.approx(5.5, abs=0.5)  # the wall clock moved a little too
    assert flow.visits.serving == visit["id"] and view.lines[-1] == f"serving {visit['id']}"

    flow.visits.finish()  # "Xong" (F8)
    assert view.lines[-2:] == ["serving None", f"rate {visit['id']}"] and flow.visits.serving is None
    assert view.events[-1] == (Event.VISIT_DONE, visit["id"])
    assert flow.until_tick() == enrolled.settings.rating_timeout_s
    clock.now += enrolled.settings.rating_timeout_s - 0.1
    flow.tick()
    assert flow.visits.rating_visit == visit["id"]  # still asking
    clock.now += 0.1
    flow.tick()
    assert view.lines[-1] == "rated None" and flow.visits.rating_visit is None and flow.until_tick() is None
    flow.visits.rate(Rating.VERY_SATISFIED)  # after the question went away: ignored
    [visit] = check_ins(enrolled.store, 1)
    assert visit["done_at"] is not None and visit["rating"] is None
    flow.visits.finish()  # nothing being served: nothing happens
    assert view.lines[-1] == "rated None"


def test_an_answer_is_recorded_once_and_a_missing_visit_is_not_finished(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    flow.primary()
    [visit] = check_ins(enrolled.store, 1)
    flow.visits.finish()
    flow.visits.rate(Rating.UNSATISFIED)
    flow.visits.rate(Rating.VERY_SATISFIED)  # a second tap changes nothing
    assert view.lines[-1] == "rated unsatisfied" and view.events[-1] == (
        Event.VISIT_RATED,
        (visit["id"], Rating.UNSATISFIED),
    )
    assert check_ins(enrolled.store, 1)[0]["rating"] == "unsatisfied"
    flow.visits.serving = 999_999  # a visit purged meanwhile
    flow.visits.finish()
    assert flow.visits.serving is None and flow.visits.rating_visit is None and view.lines[-1] == "serving None"
