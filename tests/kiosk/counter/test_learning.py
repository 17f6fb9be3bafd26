"""Templates that learn from visits: a confirmed, unambiguous visit adds its sharpest frame to
the citizen's samples, up to ``min_enrol_samples + visit_samples``, then in place of the oldest
learnt one; audited, synced, purged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from kiosk.cccd.record import CccdRead
from kiosk.counter.checkin import Learnt
from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from models import Decision, FaceSample, QualityIssue
from tests.support.data import ADMIN_PIN, FRAMES, analyzed, enrol_frames


def _visit(kiosk: Kiosk, folder: str, frame: str, digits: str) -> int:
    """Recognise one frame of the citizen, through the keypad if asked, and check them in."""
    check = kiosk.identify_sample(analyzed(FRAMES / folder / frame).primary)
    if check.decision is Decision.CONFIRM:
        check = kiosk.confirm(check, digits[-kiosk.keypad_ask(check, 0).digits :])
    assert check.decision is Decision.MATCH
    return kiosk.check_in(check, learn=True)  # live camera frames, as the counter window checks in


def test_confirmed_visits_add_their_sharpest_frame_then_replace_the_oldest_learnt_and_a_purge_takes_them(
    kiosk: Kiosk, card_record
) -> None:
    enrolled = kiosk
    lisa = card_record("lisa")
    real = enrolled.store.clock
    enrolled.store.clock = lambda: real() - timedelta(days=40)  # enrolled, then two visits, 40 days ago
    citizen_id = enrolled.enrol(lisa, [analyzed(p).primary for p in enrol_frames("lisa")], consent=True).citizen_id
    enrolment = set(enrolled.store.samples_of(citizen_id)[0].tolist())
    assert len(enrolment) == 3

    def uids() -> list[str]:
        rows = enrolled.store.db.execute("SELECT uid FROM face_samples WHERE citizen_id = ? ORDER BY id", [citizen_id])
        return [r[0] for r in rows]

    for frame in ("visit_2.jpg", "visit_3.jpg"):
        _visit(enrolled, "lisa", frame, lisa.id_number)
    first_learnt = uids()[3]
    _visit(enrolled, "lisa", "visit_2.jpg", lisa.id_number)  # at the cap, the newest a few seconds old: nothing
    assert len(uids()) == 5 and first_learnt in uids()
    enrolled.store.clock = real
    _visit(enrolled, "lisa", "visit_2.jpg", lisa.id_number)  # 40 days later: replaces the oldest learnt sample
    _visit(enrolled, "lisa", "visit_3.jpg", lisa.id_number)  # and not again the same day
    keys, stored = enrolled.store.samples_of(citizen_id, enrolled.engine)
    assert len(keys) == 3 + enrolled.settings.visit_samples == 5 and enrolment <= set(keys.tolist())
    assert first_learnt not in uids()
    retired = enrolled.store.db.execute("SELECT uid, counter FROM retired_samples WHERE citizen_id = ?", [citizen_id])
    assert [tuple(r) for r in retired] == [(first_learnt, enrolled.settings.counter_name)]  # travels to the registry
    indexed = enrolled.matcher.samples_of([citizen_id])[citizen_id]  # the index follows at once
    assert np.array_equal(np.sort(indexed, axis=0), np.sort(stored, axis=0))
    learnt = [e for e in enrolled.store.audit_entries(20) if e["action"] == "learn_sample"]
    assert len(learnt) == 3 and {e["subject"] for e in learnt} == {lisa.masked_id}
    assert [json.loads(e["detail"]).get("retired", 0) for e in learnt] == [1, 0, 0]  # newest first
    enrolled.set_first_admin_pin(ADMIN_PIN)
    enrolled.login_admin(ADMIN_PIN).withdraw_consent(lisa.id_number)
    assert enrolled.store.find_citizen(lisa.id_number) is None and citizen_id not in enrolled.matcher
    assert enrolled.store.db.execute("SELECT count(*) FROM retired_samples").fetchone()[0] == 0


def test_a_pc_whose_clock_is_behind_the_citizens_newest_sample_learns_nothing(enrolled: Kiosk, card_record) -> None:
    """Its date would put the new sample among the earliest, which are never replaced."""
    lisa = card_record("lisa")
    citizen_id = enrolled.store.find_citizen(lisa.id_number)[0]
    behind = enrolled.store.clock() - timedelta(days=1)
    enrolled.store.clock = lambda: behind
    _visit(enrolled, "lisa", "visit_2.jpg", lisa.id_number)
    assert len(enrolled.store.samples_of(citizen_id)[0]) == 3


def test_a_turned_head_is_recognised_but_not_learnt(enrolled: Kiosk, card_record) -> None:
    son = card_record("london_005")
    _visit(enrolled, "london_005", "visit_3.jpg", son.id_number)  # three-quarter view
    assert len(enrolled.store.samples_of(enrolled.store.find_citizen(son.id_number)[0])[0]) == 3


def test_nothing_is_learnt_when_switched_off(settings: Settings, db_path: Path, card_record) -> None:
    with Kiosk.open(replace(settings, visit_samples=0), db_path) as kiosk:
        son = card_record("london_005")
        kiosk.enrol(son, [analyzed(p).primary for p in enrol_frames("london_005")], consent=True, staff="t")
        _visit(kiosk, "london_005", "visit_2.jpg", son.id_number)
        assert len(kiosk.store.samples_of(kiosk.store.find_citizen(son.id_number)[0])[0]) == 3


def test_nothing_is_learnt_from_a_face_the_kiosk_was_not_sure_of(enrolled: Kiosk, card_record) -> None:
    son = card_record("london_005")
    citizen_id = enrolled.store.find_citizen(son.id_number)[0]
    check = enrolled.identify_sample(analyzed(FRAMES / "london_005" / "visit_2.jpg").primary)
    assert check.decision is Decision.MATCH
    rules = enrolled._sample_rules()
    assert rules.learnt(citizen_id, check, learn=True).action == "learn_sample"
    assert rules.learnt(citizen_id, replace(check, nearest=False), learn=True) == Learnt()  # the digits picked another
    assert rules.learnt(citizen_id, replace(check, margin=rules.min_margin / 2), learn=True) == Learnt()  # a face close
    blurred = tuple(replace(s, issues=(QualityIssue.BLURRY,)) for s in check.samples)
    assert rules.learnt(citizen_id, replace(check, samples=blurred), learn=True) == Learnt()


def test_a_face_that_is_not_the_citizens_is_never_learnt_even_when_the_digits_fitted(
    enrolled: Kiosk, card_record
) -> None:
    """A stranger who typed Sơn's digits (or a relative who knows them): the keypad made it a
    match, but the frame is far from Sơn's template, so nothing is added to his samples."""
    son = card_record("london_005")
    citizen_id = enrolled.store.find_citizen(son.id_number)[0]
    own = enrolled.identify_sample(analyzed(FRAMES / "london_005" / "visit_2.jpg").primary)
    stranger = analyzed(FRAMES / "london_030" / "visit_2.jpg").primary
    passed = replace(own, samples=(stranger,), via_keypad=True)  # the digits fitted; the face is another's
    rules = enrolled._sample_rules()
    assert rules.learn_distance < 0.5 and rules.learnt(citizen_id, passed, learn=True) == Learnt()
    assert rules.learnt(citizen_id, own, learn=True).action == "learn_sample"  # his own frame would be
    assert rules.learnt(citizen_id, own) == Learnt()  # but not from frames that are not live: the CLI, a replay


def test_a_check_in_from_a_photo_file_learns_nothing(enrolled: Kiosk, card_record) -> None:
    lisa = card_record("lisa")
    citizen_id = enrolled.store.find_citizen(lisa.id_number)[0]
    enrolled.check_in(enrolled.identify_sample(analyzed(FRAMES / "lisa" / "visit_2.jpg").primary))
    assert len(enrolled.store.samples_of(citizen_id)[0]) == 3


def test_a_sample_learnt_at_one_counter_reaches_another(province, card_record) -> None:
    a, b = province.join("Quầy A"), province.join("Quầy B")
    son = card_record("london_005")
    a.enrol(son, [analyzed(p).primary for p in enrol_frames("london_005")], consent=True)
    a.sync()
    assert b.sync().pulled["face_samples"] == 3
    _visit(b, "london_005", "visit_2.jpg", son.id_number)
    b.sync()
    assert a.sync().pulled["face_samples"] == 1
    citizen_id = a.store.find_citizen(son.id_number)[0]
    assert len(a.store.samples_of(citizen_id)[0]) == 4 and len(a.matcher.samples_of([citizen_id])[citizen_id]) == 4


def _live(folder: str, *frames: str) -> list[FaceSample]:
    """The faces of a citizen's frames as the camera gives them while the card is on screen."""
    return [analyzed(FRAMES / folder / frame).primary for frame in frames]


def test_a_visit_by_card_learns_the_sharpest_frame_of_the_cards_own_face(enrolled: Kiosk, card_record) -> None:
    """The citizen showed the card instead of waiting for the face: the frames seen while the card
    was on screen teach the template once, audited; with no face in view, nothing is learnt."""
    lisa = card_record("lisa")
    card = CccdRead(lisa, (), "qr")
    citizen_id = enrolled.store.find_citizen(lisa.id_number)[0]
    assert enrolled.check_in_by_card(card).learnt == 0  # no face in view (or a USB scanner at a desk)
    checked = enrolled.check_in_by_card(card, faces=_live("lisa", "visit_2.jpg", "visit_3.jpg"))
    assert checked.visit_id is not None and checked.learnt == 1
    assert len(enrolled.store.samples_of(citizen_id)[0]) == 4
    assert len(enrolled.matcher.samples_of([citizen_id])[citizen_id]) == 4  # searched with it at once
    entry = next(e for e in enrolled.store.audit_entries(5) if e["action"] == "learn_sample")
    assert entry["subject"] == lisa.masked_id and '"method": "qr"' in str(entry)


def test_a_visit_by_card_never_learns_another_persons_face(enrolled: Kiosk, card_record) -> None:
    """Sơn's card held by somebody else (a stranger, or another enrolled citizen): the visit is
    logged by the card, and his samples stay his."""
    son = card_record("london_005")
    citizen_id = enrolled.store.find_citizen(son.id_number)[0]
    card = CccdRead(son, (), "qr")
    for faces in (_live("london_030", "visit_2.jpg"), _live("lisa", "visit_2.jpg", "visit_3.jpg")):
        checked = enrolled.check_in_by_card(card, faces=faces)
        assert checked.visit_id is not None and checked.learnt == 0
    assert len(enrolled.store.samples_of(citizen_id)[0]) == 3
    assert not [e for e in enrolled.store.audit_entries(10) if e["action"] == "learn_sample"]


def test_a_visit_by_card_learns_only_frames_where_the_citizen_is_clearly_the_nearest(
    enrolled: Kiosk, card_record
) -> None:
    son = card_record("london_005")
    citizen_id = enrolled.store.find_citizen(son.id_number)[0]
    rules, frames = enrolled._sample_rules(), _live("london_005", "visit_2.jpg")
    assert rules.learnt_by_card(citizen_id, frames, lambda _f: rules.min_margin).action == "learn_sample"
    assert rules.learnt_by_card(citizen_id, frames, lambda _f: rules.min_margin / 2) == Learnt()  # another close
    assert rules.learnt_by_card(citizen_id, frames, lambda _f: float("nan")) == Learnt()  # another nearer


def test_the_margin_of_a_face_to_a_card_s_citizen(enrolled: Kiosk, card_record) -> None:
    """How much farther the next citizen is: finite for the citizen's own face, NaN for anybody
    else's card, and NaN for a sample of another engine."""
    import math

    from kiosk.counter import identify

    lisa, son = (enrolled.store.find_citizen(card_record(f).id_number)[0] for f in ("lisa", "london_005"))
    [face] = _live("lisa", "visit_2.jpg")
    own = identify.margin_for(enrolled._gallery, enrolled.policies, face, lisa)
    assert 0.1 < own < 2 and math.isnan(identify.margin_for(enrolled._gallery, enrolled.policies, face, son))
    dlib = replace(face, engine="dlib")
    assert math.isnan(identify.margin_for(enrolled._gallery, enrolled.policies, dlib, lisa))


def test_a_visit_by_card_asks_the_margin_of_every_frame(enrolled: Kiosk, card_record, monkeypatch) -> None:
    """Had another citizen been nearer (or close behind) each frame, her own frames teach nothing."""
    from kiosk.counter import identify

    lisa = card_record("lisa")
    monkeypatch.setattr(identify, "margin_for", lambda *_args: float("nan"))
    checked = enrolled.check_in_by_card(CccdRead(lisa, (), "qr"), faces=_live("lisa", "visit_2.jpg", "visit_3.jpg"))
    assert checked.visit_id is not None and checked.learnt == 0
    assert len(enrolled.store.samples_of(checked.citizen_id)[0]) == 3
