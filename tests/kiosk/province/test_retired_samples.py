"""A visit's sample that replaces the oldest learnt one leaves the whole province: the registry
and every other counter delete it, a counter joining later never receives it, a stolen counter
credential cannot strip a citizen's enrolment samples, a retired sample never comes back, and a
purge takes the retirements too. Against a real PostgreSQL server (tests/support/pg.py)."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from kiosk.counter.service import Kiosk
from kiosk.errors import RegistryError
from kiosk.province.registry import Registry
from kiosk.store.base import utc_now
from models import Decision
from tests.support.data import FRAMES, analyzed, enrol_frames


def _enrol(kiosk: Kiosk, card_record, folder: str) -> None:
    """Enrolled 40 days ago (the counter's clock runs 40 days back until :func:`_learnt_to_the_cap_and_one_more`)."""
    kiosk.store.clock = lambda: utc_now() - timedelta(days=40)
    kiosk.enrol(card_record(folder), [analyzed(p).primary for p in enrol_frames(folder)], consent=True)


def _visit(kiosk: Kiosk, frame: str, digits: str) -> None:
    """Lisa at the counter: recognised (through the keypad if asked) and confirmed from live frames."""
    check = kiosk.identify_sample(analyzed(FRAMES / "lisa" / frame).primary)
    if check.decision is Decision.CONFIRM:
        check = kiosk.confirm(check, digits[-kiosk.keypad_ask(check, 0).digits :])
    assert check.decision is Decision.MATCH
    kiosk.check_in(check, learn=True)


def _uids(kiosk: Kiosk) -> set[str]:
    return {r[0] for r in kiosk.store.db.execute("SELECT uid FROM face_samples")}


def _uids_of(kiosk: Kiosk, record) -> set[str]:
    citizen_id = kiosk.store.find_citizen(record.id_number)[0]
    return {r[0] for r in kiosk.store.db.execute("SELECT uid FROM face_samples WHERE citizen_id = ?", [citizen_id])}


def _registry(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def _learnt_to_the_cap_and_one_more(a: Kiosk, lisa) -> str:
    """Two learning visits at counter A 40 days ago (cap 3 + 2), and one today; returns the uid of
    the learnt sample today's visit retired."""
    enrolled = _uids_of(a, lisa)
    for frame in ("visit_2.jpg", "visit_3.jpg"):
        _visit(a, frame, lisa.id_number)
    a.sync()
    first = min(
        _uids_of(a, lisa) - enrolled,
        key=lambda u: a.store.db.execute("SELECT captured_at FROM face_samples WHERE uid = ?", [u]).fetchone()[0],
    )
    a.store.clock = utc_now
    _visit(a, "visit_2.jpg", lisa.id_number)
    assert first not in _uids_of(a, lisa) and len(_uids_of(a, lisa)) == 5
    return str(first)


def test_a_sample_retired_at_one_counter_is_gone_at_the_registry_at_the_others_and_for_a_new_counter(
    province, card_record
):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    lisa = card_record("lisa")
    _enrol(a, card_record, "lisa")
    a.sync()
    b.sync()
    retired = _learnt_to_the_cap_and_one_more(a, lisa)
    assert b.sync().pulled["face_samples"] == 2 and retired in _uids(b)  # B had the learnt samples before
    pushed = a.sync().pushed
    assert pushed["retired_samples"] == 1 and pushed["face_samples"] == 1
    assert {r[0] for r in _registry(province.admin_url, "SELECT uid FROM face_samples")} == _uids(a)
    assert _registry(province.admin_url, "SELECT uid, counter FROM retired_samples") == [(retired, "Quầy A")]
    a.store.db.execute("UPDATE retired_samples SET pushed = 0")  # the link dropped before A heard back: pushed again
    a.store.db.conn.commit()
    assert a.sync().pushed["retired_samples"] == 0  # taken once, nothing else changes
    assert {r[0] for r in _registry(province.admin_url, "SELECT uid FROM face_samples")} == _uids(a)
    pulled = b.sync().pulled
    assert pulled["retired_samples"] == 1 and pulled["face_samples"] == 1
    assert _uids(b) == _uids(a)  # the retired sample is deleted at B too
    citizen_id = b.store.find_citizen(lisa.id_number)[0]
    assert len(b.matcher.samples_of([citizen_id])[citizen_id]) == 5  # and B's loaded index follows
    c = province.join("Quầy C")  # a counter joining later never receives it
    c.sync()
    assert _uids(c) == _uids(a)
    assert [r[0] for r in c.store.db.execute("SELECT uid FROM retired_samples")] == [retired]
    again = b.sync().pulled
    assert again["retired_samples"] == 0 and _uids(b) == _uids(a)


def test_a_stolen_counter_credential_cannot_retire_enrolment_samples_nor_bring_a_retired_one_back(
    province, card_record
):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    lisa = card_record("lisa")
    _enrol(a, card_record, "london_005")
    _enrol(a, card_record, "lisa")
    retired = _learnt_to_the_cap_and_one_more(a, lisa)
    a.sync()
    b.sync()
    id_hash = b.store.db.execute("SELECT id_hash FROM citizens WHERE id = ?", [b.store.find_citizen(lisa.id_number)[0]])
    id_hash = id_hash.fetchone()[0]
    son = {r[0] for r in _registry(province.admin_url, "SELECT uid FROM face_samples")} - _uids_of(a, lisa)
    son_hash = next(h for (h,) in _registry(province.admin_url, "SELECT id_hash FROM citizens") if h != id_hash)
    with psycopg.connect(province.admin_url) as conn:
        enrolment = [
            r[0]
            for r in conn.execute(
                "SELECT uid FROM face_samples WHERE id_hash = %s ORDER BY captured_at, uid LIMIT 3", [id_hash]
            )
        ]
    learnt = sorted(_uids_of(a, lisa) - set(enrolment))
    stale = dict(next(iter(a.store.db.query("SELECT * FROM face_samples ORDER BY id LIMIT 1"))), id_hash=id_hash)
    now = a.store.clock().isoformat()
    old = "2000-01-01T00:00:00+00:00"  # samples dated before anything real, so that they would count as the earliest
    fakes = [dict(stale, uid=f"fake-{i}", captured_at=old, embedding=bytes(100)) for i in range(3)]
    with Registry.connect(b.registry()) as r:  # B's credentials in a thief's hands
        r.hello(b.store.key.check_value().hex(), "Quầy B")
        assert r.push({"face_samples": fakes}).taken["face_samples"] == 3  # the registry cannot open templates
        retire = [(uid, id_hash) for uid in (*enrolment, learnt[0])]
        retire.append((learnt[1], son_hash))  # Lisa's learnt sample named as another citizen's: refused too
        wiped = r.push(
            {
                "retired_samples": [
                    {"uid": uid, "id_hash": whose, "retired_at": now, "counter": "Quầy B"} for uid, whose in retire
                ]
            }
        )
        assert wiped.taken["retired_samples"] == 1  # only the learnt one
        replayed = r.push({"face_samples": [dict(stale, uid=retired)]})  # the retired sample, pushed again
        assert replayed.taken["face_samples"] == 0 and not replayed.retry
    left = {r[0] for r in _registry(province.admin_url, "SELECT uid FROM face_samples")}
    assert left == set(enrolment) | set(learnt[1:]) | son | {f"fake-{i}" for i in range(3)}
    log = _registry(province.admin_url, "SELECT action, rows FROM write_log WHERE counter = 'Quầy B' ORDER BY id")
    assert ("refused retired_samples", 4) in log and ("refused face_samples", 1) in log
    assert _registry(province.admin_url, "SELECT uid FROM retired_samples WHERE uid <> '" + retired + "'") == [
        (learnt[0],)
    ]
    pulled = a.sync()
    assert pulled.pulled["retired_samples"] == 1 and pulled.rejected == 3  # the fakes do not open with the key
    assert _uids_of(a, lisa) == set(enrolment) | set(learnt[1:])  # the learnt one leaves A as well


def test_a_purge_takes_the_retirements_everywhere(province, card_record):
    a, b = province.join("Quầy A"), province.join("Quầy B")
    lisa = card_record("lisa")
    _enrol(a, card_record, "lisa")
    _learnt_to_the_cap_and_one_more(a, lisa)
    a.sync()
    b.sync()
    assert b.store.db.execute("SELECT count(*) FROM retired_samples").fetchone()[0] == 1
    a.set_first_admin_pin("135790")
    a.login_admin("135790").purge(lisa.id_number)
    assert a.store.db.execute("SELECT count(*) FROM retired_samples").fetchone()[0] == 0
    a.sync()
    assert _registry(province.admin_url, "SELECT count(*) FROM retired_samples") == [(0,)]
    assert b.sync().purged_here == 1
    assert b.store.db.execute("SELECT count(*) FROM retired_samples").fetchone()[0] == 0


def test_a_province_registry_of_schema_4_is_upgraded_by_its_administrator_with_the_grants(province, card_record):
    """A counter of this release may not upgrade a province's registry (its roles and grants are the
    administrator's): the sync says what to run; after ``kiosk province init`` a counter's role
    reads and writes retirements."""
    a, b = province.join("Quầy A"), province.join("Quầy B")
    lisa = card_record("lisa")
    _enrol(a, card_record, "lisa")
    a.sync()
    with psycopg.connect(province.admin_url, autocommit=True) as conn:  # as schema 4 left it
        conn.execute("DROP TABLE retired_samples")
        conn.execute("UPDATE registry_meta SET value = '4' WHERE name = 'schema_version'")
    with pytest.raises(RegistryError, match="older kiosk release") as refused:
        b.sync()
    assert "kiosk province init" in refused.value.hint
    with pytest.raises(RegistryError, match="older kiosk release"):  # nor its owner's own sync, without the roles
        with Registry.connect(province.admin_url) as r:
            r.hello(a.store.key.check_value().hex(), "admin")
    assert province.cli("init", "--config", province.admin_config).exit_code == 0
    _learnt_to_the_cap_and_one_more(a, lisa)
    assert a.sync().pushed["retired_samples"] == 1
    assert b.sync().pulled["retired_samples"] == 1 and _uids(b) == _uids(a)
