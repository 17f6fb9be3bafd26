"""Sync edge cases found in review: each test reproduces a scenario that once lost or leaked data."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from kiosk.counter.service import Kiosk
from kiosk.errors import DataKeyError, RegistryError
from kiosk.province.registry import Registry, redact
from kiosk.settings import Settings
from kiosk.store.records import utc_now
from kiosk.store.rules import tombstone
from models import Decision
from tests.support.data import FRAMES, analyzed, enrol_frames


def samples(folder: str):
    return [analyzed(p).primary for p in enrol_frames(folder)]


def at(kiosk: Kiosk, minutes: float) -> None:
    """Set a counter's clock: ``minutes`` after a moment two hours ago (so never ahead of the registry)."""
    base = utc_now() - timedelta(hours=2)
    kiosk.store.clock = lambda: base + timedelta(minutes=minutes)


def test_a_purge_pushed_after_a_merge_keeps_only_the_re_enrolment(counters, registry_url, card_record):
    a, b, c = counters("A"), counters("B"), counters("C")
    record = card_record("london_005")
    at(a, 10)
    a.enrol(record, samples("london_005"), consent=True)
    a.sync(registry_url)
    at(b, 11)
    b.sync(registry_url)
    at(a, 20)  # A (offline) purges: the citizen withdrew consent there
    a.set_first_admin_pin("135790")
    a.login_admin("135790").withdraw_consent(record.id_number)
    at(c, 30)  # ...and later enrols again at C with a fresh consent
    c.enrol(
        record,
        [analyzed(FRAMES / "london_005" / "visit_2.jpg").primary] + samples("london_005")[1:],
        consent=True,
        allow_duplicate_face=True,
    )
    for k, minute in ((c, 35), (b, 36), (a, 40), (b, 41), (c, 42)):
        at(k, minute)
        k.sync(registry_url)
    with Registry.connect(registry_url) as r:
        counts = r.counts()
    assert counts["citizens"] == 1 and counts["consents"] == 1 and counts["face_samples"] == 3
    for k in (b, c):
        citizen_id = k.store.find_citizen(record.id_number)[0]
        before_purge = k.store.db.execute(
            "SELECT count(*) FROM face_samples WHERE citizen_id = ? AND counter = 'A'", [citizen_id]
        ).fetchone()[0]
        assert before_purge == 0 and k.store.db["face_samples"].count == 3


def test_children_whose_citizen_arrives_during_a_push_are_pushed_next_time(
    counters, registry_url, card_record, monkeypatch
):
    a, b = counters("A"), counters("B")
    a.enrol(card_record("london_005"), samples("london_005"), consent=True)
    real_push = Registry.push
    pushed_tables: list[str] = []

    def push(self, rows):  # the clerk enrols someone right after the citizens phase
        pushed_tables.extend(rows)
        if "face_samples" in rows and not hasattr(push, "done"):
            push.done = True
            a.enrol(card_record("lisa"), samples("lisa"), consent=True)
            rows = {
                "face_samples": rows["face_samples"]
                + [
                    dict(r)
                    for r in a.store.db.query(
                        "SELECT t.id AS _key, c.id_hash, t.uid, t.embedding, t.sharpness, t.brightness, t.yaw, t.captured_at, t.counter "
                        "FROM face_samples t JOIN citizens c ON c.id = t.citizen_id WHERE t.pushed = 0 AND c.pushed = 0"
                    )
                ]
            }
        return real_push(self, rows)

    monkeypatch.setattr(Registry, "push", push)
    a.sync(registry_url)
    monkeypatch.setattr(Registry, "push", real_push)
    a.sync(registry_url)
    b.sync(registry_url)
    lisa = b.store.find_citizen(card_record("lisa").id_number)
    assert lisa is not None
    assert b.store.db.execute("SELECT count(*) FROM face_samples WHERE citizen_id = ?", [lisa[0]]).fetchone()[0] == 3


def test_a_tampered_registry_row_is_skipped_not_stored(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    a.enrol(card_record("london_043"), samples("london_043"), consent=True)
    a.sync(registry_url)
    with psycopg.connect(registry_url, autocommit=True) as conn:  # flip one byte of one template
        conn.execute(
            "UPDATE face_samples SET embedding = set_byte(embedding, 40, get_byte(embedding, 40) # 1) "
            "WHERE uid = (SELECT min(uid) FROM face_samples)"
        )
    _ = b.matcher  # an index already loaded must not break either
    report = b.sync(registry_url)
    assert report.rejected == 1 and b.store.db["face_samples"].count == 2
    with Kiosk.open(b.settings, b.store.path) as again:  # the next start loads the index fine
        assert len(again.matcher) == 2
    check = b.identify_sample(analyzed(FRAMES / "london_043" / "visit_2.jpg").primary)
    assert check.decision is Decision.MATCH


def test_a_counter_clock_far_ahead_is_refused_before_anything_is_sent(counters, registry_url, card_record):
    a = counters("A")
    a.store.clock = lambda: utc_now() + timedelta(hours=1)
    a.enrol(card_record("lisa"), samples("lisa"), consent=True)
    with pytest.raises(RegistryError, match="clock is about 59|clock is about 60"):
        a.sync(registry_url)
    with Registry.connect(registry_url) as r:
        assert r.counts()["citizens"] == 0
    assert a.store.db.execute("SELECT count(*) FROM face_samples WHERE pushed = 0").fetchone()[0] == 3


def test_a_registry_restored_from_an_older_backup_is_pulled_again(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    a.enrol(card_record("london_005"), samples("london_005"), consent=True)
    a.sync(registry_url)
    b.sync(registry_url)
    with psycopg.connect(registry_url, autocommit=True) as conn:  # as if restored from before B's last pull
        conn.execute("SELECT setval('change_seq', 1)")
    a.enrol(card_record("lisa"), samples("lisa"), consent=True)
    a.sync(registry_url)
    b.sync(registry_url)
    assert b.store.find_citizen(card_record("lisa").id_number) is not None


def test_a_registry_restored_while_a_first_pull_was_cut_off_brings_no_duplicates(counters, registry_url, card_record):
    """A first pull fills the samples without their uid index; if the registry comes back from a
    backup before it is resumed, everything is pulled again and the index is made first."""
    a, b = counters("A"), counters("B")
    for folder in ("london_005", "london_043", "london_099", "lisa"):
        a.enrol(card_record(folder), samples(folder), consent=True)
    a.sync(registry_url)

    def cut(table: str, rows: int) -> None:
        if table == "face_samples":
            raise RuntimeError("the power went off")

    with pytest.raises(RuntimeError):
        b.sync(registry_url, batch=5, after_batch=cut)
    total = a.store.db["face_samples"].count
    assert 0 < b.store.db["face_samples"].count < total
    assert b.store.meta_get("bulk_pull:face_samples")  # filled without the uid index when cut off
    with psycopg.connect(registry_url, autocommit=True) as conn:
        conn.execute("SELECT setval('change_seq', 1)")
    b.sync(registry_url, batch=5)
    uids = [r[0] for r in b.store.db.execute("SELECT uid FROM face_samples")]
    assert len(uids) == len(set(uids)) == total and len(b.matcher) == total


def test_two_programs_pulling_one_database_at_once_store_each_row_once(counters, registry_url, card_record, tmp_path):
    """The window's sync and a `kiosk sync` run by hand on one new counter's file, both in a first
    pull (filled without its uid index): the second stores the batch the first has already
    pulled. Each batch's transaction skips the rows the other stored, so nothing doubles and the
    index is made at the end."""
    a, b = counters("A"), counters("B")
    for folder in ("london_005", "london_043", "london_099", "lisa"):
        a.enrol(card_record(folder), samples(folder), consent=True)
    a.sync(registry_url)
    settings = Settings(counter_name="B", key_file=str(tmp_path / "province.key"))
    other = Kiosk.open(settings, tmp_path / "B.sqlite")

    def cut(table: str, rows: int) -> None:
        if table == "face_samples":
            raise RuntimeError("the clerk closed it")

    def meanwhile(table: str, rows: int) -> None:
        if table == "face_samples" and other.store.db["face_samples"].count == rows:
            with pytest.raises(RuntimeError):  # stores the batch B has already pulled, then stops
                other.sync(registry_url, batch=2, after_batch=cut)

    b.sync(registry_url, batch=2, after_batch=meanwhile)
    other.close()
    for table in ("face_samples", "consents", "visits"):
        rows, uids = b.store.db.execute(f"SELECT count(*), count(DISTINCT uid) FROM {table}").fetchone()
        assert rows == uids == a.store.db[table].count, table
    assert b.store.db.execute("SELECT count(*) FROM meta WHERE name LIKE 'bulk_pull:%'").fetchone()[0] == 0
    with Kiosk.open(settings, tmp_path / "B.sqlite") as started:
        assert len(started.matcher) == a.store.db["face_samples"].count  # each program's index holds what it stored


def test_a_citizen_purged_here_but_kept_by_the_registry_comes_back_with_their_rows(counters, registry_url, card_record):
    """A purge made offline before the citizen's enrolment deletes them at a counter that has not
    pulled their consent yet, while the registry keeps them (consent after the purge): the
    samples, consent and visit pulled next bring the citizen back. (The sample stored before
    the purge went with the citizen's row, as before child rows stopped carrying it.)"""
    a, b = counters("A"), counters("B")
    a.enrol(card_record("london_005"), samples("london_005"), consent=True)
    a.sync(registry_url)
    id_hash = bytes(a.store.db.execute("SELECT id_hash FROM citizens").fetchone()[0])

    def cut(table: str, rows: int) -> None:
        if table == "face_samples":
            raise RuntimeError("cut off")

    with pytest.raises(RuntimeError):
        b.sync(registry_url, batch=1, after_batch=cut)
    early = (utc_now() - timedelta(days=1)).isoformat()
    with Registry.connect(registry_url) as registry:
        registry.push(
            {"purges": [{"tomb": tombstone(id_hash), "purged_at": early, "counter": "P", "reason": "request"}]}
        )
        kept = registry.counts()
    assert kept["citizens"] == 1 and kept["face_samples"] == 3
    b.sync(registry_url)
    for table in ("citizens", "consents", "visits"):
        assert b.store.db[table].count == a.store.db[table].count, table
    assert b.store.db["face_samples"].count == 2 and b.store.find_citizen(card_record("london_005").id_number)


def test_purged_ids_are_never_reused_and_a_stale_index_entry_shows_nobody(tmp_path, card_record):
    settings = Settings(key_file=str(tmp_path / "k.key"))
    app = Kiosk.open(settings, tmp_path / "k.sqlite")  # the running app, index loaded
    app.enrol(card_record("london_099"), samples("london_099"), consent=True)
    assert app.identify_sample(analyzed(FRAMES / "london_099" / "visit_2.jpg").primary).decision is Decision.MATCH
    with Kiosk.open(settings, tmp_path / "k.sqlite") as cli:  # another program purges, then enrols someone else
        cli.set_first_admin_pin("135790")
        cli.login_admin("135790").purge(card_record("london_099").id_number)
        new = cli.enrol(card_record("london_005"), samples("london_005"), consent=True)
    assert new.citizen_id != 1
    check = app.identify_sample(analyzed(FRAMES / "london_099" / "visit_2.jpg").primary)
    assert check.decision is Decision.UNKNOWN and check.citizen is None
    app.close()


def test_a_database_that_lost_its_key_record_is_refused(tmp_path, card_record):
    settings = Settings(key_file=str(tmp_path / "k.key"))
    with Kiosk.open(settings, tmp_path / "k.sqlite") as k:
        k.enrol(card_record("lisa"), samples("lisa"), consent=True)
        k.store.db.execute("DELETE FROM meta WHERE name = 'key_check'")
    (tmp_path / "k.key").unlink()
    with pytest.raises(DataKeyError, match="lost the record of its data key"):
        Kiosk.open(settings, tmp_path / "k.sqlite")
    assert not (tmp_path / "k.key").exists()  # no new key was made up


def test_connection_strings_never_leak_a_password():
    assert "Mật" not in redact("host=db user=kiosk password='Mật khẩu 2026' dbname=reg")
    with pytest.raises(RegistryError) as info:
        Registry.connect("host=db user=kiosk password=p4rt1 p4rt2")
    assert "p4rt" not in info.value.one_line()


def test_a_synced_counter_refuses_to_rotate_the_shared_key(counters, registry_url, card_record):
    a = counters("A")
    a.enrol(card_record("lisa"), samples("lisa"), consent=True)
    a.sync(registry_url)
    a.set_first_admin_pin("135790")
    with pytest.raises(DataKeyError, match="shares its data key"):
        a.login_admin("135790").rotate_key()
    a.sync(registry_url)  # still in step with the province


def test_a_rotation_by_another_program_stops_this_one_writing(tmp_path, card_record):
    settings = Settings(key_file=str(tmp_path / "k.key"))
    app = Kiosk.open(settings, tmp_path / "k.sqlite")
    app.enrol(card_record("lisa"), samples("lisa"), consent=True)
    with Kiosk.open(settings, tmp_path / "k.sqlite") as cli:
        cli.set_first_admin_pin("135790")
        cli.login_admin("135790").rotate_key()
    with pytest.raises(DataKeyError, match="changed by another program"):
        app.enrol(card_record("london_005"), samples("london_005"), consent=True)
    app.close()
    with Kiosk.open(settings, tmp_path / "k.sqlite") as again:  # one key, readable, audit intact
        assert again.store.find_citizen(card_record("lisa").id_number) is not None
        assert again.login_admin("135790").verify_audit().ok


def test_retention_with_a_registry_sees_visits_made_at_other_counters(counters, registry_url, card_record, tmp_path):
    a, b = counters("A"), counters("B")
    record = card_record("london_099")
    at(a, 0)
    a.enrol(record, samples("london_099"), consent=True)
    a.sync(registry_url)
    b.sync(registry_url)
    b.check_in(b.identify_sample(analyzed(FRAMES / "london_099" / "visit_2.jpg").primary))  # a visit at B, today
    b.sync(registry_url)
    a.settings = a.settings.replace(registry_url=registry_url, retention_days=30)
    a.store.clock = lambda: utc_now() + timedelta(minutes=1)  # A's own record of the citizen is old...
    a.store.db.execute("UPDATE citizens SET enrolled_at = '2020-01-01T00:00:00+00:00', last_visit_at = NULL")
    assert a.apply_retention() == 0  # ...but the sync first brings B's visit: the citizen is kept
    assert a.store.find_citizen(record.id_number) is not None


def test_a_database_without_registry_tables_is_refused_unless_initialised(counters, pg_admin, card_record):
    from tests.support import pg

    url = pg.create_database(pg_admin)
    try:
        a = counters("A")
        a.enrol(card_record("lisa"), samples("lisa"), consent=True)
        with pytest.raises(RegistryError, match="not a kiosk registry"):
            a.sync(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT to_regclass('citizens')").fetchone()[0] is None  # nothing was created
        assert a.sync(url, create_registry=True).pushed["face_samples"] == 3
    finally:
        pg.drop_database(pg_admin, url)
