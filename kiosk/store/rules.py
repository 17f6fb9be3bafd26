"""Rules the counter's SQLite store and the province registry share, said once.

Both sides import these; the SQL of each side (:mod:`kiosk.store.sync_rows` for SQLite,
:mod:`kiosk.province.registry` for PostgreSQL) is written from them.

**The rows that travel** (:data:`TABLES`, :data:`COLUMNS`): citizens keyed by the blind
index of the ID number (``id_hash``), their face samples, consents, visits and retired
samples keyed by a ``uid``, and purges keyed by a tombstone. Pulled in :data:`TABLES` order.

**The purge rule.** Purging a citizen leaves a *tombstone*, ``sha256(b"tomb" + id_hash)``
(:func:`tombstone`; never the blind index itself), with the purge time, counter and reason.
Where the purge is applied (the registry, and every other counter when it pulls the
tombstone) it deletes that citizen's rows in :data:`CREATED` dated at or before the purge
time, then the citizen if no consent is left (a re-enrolment after the purge survives it,
with only its own data). Afterwards a row of that citizen dated at or before the purge is
refused for good (:func:`superseded`), so a counter that was offline cannot resurrect it;
a citizen row is refused unless its latest consent is newer than the purge. Two tombstones
of one citizen merge into the later purge time. The counter where the purge happens
deletes everything of the citizen at once (:meth:`kiosk.store.records.Store.delete_citizen`).

**The retirement rule.** A visit may replace a citizen's oldest learnt face sample
(:meth:`kiosk.store.records.Store.retire_oldest`): the sample is deleted and a
``retired_samples`` row keeps its ``uid`` (no template, nothing personal). Where the row is
applied (the registry, every other counter) it deletes the sample of that ``uid`` and
citizen; afterwards a sample of that ``uid`` is refused for good. The earliest
:data:`KEPT_SAMPLES` samples are never retired. A purge deletes the retirements too.
"""

from __future__ import annotations

import hashlib

TABLES = ("purges", "citizens", "face_samples", "consents", "visits", "retired_samples")
"""Pull order: purges first (so a purged citizen's rows are dropped before more arrive); retired
samples after the samples they delete."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "citizens": ("id_hash", "sealed", "enrolled_at", "enrolled_counter", "updated_at"),
    "face_samples": (
        "uid",
        "id_hash",
        "embedding",
        "sharpness",
        "brightness",
        "yaw",
        "captured_at",
        "counter",
        "engine",
        "model_version",
    ),
    "consents": ("uid", "id_hash", "purpose", "text_version", "given_at", "counter", "staff"),
    "visits": (
        "uid",
        "id_hash",
        "at",
        "counter",
        "method",
        "distance",
        "margin",
        "seen_at",
        "done_at",
        "rating",
        "first_visit",
    ),
    "purges": ("tomb", "purged_at", "counter", "reason"),
    "retired_samples": ("uid", "id_hash", "retired_at", "counter"),
}
"""The columns of each table as they travel between a counter and the registry."""


def pulled_columns(table: str) -> tuple[str, ...]:
    """The values of a row of ``table`` as a counter pulls it, in order: ``seq``, then :data:`COLUMNS`."""
    return ("seq", *COLUMNS[table])


UPDATABLE = {"visits": ("done_at", "rating")}
"""Columns a row may gain after it travelled (the clerk's "done", the citizen's answer): a
visit pushed or pulled again updates these on the other side instead of being skipped.
``done_at`` keeps its first value; ``rating`` takes the latest answer given."""

CREATED = {"face_samples": "captured_at", "consents": "given_at", "visits": "at", "retired_samples": "retired_at"}
"""The citizen's dated rows a purge deletes, each with the column that dates it (ISO-8601 UTC text)."""

KEEPS_CITIZEN = "consents"
"""After a purge, the citizen row stays only while this table still holds a row of theirs."""

KEPT_SAMPLES = 3
"""The retirement rule: a citizen's earliest ``KEPT_SAMPLES`` face samples of an engine (by
``captured_at``, then ``uid``) are never retired; the registry refuses such a retirement
(a stolen counter credential cannot strip the province's templates), and counters keep at
least as many (``min_enrol_samples`` is 3 or more)."""

TOMB_PREFIX = b"tomb"
"""A tombstone is ``sha256(TOMB_PREFIX + id_hash)`` (SQLite computes it here, PostgreSQL in SQL)."""


def tombstone(id_hash: bytes) -> bytes:
    """What a purge leaves behind: ``sha256("tomb" + blind index)``, never the index itself."""
    return hashlib.sha256(TOMB_PREFIX + id_hash).digest()


def superseded(created_at: str, purged_at: str | None) -> bool:
    """True when a row dated ``created_at`` is gone with a purge at ``purged_at`` (None: no
    purge): it is deleted when the purge is applied and refused whenever it arrives later.
    Both times are ISO-8601 UTC strings of the same format (they compare in time order)."""
    return purged_at is not None and created_at <= purged_at
