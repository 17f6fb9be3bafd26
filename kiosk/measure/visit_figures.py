"""The province's figures from visits: how citizens were identified, how fast, how satisfied.

Pure computation over rows of :data:`kiosk.store.report_rows.REPORT_COLUMNS` (from a
counter's SQLite file or from the registry): nothing personal goes in or comes out.

- **How identified** (:attr:`VisitRow.how`): ``auto`` (the face alone, method ``face``),
  ``keypad`` (face + typed digits, ``confirm``), ``card`` (the CCCD card, ``qr``),
  ``enrolled`` (the first visit, when the citizen was enrolled from their card).
- **Seconds to confirmation**: ``at - seen_at``, from the face (or card) first in view to the
  form confirmed; only returning visits count (a first visit's time is the enrolment's).
- **Seconds until done**: ``done_at - at``, from the confirmation to the clerk's "done".
- **Satisfaction rate**: answers "very satisfied" or "satisfied" over all answers given
  (a visit with no answer counts in none of them).

Percentiles are numpy's linear interpolation between the closest ranks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from kiosk.timefmt import zone
from models import Rating

HOWS = ("auto", "keypad", "card", "enrolled")
"""How a citizen was identified, in report order."""

SATISFIED = (Rating.VERY_SATISFIED, Rating.SATISFIED)
"""The answers that count as satisfied."""

_HOW_OF_METHOD = {"face": "auto", "confirm": "keypad", "qr": "card"}


@dataclass(frozen=True)
class VisitRow:
    """One visit as the report sees it (times aware, UTC)."""

    counter: str
    at: datetime
    method: str
    seen_at: datetime | None = None
    done_at: datetime | None = None
    rating: Rating | None = None
    first_visit: bool = False

    @property
    def how(self) -> str:
        """``auto`` / ``keypad`` / ``card`` / ``enrolled`` (see the module docstring)."""
        return "enrolled" if self.first_visit else _HOW_OF_METHOD.get(self.method, self.method)

    @property
    def confirm_s(self) -> float | None:
        """Seconds from the face (or card) first in view to the confirmation; None if unknown."""
        return (self.at - self.seen_at).total_seconds() if self.seen_at is not None else None

    @property
    def done_s(self) -> float | None:
        """Seconds from the confirmation to the clerk's "done"; None while not done."""
        return (self.done_at - self.at).total_seconds() if self.done_at is not None else None


@dataclass(frozen=True)
class Figures:
    """The figures of a set of visits.

    Attributes:
        visits: how many visits.
        by_how: visits per :data:`HOWS` entry (every key present).
        confirm_s: seconds to confirmation of the returning visits that have a first-seen time, sorted.
        done_s: seconds until done of the visits marked done, sorted.
        ratings: answers per :class:`models.Rating` (every answer present).
    """

    visits: int = 0
    by_how: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOWS, 0))
    confirm_s: tuple[float, ...] = ()
    done_s: tuple[float, ...] = ()
    ratings: dict[Rating, int] = field(default_factory=lambda: dict.fromkeys(Rating, 0))

    def share(self, how: str) -> float | None:
        """The share (0..1) of visits identified ``how``; None without visits."""
        return self.by_how[how] / self.visits if self.visits else None

    @property
    def answers(self) -> int:
        """Visits whose citizen answered the satisfaction question."""
        return sum(self.ratings.values())

    @property
    def satisfaction(self) -> float | None:
        """Share (0..1) of the answers that are "very satisfied" or "satisfied"; None without answers."""
        return sum(self.ratings[r] for r in SATISFIED) / self.answers if self.answers else None

    @property
    def confirm_median_s(self) -> float | None:
        """Median seconds to confirmation; None without timed visits."""
        return percentile(self.confirm_s, 50)

    @property
    def confirm_p90_s(self) -> float | None:
        """90th percentile of the seconds to confirmation; None without timed visits."""
        return percentile(self.confirm_s, 90)

    @property
    def done_median_s(self) -> float | None:
        """Median seconds from confirmation to done; None without visits marked done."""
        return percentile(self.done_s, 50)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100, linear interpolation) of ``values``; None when empty."""
    if not values:
        return None
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def rows_from(dicts: Iterable[dict[str, Any]]) -> list[VisitRow]:
    """:class:`VisitRow` objects from stored rows (ISO-8601 UTC text times, rating text or None)."""
    return [
        VisitRow(
            str(d["counter"]),
            _when(d["at"]) or datetime.min.replace(tzinfo=timezone.utc),
            str(d["method"]),
            _when(d.get("seen_at")),
            _when(d.get("done_at")),
            Rating(d["rating"]) if d.get("rating") else None,
            bool(d.get("first_visit")),
        )
        for d in dicts
    ]


def figures(rows: Iterable[VisitRow]) -> Figures:
    """The figures of ``rows``."""
    rows = list(rows)
    hows = Counter(r.how for r in rows)
    ratings = Counter(r.rating for r in rows if r.rating is not None)
    confirm = sorted(s for r in rows if not r.first_visit and (s := r.confirm_s) is not None)
    done = sorted(s for r in rows if (s := r.done_s) is not None)
    return Figures(
        len(rows),
        {h: hows.get(h, 0) for h in HOWS},
        tuple(confirm),
        tuple(done),
        {r: ratings.get(r, 0) for r in Rating},
    )


def by_day(rows: Iterable[VisitRow], tz: str) -> list[tuple[date, Figures]]:
    """Figures per local day (in ``tz``) that had visits, oldest first."""
    days: dict[date, list[VisitRow]] = {}
    for row in rows:
        days.setdefault(row.at.astimezone(zone(tz)).date(), []).append(row)
    return [(day, figures(days[day])) for day in sorted(days)]


def by_counter(rows: Iterable[VisitRow]) -> list[tuple[str, Figures]]:
    """Figures per counter, ranked: highest satisfaction rate first (counters without answers
    last), then the shortest median time to confirmation, then the most visits, then the name."""
    counters: dict[str, list[VisitRow]] = {}
    for row in rows:
        counters.setdefault(row.counter, []).append(row)
    ranked = [(name, figures(counters[name])) for name in counters]

    def rank(item: tuple[str, Figures]) -> tuple[float, float, int, str]:
        name, f = item
        rate, median = f.satisfaction, f.confirm_median_s
        return (-(rate if rate is not None else -1.0), median if median is not None else float("inf"), -f.visits, name)

    return sorted(ranked, key=rank)


def day_bounds(first: date | None, last: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of local day ``first`` to the end of local day ``last``
    (both inclusive, in ``tz``; None: open)."""
    start = datetime.combine(first, time(0), tzinfo=zone(tz)).astimezone(timezone.utc) if first else None
    end = (
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone(tz)).astimezone(timezone.utc) if last else None
    )
    return start, end


def _when(text: object) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(str(text))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
