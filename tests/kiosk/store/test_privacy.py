"""Issue 5: the protections the personal-data law asks for, each proven by a test that
fails when the protection is removed.

Consent, purge for good (raw bytes of the database files), the audit log of a purge,
retention, encryption at rest (wrong / missing / environment key, v1 migration), key
rotation (and a rotation cut off half-way), administrator roles (PIN, lock-out,
sessions), the tamper-evident audit log, and outputs that never show a full ID number,
an embedding or an image. Real faces (dlib, cached per session), real QR cards, real
SQLite files in ``tmp_path``; time is moved with the store's injectable clock.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import types
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter import snapshot
from kiosk.counter.admin import Admin
from kiosk.counter.consent import CONSENT_TEXT_EN, CONSENT_TEXT_VERSION, CONSENT_TEXT_VI, PURPOSE_FACE_CHECKIN
from kiosk.counter.service import Kiosk
from kiosk.counter.snapshot import snapshot_path
from kiosk.errors import AuthError, ConsentRequiredError, DataKeyError, LockedOutError, StoreError
from kiosk.settings import Settings
from kiosk.store import audit as audit_log
from kiosk.store import auth, rotation
from kiosk.store.crypto import DataKey, read_key_file, write_key_file
from kiosk.store.records import Store
from kiosk.store.schema import MIGRATIONS
from models import CitizenRecord, Decision, FaceSample
from recognition.compact import CompactMatcher
from recognition.images import load_image
from tests.support.data import ADMIN_PIN, CARDS, FRAMES, analyzed, analyzed_with, enrol_frames, run_cli

SON = ("london_005", "096098004127", "Lê Anh Sơn")
DUC = ("london_043", "096206002219", "Trần Văn Đức")
THU = ("london_030", "096302011835", "Nguyễn Thị Kim Thư")
PHUONG = ("lisa", "096190005561", "Đặng Thị Phượng")
T0 = datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc)
FULL_ID = re.compile(r"(?<!\d)\d{12}(?!\d)")
"""A full 12-digit ID number anywhere in a text."""
FLOAT_RUN = re.compile(r"(-?\d*\.\d+(e-?\d+)?[,\s]+){16}")
"""Sixteen floats in a row: what a printed embedding looks like."""


class Clock:
    """A settable clock for ``Store.clock`` (timezone-aware UTC)."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No KIOSK_* variable of the machine, and the user folders inside the test's own."""
    for name in list(os.environ):
        if name.startswith("KIOSK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))


# --- helpers -----------------------------------------------------------------------------


def samples_of(folder: str) -> list[FaceSample]:
    found = [analyzed(p).primary for p in enrol_frames(folder)]
    assert all(s is not None and s.passes for s in found), folder
    return found


def visit_sample(folder: str) -> FaceSample:
    sample = analyzed(FRAMES / folder / "visit_2.jpg").primary
    assert sample is not None
    return sample


def enrol(k: Kiosk, card_record, who: tuple[str, str, str], staff: str = "tester") -> int:
    return k.enrol(card_record(who[0]), samples_of(who[0]), consent=True, staff=staff).citizen_id


def check_in(k: Kiosk, who: tuple[str, str, str]) -> None:
    check = k.identify_sample(visit_sample(who[0]))
    assert check.decision is Decision.MATCH and check.citizen is not None and check.citizen.id_number == who[1]
    k.check_in(check)


def db_files(db: Path) -> dict[str, bytes]:
    """The raw bytes of the database, its -wal and -shm files and the face index's sealed
    snapshot (those that exist)."""
    return {
        suffix: Path(f"{db}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm", ".index")
        if Path(f"{db}{suffix}").exists()
    }


def found_in_files(db: Path, needles: dict[str, bytes]) -> list[str]:
    """``"what (file)"`` for every needle found in the raw database files."""
    files = db_files(db)
    return [
        f"{name} ({db.name}{suffix})"
        for name, needle in needles.items()
        for suffix, data in files.items()
        if needle in data
    ]


def stored_bytes(store: Store, citizen_id: int) -> dict[str, bytes]:
    """What the file holds of a citizen: the blind index, the sealed record, the sealed templates."""
    id_hash, sealed = store.db.execute("SELECT id_hash, sealed FROM citizens WHERE id = ?", [citizen_id]).fetchone()
    out = {"blind index": id_hash, "sealed record": sealed}
    for k, (embedding,) in enumerate(
        store.db.execute("SELECT embedding FROM face_samples WHERE citizen_id = ? ORDER BY id", [citizen_id])
    ):
        out[f"sealed template {k}"] = embedding
    assert len(out) >= 5
    return out


def plain_bytes(record: CitizenRecord, samples: list[FaceSample]) -> dict[str, bytes]:
    """A citizen's personal data and templates as they would look unencrypted."""
    out = {
        "name": record.full_name.encode("utf-8"),
        "ID number": record.id_number.encode("ascii"),
        "address": record.address.encode("utf-8"),
        "birth date": record.date_of_birth.isoformat().encode("ascii"),
    }
    if record.old_id_number:
        out["old ID number"] = record.old_id_number.encode("ascii")
    for k, s in enumerate(samples):
        raw = np.ascontiguousarray(s.embedding, dtype="<f4").tobytes()
        out[f"template {k}"] = raw
        out[f"template {k} (first 32 bytes)"] = raw[:32]
    return out


def raw_rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def tamper(db: Path, *statements: str) -> None:
    """What someone with the file but not the key can do: drop the triggers and edit."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def clocked(kiosk: Kiosk, clock: Clock) -> Kiosk:
    """The fresh kiosk, on the settable clock."""
    kiosk.store.clock = clock
    return kiosk


# --- consent -----------------------------------------------------------------------------


@pytest.mark.parametrize("consent", [False, None, "yes", 1], ids=["false", "none", "truthy-text", "one"])
def test_enrolment_without_explicit_consent_stores_nothing(
    kiosk: Kiosk, db_path: Path, card_record, consent: object
) -> None:
    with pytest.raises(ConsentRequiredError):
        kiosk.enrol(card_record(SON[0]), samples_of(SON[0]), consent=consent)
    for table in ("citizens", "face_samples", "consents", "audit_log"):
        assert raw_rows(db_path, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert len(kiosk.matcher) == 0


def test_consent_is_recorded_with_purpose_text_version_time_counter_and_staff(
    settings: Settings, db_path: Path, card_record, clock: Clock
) -> None:
    with Kiosk.open(settings.replace(counter_name="Quầy 7"), db_path, actor="tester") as k:
        k.store.clock = clock
        citizen_id = enrol(k, card_record, SON, staff="Võ Thị Cán Bộ")
        [consent] = k.store.consents(citizen_id)
        [entry] = [e for e in k.store.audit_entries() if e["action"] == "enrol"]
    assert (consent["purpose"], consent["text_version"]) == (PURPOSE_FACE_CHECKIN, CONSENT_TEXT_VERSION)
    assert datetime.fromisoformat(consent["given_at"]) == T0
    assert (consent["counter"], consent["staff"]) == ("Quầy 7", "Võ Thị Cán Bộ")
    assert json.loads(entry["detail"])["consent_version"] == CONSENT_TEXT_VERSION and entry["actor"] == "Võ Thị Cán Bộ"


def test_consent_receipt_shows_the_text_and_the_masked_id_only(clocked: Kiosk, card_record, admin: Admin) -> None:
    citizen_id = enrol(clocked, card_record, SON, staff="Võ Thị Cán Bộ")
    for html in (clocked.consent_receipt(citizen_id), admin.consent_receipt(SON[1])):
        assert escape(CONSENT_TEXT_VI) in html and escape(CONSENT_TEXT_EN) in html
        for shown in (
            CONSENT_TEXT_VERSION,
            "Quầy 1",
            "Võ Thị Cán Bộ",
            SON[2],
            "096*******27",
            "05/01/2026 15:30 (UTC+07:00)",
        ):
            assert escape(shown) in html, shown  # the consent time as local time (Asia/Ho_Chi_Minh), T0 = 08:30 UTC
        assert T0.isoformat() not in html
        assert SON[1] not in html and not FULL_ID.search(html)
    assert [e["subject"] for e in admin.audit_entries() if e["action"] == "consent_receipt"] == ["096*******27"]


def test_withdrawing_consent_purges_everything(enrolled: Kiosk, admin: Admin) -> None:
    citizen_id = enrolled.store.find_citizen(SON[1])[0]
    assert admin.withdraw_consent(SON[1]) == {
        "face_samples": 3,
        "consents": 1,
        "visits": 1,
        "retired_samples": 0,
        "citizens": 1,
    }
    assert enrolled.store.find_citizen(SON[1]) is None and enrolled.store.consents(citizen_id) == []
    assert enrolled.matcher.embeddings_of(citizen_id).size == 0
    check = enrolled.identify_sample(visit_sample(SON[0]))
    assert check.citizen is None or check.citizen.id_number != SON[1]
    [entry] = [e for e in admin.audit_entries() if e["action"] == "purge"]
    assert entry["subject"] == "096*******27" and json.loads(entry["detail"])["reason"] == "consent withdrawn"


# --- purge for good ----------------------------------------------------------------------


def _enrol_two_and_purge_one(k: Kiosk, admin: Admin, card_record) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Enrol Sơn (with a visit) and Đức, purge Sơn; the bytes of each read before the purge."""
    son = enrol(k, card_record, SON)
    duc = enrol(k, card_record, DUC)
    check_in(k, SON)
    gone = {**stored_bytes(k.store, son), **plain_bytes(card_record(SON[0]), samples_of(SON[0]))}
    kept = stored_bytes(k.store, duc)
    assert admin.purge(SON[1], reason="request") == {
        "face_samples": 3,
        "consents": 1,
        "visits": 2,
        "retired_samples": 0,
        "citizens": 1,
    }
    return gone, kept


def test_purge_leaves_no_trace_in_the_database_files(kiosk: Kiosk, admin: Admin, db_path: Path, card_record) -> None:
    gone, kept = _enrol_two_and_purge_one(kiosk, admin, card_record)
    # Dropped from the in-memory index at once: his face no longer finds him.
    check = kiosk.identify_sample(visit_sample(SON[0]))
    assert check.citizen is None or check.citizen.id_number != SON[1]
    # Nothing of him in the main file, the WAL, the shared memory or the index snapshot
    # (deleted by the purge), while the kiosk runs...
    assert found_in_files(db_path, gone) == [] and ".index" not in db_files(db_path)
    # ...while the other citizen's sealed bytes are found by the very same search.
    assert all(needle in db_files(db_path)[""] for needle in kept.values())
    kiosk.close()
    assert found_in_files(db_path, gone) == []
    # the snapshot written at closing holds only the other citizen's templates
    index = CompactMatcher(lambda keys: {}, 1, "sface")
    snapshot.load(snapshot_path(db_path), kiosk.store.key, "sface", index, lambda stamp: True)
    assert len(index) == 3 and index.citizen_count == 1


@pytest.mark.parametrize("bypass", ["secure_delete off", "no WAL checkpoint"])
def test_without_secure_delete_or_the_checkpoint_the_purged_bytes_stay(
    kiosk: Kiosk, admin: Admin, db_path: Path, card_record, monkeypatch: pytest.MonkeyPatch, bypass: str
) -> None:
    """The search above is not vacuous: take one protection away and it finds leftovers."""
    if bypass == "secure_delete off":
        kiosk.store.db.execute("PRAGMA secure_delete = OFF")
    else:
        monkeypatch.setattr(kiosk.store, "checkpoint", lambda: None)
    gone, _ = _enrol_two_and_purge_one(kiosk, admin, card_record)
    leftovers = found_in_files(db_path, gone)
    assert any("sealed" in item or "blind index" in item for item in leftovers), leftovers


def test_a_purge_while_another_program_reads_leaves_no_trace_once_it_is_done(
    kiosk: Kiosk, admin: Admin, db_path: Path, card_record
) -> None:
    kiosk.store.db.execute("PRAGMA busy_timeout = 200")  # the checkpoint gives up after 0.2 s instead of 5 s
    son, _ = (enrol(kiosk, card_record, who) for who in (SON, DUC))
    gone = stored_bytes(kiosk.store, son)
    reader = sqlite3.connect(db_path, isolation_level=None)  # e.g. `kiosk list` or a sync in another process
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM citizens").fetchone()
    try:
        admin.purge(SON[1])
        claimed = True
    except StoreError:  # acceptable: the purge says it could not clear the file yet
        claimed = False
    reader.execute("COMMIT")
    reader.close()
    admin.citizens()  # the kiosk carries on working
    if not claimed:  # nothing was half-purged: the citizen is whole, and purging again now works
        assert kiosk.store.find_citizen(SON[1]) is not None
        admin.purge(SON[1])
    assert kiosk.store.find_citizen(SON[1]) is None
    assert found_in_files(db_path, gone) == []


def test_the_audit_log_keeps_the_purge_without_the_person(
    kiosk: Kiosk, admin: Admin, db_path: Path, card_record
) -> None:
    _enrol_two_and_purge_one(kiosk, admin, card_record)
    [entry] = [e for e in admin.audit_entries() if e["action"] == "purge"]
    assert (entry["actor"], entry["counter"], entry["subject"]) == ("admin-tester", "Quầy 1", "096*******27")
    assert json.loads(entry["detail"]) == {
        "reason": "request",
        "face_samples": 3,
        "consents": 1,
        "visits": 2,  # the first visit (enrolment) and a check-in
        "retired_samples": 0,
        "citizens": 1,
    }
    everything = json.dumps(
        raw_rows(db_path, "SELECT id, at, counter, actor, action, subject, detail FROM audit_log"), ensure_ascii=False
    )
    assert SON[1] not in everything and SON[2] not in everything and not FULL_ID.search(everything)
    assert admin.verify_audit().ok


# --- retention ---------------------------------------------------------------------------


def test_retention_lists_then_purges_exactly_the_citizens_past_the_period(
    clocked: Kiosk, clock: Clock, card_record
) -> None:
    days = clocked.settings.retention_days
    son, phuong, duc = (enrol(clocked, card_record, who) for who in (SON, PHUONG, DUC))
    clock.advance(days=2)
    thu = enrol(clocked, card_record, THU)  # enrolled later: one day inside the period at the end
    clock.advance(days=days // 2)
    check_in(clocked, DUC)  # a recent visit keeps Đức
    clock.now = T0 + timedelta(days=days + 1)
    clocked.set_first_admin_pin(ADMIN_PIN)
    admin = clocked.login_admin(ADMIN_PIN, actor="admin-tester")

    due = admin.retention_due()
    assert sorted((d["id_number"], d["full_name"]) for d in due) == [
        ("096*******27", SON[2]),
        ("096*******61", PHUONG[2]),
    ]
    assert all(d["last_activity"] == T0.isoformat() for d in due)
    assert clocked.store.sample_count() == 12  # a dry run purges nothing

    assert admin.run_retention() == 2
    assert clocked.store.find_citizen(SON[1]) is None and clocked.store.find_citizen(PHUONG[1]) is None
    assert {r["id"] for r in clocked.store.citizens()} == {duc, thu}
    assert {int(i) for i in np.unique(np.concatenate([ids for ids, *_ in clocked.store.iter_embeddings()]))} == {
        duc,
        thu,
    }
    assert clocked.matcher.embeddings_of(son).size == 0 and clocked.matcher.embeddings_of(phuong).size == 0
    purges = [e for e in admin.audit_entries() if e["action"] == "purge"]
    assert sorted(e["subject"] for e in purges) == ["096*******27", "096*******61"]
    assert {json.loads(e["detail"])["reason"] for e in purges} == {"retention"}
    assert admin.retention_due() == []


def test_the_automatic_retention_run_purges_as_retention(clocked: Kiosk, clock: Clock, card_record) -> None:
    """What the counter window runs at start-up and daily (no administrator at the counter)."""
    days = clocked.settings.retention_days
    enrol(clocked, card_record, SON)
    duc = enrol(clocked, card_record, DUC)
    clock.advance(days=days - 10)
    check_in(clocked, DUC)
    clock.now = T0 + timedelta(days=days, seconds=1)
    assert clocked.apply_retention() == 1
    assert [r["id"] for r in clocked.store.citizens()] == [duc]
    [entry] = [e for e in clocked.store.audit_entries() if e["action"] == "purge"]
    assert (entry["actor"], entry["subject"], json.loads(entry["detail"])["reason"]) == (
        "retention",
        "096*******27",
        "retention",
    )
    assert clocked.apply_retention() == 0


# --- encryption at rest ------------------------------------------------------------------


def test_the_file_holds_no_name_id_number_or_template(enrolled: Kiosk, db_path: Path, card_record) -> None:
    enrolled.store.checkpoint()
    needles: dict[str, bytes] = {}
    for who in (SON, DUC, PHUONG, ("london_099", "096302009958", "Phạm Thị Hương")):
        needles.update({f"{who[0]} {k}": v for k, v in plain_bytes(card_record(who[0]), samples_of(who[0])).items()})
    assert found_in_files(db_path, needles) == []
    enrolled.close()
    assert found_in_files(db_path, needles) == []
    assert "Quầy 1".encode() in db_path.read_bytes()  # the search does find plain UTF-8 (the counter's name)


def test_search_by_id_number_and_by_name_without_accents_still_works(
    enrolled: Kiosk, card_record, admin: Admin
) -> None:
    thu = enrol(enrolled, card_record, THU)
    found = enrolled.store.find_citizen(THU[1])
    assert found is not None and found[0] == thu and found[1] == card_record(THU[0])
    assert [r["record"].full_name for r in admin.citizens("nguyen")] == [THU[2]]
    assert [r["record"].full_name for r in admin.citizens("DANG THI PHUONG")] == [PHUONG[2]]
    assert [r["record"].full_name for r in admin.citizens("002219")] == [DUC[2]]
    assert enrolled.store.find_citizen("096302011836") is None


def test_a_copied_database_with_another_key_is_refused_at_open(
    enrolled: Kiosk, settings: Settings, db_path: Path, tmp_path: Path
) -> None:
    enrolled.close()
    stolen = tmp_path / "stolen" / "copy.sqlite"
    stolen.parent.mkdir()
    shutil.copyfile(db_path, stolen)
    thief_key = tmp_path / "stolen" / "kiosk.key"
    write_key_file(thief_key, DataKey.generate())
    for opener in (
        lambda: Kiosk.open(settings.replace(key_file=str(thief_key)), stolen),
        lambda: Store.open(stolen, lambda _: DataKey.generate()),
    ):
        with pytest.raises(DataKeyError) as err:
            opener()
        line = err.value.one_line()
        assert "\n" not in line and "does not belong" in line and str(stolen) in line
    with Kiosk.open(settings, stolen) as k:  # the right key still opens the copy
        assert k.identify_sample(visit_sample(SON[0])).citizen.id_number == SON[1]


def test_a_missing_key_is_a_clear_error_at_start_up(
    enrolled: Kiosk, settings: Settings, db_path: Path, tmp_path: Path
) -> None:
    enrolled.close()
    gone = tmp_path / "elsewhere" / "kiosk.key"
    for create in (False, True):  # even a command that may create a database must not make a new key for this one
        with pytest.raises(DataKeyError) as err:
            Kiosk.open(settings.replace(key_file=str(gone)), db_path, create=create)
        line = err.value.one_line()
        assert "\n" not in line and "missing" in line and str(gone) in line
        assert not gone.exists()


def test_the_key_can_come_from_KIOSK_DATA_KEY(
    settings: Settings, db_path: Path, tmp_path: Path, card_record, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = DataKey.generate()
    unused = settings.replace(key_file=str(tmp_path / "never.key"))
    monkeypatch.setenv("KIOSK_DATA_KEY", key.encoded())
    with Kiosk.open(unused, db_path) as k:
        enrol(k, card_record, SON)
    assert not (tmp_path / "never.key").exists()
    with Kiosk.open(unused, db_path) as k:
        assert k.store.find_citizen(SON[1]) is not None
    with Store.open(db_path, lambda _: key) as s:
        assert s.sample_count() == 3
    monkeypatch.setenv("KIOSK_DATA_KEY", DataKey.generate().encoded())
    with pytest.raises(DataKeyError, match="does not belong"):
        Kiosk.open(unused, db_path)
    monkeypatch.setenv("KIOSK_DATA_KEY", "not base64 at all!")
    with pytest.raises(DataKeyError, match="KIOSK_DATA_KEY"):
        Kiosk.open(unused, db_path)
    # the same key written URL-safe (-_), without its padding, as some tools print it: the same key
    import base64

    monkeypatch.setenv("KIOSK_DATA_KEY", base64.urlsafe_b64encode(key.master).decode().rstrip("="))
    with Kiosk.open(unused, db_path) as k:
        assert k.store.find_citizen(SON[1]) is not None
    from kiosk.store.crypto import load_key

    fixed = bytes(range(224, 256))  # its base64 holds + and /: URL-safe, - and _
    url_safe = base64.urlsafe_b64encode(fixed).decode().rstrip("=")
    assert "-" in url_safe and "_" in url_safe and load_key(environ={"KIOSK_DATA_KEY": url_safe}).master == fixed


def _v1_database(path: Path, record: CitizenRecord, samples: list[FaceSample]) -> None:
    """A database as release 1 wrote it: plaintext fields and float32 templates."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    at = T0.isoformat()
    conn.execute(
        "INSERT INTO citizens VALUES (1, ?, ?, ?, ?, ?, ?, ?, '[]', ?, 'Quầy 1', NULL)",
        [
            record.id_number,
            record.old_id_number,
            record.full_name,
            record.date_of_birth.isoformat(),
            record.gender.value,
            record.address,
            record.issue_date.isoformat() if record.issue_date else None,
            at,
        ],
    )
    for k, s in enumerate(samples, 1):
        conn.execute(
            "INSERT INTO face_samples VALUES (?, 1, ?, ?, ?, ?, ?, 'Quầy 1')",
            [k, np.ascontiguousarray(s.embedding, dtype="<f4").tobytes(), s.sharpness, s.brightness, s.yaw, at],
        )
    conn.execute("INSERT INTO consents VALUES (1, 1, 'face_checkin', 'v1', ?, 'Quầy 1', 'tester')", [at])
    conn.execute("INSERT INTO visits VALUES (1, 1, ?, 'Quầy 1', 'face', 0.3, 0.2)", [at])
    conn.execute("INSERT INTO audit_log VALUES (1, ?, 'Quầy 1', 'tester', 'enrol', '096*******27', '{}')", [at])
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_a_plaintext_v1_database_is_migrated_to_encrypted_form(settings: Settings, db_path: Path, card_record) -> None:
    record = card_record(SON[0])
    samples = [analyzed_with("dlib", p).primary for p in enrol_frames(SON[0])]  # release 1 knew only dlib
    _v1_database(db_path, record, samples)
    plain = plain_bytes(record, samples)
    assert found_in_files(db_path, plain)  # it is really there before
    with Kiosk.open(settings, db_path) as k:
        assert k.store.find_citizen(SON[1]) == (1, record)
        assert k.store.engine_coverage() == {"dlib": 1, "citizens": 1}  # migration 4 tagged the templates as dlib's
        assert k.identify(load_image(FRAMES / SON[0] / "visit_2.jpg")).citizen == record  # through the dlib index
        assert [c["staff"] for c in k.store.consents(1)] == ["tester"] and len(k.store.visits()) == 1
        assert audit_log.verify(k.store).ok
        k.store.checkpoint()
        assert found_in_files(db_path, plain) == []  # secure_delete zeroed the old pages; no VACUUM needed
    assert found_in_files(db_path, plain) == []


def test_right_after_the_v1_migration_no_plaintext_is_left(settings: Settings, db_path: Path, card_record) -> None:
    record, samples = card_record(SON[0]), samples_of(SON[0])
    _v1_database(db_path, record, samples)
    with Kiosk.open(settings, db_path):
        assert found_in_files(db_path, plain_bytes(record, samples)) == []


# --- key rotation ------------------------------------------------------------------------


def test_rotation_re_encrypts_under_a_new_key(enrolled: Kiosk, admin: Admin, settings: Settings, db_path: Path) -> None:
    key_path = Path(settings.key_file)
    old = read_key_file(key_path)
    assert snapshot_path(db_path).exists()  # the face index's snapshot, sealed with the old key...
    assert admin.rotate_key() == key_path
    assert not snapshot_path(db_path).exists()  # ...is deleted with it
    new = read_key_file(key_path)
    assert new.master != old.master and not key_path.with_name("kiosk.key.new").exists()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert enrolled.identify_sample(visit_sample(DUC[0])).citizen.id_number == DUC[1]
    enrolled.close()
    for key, opens in ((new, True), (old, False)):  # saved again at closing, under the new key only
        try:
            snapshot.load(
                snapshot_path(db_path), key, "sface", CompactMatcher(lambda keys: {}, 1, "sface"), lambda stamp: True
            )
            assert opens
        except snapshot.SnapshotError:
            assert not opens
    with pytest.raises(DataKeyError):
        Store.open(db_path, lambda _: old)
    with Kiosk.open(settings, db_path) as k:
        assert k.identify_sample(visit_sample(SON[0])).citizen.id_number == SON[1]
        assert k.store.find_citizen(DUC[1]) is not None
        assert audit_log.verify(k.store).ok
        assert "key_rotated" in [e["action"] for e in k.store.audit_entries()]


class Crash(BaseException):
    """The process dies here."""


def test_a_rotation_cut_off_before_the_key_file_rename_is_finished_at_the_next_start(
    enrolled: Kiosk, admin: Admin, settings: Settings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_path = Path(settings.key_file)
    pending = key_path.with_name(key_path.name + ".new")
    old = read_key_file(key_path)

    def die(src: object, dst: object) -> None:
        raise Crash

    # The rename of `.new` over the key file is the last step: die just before it.
    with monkeypatch.context() as mp, pytest.raises(Crash):
        mp.setattr(rotation, "os", types.SimpleNamespace(replace=die, environ=os.environ))
        admin.rotate_key()
    enrolled.close()
    assert read_key_file(key_path).master == old.master and pending.is_file()
    new = read_key_file(pending)
    with pytest.raises(DataKeyError):  # the re-encryption was committed: the old key no longer opens it
        Store.open(db_path, lambda _: old)

    with Kiosk.open(settings, db_path) as k:
        assert read_key_file(key_path).master == new.master and not pending.exists()
        assert k.identify_sample(visit_sample(SON[0])).citizen.id_number == SON[1]
        assert audit_log.verify(k.store).ok
    with Kiosk.open(settings, db_path) as k:  # and it stays finished
        assert k.store.find_citizen(DUC[1]) is not None


def test_a_stale_new_key_file_is_ignored_when_the_key_still_fits(
    enrolled: Kiosk, settings: Settings, db_path: Path
) -> None:
    """A rotation that died before its commit leaves `.new` behind; the old key is still the right one."""
    enrolled.close()
    key_path = Path(settings.key_file)
    before = key_path.read_bytes()
    write_key_file(key_path.with_name(key_path.name + ".new"), DataKey.generate())
    with Kiosk.open(settings, db_path) as k:
        assert k.store.find_citizen(SON[1]) is not None
    assert key_path.read_bytes() == before


def test_rotation_refuses_when_the_audit_log_does_not_verify(
    enrolled: Kiosk, admin: Admin, settings: Settings, db_path: Path
) -> None:
    key_path = Path(settings.key_file)
    before = key_path.read_bytes()
    tamper(db_path, "UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    with pytest.raises(StoreError, match="does not verify"):
        admin.rotate_key()
    assert key_path.read_bytes() == before and not key_path.with_name("kiosk.key.new").exists()
    assert enrolled.store.find_citizen(SON[1]) is not None


def test_rotation_refuses_a_key_from_the_environment(
    kiosk: Kiosk, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_DATA_KEY", DataKey.generate().encoded())
    with pytest.raises(DataKeyError, match="KIOSK_DATA_KEY"):
        admin.rotate_key()


# --- roles -------------------------------------------------------------------------------

ADMIN_ONLY = {
    "purge",
    "purge_preview",
    "withdraw_consent",
    "export_csv",
    "citizens",
    "visits",
    "audit_entries",
    "verify_audit",
    "rotate_key",
    "save_settings",
    "change_pin",
    "run_retention",
    "consent_receipt",
}


def test_admin_actions_are_only_on_the_admin_session() -> None:
    clerk = {name for name in dir(Kiosk) if not name.startswith("_")}
    assert ADMIN_ONLY - {"consent_receipt"} <= {name for name in dir(Admin) if not name.startswith("_")}
    # The clerk's kiosk prints the receipt of the enrolment it just did (by internal id), nothing else of these.
    assert clerk & ADMIN_ONLY == {"consent_receipt"}


def test_wrong_pins_count_down_then_lock_out_even_the_right_pin(
    settings: Settings, db_path: Path, clock: Clock
) -> None:
    with Kiosk.open(settings, db_path) as k:
        k.store.clock = clock
        k.set_first_admin_pin(ADMIN_PIN)
        for left in (4, 3, 2, 1):
            with pytest.raises(AuthError) as err:
                k.login_admin("000000")
            assert (
                not isinstance(err.value, LockedOutError)
                and f"{left} {'try' if left == 1 else 'tries'} left" in err.value.one_line()
            )
        with pytest.raises(LockedOutError):
            k.login_admin("000000")
        with pytest.raises(LockedOutError, match="locked"):
            k.login_admin(ADMIN_PIN)
    clock.advance(minutes=4)
    with Kiosk.open(settings, db_path) as k:  # restarting the program does not lift it
        k.store.clock = clock
        with pytest.raises(LockedOutError):
            k.login_admin(ADMIN_PIN)
        clock.advance(minutes=1, seconds=1)
        assert isinstance(k.login_admin(ADMIN_PIN), Admin)
        for _ in range(4):  # a success starts the count again
            with pytest.raises(AuthError):
                k.login_admin("000000")
        assert isinstance(k.login_admin(ADMIN_PIN), Admin)


@pytest.mark.parametrize(
    ("pin", "said"),
    [
        ("12345", "at least 6 letters or digits"),
        ("", "at least 6 letters or digits"),
        ("12 3456", "only letters and digits, not a space"),
        ("246810\n", "only letters and digits, not '\\\\n'"),
    ],
)
def test_a_short_or_odd_pin_is_refused(kiosk: Kiosk, pin: str, said: str) -> None:
    with pytest.raises(AuthError, match=said):
        kiosk.set_first_admin_pin(pin)
    assert not kiosk.has_admin_pin()


def test_the_first_pin_is_set_once_and_stored_with_scrypt(kiosk: Kiosk, db_path: Path) -> None:
    kiosk.set_first_admin_pin(ADMIN_PIN)
    with pytest.raises(AuthError, match="already set"):
        kiosk.set_first_admin_pin("999999")
    with pytest.raises(AuthError):
        kiosk.login_admin("999999")
    assert isinstance(kiosk.login_admin(ADMIN_PIN), Admin)
    stored = json.loads(kiosk.store.meta_get(auth.PIN_META) or "{}")
    assert stored["n"] >= 2**14 and len(bytes.fromhex(stored["salt"])) >= 16 and ADMIN_PIN not in json.dumps(stored)
    kiosk.store.checkpoint()
    assert all(ADMIN_PIN.encode() not in data for data in db_files(db_path).values())


def test_logins_and_failures_are_audited_without_the_pin(kiosk: Kiosk, db_path: Path) -> None:
    kiosk.set_first_admin_pin(ADMIN_PIN)
    with pytest.raises(AuthError):
        kiosk.login_admin("135799", actor="mallory")
    kiosk.login_admin(ADMIN_PIN, actor="alice")
    entries = kiosk.store.audit_entries()
    assert [(e["action"], e["actor"]) for e in entries[:2]] == [("login", "alice"), ("login_failed", "mallory")]
    assert "tries left" in json.loads(entries[1]["detail"])["reason"]
    everything = json.dumps(raw_rows(db_path, "SELECT * FROM audit_log"), default=repr)
    assert ADMIN_PIN not in everything and "135799" not in everything


def test_an_expired_admin_session_refuses(enrolled: Kiosk, clock: Clock) -> None:
    enrolled.store.clock = clock
    enrolled.set_first_admin_pin(ADMIN_PIN)
    admin = enrolled.login_admin(ADMIN_PIN)
    clock.advance(minutes=29)
    assert len(admin.citizens()) == 4
    clock.advance(minutes=2)
    for action in (admin.citizens, lambda: admin.purge(SON[1]), admin.run_retention, admin.audit_entries):
        with pytest.raises(AuthError, match="expired"):
            action()
    assert enrolled.store.find_citizen(SON[1]) is not None
    assert len(enrolled.login_admin(ADMIN_PIN).citizens()) == 4


# --- the audit log -----------------------------------------------------------------------

TAMPERING = {
    "edited": ("UPDATE audit_log SET subject = '096*******00' WHERE id = 2", "altered"),
    "deleted in the middle": ("DELETE FROM audit_log WHERE id = 2", "missing"),
    "cut from the end": ("DELETE FROM audit_log WHERE id >= (SELECT max(id) - 1 FROM audit_log)", "cut from the end"),
    "emptied": ("DELETE FROM audit_log", "every entry was removed"),
}


def test_the_audit_log_of_a_normal_day_verifies(enrolled: Kiosk, admin: Admin, tmp_path: Path) -> None:
    check_in(enrolled, DUC)
    admin.citizens("son")
    admin.export_csv(tmp_path / "out.csv")
    admin.purge(SON[1])
    report = admin.verify_audit()
    assert report.ok and report.problems == () and report.entries >= 10


def test_an_edit_re_chained_without_the_key_is_detected(enrolled: Kiosk, admin: Admin, db_path: Path) -> None:
    """Someone who knows the chain's layout but not the key recomputes every hash and the head."""
    admin.purge(SON[1])
    tamper(db_path, "UPDATE audit_log SET actor = 'someone else' WHERE action = 'purge'")
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    previous, last_id = b"", 0
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
        previous, last_id = hashlib.sha256(previous + audit_log.entry_bytes(dict(row))).digest(), row["id"]
        conn.execute("UPDATE audit_log SET hash = ? WHERE id = ?", [previous, last_id])
    head = hashlib.sha256(b"head" + str(last_id).encode() + b":" + previous).hexdigest()
    conn.execute("UPDATE meta SET value = ? WHERE name = ?", [head, audit_log.HEAD])
    conn.commit()
    conn.close()
    report = audit_log.verify(enrolled.store)
    assert not report.ok and any("altered" in p for p in report.problems)


@pytest.mark.parametrize("how", list(TAMPERING))
def test_audit_verify_detects_tampering(enrolled: Kiosk, admin: Admin, db_path: Path, how: str) -> None:
    admin.purge(SON[1])
    statement, words = TAMPERING[how]
    tamper(db_path, statement)
    report = audit_log.verify(enrolled.store)
    assert not report.ok and any(words in p for p in report.problems), report.problems


@pytest.fixture
def cli_db(settings: Settings, db_path: Path, card_record) -> tuple[Path, dict[str, str]]:
    """An enrolled database with a PIN, and the environment that points the CLI at its key."""
    with Kiosk.open(settings, db_path) as k:
        for who in (SON, DUC):
            enrol(k, card_record, who)
        k.set_first_admin_pin(ADMIN_PIN)
    return db_path, {"KIOSK_KEY_FILE": settings.key_file}


# What `kiosk audit verify` reports: its own login is appended after the tampering, and the
# next entry continues from the keyed head, so a cut tail or an emptied log shows as a gap.
AFTER_LOGIN = {
    "edited": "altered",
    "deleted in the middle": "missing",
    "cut from the end": "missing",
    "emptied": "missing",
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_kiosk_audit_verify_exits_1_on_tampering(cli_db: tuple[Path, dict[str, str]], how: str) -> None:
    db, env = cli_db
    assert run_cli("audit", "verify", "--db", db, "--pin", ADMIN_PIN, env=env).exit_code == 0
    tamper(db, TAMPERING[how][0])
    result = run_cli("audit", "verify", "--db", db, "--pin", ADMIN_PIN, "--json", env=env)
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout.splitlines()[0])
    assert out["ok"] is False and any(AFTER_LOGIN[how] in p for p in out["problems"]), out["problems"]


ADMIN_COMMANDS = {
    "purge": ["purge", SON[1], "--yes"],
    "list": ["list"],
    "visits": ["visits"],
    "export": ["export", "--csv", "out.csv"],
    "audit": ["audit"],
    "audit verify": ["audit", "verify"],
    "retention": ["retention", "--apply"],
    "receipt": ["admin", "receipt", SON[1], "--out", "r.html"],
    "rotate-key": ["admin", "rotate-key"],
    "set-pin": ["admin", "set-pin", "--new-pin", "999999"],
}


@pytest.mark.parametrize("command", list(ADMIN_COMMANDS))
def test_admin_commands_need_the_pin(
    cli_db: tuple[Path, dict[str, str]], command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, env = cli_db
    monkeypatch.chdir(tmp_path)
    key_before = Path(env["KIOSK_KEY_FILE"]).read_bytes()
    missing = "needs the current one" if command == "set-pin" else "no PIN was given"
    for pin, words in ((None, missing), ("000000", "wrong PIN")):
        result = run_cli(*ADMIN_COMMANDS[command], "--db", db, *(["--pin", pin] if pin else []), env=env)
        assert result.exit_code == 1 and words in result.output, result.output
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "r.html").exists()
    assert Path(env["KIOSK_KEY_FILE"]).read_bytes() == key_before
    with Kiosk.open(Settings(key_file=env["KIOSK_KEY_FILE"]), db) as k:
        assert k.store.find_citizen(SON[1]) is not None
        assert isinstance(k.login_admin(ADMIN_PIN), Admin)  # the PIN was not changed


# --- logs and exports: no full ID number, no embedding, no image -------------------------


def test_no_command_prints_a_full_id_number_or_an_embedding(
    settings: Settings, db_path: Path, card_record, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    with Kiosk.open(settings, db_path) as k:
        k.store.clock = Clock(datetime.now(timezone.utc) - timedelta(days=60))
        for who in (SON, DUC, PHUONG):
            enrol(k, card_record, who)
        check_in(k, DUC)
        k.set_first_admin_pin(ADMIN_PIN)
    env = {"KIOSK_KEY_FILE": settings.key_file, "KIOSK_RETENTION_DAYS": "30"}
    out = tmp_path / "out"
    out.mkdir()
    seen: list[str] = []
    for args in (
        ["list"],
        ["list", "--search", "096098"],
        ["visits"],
        ["visits", "--id", DUC[1]],
        ["export", "--csv", out / "c.csv"],
        ["audit"],
        ["audit", "verify"],
        ["retention"],
        ["admin", "receipt", SON[1], "--out", out / "r.html"],
        ["purge", SON[1], "--yes"],
        ["retention", "--apply"],
        ["audit"],
    ):
        for fmt in ([], ["--json"]):
            result = run_cli(*args, "--db", db_path, "--pin", ADMIN_PIN, *fmt, env=env)
            assert result.exit_code == 0 or args[0] == "purge" and fmt, result.output  # the second purge: not enrolled
            seen.append(result.output)
    seen += [p.read_text(encoding="utf-8-sig") for p in out.iterdir()]
    seen.append(caplog.text)
    for text in seen:
        assert not FULL_ID.search(text), text
        assert not FLOAT_RUN.search(text), text
    everything = "\n".join(seen)
    for masked in ("096*******27", "096*******19", "096*******61"):  # the commands did talk about them
        assert masked in everything


def test_enrolment_and_identification_write_no_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "tmp").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(home / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(home / "tmp"))
    monkeypatch.chdir(tmp_path)
    samples_dir = CARDS.parent

    def files() -> set[Path]:
        return {p for root in (tmp_path, samples_dir) for p in root.rglob("*") if p.is_file()}

    before = files()
    db = tmp_path / "kiosk.sqlite"
    faces = [x for f in enrol_frames(SON[0]) for x in ("--face", f)]
    assert run_cli("enroll", "--qr", CARDS / f"{SON[0]}.jpg", *faces, "--consent", "--db", db).exit_code == 0
    result = run_cli("identify", FRAMES / SON[0] / "visit_2.jpg", FRAMES / "strangers" / "london_132_1.jpg", "--db", db)
    assert result.exit_code == 0 and "match" in result.output
    new = files() - before
    index = snapshot_path(db)  # the face index's snapshot: sealed int8 templates (kiosk/counter/snapshot.py)
    assert new == {db, index, home / "config" / "cccd-kiosk" / "kiosk.key"}, sorted(map(str, new))
    data = db.read_bytes() + index.read_bytes()
    for magic in (
        b"\xff\xd8\xff\xe0",
        b"\xff\xd8\xff\xe1",
        b"\xff\xd8\xff\xdb",
        b"\x89PNG\r\n\x1a\n",
        b"JFIF",
        b"Exif",
    ):
        assert magic not in data


def test_parallel_wrong_pins_cannot_slip_past_the_lock_out(kiosk: Kiosk) -> None:
    """Each attempt is counted before the slow scrypt runs, so 20 guesses at once get at most 5 tries."""
    import threading

    from kiosk.errors import AuthError, LockedOutError

    kiosk.set_first_admin_pin(ADMIN_PIN)
    outcomes: list[str] = []

    def guess() -> None:
        try:
            kiosk.login_admin("000000")
        except LockedOutError:
            outcomes.append("locked")
        except AuthError:
            outcomes.append("wrong")

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("wrong") <= 4 and len(outcomes) == 20


def test_audit_verify_reads_one_consistent_snapshot_while_others_write(enrolled: Kiosk, admin: Admin) -> None:
    import threading

    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            enrolled.store.audit("identify", "clerk", "Quầy 1", "096*******27")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        reports = [audit_log.verify(enrolled.store) for _ in range(15)]
    finally:
        stop.set()
        thread.join()
    assert all(r.ok for r in reports), [r.problems for r in reports if not r.ok][:1]
