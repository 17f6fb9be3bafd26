"""A province rolled out as its IT team would: counters join with their own credentials through
bundles, hold only what sync needs, are recorded by their role, can be cut off, and cannot
purge the province. Against a real PostgreSQL server (tests/support/pg.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from kiosk.counter.service import Kiosk
from kiosk.errors import RegistryError
from kiosk.province.registry import Registry
from kiosk.settings import Settings, load_settings
from models import Decision
from tests.support import pg
from tests.support.data import FRAMES, analyzed, enrol_frames, run_cli


def enrol(kiosk: Kiosk, card_record, folder: str) -> None:
    kiosk.enrol(card_record(folder), [analyzed(p).primary for p in enrol_frames(folder)], consent=True)


def who(kiosk: Kiosk, folder: str) -> str | None:
    check = kiosk.identify_sample(analyzed(FRAMES / folder / "visit_2.jpg").primary)
    return check.citizen.full_name if check.decision is Decision.MATCH else None


def revealed_url(province, name: str) -> str:
    """The counter's own connection string, as an administrator reads it at the counter."""
    config = province.config(name)
    assert run_cli("admin", "set-pin", "--new-pin", "135790", "--config", config).exit_code == 0
    result = run_cli("admin", "registry-url", "--reveal", "--pin", "135790", "--config", config, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["registry"]


def test_two_counters_that_joined_by_bundle_share_enrol_recognise_and_purge(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    for k, name in ((a, "Quầy A"), (b, "Quầy B")):  # no superuser URL, no URL at all in their settings
        assert k.settings.registry_url == "" and k.settings.counter_name == name
        assert f"user={pg.dbname(province.admin_url)}_c_quay_{name[-1].lower()}" in k.registry()
    enrol(a, card_record, "london_005")
    a.sync()  # no URL, no key on the command line
    assert b.sync().pulled["face_samples"] == 3
    assert who(b, "london_005") == "Lê Anh Sơn"
    b.set_first_admin_pin("135790")
    b.login_admin("135790").withdraw_consent(card_record("london_005").id_number)
    b.sync()
    assert a.sync().purged_here == 1
    assert who(a, "london_005") is None and a.store.find_citizen(card_record("london_005").id_number) is None
    with psycopg.connect(province.admin_url) as conn:  # who wrote what comes from each counter's role
        purges = conn.execute("SELECT counter, writer FROM purges").fetchall()
        log = conn.execute(
            "SELECT DISTINCT counter, role, action FROM write_log WHERE role LIKE '%\\_c\\_%'"
        ).fetchall()
    prefix = pg.dbname(province.admin_url)
    assert purges == [("Quầy B", f"{prefix}_c_quay_b")]
    assert ("Quầy A", f"{prefix}_c_quay_a", "push face_samples") in log and (
        "Quầy B",
        f"{prefix}_c_quay_b",
        "purge",
    ) in log


ATTACKS = {
    "drop a table": "DROP TABLE citizens",
    "truncate a table": "TRUNCATE visits",
    "alter a table": "ALTER TABLE face_samples ADD COLUMN x int",
    "create a table": "CREATE TABLE evil (x int)",
    "create a temporary table": "CREATE TEMP TABLE evil (x int)",
    "create a schema": "CREATE SCHEMA evil",
    "delete rows": "DELETE FROM face_samples",
    "update rows": "UPDATE visits SET rating = 'hai_long'",
    "insert a row claiming another counter": "INSERT INTO purges (tomb, purged_at, counter, reason) "
    "VALUES ('\\x00', '2026-01-01T00:00:00+00:00', 'Quầy B', 'x')",
    "read the registry-side record": "SELECT * FROM write_log",
    "change the registry-side record": "DELETE FROM write_log",
    "read the counters' list": "SELECT * FROM counters",
    "create a role": "CREATE ROLE evil LOGIN",
    "read pg_authid": "SELECT rolpassword FROM pg_authid",
    "become the owner": "SET ROLE {prefix}_owner",
    "call an inner function": "SELECT kiosk_caller('Quầy B')",
    "hold the lock every push waits for": "SELECT pg_advisory_lock(715001)",
    "fill the disk with large objects": "SELECT lo_from_bytea(0, 'x')",
}


def test_a_counters_own_credentials_are_refused_by_postgresql_itself(province, card_record):
    a = province.join("Quầy A")
    province.join("Quầy B")
    enrol(a, card_record, "lisa")
    a.sync()
    url = revealed_url(province, "Quầy A")
    assert "password=" in url and "***" not in url
    prefix = pg.dbname(province.admin_url)
    refused = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for what, statement in ATTACKS.items():
            try:
                conn.execute(statement.format(prefix=prefix))
            except psycopg.errors.InsufficientPrivilege as exc:
                refused[what] = exc.sqlstate
        assert conn.execute("SELECT count(*) FROM face_samples").fetchone()[0] == 3  # what sync needs still works
    assert set(refused) == set(ATTACKS) and set(refused.values()) == {"42501"}
    if shutil.which("psql"):  # and as a person would try it, with psql itself
        tried = subprocess.run(["psql", url, "-c", "DROP TABLE citizens"], capture_output=True, text=True, timeout=30)
        assert tried.returncode != 0 and "must be owner of table citizens" in tried.stderr
    with Registry.connect(province.admin_url) as r:
        assert r.counts()["citizens"] == 1 and r.counts()["face_samples"] == 3


def test_rows_pushed_through_the_function_carry_the_pushing_counter_whatever_they_claim(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    enrol(b, card_record, "lisa")
    b.sync()
    a.sync()
    visit_id = a.check_in(a.identify_sample(analyzed(FRAMES / "lisa" / "visit_2.jpg").primary))
    a.sync()
    uid = a.store.db.execute("SELECT uid FROM visits WHERE id = ?", [visit_id]).fetchone()[0]
    with Registry.connect(revealed_url(province, "Quầy B")) as r:  # B replays A's visit as its own, rated, and
        r.hello(b.store.key.check_value().hex(), "Quầy A")  # a made-up visit claiming counter A
        row = next(iter(a.store.db.query("SELECT * FROM visits WHERE id = ?", [visit_id])))
        forged = dict(row, id_hash=a.store.db.execute("SELECT id_hash FROM citizens").fetchone()[0])
        r.push(
            {"visits": [dict(forged, rating="very_unsatisfied", done_at=forged["at"]), dict(forged, uid="forged-1")]}
        )
    with psycopg.connect(province.admin_url) as conn:
        rows = dict(conn.execute("SELECT uid, counter || ' ' || coalesce(rating, '-') FROM visits").fetchall())
    assert rows[uid] == "Quầy A -"  # A's visit is not B's to rate
    assert rows["forged-1"] == "Quầy B -"  # the claim "Quầy A" is replaced by the session's counter


def test_a_revoked_counter_is_cut_off_at_once(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    enrol(b, card_record, "lisa")
    b.sync()
    open_connection = Registry.connect(b.registry())
    open_connection.hello(b.store.key.check_value().hex(), "Quầy B")
    result = province.cli("revoke-counter", "Quầy B", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["sessions_ended"] == 1
    with pytest.raises(psycopg.OperationalError):  # its open connection is gone
        open_connection.conn.execute("SELECT 1")
    open_connection.close()
    with pytest.raises(RegistryError, match="revoked") as info:
        b.sync()
    assert "\n" not in info.value.one_line()
    cli = run_cli("sync", "--config", province.config("Quầy B"))
    assert cli.exit_code == 1 and cli.output.count("\n") == 1 and "revoked by the province administrator" in cli.output
    a.sync()  # the others go on
    listed = {r["counter"]: r for r in map(json.loads, province.cli("counters", "--json").stdout.splitlines())}
    assert listed["Quầy B"]["revoked_at"] and not listed["Quầy A"]["revoked_at"] and listed["Quầy A"]["last_pull"]
    again = province.cli("revoke-counter", "Quầy B")
    assert again.exit_code == 1 and "no active counter" in again.output


def test_more_purges_than_the_guard_allows_are_refused_and_the_citizens_survive(province, card_record):
    assert province.cli("init", "--config", province.admin_config, "--purge-limit", "2").exit_code == 0
    a = province.join("Quầy A")
    folders = ("lisa", "london_005", "london_043")
    for folder in folders:
        enrol(a, card_record, folder)
    a.sync()
    a.set_first_admin_pin("135790")
    admin = a.login_admin("135790")
    for folder in folders:  # a stolen PC purging the province
        admin.purge(card_record(folder).id_number)
    cli = run_cli("sync", "--config", province.config("Quầy A"))
    assert cli.exit_code == 1 and "held back 1 purge" in cli.output
    with Registry.connect(province.admin_url) as r:
        assert r.counts()["citizens"] == 1 and r.counts()["purges"] == 2
    again = run_cli("sync", "--config", province.config("Quầy A"), "--json")  # still held, still said
    assert again.exit_code == 1 and json.loads(again.stdout.splitlines()[0])["purges_held"] == 1
    listed = json.loads(province.cli("counters", "--json").stdout.splitlines()[0])
    assert listed["purges_24h"] == 2 and listed["purges_refused_24h"] == 2
    audit = [json.loads(line) for line in province.cli("audit", "--json").stdout.splitlines()]
    assert [e["rows"] for e in audit if e["action"] == "purge refused"] == [1, 1]


def test_a_retention_purge_the_registry_can_check_is_not_held(province, card_record):
    assert province.cli("init", "--config", province.admin_config, "--purge-limit", "1").exit_code == 0
    a = province.join("Quầy A")
    for folder in ("lisa", "london_005", "london_043"):
        enrol(a, card_record, folder)
    a.sync()
    old = "2020-01-01T00:00:00+00:00"
    with psycopg.connect(province.admin_url) as conn:  # two of them not seen for years, in the registry's own data
        for table, column in (("citizens", "updated_at"), ("consents", "given_at"), ("visits", "at")):
            conn.execute(f"UPDATE {table} SET {column} = %s", [old])
        conn.execute(
            "UPDATE visits SET at = %s WHERE id_hash = (SELECT id_hash FROM citizens ORDER BY id_hash LIMIT 1)",
            [datetime.now(timezone.utc).isoformat()],
        )
    a.settings = a.settings.replace(retention_days=30)
    a.store.db.execute("UPDATE citizens SET enrolled_at = ?, last_visit_at = NULL", [old])
    a.store.db.execute("UPDATE visits SET at = ?", [old])
    assert a.apply_retention() == 3  # here all three are past retention
    with Registry.connect(province.admin_url) as r:  # all three go although the limit is 1 an hour:
        assert r.counts()["citizens"] == 0
    with psycopg.connect(province.admin_url) as conn:  # the two the registry checked are not counted;
        actions = [a for (a,) in conn.execute("SELECT action FROM write_log WHERE action LIKE 'purge%'")]
    assert sorted(actions) == [
        "purge",
        "purge (retention, checked)",
        "purge (retention, checked)",
    ]  # the third is the 1


def test_join_errors_are_one_line_and_change_nothing(province, tmp_path):
    bundle, code = province.add("Quầy A")
    config = province.config("Quầy A")
    wrong = "ABCD-EFGH-JKMN-PQRS-TVWX" if code != "ABCD-EFGH-JKMN-PQRS-TVWX" else "BBCD-EFGH-JKMN-PQRS-TVWX"
    for args, says in (
        ((bundle, "--code", wrong), "does not open this bundle"),
        ((bundle, "--code", "1234"), "a join code is 20 letters"),
        ((tmp_path / "missing.bundle", "--code", code), "does not exist"),
        ((province.admin_config, "--code", code), "not a kiosk join bundle"),
    ):
        result = run_cli("join", *args, "--config", config)
        assert result.exit_code == 1 and says in result.output and result.output.count("\n") == 1, result.output
    assert not config.parent.exists()
    damaged = tmp_path / "damaged.bundle"
    text = json.loads(bundle.read_text())
    text["counter"] = "Quầy Z"  # the clear part is authenticated too
    damaged.write_text(json.dumps(text))
    result = run_cli("join", damaged, "--code", code, "--config", config)
    assert result.exit_code == 1 and "does not open this bundle" in result.output


def test_a_counter_with_a_keystore_keeps_no_secret_on_disk(province, card_record, memory_keyring):
    bundle, code = province.add("Quầy A")
    result = run_cli("join", bundle, "--code", code, "--config", province.config("Quầy A"))
    assert result.exit_code == 0 and "are in the MemoryKeyring keystore" in result.output, result.output
    a = province.open("Quầy A")
    key_file, secret = Path(a.settings.key_file), province.config("Quầy A").with_name("kiosk.registry")
    assert key_file.read_text().startswith("keystore:") and secret.read_text().startswith("keystore:")
    assert len(memory_keyring.entries) == 2
    enrol(a, card_record, "lisa")
    assert a.sync().pushed["face_samples"] == 3  # the password and the key come from the keystore
    folder_bytes = b"".join(p.read_bytes() for p in key_file.parent.iterdir() if p.suffix != ".sqlite")
    assert a.store.key.encoded().encode() not in folder_bytes and b"password" not in folder_bytes


def test_joined_secrets_are_files_for_this_user_only_without_a_keystore(province):
    a = province.join("Quầy A")
    key_file, secret = a.settings.key_file, province.config("Quầy A").with_name("kiosk.registry")
    for path in (key_file, secret):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "password=" in secret.read_text() and province.admin_url not in secret.read_text()
    result = run_cli("admin", "registry-url", "--config", province.config("Quầy A"), "--pin", "135790")
    assert result.exit_code == 1  # no PIN set yet: administrator commands need one
    url = revealed_url(province, "Quầy A")
    shown = run_cli("admin", "registry-url", "--config", province.config("Quầy A"), "--pin", "135790")
    assert "password=***" in shown.output and url.split("password=")[1].split()[0] not in shown.output
    assert (
        a.store.db.execute("SELECT count(*) FROM audit_log WHERE action = 'registry_url_revealed'").fetchone()[0] == 1
    )


def test_a_counter_that_worked_alone_is_re_sealed_without_the_key_touching_the_disk(
    province, card_record, memory_keyring
):
    config = province.config("Quầy A")
    config.parent.mkdir()
    with Kiosk.open(Settings(key_file=str(config.with_name("kiosk.key"))), config.with_name("kiosk.sqlite")) as alone:
        enrol(alone, card_record, "lisa")
    bundle, code = province.add("Quầy A")
    result = run_cli("join", bundle, "--code", code, "--config", config)
    assert result.exit_code == 0 and "re-sealed" in result.output, result.output
    a = province.open("Quầy A")
    assert who(a, "lisa") == "Đặng Thị Phượng"
    on_disk = b"".join(p.read_bytes() for p in config.parent.iterdir() if p.is_file())
    assert a.store.key.encoded().encode() not in on_disk  # nor any pending key of the re-sealing
    assert list(memory_keyring.entries) == [
        ("cccd-kiosk", str(p.resolve())) for p in (config.with_name("kiosk.key"), config.with_name("kiosk.registry"))
    ]


def test_a_counter_that_worked_alone_joins_and_keeps_its_citizens(province, card_record, tmp_path):
    config = province.config("Quầy A")
    config.parent.mkdir()
    config.write_text(f'key_file = "{config.with_name("kiosk.key").as_posix()}"\ncounter_name = "Quầy 1"\n')
    with Kiosk.open(load_settings(config), config.with_name("kiosk.sqlite")) as alone:  # its own key, made now
        enrol(alone, card_record, "london_099")
        own_key = config.with_name("kiosk.key").read_text()
    bundle, code = province.add("Quầy A")
    result = run_cli("join", bundle, "--code", code, "--config", config, "--db", config.with_name("kiosk.sqlite"))
    assert result.exit_code == 0 and "re-sealed" in result.output, result.output
    assert config.with_name("kiosk.key").read_text() != own_key
    a = province.open("Quầy A")
    assert who(a, "london_099") == "Phạm Thị Hương"  # readable under the province key
    with Registry.connect(province.admin_url) as r:
        assert r.counts()["face_samples"] == 3  # and pushed by the first sync


def test_province_init_needs_a_superuser_and_the_registrys_key(province, pg_admin, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(f'key_file = "{(tmp_path / "other.key").as_posix()}"\n')
    result = province.cli("init", "--config", other)
    assert result.exit_code == 1 and "different data key" in result.output
    assert not (tmp_path / "other.key").exists()  # no second "province key" left behind
    counter_url = revealed_url_after_join(province)
    result = run_cli("province", "init", "--registry", counter_url, "--config", province.admin_config)
    assert result.exit_code == 1 and "not connect as a superuser" in result.output
    assert province.cli("init", "--config", province.admin_config).exit_code == 0  # again: idempotent


def revealed_url_after_join(province) -> str:
    province.join("Quầy A")
    return revealed_url(province, "Quầy A")


def test_an_old_one_machine_registry_is_taken_over_by_province_init(pg_admin, counters, card_record, tmp_path):
    from tests.support.province import set_up

    url = pg.create_database(pg_admin)
    try:
        a = counters("A")
        enrol(a, card_record, "lisa")
        a.sync(url, create_registry=True)  # made as before: the connecting user owns the tables
        made = set_up(url, tmp_path / "p", tmp_path / "province.key")  # the key the counters share: taken over
        b = made.join("Quầy B")
        assert who(b, "lisa") == "Đặng Thị Phượng"
        with psycopg.connect(url) as conn:
            owners = {o for (o,) in conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        assert owners == {f"{pg.dbname(url)}_owner"}
        made.close()
    finally:
        pg.drop_database(pg_admin, url)


def test_a_database_that_is_no_registry_or_a_mistyped_counter_is_refused(province):
    with Kiosk.open(Settings(key_file=str(province.folder / "k.key")), province.folder / "x.sqlite") as lone:
        with pytest.raises(RegistryError, match="has not joined"):
            lone.sync()
    result = province.cli("revoke-counter", "Quầy Z")
    assert result.exit_code == 1 and "no active counter is named 'Quầy Z'" in result.output
    province.add("Quầy A")
    result = province.cli(
        "add-counter", "Quầy A", "--out", province.folder / "again.bundle", "--config", province.admin_config
    )
    assert result.exit_code == 1 and "already active" in result.output


def test_a_counter_cannot_bring_back_a_purged_citizen_without_a_new_consent(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    enrol(a, card_record, "lisa")
    a.sync()
    b.sync()
    stale = {t: [dict(r) for r in b.store.db.query(f"SELECT * FROM {t}")] for t in ("citizens", "face_samples")}
    id_hash = stale["citizens"][0]["id_hash"]
    a.set_first_admin_pin("135790")
    a.login_admin("135790").purge(card_record("lisa").id_number)
    a.sync()
    with Registry.connect(b.registry()) as r:  # B pushes its old copy again, as a thief would
        r.hello(b.store.key.check_value().hex(), "Quầy B")
        sample = dict(stale["face_samples"][0], id_hash=id_hash)
        assert r.push({"citizens": stale["citizens"], "face_samples": [sample]}).taken["citizens"] == 0
        consent = {
            "uid": "fresh-consent",
            "id_hash": id_hash,
            "purpose": "face_checkin",
            "text_version": "v1",
            "given_at": "2020-01-01T00:00:00+00:00",  # dated before the purge: stale, refused
            "counter": "Quầy B",
            "staff": "x",
        }
        assert r.push({"citizens": stale["citizens"], "consents": [consent]}).taken["citizens"] == 0
        now = datetime.now(timezone.utc).isoformat()  # a consent given now is a re-enrolment: taken
        taken = r.push(
            {"citizens": [dict(stale["citizens"][0], updated_at=now)], "consents": [dict(consent, given_at=now)]}
        )
        assert taken.taken["citizens"] == 1 and taken.taken["consents"] == 1
    with psycopg.connect(province.admin_url) as conn:
        assert conn.execute("SELECT count(*) FROM face_samples").fetchone()[0] == 0
        assert (
            conn.execute(
                "SELECT count(*) FROM write_log WHERE action = 'push consents' AND counter = 'Quầy B'"
            ).fetchone()[0]
            == 1
        )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"seen_at": "garbage"}, "not ISO-8601 UTC"),
        ({"at": "2026-01-01 00:00:00"}, "not ISO-8601 UTC"),
        ({"rating": "<script>"}, "rating is not one of"),
        ({"method": "x" * 300}, "longer than the registry takes (visits.method)"),
    ],
)
def test_rows_the_registry_does_not_take_are_refused_whole_in_one_line(province, card_record, change, says):
    a = province.join("Quầy A")
    enrol(a, card_record, "lisa")
    a.sync()
    with Registry.connect(a.registry()) as r:
        r.hello(a.store.key.check_value().hex(), "Quầy A")
        visit = dict(next(iter(a.store.db.query("SELECT * FROM visits"))), uid="bad-1")
        visit["id_hash"] = a.store.db.execute("SELECT id_hash FROM citizens").fetchone()[0]
        with pytest.raises(RegistryError, match=re.escape(says)) as info:
            r.push({"visits": [dict(visit, **change)]})
    assert "\n" not in info.value.one_line()
    with Registry.connect(province.admin_url) as r:
        assert r.counts()["visits"] == 1


def test_a_record_rewritten_by_another_counter_is_recorded_as_such(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    enrol(a, card_record, "london_005")
    a.sync()
    enrol(b, card_record, "london_005")  # B, offline, enrols the same citizen: its record is the newer
    b.sync()
    audit = [json.loads(line) for line in province.cli("audit", "--counter", "Quầy B", "--json").stdout.splitlines()]
    assert {e["action"]: e["rows"] for e in audit}.get("update citizens") == 1


def test_revoking_a_counter_that_holds_a_transaction_open_ends_it_at_once(province, card_record):
    a = province.join("Quầy A")
    holder = psycopg.connect(a.registry())  # a hostile client: a push, then the transaction left open
    holder.execute("SELECT kiosk_push('Quầy A', '{}'::jsonb)")
    listed = json.loads(province.cli("counters", "--json").stdout.splitlines()[0])
    assert listed["open_transaction_s"] is not None  # the administrator sees who holds it
    started = time.monotonic()
    result = province.cli("revoke-counter", "Quầy A", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["sessions_ended"] == 1
    assert time.monotonic() - started < 10
    with pytest.raises(psycopg.OperationalError):
        holder.execute("SELECT 1")
    holder.close()


def test_the_province_warns_of_a_server_that_does_not_check_passwords(province):
    """127.0.0.1:5432 here trusts every local connection: init names the rule, join says what it means."""
    init = province.cli("init", "--config", province.admin_config, "--json")
    assert init.exit_code == 0 and json.loads(init.stdout)["ok"]
    assert "warning: pg_hba.conf line" in init.stderr and "trust" in init.stderr
    bundle, code = province.add("Quầy A")
    joined = run_cli("join", bundle, "--code", code, "--config", province.config("Quầy A"), "--json")
    assert joined.exit_code == 0 and json.loads(joined.stdout)["ok"]
    assert "let this counter in with a wrong password" in joined.stderr
    added = province.cli(
        "add-counter", "Quầy B", "--out", province.folder / "b.bundle", "--config", province.admin_config, "--json"
    )
    assert set(json.loads(added.stdout)) >= {"counter", "bundle", "join_code"} and "sslmode=prefer" in added.stderr
    audit = [json.loads(line) for line in province.cli("audit", "--counter", "Quầy A", "--json").stdout.splitlines()]
    assert [e["action"] for e in audit][:2] == ["counter added", "counter joined"]


def test_counter_names_that_differ_only_in_case_are_one_but_accents_count(province):
    province.add("Quầy Tân Thành")
    again = province.cli(
        "add-counter", "quầy  TÂN THÀNH", "--out", province.folder / "x.bundle", "--config", province.admin_config
    )
    assert again.exit_code == 1 and "'Quầy Tân Thành' is already active" in again.output
    province.add("Quầy Tân Thạnh")  # another commune
    names = [json.loads(line)["counter"] for line in province.cli("counters", "--json").stdout.splitlines()]
    assert names == ["Quầy Tân Thành", "Quầy Tân Thạnh"]
