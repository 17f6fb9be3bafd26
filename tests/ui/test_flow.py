"""The counter's flow (ui/flow.py) without a display: the transitions a clerk sees, driven by real
faces and cards (the real analysis of sample-set images, the real decision policy, real SQLite),
a fake clock the test moves, and service calls run when the test says (tests.support.flow).
The keypad, the enrolment and the visit's life after its check-in: tests/ui/test_flow_*.py."""

from __future__ import annotations

from kiosk.counter.screen_guard import MISMATCH_FRAMES, ScreenGuard
from kiosk.counter.watch import Mode, WatchResult
from recognition.qr import read_qr_file
from tests.support.data import CARDS, FRAMES, analyzed, check_ins, enrol_frames
from tests.support.flow import SHAPE, Worker, card, decided, guarded
from ui.flow import Event, Note, State


def test_a_recognised_face_fills_the_form_and_enter_logs_the_visit(make_flow, enrolled):
    flow, view, watcher = make_flow(enrolled)
    assert flow.state is State.IDLE and view.screens[-1].mode is Mode.WATCH and view.stats[-1].returns == 0
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
    # she stays in view: the watcher holds her decision back, and the screen says why (not "recognising")
    held = decided(enrolled, "london_005/visit_2.jpg")
    flow.frame(WatchResult(Mode.WATCH, SHAPE, held.boxes, held=held.decided))
    flow.frame(WatchResult(Mode.WATCH, SHAPE, held.boxes))  # between two votes: still said
    assert view.lines[-2:] == ["held match", "held match"] and flow.state is State.IDLE
    flow.frame(WatchResult(Mode.WATCH, SHAPE))  # she left
    flow.frame(WatchResult(Mode.WATCH, SHAPE, held.boxes))  # the next face is looked at afresh
    assert view.lines[-2:] == ["look at the camera", "recognising"]


def test_not_me_asks_for_the_card_and_holds_the_face(make_flow, enrolled):
    flow, view, watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    flow.secondary()
    assert (
        flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "not_me" and view.screens[-1].mode is Mode.CARD
    )
    assert watcher.held == ["Lê Anh Sơn"] and flow.face_failed and not check_ins(enrolled.store, 5)


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
