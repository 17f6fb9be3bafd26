"""The counter's keypad step (ui/flow_keypad.py) without a display: several candidates, digits that
miss and digits that fit, on real faces, the real policy and real SQLite (tests.support.flow)."""

from __future__ import annotations

from kiosk.counter.identify import KeypadAsk
from tests.support.data import check_ins
from tests.support.flow import Worker, decided, strict
from ui.flow import Event, State
from ui.flow_keypad import KEYPAD_ATTEMPTS


def test_confirm_goes_to_the_keypad_a_wrong_entry_misses_and_the_right_digits_fill_the_form(make_flow, enrolled):
    kiosk = strict(enrolled)
    flow, view, _watcher = make_flow(kiosk, worker := Worker(at_once=False))
    worker.finish()  # today's figures
    flow.frame(decided(kiosk, "london_005/visit_4.jpg"))
    first = view.screens[-1]
    assert flow.state is State.KEYPAD and first.attempts_left == KEYPAD_ATTEMPTS
    assert first.ask == KeypadAsk("id", 4 if flow.check.candidate_count == 1 else 6)
    assert view.events == []  # nobody's data is shown before the digits fit
    flow.keypad.submit("0000")
    assert flow.busy
    flow.keypad.submit("4127")  # a second entry while the first is being checked is ignored
    assert len(worker.pending) == 1
    worker.finish()
    assert flow.state is State.KEYPAD and view.misses == [KEYPAD_ATTEMPTS - 1] and not flow.busy
    assert view.asks == [KeypadAsk("id", 6)]  # after a miss, 6 digits: 4 right ones no longer fit
    flow.keypad.submit("4127")
    worker.finish()
    assert flow.state is State.KEYPAD and view.misses == [KEYPAD_ATTEMPTS - 1, KEYPAD_ATTEMPTS - 2]
    flow.keypad.submit("004127")
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


def test_a_keypad_clears_when_someone_else_faces_it(make_flow, enrolled):
    from tests.support.flow import guarded
    from ui.flow import Note

    kiosk = strict(enrolled)
    flow, view, _watcher = make_flow(kiosk)
    flow.frame(decided(kiosk, "london_005/visit_4.jpg"))
    assert flow.state is State.KEYPAD
    flow.frame(guarded(kiosk, "strangers/london_082_1.jpg"))  # one frame can be a blur: not yet
    assert flow.state is State.KEYPAD
    flow.frame(guarded(kiosk, "strangers/london_082_1.jpg"))
    assert flow.state is State.IDLE and view.notes[-1] == (Note.OTHER_FACE, "")
