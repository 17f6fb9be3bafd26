"""Hostile card input, end to end: any payload printed into a real QR image and shown to
the kiosk gives a record or a named error, never a crash, never garbage.

The CCCD parser alone is fuzzed in ``test_cccd.py``; here the payloads go through
``make_qr`` (a real QR symbol, UTF-8 bytes in byte mode like a CCCD card), the decoder
chain and ``Kiosk.read_card``, then on into the store. Payloads: text with control
characters, fields up to the QR capacity, SQL fragments, invalid UTF-8, runs of ``|``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kiosk.cccd.record import CccdRead, format_cccd, parse_cccd
from kiosk.counter.service import Kiosk
from kiosk.errors import CccdError
from kiosk.settings import Settings
from models import KioskError
from recognition.qr import decode_qr
from tests.kiosk.cccd.test_cccd import FIELD, RECORDS, splice
from tests.support.data import analyzed, enrol_frames
from tests.support.qr_images import make_qr

QR_CAPACITY = 2953
"""Bytes a version-40 QR code holds in byte mode at error level L."""
SQL = st.sampled_from(
    [
        "'; DROP TABLE citizens;--",
        '" OR 1=1 --',
        "Robert'); DELETE FROM face_samples; --",
        "1; UPDATE meta SET value = ''",
        "%' AND 1=1 AND '%'='",
        "x'||(SELECT hex(sealed) FROM citizens)||'",
        "\\'; ATTACH DATABASE '/tmp/x' AS y; --",
    ]
)
HOSTILE_FIELD = st.one_of(
    FIELD,
    SQL,
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.integers(0, QR_CAPACITY - 40).map(lambda n: "Ấ" * (n // 3)),
)
CARD = "096201001251|381234567|Lê Anh Sơn|01012001|Nam|Khóm 5, Phường 7, TP Cà Mau|15082021"
HOSTILE = st.one_of(
    st.text(max_size=300),  # control characters, format characters, anything
    st.lists(HOSTILE_FIELD, max_size=12).map("|".join),
    st.binary(max_size=300),  # mostly invalid UTF-8
    st.builds(splice, st.just(CARD.encode()), st.binary(min_size=1, max_size=6), st.integers(0, len(CARD.encode()))),
    st.builds(splice, st.just(CARD), st.one_of(SQL, FIELD), st.integers(0, len(CARD))),
    st.integers(0, QR_CAPACITY).map(lambda n: "|" * n),
).filter(lambda p: len(p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")) <= QR_CAPACITY)
QR_PATH = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.fixture(scope="module")
def counter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kiosk]:
    folder = tmp_path_factory.mktemp("hostile")
    with Kiosk.open(Settings(key_file=str(folder / "kiosk.key")), folder / "kiosk.sqlite", actor="tester") as k:
        yield k


def qr_frame(payload: str | bytes) -> object:
    """The payload as a real QR image, as the camera frame (grey) the kiosk is handed."""
    return make_qr(payload if isinstance(payload, bytes) else payload.encode("utf-8", "surrogatepass"), error="L")


@QR_PATH
@given(payload=HOSTILE)
@example(payload="|" * QR_CAPACITY)
@example(payload="096201001251|381234567|" + "Ấ" * 950 + "|01012001|Nam|x|15082021")
@example(payload=b"096201001251||L\xea Anh S\xf4n|01012001|Nam|x|15082021")  # Latin-1, not UTF-8
@example(payload=CARD.replace("Lê Anh Sơn", "'; DROP TABLE citizens;--"))
@example(payload=CARD.replace("Lê", "L\x00ê"))
def test_any_payload_in_a_real_qr_image_gives_a_record_or_a_named_error(counter: Kiosk, payload: str | bytes) -> None:
    try:
        direct: CccdRead | CccdError = parse_cccd(payload)
    except CccdError as exc:
        direct = exc
    try:
        card = counter.read_card(qr_frame(payload))
    except KioskError as exc:  # QrNotFoundError, CccdError: one clear line, never a traceback
        event(type(exc).__name__)
        line = exc.one_line()
        assert line and "\n" not in line and len(line) < 300 and line.isprintable(), line
        if isinstance(exc, CccdError):  # the decoder gave the payload back: same verdict as parsing it directly
            assert isinstance(direct, CccdError), f"{payload!r} parses directly but not through the QR path: {line}"
        return
    # A record: exactly what the payload says, nothing made up by the decoder chain.
    event("record")
    assert isinstance(direct, CccdRead), f"the QR path made a record of {payload!r}, which does not parse: {direct}"
    assert card.record == direct.record and card.raw == direct.raw
    assert counter.check_card(card).known is False  # and the store looks it up without harm


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=RECORDS)
def test_a_valid_payload_round_trips_exactly(counter: Kiosk, record) -> None:
    payload = format_cccd(record)
    card = counter.read_card(qr_frame(payload))
    assert card.record == record and card.raw == payload
    assert [r.data for r in decode_qr(qr_frame(payload))] == [payload.encode("utf-8")]


def test_sql_in_a_card_is_stored_and_found_as_plain_text(tmp_path: Path) -> None:
    name, address = "Lê'); DROP TABLE citizens;--", "Ấp 1\"; DELETE FROM face_samples WHERE '1'='1"
    payload = f"096201001251|381234567|{name}|01012001|Nam|{address}|15082021"
    with Kiosk.open(Settings(key_file=str(tmp_path / "kiosk.key")), tmp_path / "kiosk.sqlite") as k:
        card = k.read_card(qr_frame(payload))
        assert (card.record.full_name, card.record.address) == (name, address)
        k.enrol(card.record, [analyzed(p).primary for p in enrol_frames("london_005")], consent=True)
        k.check_in_by_card(k.read_card(qr_frame(payload)))
        found = k.store.find_citizen("096201001251")
        assert found is not None and found[1] == card.record
        assert [r["record"] for r in k.store.citizens("drop table")] == [card.record]
        assert k.store.sample_count() == 3 and len(k.store.visits()) == 2  # the first visit and the card's
