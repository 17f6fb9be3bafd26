"""Reading a simulated CCCD in-process: access, the data groups, passive authentication, and each
failure the issue names (wrong access data, a tampered group, a wrong CSCA)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from kiosk.chip.mrz import AccessKey, access_keys, key_from_mrz
from kiosk.chip.reader import disagreements, read_chip
from kiosk.errors import ChipError
from recognition.images import decode_image
from tests.support.chip_card import InProcess, SimulatedCard, face_jpeg, make_card, make_pki
from tests.support.data import FACES


@pytest.fixture(scope="module")
def pki():
    return make_pki()


@pytest.fixture
def card(card_record, pki):
    return make_card(card_record("london_005"), face_jpeg(FACES / "london_005" / "1.jpg"), pki)


def read(card, keys, **kwargs):
    return read_chip(InProcess(SimulatedCard(card)), keys, **kwargs)


def test_the_qr_opens_the_chip_and_its_record_fills_in(card, card_record, pki):
    qr = card_record("london_005")
    chip = read(card, access_keys(qr), csca=[pki.csca_der])
    assert chip.record.id_number == qr.id_number
    assert chip.record.full_name == qr.full_name  # diacritics from the chip's UTF-8
    assert chip.record.date_of_birth == qr.date_of_birth and chip.record.gender == qr.gender
    assert disagreements(chip.record, qr) == []
    assert chip.verified.level == "csca" and chip.verified.groups == (1, 2, 13)
    assert chip.fields[5] == "Việt Nam" and chip.fields[13] == "Nguyễn Văn Bố | Trần Thị Mẹ"
    assert chip.mrz.document_number == qr.id_number[-9:]
    assert chip.protocol == "PACE" and chip.access.startswith("qr: ")
    photo = decode_image(chip.photo.data)
    assert chip.photo.format == "jpeg" and photo.shape[1] == 360


def test_without_a_csca_file_the_level_is_the_signature(card, card_record):
    assert read(card, access_keys(card_record("london_005"))).verified.level == "signature"


def test_an_expiry_the_issue_date_does_not_give_is_still_found(card_record, pki):
    record = card_record("london_005")
    odd = make_card(
        record,
        face_jpeg(FACES / "london_005" / "1.jpg"),
        pki,
        expiry=record.date_of_birth.replace(year=record.date_of_birth.year + 60),
    )
    chip = read(odd, access_keys(record))
    assert chip.access == "qr: 60th birthday"


def test_the_mrz_opens_the_chip(card, card_record):
    key = card.key
    number = key.document_number
    from kiosk.chip.mrz import check_digit

    lines = (
        f"IDVNM{number}{check_digit(number)}".ljust(30, "<")
        + "\n"
        + f"{key.birth}{check_digit(key.birth)}M{key.expiry}{check_digit(key.expiry)}VNM".ljust(30, "<")
    )
    assert read(card, [key_from_mrz(lines)]).record.id_number == card_record("london_005").id_number


def test_a_wrong_access_key_is_refused(card):
    wrong = AccessKey("000000000", "900101", "300101", "qr")
    with pytest.raises(ChipError) as error:
        read(card, [wrong])
    assert error.value.reason == "access_denied"
    assert "000000000" not in error.value.one_line()  # access data never shown


def test_another_card_s_qr_does_not_open_it(card, card_record):
    with pytest.raises(ChipError, match="not this card's"):
        read(card, access_keys(card_record("london_030")))


def test_a_tampered_data_group_fails(card, card_record):
    record = card_record("london_005")
    forged = card.tampered(
        "DG13", record.full_name.encode(), "Trần Văn Giả".encode().ljust(len(record.full_name.encode()), b" ")
    )
    with pytest.raises(ChipError) as error:
        read(forged, access_keys(record))
    assert error.value.reason == "group_tampered"
    assert "data group 13" in error.value.one_line()


def test_a_wrong_csca_fails(card, card_record):
    other = make_pki("Some Other CSCA")
    with pytest.raises(ChipError) as error:
        read(card, access_keys(card_record("london_005")), csca=[other.csca_der])
    assert error.value.reason == "csca_mismatch"


def test_a_forged_signature_fails(card_record, pki):
    """A card re-signed by a signer of its own, carrying the real signer's certificate."""
    record = card_record("london_005")
    real = make_card(record, face_jpeg(FACES / "london_005" / "1.jpg"), pki)
    forger = make_pki()
    forger.signer_der = pki.signer_der
    forged = make_card(record, face_jpeg(FACES / "london_030" / "1.jpg"), forger)
    with pytest.raises(ChipError) as error:
        read(forged, access_keys(record), csca=[pki.csca_der])
    assert error.value.reason == "signature_failed"
    assert read(real, access_keys(record), csca=[pki.csca_der]).verified.level == "csca"


def test_an_rsa_signer_and_a_jpeg2000_photo(card_record):
    import io

    from PIL import Image

    record = card_record("london_005")
    pki = make_pki(rsa_signer=True)
    jpeg = face_jpeg(FACES / "london_005" / "1.jpg")
    buffer = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(buffer, format="JPEG2000", quality_mode="rates", quality_layers=[30])
    chip = read(make_card(record, buffer.getvalue(), pki), access_keys(record), csca=[pki.csca_der])
    assert chip.photo.format == "jpeg2000" and chip.verified.level == "csca"
    assert decode_image(chip.photo.data).shape[1] == 360


def test_expiry_candidates_follow_the_renewal_ages():
    from kiosk.chip.mrz import expiry_candidates

    born = dt.date(1990, 2, 28)
    first = expiry_candidates(born, dt.date(2021, 4, 12))[0][0]
    assert first == dt.date(2030, 2, 28)  # issued at 31: valid to 40
    assert expiry_candidates(born, dt.date(2013, 1, 1))[0][0] == dt.date(2015, 2, 28)  # issued at 22: valid to 25
    assert expiry_candidates(born, dt.date(2014, 3, 1))[0][0] == dt.date(
        2030, 2, 28
    )  # at 24, within 2 years of 25: to 40
    assert expiry_candidates(dt.date(1960, 5, 1), dt.date(2021, 1, 1))[0][0] is None  # issued at 60: for life


def test_a_card_without_pace_is_opened_with_bac(card_record, pki):
    record = card_record("london_005")
    chip = read(make_card(record, face_jpeg(FACES / "london_005" / "1.jpg"), pki, pace=False), access_keys(record))
    assert chip.protocol == "BAC" and chip.record.id_number == record.id_number


def test_the_can_opens_a_card_whose_expiry_the_qr_does_not_give(card_record, pki):
    record = card_record("london_005")
    odd = dt.date(2031, 7, 9)  # no renewal rule gives this date
    card = make_card(record, face_jpeg(FACES / "london_005" / "1.jpg"), pki, expiry=odd, can=record.id_number[-6:])
    chip = read(card, access_keys(record))
    assert chip.protocol == "PACE" and chip.access == "qr: CAN = the last 6 ID digits"
    with pytest.raises(ChipError) as error:  # the same card without that CAN: nothing opens it
        read(replace(card, can=""), access_keys(record))
    assert error.value.reason == "access_denied"


def test_a_card_log_keeps_every_command_under_secure_messaging_after_access(card_record, pki):
    """After PACE, no plain command reaches the card (its log shows only protected ones)."""
    record = card_record("london_005")
    sim = SimulatedCard(make_card(record, face_jpeg(FACES / "london_005" / "1.jpg"), pki))
    read_chip(InProcess(sim), access_keys(record))
    after = sim.log[sim.log.index("86") :]
    assert after[:4] == ["86", "86", "86", "86"] and set(after[4:]) <= {"A4", "B0"}


def test_a_card_that_takes_only_its_can_for_pace_and_has_no_bac(card_record, pki):
    record = card_record("london_005")
    card = make_card(record, face_jpeg(FACES / "london_005" / "1.jpg"), pki, can=record.id_number[-6:])
    card = replace(card, pace_with_mrz=False, bac=False)
    chip = read(card, access_keys(record))
    assert chip.protocol == "PACE" and chip.access == "qr: CAN = the last 6 ID digits"


def test_wrong_keys_on_a_pace_card_are_not_tried_again_with_bac(card, pki):
    sim = SimulatedCard(card)
    with pytest.raises(ChipError, match="not this card's"):
        read_chip(InProcess(sim), [AccessKey("000000000", "900101", "300101", "qr")])
    assert "86" in sim.log and "84" not in sim.log and "82" not in sim.log  # PACE refused it; no BAC after


def test_a_long_card_access_and_several_parameter_sets(card, card_record):
    """EF.CardAccess longer than one READ BINARY, listing the protocol with two curves: the
    kiosk reads it whole and names the parameters it uses (DO'84')."""
    from kiosk.chip.tlv import tlv

    infos = [
        bytes.fromhex("3012060A04007F0007020204020202010202010D"),  # GM, AES-128, brainpoolP256r1
        bytes.fromhex("3012060A04007F0007020204020202010202010C"),  # the same with P-256
        *[tlv(0x30, bytes.fromhex("060804007F00070202FF") + tlv(0x04, bytes(40))) for _ in range(8)],  # others
    ]
    long = replace(card, files={**card.files, "CardAccess": tlv(0x31, b"".join(infos))})
    assert len(long.files["CardAccess"]) > 256
    chip = read(long, access_keys(card_record("london_005")))
    assert chip.protocol == "PACE"


def test_a_card_taken_away_during_pace_is_one_line(card, card_record):
    class Flaky(InProcess):
        sent = 0

        def transmit(self, apdu):
            self.sent += 1
            if self.sent == 5:
                raise OSError("the card was removed")
            return super().transmit(apdu)

    with pytest.raises(ChipError) as error:
        read_chip(Flaky(SimulatedCard(card)), access_keys(card_record("london_005")))
    assert error.value.reason == "card_lost"
