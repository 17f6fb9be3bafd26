"""Today's figures for a counter: visits (first, by face, keypad and card), enrolments, purges.

A **visit** (lượt đến) is one citizen served at a counter: their first visit, at which they
enrolled, or a return visit, identified by face, face + keypad, or card. One row of the
``visits`` table each; the screens, ``kiosk report``, its CSV and the local API count the same
thing (docs/USAGE.md "What counts as a visit"). Enrolments (with those made from the
administrator's CLI, which are not visits), sample updates and purges come from the audit log
(so a citizen enrolled and purged today still counts as enrolled today). "Today" is the calendar day in the ``display_timezone``
(Asia/Ho_Chi_Minh by default), the zone every time is shown in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone

from kiosk.store.records import Store
from kiosk.timefmt import DEFAULT_TIMEZONE, zone


@dataclass(frozen=True)
class DayStats:
    """Counts for one local day (at one counter, or every counter in the store)."""

    day: str
    first_visits: int = 0
    by_face: int = 0
    by_keypad: int = 0
    by_card: int = 0
    enrolments: int = 0
    samples_added: int = 0
    purges: int = 0
    keypad_misses: int = 0

    @property
    def returns(self) -> int:
        """Return visits (check-ins), whatever the method."""
        return self.by_face + self.by_keypad + self.by_card

    @property
    def visits(self) -> int:
        """Every visit: first visits and return visits."""
        return self.first_visits + self.returns


def day_start_utc(now: datetime | None = None, tz: str = DEFAULT_TIMEZONE) -> datetime:
    """Midnight in ``tz`` of ``now``'s day there (default: now), as an aware UTC datetime."""
    local = (now or datetime.now(timezone.utc)).astimezone(zone(tz))
    return datetime.combine(local.date(), time(0), tzinfo=zone(tz)).astimezone(timezone.utc)


def today_stats(
    store: Store, counter: str | None = None, now: datetime | None = None, tz: str = DEFAULT_TIMEZONE
) -> DayStats:
    """Today's figures (the day in ``tz``) from ``store``; ``counter`` None = every counter.

    Raises:
        StoreError: the database cannot be read.
    """
    seen = store.activity_since(day_start_utc(now, tz), counter)
    hows, actions = seen.visits, seen.actions
    local_day = (now or datetime.now(timezone.utc)).astimezone(zone(tz)).date().isoformat()
    return DayStats(
        local_day,
        hows.get("first", 0),
        hows.get("face", 0),
        hows.get("confirm", 0),
        hows.get("qr", 0),
        actions.get("enrol", 0),
        actions.get("add_samples", 0),
        actions.get("purge", 0),
        seen.keypad_misses,
    )
