"""Enrolment with the card's chip (read from a simulated card in-process): the chip's record is
stored, the live face must be the chip photo's holder, and a refusal writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.chip.mrz import access_keys
from kiosk.chip.reader import read_chip
from kiosk.counter.chip import check_against_qr
from kiosk.errors import ChipError
from tests.support.chip_card import InProcess, SimulatedCard, face_jpeg, make_card, make_pki
from tests.support.data import FACES, analyzed, enrol_frames


@pytest.fixture(scope="module")
def pki():
    return make_pki()


def chip_of(record, pki, photo=None):
    card = make_card(record, face_jpeg(photo or FACES / "london_005" / "3.jpg"), pki)
    return read_chip(InProcess(SimulatedCard(card)), access_keys(record), csca=[pki.csca_der])


def counts(kiosk) -> dict[str, int]:
    return {t: kiosk.store.db[t].count for t in ("citizens", "face_samples", "consents", "visits")}


def samples(folder):
    return [analyzed(p).primary for p in enrol_frames(folder)]


def test_the_holder_enrols_with_the_chip_s_record_and_the_level_is_audited(kiosk, card_record, pki):
    qr = card_record("london_005")
    chip = chip_of(qr, pki)
    typed = replace(qr, full_name="Le Anh Son")  # the QR's name without diacritics: the chip wins
    result = kiosk.enrol(typed, samples("london_005"), consent=True, chip=chip)
    assert result.record.full_name == "Lê Anh Sơn" and result.samples_stored == 3
    entry = kiosk.store.audit_entries()[0]
    assert entry["action"] == "enrol" and '"chip": "csca"' in str(entry["detail"])


def test_another_person_s_face_is_refused_and_nothing_is_written(kiosk, card_record, pki):
    chip = chip_of(card_record("london_005"), pki)
    with pytest.raises(ChipError) as error:
        kiosk.enrol(card_record("london_005"), samples("london_030"), consent=True, chip=chip)
    assert error.value.reason == "not_holder"
    assert error.value.facts["distance"] > error.value.facts["threshold"] == kiosk.policy.holder_distance
    assert counts(kiosk) == {"citizens": 0, "face_samples": 0, "consents": 0, "visits": 0}


@pytest.mark.parametrize(("consented", "stored"), [(False, 3), (True, 4)])
def test_the_chip_photo_is_a_sample_only_with_consent_to_it(kiosk, card_record, pki, consented, stored):
    frontal = FACES / "london_005" / "2.jpg"  # a chip holds a frontal photo; 3.jpg is turned and fails the gates
    chip = chip_of(card_record("london_005"), pki, frontal)
    result = kiosk.enrol(
        card_record("london_005"), samples("london_005"), consent=True, chip=chip, chip_photo_sample=consented
    )
    assert result.samples_stored == stored


def test_a_chip_of_another_citizen_is_refused(kiosk, card_record, pki):
    chip = chip_of(card_record("london_030"), pki, FACES / "london_030" / "3.jpg")
    with pytest.raises(ChipError) as error:
        kiosk.enrol(card_record("london_005"), samples("london_005"), consent=True, chip=chip)
    assert error.value.reason == "disagree"
    assert counts(kiosk)["citizens"] == 0


def test_a_qr_that_disagrees_with_the_chip_is_named_field_by_field(card_record, pki):
    from kiosk.cccd.record import CccdRead

    qr = card_record("london_005")
    chip = chip_of(qr, pki)
    forged = CccdRead(replace(qr, full_name="Trần Văn Giả", date_of_birth=qr.date_of_birth.replace(day=1)), (), "")
    with pytest.raises(ChipError, match="name, birth date") as error:
        check_against_qr(chip, forged.record)
    assert error.value.facts["fields"] == ["full_name", "date_of_birth"]
    check_against_qr(chip, qr)  # the card's own QR agrees
    check_against_qr(chip, replace(qr, full_name="LÃª Anh SÆ¡n"), name_mis_encoded=True)  # the chip is right


def test_nothing_of_the_chip_is_logged_or_written(kiosk, card_record, pki, caplog):
    """The access data, the chip's files and its photo reach no log, no audit entry and no byte of
    the database; the audit says only the level reached."""
    import logging

    qr = card_record("london_005")
    card = make_card(qr, face_jpeg(FACES / "london_005" / "2.jpg"), pki)
    with caplog.at_level(logging.DEBUG):
        chip = read_chip(InProcess(SimulatedCard(card)), access_keys(qr), csca=[pki.csca_der])
        kiosk.enrol(qr, samples("london_005"), consent=True, chip=chip, chip_photo_sample=True)
    secrets = [card.key.information, card.key.information[:10], "Nguyễn Văn Bố", chip.mrz.name]
    audit = str(kiosk.store.audit_entries())
    kiosk.close()
    files = b"".join(p.read_bytes() for p in kiosk.store.path.parent.glob(kiosk.store.path.name + "*"))
    for secret in secrets:
        assert secret not in caplog.text and secret not in audit
        assert secret.encode() not in files
    assert chip.photo.data[:64] not in files and card.files["DG13"][:40] not in files
    assert '"chip": "csca"' in audit


def test_without_a_csca_the_chip_checks_but_the_qr_s_record_is_kept(kiosk, card_record, pki):
    """A chip verified only to its own signature cannot outrank the QR: a forger may have signed it."""
    qr = card_record("london_005")
    card = make_card(qr, face_jpeg(FACES / "london_005" / "3.jpg"), pki)
    chip = read_chip(InProcess(SimulatedCard(card)), access_keys(qr))  # no CSCA
    typed = replace(qr, full_name="Le Anh Son")
    result = kiosk.enrol(typed, samples("london_005"), consent=True, chip=chip)
    assert chip.verified.level == "signature" and result.chip_level == "signature"
    assert result.record.full_name == "Le Anh Son"


def test_once_a_reader_was_seen_unplugging_it_does_not_skip_the_chip(kiosk, monkeypatch):
    from kiosk.chip import pcsc

    attached = {"now": False}
    monkeypatch.setattr(pcsc, "available", lambda name="": attached["now"])
    assert not kiosk.chip_reader_ready()  # no reader yet: the QR alone
    attached["now"] = True
    assert kiosk.chip_reader_ready()
    attached["now"] = False
    assert kiosk.chip_reader_ready()  # unplugged: saving will say so, not enrol from the QR
    with pytest.raises(ChipError) as error:
        kiosk.read_chip(None, mrz=None, can="123456")
    assert error.value.reason in ("no_reader", "no_pcsc")
    assert [e["action"] for e in kiosk.store.audit_entries(5)].count("chip_reader_seen") == 1


def test_a_restart_does_not_forget_the_reader(tmp_path, monkeypatch):
    from kiosk.chip import pcsc
    from kiosk.counter.service import Kiosk
    from kiosk.settings import Settings

    settings = Settings(key_file=str(tmp_path / "k.key"))
    monkeypatch.setattr(pcsc, "available", lambda name="": True)
    with Kiosk.open(settings, tmp_path / "k.sqlite", actor="t") as kiosk:
        assert kiosk.chip_reader_ready()
    monkeypatch.setattr(pcsc, "available", lambda name="": False)
    with Kiosk.open(settings, tmp_path / "k.sqlite", actor="t") as kiosk:
        assert kiosk.chip_reader_ready()  # still expected: the save will ask for the reader
    with Kiosk.open(settings.replace(chip_reader="off"), tmp_path / "k.sqlite", actor="t") as kiosk:
        assert not kiosk.chip_reader_ready()  # an administrator retired it


@pytest.mark.parametrize(("mode", "attached", "ready"), [("off", True, False), ("required", False, True)])
def test_the_chip_reader_setting(tmp_path, monkeypatch, mode, attached, ready):
    from kiosk.chip import pcsc
    from kiosk.counter.service import Kiosk
    from kiosk.settings import Settings

    monkeypatch.setattr(pcsc, "available", lambda name="": attached)
    settings = Settings(key_file=str(tmp_path / "k.key"), chip_reader=mode)
    with Kiosk.open(settings, tmp_path / "k.sqlite", actor="t") as kiosk:
        assert kiosk.chip_reader_ready() is ready


def test_a_counter_that_requires_the_chip_enrols_nobody_from_the_qr_alone(tmp_path, card_record):
    from kiosk.counter.service import Kiosk
    from kiosk.settings import Settings

    settings = Settings(key_file=str(tmp_path / "k.key"), chip_reader="required")
    with Kiosk.open(settings, tmp_path / "k.sqlite", actor="t") as kiosk:
        with pytest.raises(ChipError, match="only with the card's chip"):
            kiosk.enrol(card_record("london_005"), samples("london_005"), consent=True)
        assert counts(kiosk)["citizens"] == 0
