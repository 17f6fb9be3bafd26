"""One way to show times: stored ISO UTC timestamps as local time for people to read.

The store keeps every time as an ISO 8601 UTC string (``2026-11-29T23:25:59.270818+00:00``);
screens, receipts and CLI listings show it in the ``display_timezone`` setting
(``Asia/Ho_Chi_Minh`` by default) as ``30/11/2026 07:25``, the way dates are written in
Vietnam. Storage never changes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
SHOWN = "%d/%m/%Y %H:%M"
DAY = "%d/%m/%Y"
"""A day as printed on the card (birth and issue dates)."""
NOTHING = "—"


class UnknownTimezoneError(ValueError):
    """A timezone name that is not in the IANA database (e.g. a typo in ``display_timezone``)."""


@cache
def zone(name: str) -> ZoneInfo:
    """The IANA timezone ``name`` (e.g. ``"Asia/Ho_Chi_Minh"``).

    Raises:
        UnknownTimezoneError: no such zone (on Windows the ``tzdata`` package provides them).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimezoneError(f"unknown timezone {name!r}") from None


def parse_utc(iso: str) -> datetime:
    """A stored ISO timestamp as an aware datetime (a naive one is taken as UTC).

    Raises:
        ValueError: not an ISO 8601 timestamp.
    """
    moment = datetime.fromisoformat(iso)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def local_time(iso: str | datetime | None, tz: str = DEFAULT_TIMEZONE, *, empty: str = NOTHING) -> str:
    """A stored UTC time as ``dd/mm/yyyy HH:MM`` in ``tz``; ``empty`` when there is none.

    Text that is not an ISO timestamp is returned unchanged (never an exception on screen).
    """
    if iso is None or iso == "":
        return empty
    try:
        moment = iso if isinstance(iso, datetime) else parse_utc(str(iso))
    except ValueError:
        return str(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone(tz)).strftime(SHOWN)


def utc_offset(iso: str | datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    """The offset of ``tz`` at that moment, as ``"UTC+07:00"`` (what a printed time is relative to)."""
    moment = iso if isinstance(iso, datetime) else parse_utc(str(iso))
    offset = moment.astimezone(zone(tz)).strftime("%z") or "+0000"
    return f"UTC{offset[:3]}:{offset[3:]}"
