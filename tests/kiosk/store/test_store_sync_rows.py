"""The store's named methods behind the admin figures, key rotation and the province sync,
and the rules the store and the registry share (the registry side is in test_registry*.py).

Real SQLite files in ``tmp_path``; made-up citizens with zero templates (no face is needed here).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from kiosk.store import audit as audit_log
from kiosk.store.crypto import DataKey
from kiosk.store.records import ConsentRecord, Store
from kiosk.store.rules import superseded, tombstone
from kiosk.store.sync_rows import SyncRows
from models import CitizenRecord, FaceBox, FaceSample, Gender, Visit

KEY = DataKey.from_bytes(bytes(range(32)))
NOON = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "k.sqlite", lambda _: KEY) as s:
        s.clock = lambda: NOON
        yield s


def enrol(store: Store, id_number: str, at: datetime = NOON) -> int:
    record = CitizenRecord(id_number, "", "Trần Thị Mẫu", date(1990, 1, 1), Gender.FEMALE, "Cà Mau", date(2024, 7, 1))
    sample = FaceSample(np.zeros(128, dtype=np.float32), FaceBox(0, 100, 100, 0), 100.0, 120.0, 0.0)
    return store.enrol(record, [sample], ConsentRecord("face_checkin", "v1", at, "Quầy 1", "tester"), "Quầy 1")


def test_activity_since_counts_from_the_instant_in_any_time_zone(store: Store) -> None:
    citizen = enrol(store, "096200000001")
    for at, counter, method in (
        (datetime(2026, 3, 1, 16, 59, 59, tzinfo=timezone.utc), "Quầy 1", "face"),
        (datetime(2026, 3, 1, 17, 0, tzinfo=timezone.utc), "Quầy 1", "face"),
        (datetime(2026, 3, 1, 18, 0, tzinfo=timezone.utc), "Quầy 2", "qr"),
    ):
        store.record_visit(Visit(citizen, at, counter, method))
    store.record_visit(
        Visit(citizen, datetime(2026, 3, 1, 17, 5, tzinfo=timezone.utc), "Quầy 2", "qr", first_visit=True)
    )
    hanoi_midnight = datetime(2026, 3, 2, 0, 0, tzinfo=timezone(timedelta(hours=7)))  # 17:00 UTC
    seen = store.activity_since(hanoi_midnight)
    assert seen.visits == {"face": 1, "qr": 1, "first": 1}
    assert store.activity_since(hanoi_midnight, "Quầy 2").visits == {"qr": 1, "first": 1}
    store.audit("keypad", "clerk", "Quầy 1", "", fitted=False, candidates=2)
    store.audit("keypad", "clerk", "Quầy 1", "", fitted=True, candidates=2)
    seen = store.activity_since(NOON - timedelta(seconds=1))
    assert (
        seen.actions == {"keypad": 2} and seen.keypad_misses == 1
    )  # the enrolment went in at NOON too, unaudited here
    assert store.activity_since(NOON + timedelta(seconds=1)).actions == {}


def test_sync_bookkeeping_and_pending_rows(store: Store) -> None:
    rows = SyncRows(store)
    assert not rows.has_synced() and rows.registry_id() is None and rows.cursor("r1", "citizens") == 0
    citizen = enrol(store, "096200000001")
    pending = rows.pending("citizens", 0, 10)
    assert [r["_key"] for r in pending.rows] == [citizen]
    [consent] = pending.consents  # a citizen travels with the consents not pushed yet
    assert consent["id_hash"] == store.key.blind_index("096200000001") and consent["given_at"] == NOON.isoformat()
    assert len(rows.pending("face_samples", 0, 10).rows) == 1 and rows.pending("face_samples", 0, 10).consents == []
    rows.mark_pushed("consents", [consent["_key"]])
    assert rows.pending("citizens", 0, 10).consents == []
    rows.mark_pushed("citizens", [citizen])
    assert rows.pending("citizens", 0, 10).rows == []
    store.delete_citizen(citizen, "Quầy 1", "request")
    (purge,) = rows.pending("purges", 0, 10).rows
    assert purge["tomb"] == tombstone(store.key.blind_index("096200000001")) and purge["reason"] == "request"
    rows.remember_registry("r1")
    assert rows.has_synced() and rows.registry_id() == "r1"


def test_a_pulled_purge_follows_the_purge_rule(store: Store) -> None:
    """Rows dated at or before the purge go; the citizen stays only with a consent given after it."""
    rows = SyncRows(store)
    early = enrol(store, "096200000001", NOON - timedelta(days=2))
    late = enrol(store, "096200000002", NOON - timedelta(days=2))
    store.record_visit(Visit(late, NOON - timedelta(days=1), "Quầy 1", "face"))
    with store.transaction("enrol again"):  # the second citizen gave consent again after the purge
        store.db["consents"].insert(
            {
                "citizen_id": late,
                "purpose": "face_checkin",
                "text_version": "v1",
                "uid": "u" * 32,
                "given_at": (NOON + timedelta(hours=1)).isoformat(),
                "counter": "Quầy 2",
                "staff": "x",
            }
        )
    purges = [
        (i + 1, tombstone(store.key.blind_index(n)), NOON.isoformat(), "Quầy 9", "request")
        for i, n in enumerate(("096200000001", "096200000002"))
    ]
    applied = rows.store_pulled("r1", rows.open_pulled("purges", purges), "Quầy 1")
    assert applied.gone == [early] and applied.changed == [late] and applied.rows == 1
    assert not store.has_citizen(early) and store.has_citizen(late)
    assert len(store.consents(late)) == 1 and store.visits(10, late) == [] and len(store.embeddings_of(late)) == 0
    assert rows.cursor("r1", "purges") == 2
    assert [e["action"] for e in store.audit_entries()] == ["purge"]


def test_superseded_is_at_or_before_the_purge() -> None:
    assert superseded("2026-03-01T12:00:00+00:00", "2026-03-01T12:00:00+00:00")
    assert superseded("2026-03-01T11:59:59+00:00", "2026-03-01T12:00:00+00:00")
    assert not superseded("2026-03-01T12:00:00.000001+00:00", "2026-03-01T12:00:00+00:00")
    assert not superseded("2026-03-01T12:00:00+00:00", None)


def test_reseal_keeps_the_audit_log_append_only_and_verifying(store: Store) -> None:
    citizen = enrol(store, "096200000001")
    store.audit("enrol", "tester", "Quầy 1", "096*******01")
    new = DataKey.generate()
    store.reseal(new)
    assert store.key is new and audit_log.verify(store).ok
    assert store.find_citizen("096200000001") is not None and store.citizen(citizen).full_name == "Trần Thị Mẫu"
    triggers = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"audit_log_no_update", "audit_log_no_delete"} <= triggers
    with pytest.raises(Exception, match="append-only"):
        store.db.execute("UPDATE audit_log SET actor = 'x'")


def citizen_row(tmp_path: Path, id_number: str, seq: int = 7) -> tuple:
    """A citizen row as the registry sends it (sealed at another counter under the same key)."""
    with Store.open(tmp_path / f"other-{id_number}.sqlite", lambda _: KEY) as other:
        other.clock = lambda: NOON
        enrol(other, id_number)
        found = other.db.execute(
            "SELECT id_hash, sealed, enrolled_at, enrolled_counter, updated_at FROM citizens"
        ).fetchone()
    return (seq, *(bytes(v) if isinstance(v, bytes) else v for v in found))


def consent_rows(id_hash: bytes, seqs: range) -> list[tuple]:
    return [(seq, f"{seq:032x}", id_hash, "face_checkin", "v1", NOON.isoformat(), "Quầy 2", "x") for seq in seqs]


def test_child_rows_bring_their_citizen_when_it_is_new_here(store: Store, tmp_path: Path) -> None:
    """Citizens pulled with child rows are added once, before the rows that refer to them; a row
    whose citizen is neither here nor pulled with it is not stored (the cursor still moves on)."""
    rows = SyncRows(store)
    citizen = citizen_row(tmp_path, "096200000009")
    stranger = store.key.blind_index("096200000008")
    batch = rows.open_pulled("consents", consent_rows(citizen[1], range(1, 3)) + consent_rows(stranger, range(3, 4)))
    applied = rows.store_pulled("r1", batch, "Quầy 1", rows.open_pulled("citizens", [citizen]))
    [(local,)] = store.db.execute("SELECT id FROM citizens").fetchall()
    assert applied.rows == 2 and len(store.consents(local)) == 2 and rows.cursor("r1", "consents") == 3
    assert store.citizen(local).id_number == "096200000009"
    again = rows.store_pulled("r1", batch, "Quầy 1", rows.open_pulled("citizens", [citizen]))
    assert again.rows == 0 and len(store.consents(local)) == 2  # pulled again (a reset cursor): nothing doubles


def test_a_sealed_value_under_another_key_is_dropped_and_counted(store: Store, tmp_path: Path) -> None:
    rows = SyncRows(store)
    seq, id_hash, sealed, *rest = citizen_row(tmp_path, "096200000009")
    forged = DataKey.generate().seal(b"{}", b"citizen:" + id_hash)
    opened = rows.open_pulled("citizens", [(seq, id_hash, forged, *rest)])
    applied = rows.store_pulled("r1", opened, "Quầy 1")
    assert opened.rejected == 1 and applied.rejected == 1 and applied.rows == 0
    assert store.db.execute("SELECT count(*) FROM citizens").fetchone()[0] == 0 and rows.cursor("r1", "citizens") == seq


def test_a_first_pull_fills_a_table_without_its_uid_index_then_makes_it(store: Store, tmp_path: Path) -> None:
    """An empty table is filled without its uid index (rows appended, not inserted into it), which
    is made again at the end; a table with rows is never filled that way."""
    rows = SyncRows(store)
    citizen = citizen_row(tmp_path, "096200000009")
    rows.store_pulled("r1", rows.open_pulled("citizens", [citizen]), "Quầy 1")

    def indexed() -> bool:
        return store.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'consents_uid'").fetchone() is not None

    assert rows.start_bulk("r1", "consents") and not indexed() and rows.bulk("consents") == "r1"
    assert rows.start_bulk("r1", "consents")  # an interrupted first pull from the same registry goes on that way
    applied = rows.store_pulled("r1", rows.open_pulled("consents", consent_rows(citizen[1], range(1, 4))), "Quầy 1")
    rows.end_bulk("consents")
    assert applied.rows == 3 and indexed() and rows.bulk("consents") is None
    assert not rows.start_bulk("r1", "consents") and indexed()  # rows here already: the index stays
    enrol(store, "096200000001")
    assert not rows.start_bulk("r2", "face_samples")
    assert not rows.start_bulk("r1", "visits")  # a visit done elsewhere comes again: never without its index


def test_a_batch_another_sync_stored_meanwhile_is_not_stored_twice(store: Store, tmp_path: Path) -> None:
    """Two syncs of one file at once: the second to store a batch keeps only its rows above the
    cursor the first left, and the cursor never moves back (here without the uid index)."""
    rows = SyncRows(store)
    citizen = citizen_row(tmp_path, "096200000009")
    rows.store_pulled("r1", rows.open_pulled("citizens", [citizen]), "Quầy 1")
    assert rows.start_bulk("r1", "consents")
    first, second = consent_rows(citizen[1], range(1, 4)), consent_rows(citizen[1], range(3, 6))
    rows.store_pulled("r1", rows.open_pulled("consents", first + second[1:]), "Quầy 1")  # the other sync, ahead
    late = rows.store_pulled("r1", rows.open_pulled("consents", first), "Quầy 1")
    assert late.rows == 0 and rows.cursor("r1", "consents") == 5
    rows.end_bulk("consents")
    assert store.db.execute("SELECT count(*), count(DISTINCT uid) FROM consents").fetchone() == (5, 5)


def test_a_template_of_another_size_is_dropped_as_unusable(store: Store, tmp_path: Path) -> None:
    rows = SyncRows(store)
    citizen = citizen_row(tmp_path, "096200000009")
    rows.store_pulled("r1", rows.open_pulled("citizens", [citizen]), "Quầy 1")
    sample = (
        1,
        "a" * 32,
        citizen[1],
        KEY.seal(np.zeros(64, dtype="<f4").tobytes(), b"sample:" + citizen[1]),  # sealed right, but 64 values
        1.0,
        1.0,
        0.0,
        NOON.isoformat(),
        "Quầy 2",
        "sface",
        "v",
    )
    applied = rows.store_pulled("r1", rows.open_pulled("face_samples", [sample]), "Quầy 1")
    assert applied.rejected == 1 and applied.rows == 0 and rows.cursor("r1", "face_samples") == 1
