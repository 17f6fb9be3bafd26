"""The screen-privacy rules (kiosk.counter.screen_guard) on a fake clock, with faces identified by the real
pipeline from the sample set: no display, no sleeping."""

from __future__ import annotations

import pytest

from kiosk.counter.screen_guard import Reason, ScreenGuard, citizens_of, same_face_for
from models import Decision
from tests.support.data import FRAMES, analyzed


class Clock:
    """Seconds, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock, enrolled) -> ScreenGuard:
    return ScreenGuard(face_gone_s=8, idle_s=90, same_face=same_face_for(enrolled), clock=clock)


class Faces(dict):
    """Real identifications by name; ``.sample(name)`` is the encoded face itself."""

    def sample(self, name: str):
        return self.samples[name]


@pytest.fixture
def faces(enrolled):
    """Real identifications: london_005 (auto match), lisa (auto match), london_043 turned (keypad),
    Huỳnh Hiếu Thuận (london_115, not enrolled here) twice, two strangers."""
    paths = {
        "son": "london_005/visit_2.jpg",
        "lisa": "lisa/visit_2.jpg",
        "duc_turned": "london_043/visit_4.jpg",
        "thuan": "london_115/visit_2.jpg",
        "thuan_turned": "london_115/visit_3.jpg",
        "stranger": "strangers/london_132_1.jpg",
        "stranger2": "strangers/london_135_1.jpg",
    }
    found = Faces()
    found.samples = {name: analyzed(FRAMES / path).primary for name, path in paths.items()}
    for name, sample in found.samples.items():
        found[name] = enrolled.identify_sample(sample)
    assert [found[k].decision for k in ("son", "lisa", "duc_turned", "stranger")] == [
        Decision.MATCH,
        Decision.MATCH,
        Decision.CONFIRM,
        Decision.UNKNOWN,
    ]
    assert found["thuan"].decision is not Decision.MATCH and found["stranger2"].decision is not Decision.MATCH
    return found


def see(guard, faces, name):
    return guard.face(faces[name], faces.sample(name))


def son_screen(guard, faces) -> None:
    son = faces["son"]
    guard.citizen(citizens=citizens_of(son), id_number=son.citizen.id_number, strict=True)


def test_a_recognised_form_stays_while_the_face_is_there_and_clears_once_it_has_gone(guard, clock, faces):
    son_screen(guard, faces)
    for _ in range(20):  # 20 s in front of the camera, one frame a second: the form stays
        clock.advance(1)
        assert guard.face(faces["son"]) is None and guard.due() is None
    clock.advance(7.9)  # the face has left (frames with nobody in them)
    assert guard.face(None) is None and guard.due() is None
    clock.advance(0.1)
    assert guard.due() is Reason.FACE_GONE


def test_a_key_press_counts_as_presence_but_not_for_ever(guard, clock, faces):
    son_screen(guard, faces)
    for _ in range(11):  # the clerk types every 7 s with no face in view: the face limit never passes...
        clock.advance(7)
        assert guard.due() is None
        guard.activity()
    guard.face(faces["son"])
    for _ in range(9):  # ...and with the face in view but no key for 90 s, the idle limit does
        clock.advance(10)
        guard.face(faces["son"])
    assert guard.due() is Reason.IDLE


def test_another_face_replaces_a_recognised_citizen_after_two_frames(guard, faces):
    son_screen(guard, faces)
    assert guard.face(faces["lisa"]) is None  # one frame can be a blur
    assert guard.face(faces["lisa"]) is Reason.OTHER_FACE
    son_screen(guard, faces)
    assert guard.face(faces["stranger"]) is None
    assert guard.face(None) is None  # a frame without a face breaks the run
    assert guard.face(faces["stranger"]) is None
    assert guard.face(faces["stranger"]) is Reason.OTHER_FACE  # a face that no longer fits the citizen shown


def test_a_new_citizens_card_form_follows_the_holder_and_clears_for_a_stranger(guard, clock, faces):
    guard.citizen(citizens=frozenset(), id_number="096201003316")  # Thuận's card, not enrolled: nobody to look up
    for name in ("thuan", "thuan_turned") * 5:  # the first face seen is the holder's; the same face keeps the form
        clock.advance(3)
        assert see(guard, faces, name) is None and guard.due() is None
    assert see(guard, faces, "stranger") is None and see(guard, faces, "stranger") is Reason.OTHER_FACE
    guard.citizen(citizens=frozenset(), id_number="096201003316")
    assert see(guard, faces, "thuan") is None
    assert (
        see(guard, faces, "lisa") is None and see(guard, faces, "lisa") is Reason.OTHER_FACE
    )  # recognised: someone else


def test_the_consent_after_the_card_keeps_the_holder_and_a_known_card_accepts_a_face_that_no_longer_fits(guard, faces):
    guard.citizen(citizens=frozenset(), id_number="096201003316")
    assert see(guard, faces, "thuan") is None
    guard.citizen(citizens=frozenset(), id_number="096201003316")  # the consent screen of the same card
    assert see(guard, faces, "stranger2") is None and see(guard, faces, "stranger2") is Reason.OTHER_FACE
    son = citizens_of(faces["son"])
    guard.citizen(citizens=son, id_number="096098004127")  # his card: the face fits him, or anything not someone else
    assert all(see(guard, faces, name) is None for name in ("son", "thuan", "thuan_turned", "son"))


def test_one_stranger_staying_in_front_of_a_new_card_form_keeps_it_only_until_the_idle_limit(guard, clock, faces):
    guard.citizen(citizens=frozenset(), id_number="096098004127")
    reasons = set()
    for _ in range(100):
        clock.advance(1)
        see(guard, faces, "stranger")
        reasons.add(guard.due())
    assert reasons == {None, Reason.IDLE}


def test_the_same_card_is_presence_and_another_card_replaces(guard, clock, faces):
    son_screen(guard, faces)
    for _ in range(5):
        clock.advance(5)
        assert guard.card("096098004127") is None  # her card still in front of the camera
    assert guard.due() is None
    assert guard.card("096302009958") is Reason.OTHER_CARD
    guard.citizen(citizens=citizens_of(faces["duc_turned"]))  # the keypad: any card replaces it
    assert guard.card("096206002219") is Reason.OTHER_CARD


def test_the_keypad_clears_for_an_empty_counter_but_keeps_its_candidates(guard, clock, faces):
    guard.citizen(citizens=citizens_of(faces["duc_turned"]))
    clock.advance(6)
    assert see(guard, faces, "duc_turned") is None
    clock.advance(6)
    assert guard.due() is None
    clock.advance(2)
    assert guard.due() is Reason.FACE_GONE
    guard.citizen(citizens=citizens_of(faces["duc_turned"]))
    assert (
        guard.face(faces["son"]) is None and guard.face(faces["son"]) is Reason.OTHER_FACE
    )  # recognised: someone else
    guard.citizen(citizens=citizens_of(faces["duc_turned"]))
    assert see(guard, faces, "duc_turned") is None  # the face at the keypad...
    assert (
        see(guard, faces, "thuan") is None and see(guard, faces, "thuan") is Reason.OTHER_FACE
    )  # ...and another, unrecognised
    guard.citizen(
        citizens=citizens_of(faces["duc_turned"]), anchor=faces.sample("duc_turned")
    )  # the face that was decided
    assert (
        see(guard, faces, "thuan") is None and see(guard, faces, "thuan") is Reason.OTHER_FACE
    )  # even as the first face seen


def test_a_capture_waits_for_the_face_and_saving_or_idle_is_never_cleared(guard, clock):
    guard.capture()
    clock.advance(60)
    guard.present()
    clock.advance(89)
    assert guard.due() is None
    clock.advance(1)
    assert guard.due() is Reason.FACE_GONE
    guard.release()  # saving
    clock.advance(10_000)
    assert guard.due() is None and guard.face(None) is None and guard.card("096098004127") is None and not guard.active


def test_waiting_for_a_card_clears_after_the_idle_limit_and_new_limits_apply_to_the_next_screen(guard, clock):
    guard.waiting()
    clock.advance(89)
    assert guard.due() is None
    clock.advance(1)
    assert guard.due() is Reason.IDLE
    guard.set_limits(face_gone_s=3, idle_s=20)
    guard.waiting()
    clock.advance(20)
    assert guard.due() is Reason.IDLE
