"""Ratings and visit times travel to the real PostgreSQL registry, and `kiosk report --registry`
ranks the province's counters from it (two counters, real faces, real SQLite files)."""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import psycopg
import pytest

from kiosk.counter.service import Kiosk
from kiosk.province.registry import Registry
from models import Decision, Rating
from tests.support.data import FRAMES, analyzed, enrol_frames, run_cli


def enrol(kiosk: Kiosk, card_record, folder: str) -> int:
    samples = [analyzed(p).primary for p in enrol_frames(folder)]
    seen = kiosk.store.clock() - timedelta(seconds=50)
    return kiosk.enrol(card_record(folder), samples, consent=True, seen_at=seen).visit_id


def visit(kiosk: Kiosk, folder: str, photo: str, waited_s: float) -> int:
    check = kiosk.identify_sample(analyzed(FRAMES / folder / photo).primary)
    assert check.decision is Decision.MATCH
    return kiosk.check_in(check, seen_at=kiosk.store.clock() - timedelta(seconds=waited_s))


def registry_visits(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT uid, counter, done_at, rating, first_visit, seen_at FROM visits ORDER BY at"
        ).fetchall()


def test_a_rating_given_after_the_sync_updates_the_registrys_row(counters, registry_url, card_record):
    a, b = counters("A"), counters("B")
    first = enrol(a, card_record, "london_005")
    later = visit(a, "london_005", "visit_2.jpg", 2.5)
    a.sync(registry_url)
    rows = registry_visits(registry_url)
    assert len(rows) == 2 and [r[4] for r in rows] == [1, 0] and all(r[5] for r in rows)
    assert all(r[2] is None and r[3] is None for r in rows)  # not done, not rated yet

    assert a.mark_visit_done(later) and a.rate_visit(later, Rating.UNSATISFIED)
    assert a.mark_visit_done(first) and a.rate_visit(first, Rating.VERY_SATISFIED)
    report = a.sync(registry_url)
    assert report.pushed["visits"] == 2
    rows = registry_visits(registry_url)
    assert len(rows) == 2  # updated, not duplicated
    assert {r[3] for r in rows} == {"unsatisfied", "very_satisfied"} and all(r[2] for r in rows)

    b.sync(registry_url)  # another counter gets the finished visits...
    assert {v["rating"] for v in b.store.visits(10)} == {"unsatisfied", "very_satisfied"}
    assert a.rate_visit(later, Rating.SATISFIED)  # ...and a changed answer later
    a.sync(registry_url)
    b.sync(registry_url)
    assert sorted(v["rating"] for v in b.store.visits(10)) == ["satisfied", "very_satisfied"]
    assert len(b.store.visits(10)) == 2 and len(registry_visits(registry_url)) == 2
    a.sync(registry_url)  # nothing new: nothing pushed again
    assert a.sync(registry_url).pushed["visits"] == 0


@pytest.mark.slow
def test_the_province_report_ranks_two_counters(counters, registry_url, card_record, tmp_path):
    a, b = counters("Quầy A"), counters("Quầy B")
    answers_a = [Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.VERY_SATISFIED]
    answers_b = [Rating.SATISFIED, Rating.VERY_UNSATISFIED, None]
    for kiosk, folder, answers, wait in ((a, "london_005", answers_a, 2.0), (b, "london_043", answers_b, 5.0)):
        ids = [enrol(kiosk, card_record, folder)]
        ids += [visit(kiosk, folder, f"visit_{n}.jpg", wait + n) for n in (2,)]
        ids.append(
            kiosk.check_in_by_card(_card(kiosk, folder), seen_at=kiosk.store.clock() - timedelta(seconds=9)).visit_id
        )
        for visit_id, answer in zip(ids, answers):
            kiosk.mark_visit_done(visit_id)
            if answer is not None:
                kiosk.rate_visit(visit_id, answer)
        kiosk.sync(registry_url)

    html, csv_dir = tmp_path / "province.html", tmp_path / "csv"
    result = run_cli("report", "--registry", registry_url, "--html", html, "--csv", csv_dir, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.splitlines()[-1])
    assert out["scope"] == "province" and out["visits"] == 6
    assert out["counters"] == ["Quầy A", "Quầy B"]  # 100% satisfied ranks above 50%
    how = out["by_how"]
    assert (how["enrolled"], how["card"], how["auto"] + how["keypad"]) == (2, 2, 2)
    assert out["answers"] == 5 and out["satisfaction"] == pytest.approx(4 / 5)
    page = html.read_text(encoding="utf-8")
    assert "toàn tỉnh theo từng quầy" in page and page.count("data:image/png;base64,") == 4  # with the ranking plot
    _, first, second = list(csv.reader((csv_dir / "counters.csv").open(encoding="utf-8-sig")))
    assert first[:3] == ["1", "Quầy A", "3"] and second[:3] == ["2", "Quầy B", "3"]
    assert first[-2:] == ["3", "100,0%"] and second[-2:] == ["2", "50,0%"]  # answers, satisfied
    for person in (
        "Lê Anh Sơn",
        "Trần Văn Đức",
        card_record("london_005").id_number,
        card_record("london_043").id_number,
    ):
        assert person.encode() not in html.read_bytes()
        assert all(person.encode() not in p.read_bytes() for p in csv_dir.iterdir())


def test_an_older_registry_is_upgraded_by_a_sync_and_refused_by_the_report_before(
    counters, registry_url, card_record, tmp_path
):
    with psycopg.connect(registry_url) as conn:  # a registry of the release before: schema 2, plain visits
        for column in ("seen_at", "done_at", "rating", "first_visit"):
            conn.execute(f"ALTER TABLE visits DROP COLUMN {column}")
        conn.execute("UPDATE registry_meta SET value = '2' WHERE name = 'schema_version'")
    result = run_cli("report", "--registry", registry_url, "--html", tmp_path / "r.html")
    assert result.exit_code == 1 and "older schema" in result.output and not (tmp_path / "r.html").exists()
    a = counters("A")
    enrol(a, card_record, "lisa")
    a.sync(registry_url)  # the registry's first sync with this release: it gains the columns
    with Registry.connect(registry_url) as r:
        [row] = r.visit_rows()
    assert row["first_visit"] == 1 and row["seen_at"] is not None
    assert run_cli("report", "--registry", registry_url, "--html", tmp_path / "r.html").exit_code == 0


def _card(kiosk: Kiosk, folder: str):
    from recognition.images import load_image
    from tests.support.data import CARDS

    return kiosk.read_card(load_image(CARDS / f"{folder}.jpg"))
