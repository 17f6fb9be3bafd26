"""The SQLite store: schema and migrations, all-or-nothing writes, purge, the audit log,
exact embeddings, and clear errors for files it cannot use (newer, not a database,
read-only, locked) that never lose what was written before.

Real SQLite files in ``tmp_path``; real face samples from the sample set's photos (dlib).
The data key is a fixed test key handed to :meth:`Store.open` (see :func:`open_store`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

import kiosk.store.base
from kiosk.counter.service import Kiosk
from kiosk.errors import StoreError
from kiosk.settings import Settings
from kiosk.store.crypto import DataKey
from kiosk.store.records import ConsentRecord, Store
from kiosk.store.schema import SCHEMA_VERSION
from models import FaceSample, Visit
from tests.support.data import ADMIN_PIN, ROOT, analyzed, enrol_frames

TEST_KEY = DataKey.from_bytes(bytes(range(32)))


def fixed_key(may_create: bool) -> DataKey:
    """The key source of these tests: always the same fixed key."""
    return TEST_KEY


def open_store(path: Path, **kwargs: object) -> Store:
    """``Store.open`` with the test key."""
    return Store.open(path, fixed_key, **kwargs)


TABLES = ("citizens", "face_samples", "consents", "visits", "audit_log")
CONSENT = ConsentRecord("face_checkin", "v1", datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc), "Quầy 1", "tester")


def samples_of(folder: str) -> list[FaceSample]:
    """The three real enrolment samples of a sample-set citizen."""
    found = [analyzed(p).primary for p in enrol_frames(folder)]
    assert all(s is not None and s.passes for s in found), folder
    return found


def counts(path: Path) -> dict[str, int]:
    """Committed rows per table, read through a separate connection (what another program sees)."""
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders read-only for this process, and undo it afterwards.

    chmod does not stop root, so as root the immutable attribute (``chattr +i``) is used;
    when that is unavailable the test is skipped, saying why.
    """
    if os.geteuid() == 0:
        done: list[Path] = []
        try:
            for p in paths:
                if (
                    shutil.which("chattr") is None
                    or subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode
                ):
                    pytest.skip("running as root, where chmod does not stop writes, and chattr +i is unavailable here")
                done.append(p)
            yield
        finally:
            for p in reversed(done):
                subprocess.run(["chattr", "-i", str(p)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in paths}
        try:
            for p in paths:
                p.chmod(0o555 if p.is_dir() else 0o444)
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with open_store(db_path) as s:
        yield s


# --- schema and opening ------------------------------------------------------------------


def test_new_file_gets_the_schema_wal_and_foreign_keys(store: Store, db_path: Path) -> None:
    assert set(TABLES) <= set(store.db.table_names())
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert pragma(db_path, "journal_mode") == "wal"  # persistent: any later connection sees it
    # Foreign keys are really enforced: a sample for a citizen who does not exist is refused.
    with pytest.raises(StoreError), store.transaction("add a sample"):
        store.db["face_samples"].insert(
            {
                "citizen_id": 4242,
                "uid": "x" * 32,
                "embedding": b"\0" * (512 + 28),
                "sharpness": 1.0,
                "brightness": 1.0,
                "yaw": 0.0,
                "captured_at": "2026-01-05T08:30:00+00:00",
                "counter": "Quầy 1",
            }
        )
    assert store.sample_count() == 0


def test_samples_for_a_citizen_who_does_not_exist_are_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError):
        store.add_samples(4242, samples_of("london_005")[:1], "Quầy 1")
    assert store.sample_count() == 0


def test_reopening_keeps_data_and_version(db_path: Path, card_record) -> None:
    with open_store(db_path) as s:
        s.enrol(card_record("london_005"), samples_of("london_005"), CONSENT, "Quầy 1")
    with open_store(db_path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [r["record"].full_name for r in s.citizens()] == ["Lê Anh Sơn"]
        assert s.sample_count() == 3


def test_an_empty_sqlite_file_at_version_0_is_migrated(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE unrelated (x)")  # a version-0 file that already has something in it
    conn.commit()
    conn.close()
    with open_store(db_path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert set(TABLES) <= set(s.db.table_names())


def test_database_from_a_newer_release_is_refused_untouched(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StoreError) as err:
        open_store(db_path)
    line = err.value.one_line()
    assert str(db_path) in line and "newer" in line and "upgrade" in line
    assert db_path.read_bytes() == before
    assert pragma(db_path, "user_version") == SCHEMA_VERSION + 1


@pytest.mark.parametrize(
    "content",
    [os.urandom(4096), "Họ và tên,Số CCCD\nLê Anh Sơn,096098004127\n".encode() * 50],
    ids=["random-bytes", "csv-text"],
)
def test_a_file_that_is_not_a_database_gives_a_store_error_naming_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "citizens.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError) as err:
        open_store(path)
    line = err.value.one_line()
    assert str(path) in line and "not a kiosk database" in line
    assert path.read_bytes() == content  # nothing was written into somebody else's file


def test_folder_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StoreError) as err:
        open_store(blocker / "kiosk.sqlite")
    assert "cannot create the folder" in err.value.one_line() and "--db" in err.value.one_line()


# --- all-or-nothing writes ---------------------------------------------------------------


@pytest.mark.parametrize("failure", ["bad-embedding", "bad-consent"])
def test_enrol_is_one_transaction(store: Store, db_path: Path, card_record, failure: str) -> None:
    good = samples_of("london_005")
    if failure == "bad-embedding":
        # The last sample is 127 floats: the CHECK on 512 bytes fires after the citizen
        # row and in the same statement as the good samples.
        samples = [*good[:2], replace(good[2], embedding=good[2].embedding[:127])]
        consent = CONSENT
    else:
        # The consent is written last, after the citizen and every sample: NOT NULL fires there.
        samples, consent = good, replace(CONSENT, purpose=None)
    with pytest.raises(StoreError):
        store.enrol(card_record("london_005"), samples, consent, "Quầy 1")
    assert counts(db_path) == dict.fromkeys(TABLES, 0)
    assert store.find_citizen("096098004127") is None and store.sample_count() == 0
    # No transaction was left open: the same store enrols normally afterwards.
    store.enrol(card_record("london_005"), good, CONSENT, "Quầy 1")
    assert counts(db_path) == {"citizens": 1, "face_samples": 3, "consents": 1, "visits": 0, "audit_log": 0}


def test_delete_citizen_removes_samples_consents_and_visits(store: Store, db_path: Path, card_record) -> None:
    son = store.enrol(card_record("london_005"), samples_of("london_005"), CONSENT, "Quầy 1")
    duc = store.enrol(card_record("london_043"), samples_of("london_043"), CONSENT, "Quầy 2")
    at = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)
    for k in range(2):
        store.record_visit(Visit(son, at.replace(hour=9 + k), "Quầy 1", "face", 0.31, 0.2))
    store.record_visit(Visit(duc, at, "Quầy 2", "qr"))
    son_bytes = [np.asarray(s.embedding, dtype="<f4").tobytes() for s in samples_of("london_005")]
    # What the file holds of him: sealed templates and record, and the blind index of his ID number.
    son_bytes += [r[0] for r in store.db.execute("SELECT embedding FROM face_samples WHERE citizen_id = ?", [son])]
    son_bytes += list(store.db.execute("SELECT sealed, id_hash FROM citizens WHERE id = ?", [son]).fetchone())
    assert len(son_bytes) == 8

    assert store.delete_citizen(son, "Quầy 1", "request") == {
        "face_samples": 3,
        "consents": 1,
        "visits": 2,
        "retired_samples": 0,
        "citizens": 1,
    }

    conn = sqlite3.connect(db_path)
    for table in ("face_samples", "consents", "visits"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE citizen_id = ?", [son]).fetchone()[0] == 0
    conn.close()
    assert store.find_citizen("096098004127") is None
    with pytest.raises(KeyError):
        store.citizen(son)
    # The other citizen is untouched.
    assert [r["record"].full_name for r in store.citizens()] == ["Trần Văn Đức"]
    assert store.consents(duc) and len(store.visits()) == 1
    ids = np.concatenate([i for i, *_ in store.iter_embeddings()])
    assert set(ids.tolist()) == {duc}
    # secure_delete: once the file is closed, the purged face templates are not in it any more.
    store.close()
    data = db_path.read_bytes()
    assert not any(b in data for b in son_bytes)
    assert not Path(f"{db_path}-wal").exists() or all(b not in Path(f"{db_path}-wal").read_bytes() for b in son_bytes)


def test_audit_log_is_append_only(store: Store, db_path: Path) -> None:
    store.audit("export", "admin", "Quầy 1", "", rows=2, file="x.csv")
    entry = store.audit_entries()[0]
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(statement)
        # Also through a plain connection: the rule lives in the file, not in our code.
        other = sqlite3.connect(db_path)
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute(statement)
        other.close()
    assert store.audit_entries() == [entry]
    store.audit("purge", "admin", "Quầy 1", "096*******27", reason="request")
    assert [e["action"] for e in store.audit_entries()] == ["purge", "export"]


def test_iter_embeddings_round_trips_float32_exactly(store: Store, card_record) -> None:
    real = samples_of("london_005")
    edge = np.array(
        [np.finfo(np.float32).max, np.finfo(np.float32).smallest_subnormal, -0.0, 1 / 3] * 32, dtype=np.float32
    )
    samples = [*real, replace(real[0], embedding=edge)]
    citizen_id = store.enrol(card_record("london_005"), samples, CONSENT, "Quầy 1")
    batches = list(store.iter_embeddings(batch=3))  # 4 samples: two batches
    assert [len(ids) for ids, _, _ in batches] == [3, 1]
    ids = np.concatenate([i for i, _, _ in batches])
    got = np.concatenate([e for _, e, _ in batches])
    keys = np.concatenate([k for _, _, k in batches])
    assert ids.dtype == np.int64 and set(ids.tolist()) == {citizen_id}
    assert keys.tolist() == sorted(set(keys.tolist()))  # one sample id per row, ascending
    by_key = store.templates([*keys.tolist(), 10**9])  # the exact rows a search re-scores; a gone id is absent
    assert sorted(by_key) == keys.tolist() and all(np.array_equal(by_key[int(k)], e) for k, e in zip(keys, got))
    assert got.dtype == np.float32 and got.shape == (4, 128)
    want = np.stack([np.asarray(s.embedding, dtype=np.float32) for s in samples])
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))  # bit for bit, -0.0 included


@pytest.mark.parametrize("action", ["enrol", "purge"])
def test_a_change_and_its_audit_entry_are_saved_together(
    db_path: Path, settings: Settings, card_record, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    monkeypatch.setattr(kiosk.store.base, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(db_path, isolation_level=None)
    with Kiosk.open(settings, db_path, actor="tester") as k:
        if action == "purge":
            k.enrol(card_record("london_005"), samples_of("london_005"), consent=True)
            k.set_first_admin_pin(ADMIN_PIN)
            admin = k.login_admin(ADMIN_PIN)
        before = counts(db_path)
        real_clock = k.store.clock

        def clock() -> datetime:
            # Another program takes the lock as soon as the change is visible to it (committed).
            if not other.in_transaction and counts(db_path)["citizens"] != before["citizens"]:
                other.execute("BEGIN EXCLUSIVE")
            return real_clock()

        k.store.clock = clock
        try:
            if action == "enrol":
                k.enrol(card_record("london_005"), samples_of("london_005"), consent=True)
            else:
                admin.purge("096098004127")
            failed = None
        except StoreError as exc:
            failed = exc
        finally:
            if other.in_transaction:
                other.execute("ROLLBACK")
            other.close()
    after = counts(db_path)
    if failed is not None:
        assert after == before, f"{failed.one_line()!r}, yet the {action} was saved: {after}"
    else:
        assert after["audit_log"] == before["audit_log"] + 1


# --- files the store cannot write: a clear error, nothing half-written, nothing lost -----


def test_read_only_database_file(db_path: Path, card_record) -> None:
    with open_store(db_path) as s:
        s.enrol(card_record("london_005"), samples_of("london_005"), CONSENT, "Quầy 1")
    before = counts(db_path)
    with read_only(db_path):
        with open_store(db_path) as s:
            assert [r["record"].full_name for r in s.citizens()] == ["Lê Anh Sơn"]  # reading still works
            with pytest.raises(StoreError) as err:
                s.enrol(card_record("london_043"), samples_of("london_043"), CONSENT, "Quầy 1")
    line = err.value.one_line()
    assert "read-only" in line and str(db_path) in line and "nothing was saved" in line
    assert counts(db_path) == before
    with open_store(db_path) as s:
        assert s.find_citizen("096206002219") is None and s.sample_count() == 3


def test_read_only_database_file_and_folder(db_path: Path, card_record) -> None:
    with open_store(db_path) as s:
        s.enrol(card_record("london_005"), samples_of("london_005"), CONSENT, "Quầy 1")
    before = counts(db_path)
    with read_only(db_path, db_path.parent), pytest.raises(StoreError) as err:
        with open_store(db_path) as s:
            s.audit("export", "admin", "Quầy 1")
    assert counts(db_path) == before
    line = err.value.one_line()
    assert "read-only" in line and "nothing was saved" in line


def test_locked_database(db_path: Path, card_record, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk.store.base, "BUSY_TIMEOUT_S", 0.2)
    with open_store(db_path) as s:
        s.enrol(card_record("london_005"), samples_of("london_005"), CONSENT, "Quầy 1")
    before = counts(db_path)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with open_store(db_path) as s:
            with pytest.raises(StoreError) as err:
                s.enrol(card_record("london_043"), samples_of("london_043"), CONSENT, "Quầy 1")
            with pytest.raises(StoreError) as err_audit:
                s.audit("export", "admin", "Quầy 1")
    finally:
        other.execute("ROLLBACK")
        other.close()
    for line in (err.value.one_line(), err_audit.value.one_line()):
        assert "locked" in line and str(db_path) in line and "nothing was saved" in line
    assert counts(db_path) == before
    with open_store(db_path) as s:  # once the other program lets go, the store works again
        s.enrol(card_record("london_043"), samples_of("london_043"), CONSENT, "Quầy 1")
        assert s.sample_count() == 6


def test_locked_database_at_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file another program holds exclusively (rollback journal, so even reads wait)."""
    monkeypatch.setattr(kiosk.store.base, "BUSY_TIMEOUT_S", 0.2)
    path = tmp_path / "shared.sqlite"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO t VALUES (1)")
    try:
        with pytest.raises(StoreError) as err:
            open_store(path)
    finally:
        other.execute("COMMIT")
        other.close()
    line = err.value.one_line()
    assert "locked" in line and str(path) in line and "nothing was saved" in line
    assert pragma(path, "user_version") == 0  # not half-migrated


def test_closing_while_another_thread_reads_waits_for_it_and_later_reads_fail_cleanly(tmp_path: Path) -> None:
    """The window's worker threads query the store; closing it under a running query used to
    crash the process (SIGSEGV in SQLite). Run in a child process, so a crash fails this test only."""
    code = f"""
import sys, threading
from datetime import datetime, timezone
sys.path.insert(0, {str(ROOT)!r})
from kiosk.errors import StoreError
from kiosk.store.crypto import DataKey
from kiosk.store.records import Store

key = DataKey.generate()
outcomes = []
for round_ in range(30):
    store = Store.open({str(tmp_path)!r} + f"/k{{round_}}.sqlite", lambda _: key)
    started = threading.Event()

    def read():
        try:
            while True:
                store.inactive_since(datetime.now(timezone.utc))
                started.set()
        except StoreError:
            outcomes.append("store_error")

    worker = threading.Thread(target=read)
    worker.start()
    started.wait(5)
    store.close()
    worker.join(5)
    assert not worker.is_alive(), "a reader hung after close"
print(len(outcomes), sorted(set(outcomes)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[0] == "30" and "store_error" in out.stdout
