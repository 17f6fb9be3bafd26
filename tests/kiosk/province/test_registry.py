"""The province registry: every guarantee of the sync, against a real PostgreSQL server."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from kiosk.counter.service import Kiosk
from kiosk.errors import RegistryError
from kiosk.province.registry import Registry, redact
from kiosk.province.schema import SCHEMA_VERSION
from kiosk.settings import Settings
from models import Decision
from recognition.engines import engine_info
from tests.support.data import FRAMES, analyzed, enrol_frames


def enrol(kiosk: Kiosk, card_record, folder: str) -> None:
    kiosk.enrol(card_record(folder), [analyzed(p).primary for p in enrol_frames(folder)], consent=True)


def who(kiosk: Kiosk, frame: Path) -> str | None:
    check = kiosk.identify_sample(analyzed(frame).primary)
    return check.citizen.full_name if check.decision is Decision.MATCH else None


def test_enrolled_at_a_recognised_at_b_after_one_sync_each(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_005")
    assert who(b, FRAMES / "london_005" / "visit_2.jpg") is None
    assert a.sync(registry_url).pushed["face_samples"] == 3
    report = b.sync(registry_url)
    assert report.pulled["citizens"] == 1 and report.pulled["face_samples"] == 3
    assert who(b, FRAMES / "london_005" / "visit_2.jpg") == "Lê Anh Sơn"  # the loaded index was updated at once


def test_offline_visits_are_kept_and_pushed_later(counters, registry_url, card_record):
    a = counters("A")
    enrol(a, card_record, "lisa")
    a.check_in(a.identify_sample(analyzed(FRAMES / "lisa" / "visit_2.jpg").primary))
    down = "postgresql://kiosk:s3cret@127.0.0.1:1/nowhere"
    with pytest.raises(RegistryError) as info:
        a.sync(down)
    assert "s3cret" not in info.value.one_line() and "offline" in info.value.one_line()
    assert a.store.db["visits"].count == 2  # the first visit (enrolment) and this one: nothing lost locally
    report = a.sync(registry_url)
    assert report.pushed["visits"] == 2
    with Registry.connect(registry_url) as r:
        assert r.counts()["visits"] == 2


def test_interrupted_pull_resumes_without_duplicates_or_loss(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    for folder in ("london_005", "london_043", "london_099", "lisa"):
        enrol(a, card_record, folder)
    a.sync(registry_url)

    def cut(table: str, rows: int) -> None:  # kill B's registry connection after the first committed batch
        if table == "face_samples":
            with psycopg.connect(registry_url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )

    with pytest.raises(RegistryError):
        b.sync(registry_url, batch=5, after_batch=cut)
    partial = b.store.db["face_samples"].count
    assert 0 < partial < 12
    b.sync(registry_url, batch=5)
    assert b.store.db["face_samples"].count == 12 and b.store.db["citizens"].count == 4
    uids = [r["uid"] for r in b.store.db.query("SELECT uid FROM face_samples")]
    assert len(set(uids)) == 12
    assert who(b, FRAMES / "london_099" / "visit_2.jpg") == "Phạm Thị Hương"
    # B's first pull filled the samples without their uid index (cut half-way, resumed that way); it is back
    indexes = {r[0] for r in b.store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"face_samples_uid", "consents_uid", "visits_uid"} <= indexes
    a.sync(registry_url)  # A's rows come back to A: stored once
    assert a.store.db["face_samples"].count == 12 and sum(b.sync(registry_url).pulled.values()) == 0


def test_interrupted_push_is_repeated_without_duplicates(counters, registry_url, card_record, monkeypatch):
    a = counters("A")
    enrol(a, card_record, "london_005")
    real_push = Registry.push

    def push_then_die(self, rows):  # the registry commits, the counter never hears back
        real_push(self, rows)
        raise RegistryError("connection lost", "")

    monkeypatch.setattr(Registry, "push", push_then_die)
    with pytest.raises(RegistryError):
        a.sync(registry_url)
    monkeypatch.setattr(Registry, "push", real_push)
    a.sync(registry_url)
    with Registry.connect(registry_url) as r:
        assert r.counts() == {
            "citizens": 1,
            "face_samples": 3,
            "consents": 1,
            "visits": 1,
            "purges": 0,
            "retired_samples": 0,
        }


def test_purge_reaches_every_counter_and_is_never_resurrected(counters, registry_url, card_record):
    a, b, c = counters("A"), counters("B"), counters("C")
    enrol(a, card_record, "london_043")
    a.sync(registry_url)
    b.sync(registry_url)
    c.sync(registry_url)
    assert who(c, FRAMES / "london_043" / "visit_2.jpg") == "Trần Văn Đức"
    # C goes offline and keeps recording a visit of the citizen...
    c.check_in(c.identify_sample(analyzed(FRAMES / "london_043" / "visit_2.jpg").primary))
    # ...while B purges them (the citizen withdrew consent at B).
    b.set_first_admin_pin("135790")
    b.login_admin("135790").withdraw_consent(card_record("london_043").id_number)
    b.sync(registry_url)
    with Registry.connect(registry_url) as r:
        counts = r.counts()
    assert counts["citizens"] == counts["face_samples"] == counts["visits"] == 0 and counts["purges"] == 1
    report = a.sync(registry_url)
    assert report.purged_here == 1 and a.store.find_citizen(card_record("london_043").id_number) is None
    assert who(a, FRAMES / "london_043" / "visit_2.jpg") is None  # gone from A's in-memory index at once
    c.sync(registry_url)  # C comes back online with its stale data
    assert c.store.find_citizen(card_record("london_043").id_number) is None
    assert who(c, FRAMES / "london_043" / "visit_2.jpg") is None
    with Registry.connect(registry_url) as r:
        assert r.counts()["citizens"] == 0 and r.counts()["visits"] == 0


def test_a_purged_counter_that_pushes_stale_rows_cannot_resurrect(counters, registry_url, card_record):
    """Even a counter that pushes without pulling first (e.g. an old release) cannot re-add a purged citizen."""
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_099")
    a.sync(registry_url)
    b.sync(registry_url)
    a.set_first_admin_pin("135790")
    a.login_admin("135790").purge(card_record("london_099").id_number)
    a.sync(registry_url)
    with Registry.connect(registry_url) as r:  # B replays all its rows as if new
        rows = {t: list(b.store.db.query(f"SELECT * FROM {t}")) for t in ("citizens",)}
        cit = rows["citizens"][0]
        taken = r.push(
            {"citizens": [{k: cit[k] for k in ("id_hash", "sealed", "enrolled_at", "enrolled_counter", "updated_at")}]}
        ).taken
        assert taken["citizens"] == 0 and r.counts()["citizens"] == 0


def test_re_enrolment_after_a_purge_is_accepted(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "lisa")
    a.sync(registry_url)
    a.set_first_admin_pin("135790")
    a.login_admin("135790").purge(card_record("lisa").id_number)
    a.sync(registry_url)
    enrol(a, card_record, "lisa")  # the citizen comes back and consents again
    a.sync(registry_url)
    b.sync(registry_url)
    assert who(b, FRAMES / "lisa" / "visit_2.jpg") == "Đặng Thị Phượng"


def test_same_citizen_enrolled_offline_at_two_counters_merges(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_030")
    samples_b = [analyzed(p).primary for p in (FRAMES / "london_030" / "visit_2.jpg", *enrol_frames("london_030")[1:])]
    b.enrol(card_record("london_030"), samples_b, consent=True)
    a.sync(registry_url)
    b.sync(registry_url)
    a.sync(registry_url)
    with Registry.connect(registry_url) as r:
        counts = r.counts()
    assert counts["citizens"] == 1 and counts["face_samples"] == 6 and counts["consents"] == 2
    for k in (a, b):
        assert k.store.db["citizens"].count == 1 and k.store.db["face_samples"].count == 6


def test_two_counters_syncing_at_once(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_005")
    enrol(b, card_record, "london_099")
    a.sync(registry_url)  # creates the schema first
    errors: list[BaseException] = []

    def run(k: Kiosk) -> None:
        try:
            for _ in range(3):
                k.sync(registry_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    a.sync(registry_url)
    for k in (a, b):
        assert k.store.db["citizens"].count == 2 and k.store.db["face_samples"].count == 6
    with Registry.connect(registry_url) as r:
        assert r.counts()["face_samples"] == 6


def test_a_registry_sealed_with_another_key_is_refused(counters, registry_url, card_record, tmp_path):
    a = counters("A")
    enrol(a, card_record, "london_005")
    a.sync(registry_url)
    other = Kiosk.open(Settings(key_file=str(tmp_path / "other.key")), tmp_path / "other.sqlite")
    with pytest.raises(RegistryError, match="different data key"):
        other.sync(registry_url)
    other.close()


def test_credentials_are_redacted():
    assert (
        redact("postgresql://kiosk:pa55@db.example/reg?sslmode=verify-full")
        == "postgresql://kiosk:***@db.example/reg?sslmode=verify-full"
    )
    assert "pa55" not in redact("host=db user=kiosk password=pa55 dbname=reg")


def test_templates_travel_with_their_engine_and_an_old_registry_is_upgraded(counters, registry_url, card_record):
    """A registry of the first release (no engine column, schema 1) gains the column at the next
    sync, its old templates count as dlib's, and new ones arrive at the other counter tagged sface."""
    with psycopg.connect(registry_url, autocommit=True) as conn:  # as the first release left it
        conn.execute("ALTER TABLE face_samples DROP COLUMN engine, DROP COLUMN model_version")
        conn.execute("DROP FUNCTION kiosk_hello(text, text), kiosk_push(text, jsonb), kiosk_pulled(text)")
        conn.execute("DROP TABLE counters, write_log, retired_samples")
        conn.execute("UPDATE registry_meta SET value = '1' WHERE name = 'schema_version'")
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_005")
    a.sync(registry_url)
    with psycopg.connect(registry_url) as conn:
        assert conn.execute("SELECT value FROM registry_meta WHERE name = 'schema_version'").fetchone()[0] == str(
            SCHEMA_VERSION
        )
        assert conn.execute("SELECT engine, model_version, count(*) FROM face_samples GROUP BY 1, 2").fetchall() == [
            ("sface", engine_info("sface").model_version, 3)
        ]
    b.sync(registry_url)
    assert b.store.engine_coverage() == {"sface": 1, "citizens": 1}
    assert who(b, FRAMES / "london_005" / "visit_2.jpg") == "Lê Anh Sơn"


def test_a_first_pull_leaves_the_index_snapshot_and_small_syncs_do_not_rewrite_it(
    counters, registry_url, card_record, tmp_path
):
    """A new counter's first pull ends with its index's snapshot written (the next start needs no
    rebuild); a sync bringing a few templates leaves it (the next start reads those on top)."""
    a, b = counters("A"), counters("B")
    enrol(a, card_record, "london_005")
    a.sync(registry_url)
    b.sync(registry_url)
    snapshot = tmp_path / "B.sqlite.index"
    written = snapshot.read_bytes()
    enrol(a, card_record, "lisa")
    a.sync(registry_url)
    assert b.sync(registry_url).pulled["face_samples"] == 3
    assert snapshot.read_bytes() == written  # 3 templates behind: not worth 456 MB at province size
    settings = Settings(counter_name="B", key_file=str(tmp_path / "province.key"))
    with Kiosk.open(settings, tmp_path / "B.sqlite") as started:
        assert len(started.matcher) == 6 and who(started, FRAMES / "lisa" / "visit_2.jpg") is not None
