"""A visit's life beside the counter's states (ui/flow_visit.py) without a display: the first-seen
time, the clerk's "Xong" (F8), the citizen's answer or silence, on real faces and real SQLite
(tests.support.flow)."""

from __future__ import annotations

import pytest

from kiosk.counter.watch import Mode, WatchResult
from models import Rating
from tests.support.data import check_ins
from tests.support.flow import SHAPE, card, decided, guarded
from ui.flow import Event, Note, State


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


def test_the_api_done_asks_only_about_the_visit_being_served(make_flow, enrolled):
    """POST /v1/visits/{id}/done reaches the flow as done_by_api: an old or unknown visit, or a
    visit already finished with "Xong", asks nothing; the visit being served asks once."""
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "london_005/visit_2.jpg"))
    flow.primary()
    [visit] = check_ins(enrolled.store, 1)
    flow.visits.done_by_api(visit["id"] + 100)  # not this counter's visit being served
    assert flow.visits.rating_visit is None and flow.visits.serving == visit["id"]
    flow.visits.done_by_api(visit["id"])
    assert flow.visits.rating_visit == visit["id"] and view.lines[-1] == f"rate {visit['id']}"
    flow.visits.rate(Rating.SATISFIED)
    flow.visits.done_by_api(visit["id"])  # told again: the answer stays, no second question
    assert view.lines[-1] == "rated satisfied" and flow.visits.rating_visit is None


def test_a_visit_by_card_learns_from_the_citizens_face_in_view(make_flow, enrolled):
    """Lisa shows her card; her face in view while it is on screen teaches her template at Enter."""
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("lisa")))
    assert flow.state is State.CARD and flow.card_known
    for image in ("lisa/visit_2.jpg", "lisa/visit_3.jpg"):
        flow.frame(guarded(enrolled, image))
    citizen_id = flow.card_citizen
    flow.primary()
    assert flow.state is State.IDLE and view.notes[-1][0] is Note.CHECKED_IN
    assert len(enrolled.store.samples_of(citizen_id)[0]) == 4
    assert [e["action"] for e in enrolled.store.audit_entries(3)][:2] == ["learn_sample", "qr_read"]


def test_a_card_screen_keeps_only_faces_that_fit_it_and_forgets_them_with_the_card(make_flow, enrolled):
    flow, _view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_005")))
    flow.frame(guarded(enrolled, "lisa/visit_2.jpg"))  # somebody else recognised: not his
    assert flow.state is State.CARD and not flow.card_faces
    flow.frame(guarded(enrolled, "london_005/visit_2.jpg"))
    assert len(flow.card_faces) == 1
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("lisa")))  # another card replaces his
    assert flow.card.record.full_name != "Lê Anh Sơn" and not flow.card_faces
    flow.frame(guarded(enrolled, "lisa/visit_2.jpg"))
    flow.secondary()  # Esc: back to idle
    assert flow.state is State.IDLE and not flow.card_faces
