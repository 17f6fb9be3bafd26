"""A hostile or broken card gets one named error, never a traceback: random damage to every
file, to the security object and to secure-messaging answers (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.chip.groups import GroupError, parse_dg1, parse_dg2, parse_dg13
from kiosk.chip.mrz import AccessKey, MrzError, access_keys, key_from_mrz
from kiosk.chip.passive import PassiveAuthError, verify
from kiosk.chip.reader import read_chip, record_from
from kiosk.chip.secure import SecureChannel, SecureMessagingError, SessionKeys
from kiosk.chip.tlv import header_length, tlv
from kiosk.errors import ChipError
from models import CitizenRecord, Gender
from tests.support.chip_card import (
    InProcess,
    SimulatedCard,
    dg13_fields,
    encode_dg1,
    encode_dg2,
    encode_dg13,
    encode_sod,
    make_card,
    make_pki,
)

RECORD = CitizenRecord(
    "001090012345", "", "Nguyễn Văn A", dt.date(1990, 1, 2), Gender.MALE, "Hà Nội", dt.date(2021, 4, 12)
)
KEY = AccessKey("090012345", "900102", "300102", "")
JPEG = b"\xff\xd8\xff\xe0" + bytes(200)
PKI = make_pki()
GOOD = {
    1: encode_dg1(KEY, RECORD),
    2: encode_dg2(JPEG),
    13: encode_dg13(dg13_fields(RECORD, "02/01/2030")),
}
SOD = encode_sod(GOOD, PKI)


def damaged(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """``data`` with each edit (kind, position, byte) applied: overwrite, delete or insert."""
    out = bytearray(data)
    for kind, position, value in edits:
        at = position % (len(out) + 1)
        if kind == 0 and at < len(out):
            out[at] = value
        elif kind == 1 and at < len(out):
            del out[at : at + 1 + value % 5]
        else:
            out.insert(at, value)
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4)
PARSERS = {1: parse_dg1, 2: parse_dg2, 13: lambda d: record_from(parse_dg13(d))}


@settings(max_examples=300, deadline=None)
@given(group=st.sampled_from([1, 2, 13]), edits=EDITS)
def test_a_damaged_data_group_is_a_group_error(group, edits):
    try:
        PARSERS[group](damaged(GOOD[group], edits))
    except GroupError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=EDITS)
def test_a_damaged_security_object_is_a_passive_auth_error(edits):
    try:
        verify(damaged(SOD, edits), GOOD, [PKI.csca_der])
    except PassiveAuthError:
        pass


@settings(max_examples=300, deadline=None)
@given(answer=st.binary(max_size=80), status=st.sampled_from([0x9000, 0x6282, 0x6A82, 0x6988]))
def test_a_garbage_answer_under_secure_messaging_never_passes_for_a_success(answer, status):
    channel = SecureChannel(SessionKeys(bytes(16), bytes(range(16)), 7, "aes"))
    try:
        data, sw = channel.unwrap(answer, status)
    except SecureMessagingError:
        return
    assert data == b"" and sw not in (0x9000, 0x6282)  # only an unprotected error gets through


@pytest.mark.parametrize(
    "dg13",
    [
        tlv(0x6D, b"\x00\x00"),
        tlv(0x6D, tlv(0x30, tlv(0x31, tlv(0x30, b"\x02\x01\x01" + tlv(0x0C, "١٢٣٤٥٦٧٨٩٠١٢".encode()))))),
        tlv(0x6D, b"\x30" * 3),
        encode_dg13({**dg13_fields(RECORD, "x"), 3: "1990-13-45"}),
        encode_dg13({**dg13_fields(RECORD, "x"), 4: "?"}),
    ],
)
def test_a_well_signed_but_malformed_card_is_one_chip_error(dg13):
    """A card whose issuer signed nonsense: passive authentication passes, reading it fails cleanly."""
    card = make_card(RECORD, JPEG, PKI)
    groups = {1: card.files["DG1"], 2: card.files["DG2"], 13: dg13}
    card.files.update(DG13=dg13, SOD=encode_sod(groups, PKI))
    with pytest.raises(ChipError) as error:
        read_chip(InProcess(SimulatedCard(card)), access_keys(RECORD))
    assert error.value.reason == "read_failed"


def test_short_and_odd_inputs():
    with pytest.raises(ValueError):
        header_length(bytes.fromhex("7F61"))
    with pytest.raises(PassiveAuthError, match="no data group"):
        verify(SOD, {})
    with pytest.raises(MrzError):  # Arabic-Indic digits are not the card's
        key_from_mrz("IDVNM0900123456<<<<<<<<<<<<<<<\n٩٠٠١٠٢٠M3001020VNM<<<<<<<<<<<0")
