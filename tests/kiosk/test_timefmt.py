"""Stored UTC times shown as local time (display_timezone), and counts worded right."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk.timefmt import UnknownTimezoneError, local_time, utc_offset, zone
from kiosk.words import count, table_counts


@pytest.mark.parametrize(
    ("stored", "tz", "shown"),
    [
        ("2026-11-29T23:25:59.270818+00:00", "Asia/Ho_Chi_Minh", "30/11/2026 06:25"),  # UTC+7: the next morning
        ("2026-11-29T16:59:00+00:00", "Asia/Ho_Chi_Minh", "29/11/2026 23:59"),
        ("2026-07-01T12:00:00+00:00", "Europe/London", "01/07/2026 13:00"),  # summer time where there is one
        ("2026-01-01T12:00:00+00:00", "Europe/London", "01/01/2026 12:00"),
        ("2026-11-29T23:25:59", "Asia/Ho_Chi_Minh", "30/11/2026 06:25"),  # a naive stored time is UTC
    ],
)
def test_stored_utc_is_shown_in_the_display_timezone(stored, tz, shown):
    assert local_time(stored, tz) == shown


def test_nothing_and_non_timestamps_never_raise():
    assert local_time(None) == "—" and local_time("", empty="-") == "-"
    assert local_time("not a time") == "not a time"
    moment = datetime(2026, 11, 29, 23, 25, tzinfo=timezone.utc)
    assert local_time(moment) == "30/11/2026 06:25" and utc_offset(moment) == "UTC+07:00"


def test_unknown_zone_is_a_named_error():
    with pytest.raises(UnknownTimezoneError):
        zone("Asia/Nowhere")


def test_counts_are_singular_or_plural():
    assert (count(1, "citizen"), count(0, "citizen"), count(2, "visit")) == ("1 citizen", "0 citizens", "2 visits")
    assert count(1, "entry") == "1 entry" and count(3, "entry") == "3 entries"
    assert (
        table_counts({"citizens": 1, "face_samples": 3, "consents": 1, "visits": 0}, skip_zero=True)
        == "1 citizen, 3 face samples, 1 consent"
    )
