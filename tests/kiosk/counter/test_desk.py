"""The desk: who is at the counter and the events, on a clock the test moves."""

from __future__ import annotations

from kiosk.counter.desk import Desk, Kind


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_presence_moves_recognised_confirmed_cleared_and_each_step_is_an_event(card_record):
    clock, seen = Clock(), []
    desk = Desk(face_gone_s=8, idle_s=90, clock=clock)
    unsubscribe = desk.subscribe(seen.append)
    son = card_record("london_005")
    assert desk.current() is None
    desk.recognised(son, "auto")
    assert (desk.current().state, desk.current().how, desk.current().visit_id) == ("recognised", "auto", None)
    desk.confirmed(41)
    assert (desk.current().state, desk.current().how, desk.current().visit_id) == ("confirmed", "auto", 41)
    desk.withdrawn("cancelled")  # the window went idle after the visit: the confirmed citizen stays
    assert desk.current() is not None
    desk.seen(True)
    clock.now += 30
    desk.seen(False)  # the face left...
    clock.now += 7.9
    assert desk.current() is not None
    clock.now += 0.2  # ...privacy_clear_s ago
    assert desk.current() is None
    assert [(e.seq, e.kind, e.reason) for e in seen] == [
        (1, Kind.RECOGNISED, ""),
        (2, Kind.CONFIRMED, ""),
        (3, Kind.CLEARED, "face_gone"),
    ]
    unsubscribe()
    desk.card_read(son, True)
    assert len(seen) == 3  # no longer listening


def test_a_recognised_citizen_goes_when_the_screen_goes_back_and_a_confirmed_one_after_idle(card_record):
    clock, seen = Clock(), []
    desk = Desk(face_gone_s=8, idle_s=90, clock=clock)
    desk.subscribe(seen.append)
    desk.card_read(card_record("london_043"), False)
    assert seen[-1].kind is Kind.CARD_READ and seen[-1].known is False and desk.current().how == "card"
    desk.withdrawn("not_me")
    assert desk.current() is None and (seen[-1].kind, seen[-1].reason) == (Kind.CLEARED, "not_me")
    desk.enrolled(card_record("london_043"), 12)
    assert (desk.current().state, desk.current().how, desk.current().visit_id) == ("confirmed", "enrolled", 12)
    desk.seen(True)
    clock.now += 90  # a face still in view, but nobody touched anything for idle_clear_s
    assert desk.current() is None and seen[-1].reason == "idle"
    desk.confirmed(5)  # nobody to confirm: nothing happens
    assert desk.current() is None and desk.confirm() is None
