"""The visits a report is made of, read from the counter's SQLite file: no personal data.

Each row says where and when a visit happened and how it went, never who: the columns are
:data:`REPORT_COLUMNS` (the same the registry gives, :meth:`kiosk.province.registry.Registry.visit_rows`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from kiosk.store.records import Store

REPORT_COLUMNS = ("counter", "at", "method", "seen_at", "done_at", "rating", "first_visit")
"""A visit as a report sees it: counter name, confirmation time, method (face / confirm / qr),
first seen, done (ISO-8601 UTC text or None), rating (or None) and first_visit (0/1)."""


def visit_rows(
    store: Store, start: datetime | None = None, end: datetime | None = None, counter: str | None = None
) -> list[dict[str, Any]]:
    """The visits confirmed at or after ``start`` and before ``end`` (aware datetimes; None: no
    bound), at ``counter`` (None: every counter in this file), oldest first, as dicts of
    :data:`REPORT_COLUMNS`.

    Raises:
        StoreError: the database cannot be read.
    """
    where, params = ["1 = 1"], []
    if start is not None:
        where.append("at >= ?")
        params.append(start.astimezone(timezone.utc).isoformat())
    if end is not None:
        where.append("at < ?")
        params.append(end.astimezone(timezone.utc).isoformat())
    if counter is not None:
        where.append("counter = ?")
        params.append(counter)
    sql = f"SELECT {', '.join(REPORT_COLUMNS)} FROM visits WHERE {' AND '.join(where)} ORDER BY at, id"
    with store.snapshot():
        return [dict(zip(REPORT_COLUMNS, row)) for row in store.db.execute(sql, params).fetchall()]
