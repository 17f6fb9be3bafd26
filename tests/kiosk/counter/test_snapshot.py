"""The face index's sealed snapshot (kiosk/counter/snapshot.py), through the real kiosk:
used when current, topped up when templates were only added, rebuilt with one log line
when stale, damaged or another key's, and never the cause of a wrong or missing answer."""

from __future__ import annotations

import logging
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter.service import Kiosk
from kiosk.counter.snapshot import snapshot_path
from kiosk.settings import Settings
from kiosk.store.records import Store
from tests.support.data import FRAMES, analyzed, enrol_frames

VISITS = {
    "london_005": FRAMES / "london_005" / "visit_2.jpg",
    "lisa": FRAMES / "lisa" / "visit_2.jpg",
}


def _rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many templates each later index load decrypts from the store's rows."""
    read: list[int] = []
    real = Store.iter_embeddings

    def counting(self, engine=None, batch=65536, after=0):
        for ids, embeddings, keys in real(self, engine, batch, after):
            read.append(len(ids))
            yield ids, embeddings, keys

    monkeypatch.setattr(Store, "iter_embeddings", counting)
    return read


def _answers(kiosk: Kiosk) -> dict[str, str | None]:
    out = {}
    for folder, frame in VISITS.items():
        check = kiosk.identify_sample(analyzed(frame).primary)
        out[folder] = check.citizen.id_number if check.citizen else None
    return out


def test_a_current_snapshot_is_used_and_gives_the_same_answers(
    enrolled: Kiosk, settings: Settings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = _answers(enrolled)
    assert all(want.values())
    enrolled.close()
    assert snapshot_path(db_path).stat().st_size > 12 * 128
    read = _rows_read(monkeypatch)
    with Kiosk.open(settings, db_path) as again:
        assert len(again.matcher) == 12 and again.matcher.citizen_count == 4
        assert _answers(again) == want
    assert sum(read) == 0  # not one template decrypted row by row


def test_templates_added_since_are_read_on_top_of_it(
    enrolled: Kiosk, settings: Settings, db_path: Path, card_record, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrolled.close()
    stamp = snapshot_path(db_path).read_bytes()
    with Store.open(db_path, lambda _new: enrolled.store.key) as store:  # another program adds a template
        citizen_id = store.find_citizen(card_record("london_099").id_number)[0]
        store.add_samples(citizen_id, [analyzed(FRAMES / "london_099" / "visit_2.jpg").primary], "Quầy 2")
    assert snapshot_path(db_path).read_bytes() == stamp
    read = _rows_read(monkeypatch)
    with Kiosk.open(settings, db_path) as again:
        assert len(again.matcher) == 13 and again.matcher.citizen_count == 4
        assert sum(read) == 1  # only the new template
        probe = analyzed(FRAMES / "london_099" / "visit_2.jpg").primary
        assert again.matcher.search(probe.embedding, 1)[0].distance < 1e-6  # that very sample is indexed
        assert again.identify_sample(probe).citizen_id == citizen_id


@pytest.mark.parametrize(
    "damage", ["deleted row", "flipped byte", "cut short", "another key", "not a snapshot", "a trillion rows"]
)
def test_a_stale_or_damaged_snapshot_is_rebuilt_with_one_line_in_the_log(
    enrolled: Kiosk,
    settings: Settings,
    db_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    card_record,
    damage: str,
) -> None:
    want = _answers(enrolled)
    lisa = enrolled.store.find_citizen("096190005561")[0]
    enrolled.close()
    path = snapshot_path(db_path)
    data = bytearray(path.read_bytes())
    if damage == "deleted row":  # e.g. another program purged a template: the snapshot must not bring it back
        with sqlite3.connect(db_path) as conn:
            conn.execute(
                "DELETE FROM face_samples WHERE id = (SELECT min(id) FROM face_samples WHERE citizen_id = ?)", [lisa]
            )
    elif damage == "flipped byte":
        data[-100] ^= 0x01
        path.write_bytes(data)
    elif damage == "cut short":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "another key":  # another counter's snapshot, of the same size, copied over
        other = Settings(key_file=str(tmp_path / "other.key"))
        with Kiosk.open(other, tmp_path / "other.sqlite") as elsewhere:
            for folder in ("london_005", "london_043", "london_099", "lisa"):
                elsewhere.enrol(card_record(folder), [analyzed(p).primary for p in enrol_frames(folder)], consent=True)
        path.write_bytes(snapshot_path(tmp_path / "other.sqlite").read_bytes())
    elif damage == "a trillion rows":  # an edited header must not make the kiosk allocate for it
        size = struct.unpack("<I", data[8:12])[0]
        header = bytes(data[12 : 12 + size]).replace(b'"rows": 12', b'"rows": 1000000000000')
        path.write_bytes(bytes(data[:8]) + struct.pack("<I", len(header)) + header + bytes(data[12 + size :]))
    else:
        path.write_bytes(b"hello")
    read = _rows_read(monkeypatch)
    caplog.set_level(logging.WARNING, logger="cccd_kiosk.index")
    with Kiosk.open(settings, db_path) as again:
        expected = 11 if damage == "deleted row" else 12
        assert len(again.matcher) == expected and sum(read) >= expected  # rebuilt from the rows
        assert _answers(again) == want
    lines = [r.getMessage() for r in caplog.records if r.name == "cccd_kiosk.index"]
    assert len(lines) == 1 and "was not used" in lines[0] and "rebuilt from the database" in lines[0], lines
    assert damage != "a trillion rows" or "promises more rows than the file holds" in lines[0]
    # and saved again: the next start uses it, silently
    caplog.clear()
    read.clear()
    with Kiosk.open(settings, db_path) as third:
        assert len(third.matcher) == expected and sum(read) == 0
    assert not [r for r in caplog.records if r.name == "cccd_kiosk.index"]


def test_the_snapshot_is_sealed(enrolled: Kiosk, db_path: Path) -> None:
    emb = enrolled.matcher.embeddings_of(enrolled.store.find_citizen("096190005561")[0])
    enrolled.close()
    data = snapshot_path(db_path).read_bytes()
    codes = np.clip(np.rint(emb / (np.abs(emb).max(axis=1, keepdims=True) / 127)), -127, 127).astype(np.int8)
    assert all(row.tobytes()[:32] not in data for row in codes)  # no int8 template in the clear
    assert all(row.astype("<f4").tobytes()[:32] not in data for row in emb)
