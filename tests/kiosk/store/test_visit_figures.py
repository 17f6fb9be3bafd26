"""Schema 5: a visit carries when the face was seen, when it was done, the rating, first visit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from models import Rating, Visit

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def visit(enrolled: Kiosk) -> tuple[Kiosk, int]:
    citizen_id = enrolled.store.citizens()[0]["id"]
    seen = T0 - timedelta(seconds=3)
    visit_id = enrolled.store.record_visit(Visit(citizen_id, T0, "Quầy 1", "face", 0.1, 0.2, seen_at=seen))
    return enrolled, visit_id


def test_a_visit_is_done_once_and_rated_with_one_of_four_answers(visit: tuple[Kiosk, int]) -> None:
    kiosk, visit_id = visit
    [row] = [v for v in kiosk.store.visits(10) if v["id"] == visit_id]
    assert (row["seen_at"], row["done_at"], row["rating"], row["first_visit"]) == (
        (T0 - timedelta(seconds=3)).isoformat(),
        None,
        None,  # no answer is none, never a default score
        0,
    )
    kiosk.store.clock = lambda: T0 + timedelta(minutes=4)
    assert kiosk.mark_visit_done(visit_id)
    kiosk.store.clock = lambda: T0 + timedelta(minutes=9)
    assert kiosk.mark_visit_done(visit_id)  # a second "done" keeps the first time
    assert kiosk.rate_visit(visit_id, Rating.SATISFIED)
    [row] = [v for v in kiosk.store.visits(10) if v["id"] == visit_id]
    assert (row["done_at"], row["rating"]) == ((T0 + timedelta(minutes=4)).isoformat(), "satisfied")
    with pytest.raises(ValueError):
        kiosk.rate_visit(visit_id, "delighted")  # type: ignore[arg-type]  # a wrong answer is refused


def test_a_missing_visit_is_reported_not_invented(visit: tuple[Kiosk, int]) -> None:
    kiosk, visit_id = visit
    assert not kiosk.mark_visit_done(visit_id + 1000)
    assert not kiosk.rate_visit(visit_id + 1000, Rating.VERY_SATISFIED)


def test_an_older_database_gains_the_columns_and_keeps_its_visits(legacy_db: Path) -> None:
    with Kiosk.open(Settings(), legacy_db) as kiosk:
        columns = {row[1] for row in kiosk.store.db.execute("PRAGMA table_info(visits)").fetchall()}
        assert {"seen_at", "done_at", "rating", "first_visit"} <= columns
        old = kiosk.store.visits(100)
        assert old and all(v["rating"] is None and v["done_at"] is None and v["first_visit"] == 0 for v in old)
