"""The kiosk services end to end on real faces, real cards and a real SQLite file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kiosk.counter.identify import KeypadAsk
from kiosk.counter.service import Kiosk
from kiosk.errors import (
    AlreadyEnrolledError,
    ConsentRequiredError,
    FaceAlreadyEnrolledError,
    InconsistentSamplesError,
    NotEnoughSamplesError,
    NotEnrolledError,
)
from models import Decision
from recognition.errors import NoFaceError
from recognition.images import load_image
from tests.support.data import FACES, FRAMES, analyzed, enrol_frames


def visit(kiosk: Kiosk, path):
    return kiosk.identify_sample(analyzed(path).primary)


def counts(kiosk: Kiosk) -> dict[str, int]:
    return {t: kiosk.store.db[t].count for t in ("citizens", "face_samples", "consents", "visits")}


def test_enrol_needs_explicit_consent_and_writes_nothing_without_it(kiosk, card_record):
    samples = [analyzed(p).primary for p in enrol_frames("london_005")]
    for consent in (False, "yes", 1):
        with pytest.raises(ConsentRequiredError, match="consent"):
            kiosk.enrol(card_record("london_005"), samples, consent=consent)
    assert counts(kiosk) == {"citizens": 0, "face_samples": 0, "consents": 0, "visits": 0}


def test_enrolment_records_consent_and_samples(kiosk, card_record):
    result = kiosk.enrol(
        card_record("london_005"),
        [analyzed(p).primary for p in enrol_frames("london_005")],
        consent=True,
        staff="Chị Lan",
    )
    assert result.samples_stored == 3
    consent = kiosk.store.consents(result.citizen_id)[0]
    assert consent["staff"] == "Chị Lan" and consent["counter"] == kiosk.settings.counter_name
    assert consent["purpose"] == "face_checkin" and consent["text_version"]
    assert counts(kiosk)["face_samples"] == 3
    assert kiosk.store.audit_entries()[0]["action"] == "enrol"


def test_too_few_good_samples_is_refused_with_reasons_and_nothing_written(kiosk, card_record):
    turned = [analyzed(FRAMES / "london_045" / f"enrol_bad_{n}_{k}.jpg").primary for n, k in ((3, 0), (4, 0), (3, 1))]
    good = analyzed(FRAMES / "london_045" / "enrol_1.jpg").primary
    with pytest.raises(NotEnoughSamplesError) as info:
        kiosk.enrol(card_record("london_045"), [*turned, good], consent=True)
    assert "1 of 4" in info.value.message and "look straight" in info.value.message
    assert counts(kiosk)["citizens"] == 0


def test_samples_of_two_people_are_refused(kiosk, card_record):
    mixed = [analyzed(p).primary for p in enrol_frames("london_005")[:2]] + [
        analyzed(enrol_frames("london_030")[0]).primary
    ]
    with pytest.raises(InconsistentSamplesError):
        kiosk.enrol(card_record("london_005"), mixed, consent=True)
    assert counts(kiosk)["citizens"] == 0


def test_same_card_twice_and_same_face_under_another_card(enrolled, card_record):
    with pytest.raises(AlreadyEnrolledError):
        enrolled.enrol(
            card_record("london_005"), [analyzed(p).primary for p in enrol_frames("london_005")], consent=True
        )
    # london_005's face presented with london_030's card: refused as a possible identity fraud
    with pytest.raises(FaceAlreadyEnrolledError, match=r"096\*+27"):
        enrolled.enrol(
            card_record("london_030"), [analyzed(p).primary for p in enrol_frames("london_005")], consent=True
        )
    result = enrolled.enrol(
        card_record("london_030"),
        [analyzed(p).primary for p in enrol_frames("london_005")],
        consent=True,
        allow_duplicate_face=True,
    )
    assert result.samples_stored == 3


def test_recognised_visit_is_logged_only_when_checked_in(enrolled, card_record):
    check = visit(enrolled, FRAMES / "london_005" / "visit_2.jpg")
    assert check.decision is Decision.MATCH
    assert check.citizen == card_record("london_005")
    assert check.engine == "sface"
    assert (
        check.distance < enrolled.settings.sface_auto_accept_distance
        and check.margin >= enrolled.settings.sface_min_margin
    )
    assert counts(enrolled)["visits"] == 4  # the four first visits (enrolments) only
    enrolled.check_in(check)
    row = enrolled.store.visits()[0]
    assert (row["method"], row["full_name"]) == ("face", "Lê Anh Sơn")
    assert row["distance"] == pytest.approx(check.distance)


def test_stranger_gets_nothing_personal(enrolled):
    for path in (FACES / "london_082" / "1.jpg", FACES / "london_126" / "2.jpg", FACES / "london_132" / "1.jpg"):
        check = visit(enrolled, path)
        assert check.decision is not Decision.MATCH
        assert check.citizen is None
        with pytest.raises(ValueError):
            enrolled.check_in(check)


def test_keypad_confirms_only_the_right_digits(enrolled, card_record):
    check = visit(enrolled, FRAMES / "london_043" / "visit_4.jpg")
    assert check.decision is Decision.CONFIRM and check.citizen is None and check.candidate_count >= 1
    assert enrolled.confirm(check, "0000").decision is Decision.UNKNOWN
    confirmed = enrolled.confirm(check, card_record("london_043").id_number[-4:])
    assert confirmed.decision is Decision.MATCH and confirmed.via_keypad
    assert confirmed.citizen.full_name == "Trần Văn Đức"
    enrolled.check_in(confirmed)
    assert enrolled.store.visits()[0]["method"] == "confirm"


def test_several_citizens_or_a_second_try_ask_for_six_digits(kiosk, admin, card_record):
    """Four digits among several candidates, or on a second try, would multiply a stranger's
    chance (recognition.policy.keypad_digits): six are asked for, and four right ones do not fit.
    Two citizens with one face (twins: the duplicate check let through by the clerk)."""
    duc, twin = card_record("london_043"), card_record("lisa")
    for record in (duc, twin):
        frames = [analyzed(p).primary for p in enrol_frames("london_043")]
        kiosk.enrol(record, frames, consent=True, allow_duplicate_face=True)
    check = visit(kiosk, FRAMES / "london_043" / "visit_4.jpg")
    assert check.decision is Decision.CONFIRM and check.candidate_count == 2
    assert kiosk.keypad_ask(check, 0) == kiosk.keypad_ask(check, 2) == KeypadAsk("id", 6)
    assert kiosk.confirm(check, duc.id_number[-4:]).decision is Decision.UNKNOWN
    assert kiosk.confirm(check, twin.id_number[-6:], attempt=1).citizen.id_number == twin.id_number
    admin.purge(twin.id_number, reason="request")
    one = visit(kiosk, FRAMES / "london_043" / "visit_4.jpg")
    assert one.candidate_count == 1 and kiosk.keypad_ask(one, 0) == KeypadAsk("id", 4)
    assert kiosk.confirm(one, "0000").decision is Decision.UNKNOWN
    assert kiosk.keypad_ask(one, 1) == KeypadAsk("id", 6)
    assert kiosk.confirm(one, duc.id_number[-4:], attempt=1).decision is Decision.UNKNOWN  # a second try needs 6
    assert kiosk.confirm(one, duc.id_number[-6:], attempt=1).decision is Decision.MATCH
    entries = [e for e in kiosk.store.audit_entries() if e["action"] == "keypad"]
    assert {json.loads(e["detail"])["digits"] for e in entries} == {4, 6}


def test_keypad_by_birth_year(settings, db_path, card_record):
    with Kiosk.open(settings.replace(confirm_with="birth_year"), db_path) as kiosk:
        kiosk.enrol(card_record("london_043"), [analyzed(p).primary for p in enrol_frames("london_043")], consent=True)
        check = visit(kiosk, FRAMES / "london_043" / "visit_4.jpg")
        assert check.decision is Decision.CONFIRM
        assert kiosk.confirm(check, "2219").decision is Decision.UNKNOWN  # last 4 digits are not asked here
        assert kiosk.confirm(check, "2006").decision is Decision.MATCH
        # a year is easy to guess: a second try asks for 6 ID digits instead
        assert kiosk.keypad_ask(check, 1) == KeypadAsk("id", 6)
        assert kiosk.confirm(check, "2006", attempt=1).decision is Decision.UNKNOWN
        assert kiosk.confirm(check, "002219", attempt=1).decision is Decision.MATCH


def test_lookalike_stranger_is_never_matched_to_the_enrolled_one(enrolled):
    """london_082 resembles london_043 (dlib distance 0.4-0.56); typing random digits must not help."""
    for n in (1, 2, 3, 4):
        check = visit(enrolled, FACES / "london_082" / f"{n}.jpg")
        assert check.decision is not Decision.MATCH
        assert enrolled.confirm(check, "5823").decision is Decision.UNKNOWN


def test_purge_is_immediate_in_the_index_and_the_store(enrolled, admin, card_record):
    id_number = card_record("london_099").id_number
    enrolled.check_in(visit(enrolled, FRAMES / "london_099" / "visit_2.jpg"))
    deleted = admin.purge(id_number, reason="withdrawal")
    assert deleted == {
        "face_samples": 3,
        "consents": 1,
        "visits": 2,
        "retired_samples": 0,
        "citizens": 1,
    }  # the first visit and this one
    check = visit(enrolled, FRAMES / "london_099" / "visit_2.jpg")
    assert check.decision is Decision.UNKNOWN or check.citizen is None
    assert enrolled.store.find_citizen(id_number) is None
    audit = next(e for e in enrolled.store.audit_entries() if e["action"] == "purge")
    assert audit["actor"] == "admin-tester" and id_number not in audit["subject"] + audit["detail"]
    with pytest.raises(NotEnrolledError):
        admin.purge(id_number)


def test_a_citizen_purged_on_another_thread_during_an_identification_is_not_an_error(
    enrolled, card_record, monkeypatch
):
    sample = analyzed(FRAMES / "london_099" / "visit_2.jpg").primary
    assert enrolled.identify_sample(sample).citizen.full_name == "Phạm Thị Hương"
    citizen_id = enrolled.store.find_citizen(card_record("london_099").id_number)[0]
    real = enrolled.store.has_citizen

    def seen_then_purged(cid: int) -> bool:  # the check still sees her; a purge on another thread lands right after it
        answer = real(cid)
        if cid == citizen_id and answer:
            with enrolled.store.transaction("purge"):
                enrolled.store.delete_citizen(cid, "elsewhere", "test")
        return answer

    monkeypatch.setattr(enrolled.store, "has_citizen", seen_then_purged)
    check = enrolled.identify_sample(sample)  # found in the index, gone from the store by the lookup: searched again
    assert check.citizen is None or check.citizen.full_name != "Phạm Thị Hương"


def test_card_check_in(enrolled, card_record):
    from kiosk.cccd.record import format_cccd, parse_cccd

    known = enrolled.check_in_by_card(parse_cccd(format_cccd(card_record("lisa"))))
    assert known.known and enrolled.store.visits()[0]["method"] == "qr"
    new = enrolled.check_in_by_card(parse_cccd(format_cccd(card_record("london_115"))))
    assert not new.known


def test_add_samples_to_a_known_citizen_but_not_another_persons_face(enrolled, card_record):
    before = counts(enrolled)["face_samples"]
    assert (
        enrolled.add_samples(
            card_record("london_005").id_number, [analyzed(FRAMES / "london_005" / "visit_2.jpg").primary]
        )
        == 1
    )
    assert counts(enrolled)["face_samples"] == before + 1
    with pytest.raises(FaceAlreadyEnrolledError):
        enrolled.add_samples(card_record("london_005").id_number, [analyzed(enrol_frames("lisa")[0]).primary])
    with pytest.raises(NotEnrolledError):
        enrolled.add_samples("096999999999", [analyzed(enrol_frames("lisa")[0]).primary])


def test_index_is_rebuilt_from_the_file_by_the_next_process(enrolled, settings, db_path):
    enrolled.close()
    with Kiosk.open(settings, db_path) as again:
        assert len(again.matcher) == 12 and again.matcher.citizen_count == 4
        emb = again.matcher.embeddings_of(again.store.find_citizen("096190005561")[0])
        stored = analyzed(enrol_frames("lisa")[0]).primary.embedding
        np.testing.assert_allclose(
            emb[0], stored / np.linalg.norm(stored), atol=1e-6
        )  # the cosine index keeps unit vectors
        assert visit(again, FRAMES / "lisa" / "visit_2.jpg").citizen.full_name == "Đặng Thị Phượng"


def test_identify_without_a_face(kiosk):
    with pytest.raises(NoFaceError, match="no face"):
        kiosk.identify(load_image(FRAMES / "empty_counter.jpg"))
