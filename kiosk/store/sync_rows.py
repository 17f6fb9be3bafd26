"""The counter's side of a province sync: the registry it syncs with, pull cursors,
storing pulled rows, and reading the rows still to push.

Pulled rows are stored as they are (the same sealed bytes: one province key), after their
sealed values authenticate under this store's key; the purge rule and the tombstones are
:mod:`kiosk.store.rules`'s, the same the registry applies. Every write is one transaction
of the store: a pulled batch together with its new cursor, so an interrupted sync resumes
without duplicates or gaps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiosk.store.meta import BULK_PULL_PREFIX, REGISTRY_ID, SYNC_CURSOR_PREFIX, sync_cursor
from kiosk.store.records import Store
from kiosk.store.rules import COLUMNS, CREATED, KEEPS_CITIZEN, UPDATABLE, pulled_columns, superseded, tombstone
from kiosk.store.schema import uid_index
from models.citizen import mask_id_number
from models.face import EMBEDDING_SIZE

Row = tuple[Any, ...]
"""A pulled row: the values of :func:`kiosk.store.rules.pulled_columns` of its table, in that order."""


@dataclass(frozen=True)
class Templates:
    """The templates of one face engine a pulled batch stored: row ``i`` is sample ``keys[i]``
    of citizen ``citizen_ids[i]``.

    Attributes:
        citizen_ids: (n,) int64 local citizen ids.
        embeddings: (n, 128) float32 templates.
        keys: (n,) int64 local sample ids.
    """

    citizen_ids: np.ndarray
    embeddings: np.ndarray
    keys: np.ndarray


@dataclass
class AppliedBatch:
    """What storing one pulled batch changed here.

    Attributes:
        rows: rows taken (new here, or newer than ours).
        rejected: rows whose sealed values do not authenticate under this store's key (skipped).
        gone: citizens deleted here by a remote purge.
        changed: citizens who lost templates but stay: to a remote purge (enrolled again after
            it), or to a sample retired elsewhere.
        faces: templates added, by face engine.
    """

    rows: int = 0
    rejected: int = 0
    gone: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    faces: dict[str, Templates] = field(default_factory=dict)


@dataclass(frozen=True)
class Opened:
    """A pulled batch checked against this store's data key (:meth:`SyncRows.open_pulled`), ready
    to store. Opening takes no lock of the store: the next batch is opened while one is stored.

    Attributes:
        table: the table pulled.
        rows: the pulled rows whose sealed values authenticate, in seq order.
        last_seq: the seq of the last row pulled, kept or not (the table's cursor once stored).
        rejected: rows dropped because a sealed value does not authenticate.
        templates: face samples only: the templates of ``rows``, (len(rows), 128) float32, in row order.
    """

    table: str
    rows: list[Row]
    last_seq: int
    rejected: int = 0
    templates: np.ndarray | None = None

    def after(self, seq: int) -> Opened:
        """The rows with ``seq`` above ``seq`` (those another sync has not stored already)."""
        keep = [row[0] > seq for row in self.rows]
        if all(keep):
            return self
        rows = [row for row, kept in zip(self.rows, keep) if kept]
        templates = None if self.templates is None else self.templates[np.array(keep, dtype=bool)]
        return Opened(self.table, rows, self.last_seq, self.rejected, templates)


BULK_TABLES = tuple(t for t in CREATED if t not in UPDATABLE and t != "retired_samples")
"""Tables a first pull may fill without their uid index (:meth:`SyncRows.start_bulk`): the registry
sends each of their rows once. Not visits: one done or rated elsewhere comes again with a new seq.
Not retired samples: a retirement made here during the pull names a sample's existing uid, which
the registry may send too."""


@dataclass(frozen=True)
class Pending:
    """One chunk of rows recorded here and not pushed yet.

    Attributes:
        rows: dicts with the columns of :data:`kiosk.store.rules.COLUMNS` for the table, plus
            ``_key`` (ascending; give it back to :meth:`SyncRows.mark_pushed`).
        consents: for a citizens chunk, those citizens' consents not pushed yet (they travel
            with them: a consent given after a purge is what tells a re-enrolment from stale
            data, and the registry checks it itself); else empty.
    """

    rows: list[dict[str, Any]]
    consents: list[dict[str, Any]] = field(default_factory=list)


_PENDING = {
    "purges": "SELECT rowid AS _key, tomb, purged_at, counter, reason FROM purges WHERE pushed = 0",
    "citizens": "SELECT id AS _key, id_hash, sealed, enrolled_at, enrolled_counter, updated_at "
    "FROM citizens WHERE pushed = 0",
    **{
        t: f"SELECT t.id AS _key, c.id_hash, {', '.join('t.' + c for c in COLUMNS[t] if c != 'id_hash')} "
        f"FROM {t} t JOIN citizens c ON c.id = t.citizen_id WHERE t.pushed = 0"
        for t in CREATED
    },
}
_KEY = {"purges": "rowid", "citizens": "id", **{t: "t.id" for t in CREATED}}


class SyncRows:
    """Sync bookkeeping and row exchange over one counter's :class:`~kiosk.store.records.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- the registry and the cursors --------------------------------------------------
    def registry_id(self) -> str | None:
        """The id of the registry this counter syncs with, or None if it never synced."""
        return self.store.meta_get(REGISTRY_ID)

    def remember_registry(self, registry_id: str) -> None:
        """Record the registry this counter syncs with (its data key is the province's from now on)."""
        if self.registry_id() != registry_id:
            with self.store.transaction("remember the registry"):
                self.store.meta_set(REGISTRY_ID, registry_id)

    def has_synced(self) -> bool:
        """True once this counter has synced (or started to) with any registry."""
        with self.store.snapshot():
            row = self.store.db.execute(
                "SELECT 1 FROM meta WHERE name = ? OR name LIKE ? LIMIT 1", [REGISTRY_ID, SYNC_CURSOR_PREFIX + "%"]
            ).fetchone()
        return row is not None

    def cursor(self, registry_id: str, table: str) -> int:
        """The last ``seq`` of ``table`` stored from registry ``registry_id`` (0: none yet)."""
        return int(self.store.meta_get(sync_cursor(registry_id, table)) or 0)

    def reset_cursor(self, registry_id: str, table: str) -> None:
        """Pull ``table`` from the start again (the registry was restored from a backup; storing is idempotent)."""
        with self.store.transaction("reset the sync position"):
            self.store.meta_set(sync_cursor(registry_id, table), "0")

    # -- pull --------------------------------------------------------------------------
    def start_bulk(self, registry_id: str, table: str) -> bool:
        """Fill an empty table of :data:`BULK_TABLES` from registry
        ``registry_id`` without its uid index, made again by :meth:`end_bulk`: a first pull then
        appends rows instead of inserting millions of random keys into an index (each batch would
        rewrite most of its pages; 3 x 10^6 samples: 92 s with it, 37 s without and rebuilt after).

        Safe because nothing can collide: the table was empty; every row stored afterwards came
        from this registry, which sends each row of these tables once, above the cursor (checked
        in each batch's transaction, so two syncs at once store a row once), or was made here (a
        new uid that goes out only with a push, after the pull). Returns whether the table is
        filled that way (also when an interrupted first pull from this registry left it so);
        False for a table with rows.
        """
        if table not in BULK_TABLES:
            return False
        with self.store.transaction(f"start the first pull of {table}"):
            name = BULK_PULL_PREFIX + table
            if self.store.meta_get(name) == registry_id:
                return True
            if self.store.db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                return False
            self.store.db.execute(f"DROP INDEX IF EXISTS {table}_uid")
            self.store.meta_set(name, registry_id)
        return True

    def end_bulk(self, table: str) -> None:
        """Make the uid index of a table :meth:`start_bulk` filled (a no-op for any other table)."""
        with self.store.transaction(f"index the pulled {table}"):
            if self.store.meta_get(BULK_PULL_PREFIX + table) is not None:
                self.store.db.execute(uid_index(table))
                self.store.db.execute("DELETE FROM meta WHERE name = ?", [BULK_PULL_PREFIX + table])

    def first_pull_left(self) -> bool:
        """True while a first pull that :meth:`start_bulk` began was cut off before its end."""
        return any(self.bulk(table) is not None for table in BULK_TABLES)

    def bulk(self, table: str) -> str | None:
        """The registry whose first pull fills ``table`` without its uid index (None: none)."""
        return self.store.meta_get(BULK_PULL_PREFIX + table)

    def open_pulled(self, table: str, rows: list[Row]) -> Opened:
        """Authenticate a pulled batch of ``table`` (rows as
        :meth:`kiosk.province.registry.Registry.pull` gives them, in seq order) under this
        store's data key: a citizen's sealed record, a sample's sealed template (kept, opened).
        Rows that do not authenticate are dropped and counted. Reads nothing from the store."""
        sealed = {"citizens": "sealed", "face_samples": "embedding"}.get(table)
        if sealed is None or not rows:
            return Opened(table, rows, rows[-1][0] if rows else 0)
        at, hashed = _at(table, sealed), _at(table, "id_hash")
        context = b"citizen:" if table == "citizens" else b"sample:"
        opened = self.store.key.open_each((row[at], context + row[hashed]) for row in rows)
        if table == "face_samples":  # a template of another size is as unusable as a forged one
            opened = [p if p is not None and len(p) == 4 * EMBEDDING_SIZE else None for p in opened]
        kept = [row for row, plain in zip(rows, opened) if plain is not None]
        templates = None
        if table == "face_samples":
            plain = b"".join(p for p in opened if p is not None)
            templates = np.frombuffer(plain, dtype="<f4").reshape(len(kept), EMBEDDING_SIZE).astype(np.float32)
        return Opened(table, kept, rows[-1][0], len(rows) - len(kept), templates)

    def store_pulled(
        self, registry_id: str, batch: Opened, counter: str, citizens: Opened | None = None
    ) -> AppliedBatch:
        """Store one opened pulled batch and move its table's cursor to ``batch.last_seq``, in one
        transaction. ``citizens``: opened citizen rows pulled with child rows (their citizens
        changed since this counter's ``citizens`` cursor), added or refreshed first. A remote
        purge is audited at ``counter`` (actor ``registry``).

        Raises:
            StoreError: the database cannot be written (nothing of the batch is kept).
        """
        with self.store.transaction(f"store pulled {batch.table}"):
            stored = self.cursor(registry_id, batch.table)  # another sync may have stored some meanwhile
            work = _Batch(self.store, counter, bulk=self.bulk(batch.table) == registry_id)
            work.applied.rejected = batch.rejected + (citizens.rejected if citizens else 0)
            if citizens is not None:
                _store_citizens(work, citizens.rows)
            work.applied.rows = _APPLY[batch.table](work, batch.after(stored))
            self.store.meta_set(sync_cursor(registry_id, batch.table), str(max(stored, batch.last_seq)))
        return work.applied

    # -- push --------------------------------------------------------------------------
    def pending(self, table: str, after: int, limit: int) -> Pending:
        """Up to ``limit`` rows of ``table`` not pushed yet with ``_key`` above ``after``, by ``_key``
        (citizens with their consents not pushed yet), read in one transaction."""
        with self.store.transaction("read pending rows"):
            sql = _PENDING[table] + f" AND {_KEY[table]} > ? ORDER BY {_KEY[table]} LIMIT ?"
            rows = list(self.store.db.query(sql, [after, limit]))
            consents = []
            if table == "citizens" and rows:
                ids = ",".join(str(int(r["_key"])) for r in rows)
                consents = list(self.store.db.query(_PENDING["consents"] + f" AND t.citizen_id IN ({ids})"))
        return Pending(rows, consents)

    def mark_pushed(self, table: str, keys: Sequence[int]) -> None:
        """Mark the rows of ``table`` with these ``_key`` values (from :meth:`pending`) as pushed, one transaction."""
        with self.store.transaction("mark pushed rows"):
            self.store.db.conn.executemany(
                f"UPDATE {table} SET pushed = 1 WHERE {_KEY[table].removeprefix('t.')} = ?", [[key] for key in keys]
            )


class _Batch:
    """One pulled batch being stored inside a transaction."""

    def __init__(self, store: Store, counter: str, *, bulk: bool = False) -> None:
        self.store = store
        self.bulk = bulk  # a first pull filling its table without its uid index (see SyncRows.start_bulk)
        self.db = store.db.conn
        self.counter = counter
        self.applied = AppliedBatch()
        self._tombs = dict(self.db.execute("SELECT tomb, purged_at FROM purges").fetchall())

    def blocked(self, id_hash: bytes, created: str) -> bool:
        """True when this counter holds a purge of the citizen at or after ``created`` (do not re-add)."""
        return bool(self._tombs) and superseded(created, self._tombs.get(tombstone(id_hash)))


def _at(table: str, column: str) -> int:
    """The position of ``column`` in a pulled row of ``table``."""
    return pulled_columns(table).index(column)


def _store_citizens(batch: _Batch, rows: list[Row]) -> int:
    """Add the citizens of these authenticated rows that are new here and refresh those whose
    record is newer than ours, in one statement (a purged citizen is not added again). Returns
    how many were added or refreshed."""
    hashed, enrolled = _at("citizens", "id_hash"), _at("citizens", "enrolled_at")
    blocked = {r[hashed] for r in rows if batch.blocked(r[hashed], r[enrolled])}
    if blocked:  # not added again; but one enrolled again after the purge (still here) is refreshed
        known = _local_citizens(batch.db, blocked)
        rows = [r for r in rows if r[hashed] not in blocked or r[hashed] in known]
    if not rows:
        return 0
    first = batch.store.reserve_citizen_ids(len(rows))  # a citizen stored here already leaves its id unused
    before = batch.db.total_changes
    batch.db.executemany(_UPSERT_CITIZEN, [(first + i, *row) for i, row in enumerate(rows)])
    return int(batch.db.total_changes - before)


_UPSERT_CITIZEN = (
    # bound: (the local id for a citizen new here, *the pulled row (seq, then the columns in order))
    f"INSERT INTO citizens (id, {', '.join(COLUMNS['citizens'])}, pushed) "
    f"VALUES (?1, {', '.join(f'?{n + 3}' for n in range(len(COLUMNS['citizens'])))}, 1) "
    "ON CONFLICT(id_hash) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at "
    "WHERE coalesce(citizens.updated_at, '') < excluded.updated_at"
)


def _local_citizens(db: sqlite3.Connection, id_hashes: set[bytes]) -> dict[bytes, tuple[int, str]]:
    """``{id_hash: (local id, updated_at)}`` of the citizens with these blind indexes stored here."""
    hashes = list(id_hashes)
    found: dict[bytes, tuple[int, str]] = {}
    for chunk in range(0, len(hashes), 500):
        part = hashes[chunk : chunk + 500]
        sql = f"SELECT id_hash, id, updated_at FROM citizens WHERE id_hash IN ({','.join('?' * len(part))})"
        found.update({bytes(h): (i, u or "") for h, i, u in db.execute(sql, part)})
    return found


def _apply_citizens(batch: _Batch, pulled: Opened) -> int:
    return _store_citizens(batch, pulled.rows)


def _apply_children(table: str) -> Callable[[_Batch, Opened], int]:
    hashed, created = _at(table, "id_hash"), _at(table, CREATED[table])
    columns = [c for c in COLUMNS[table] if c != "id_hash"]
    # Pulled rows are bound as they are (?N: the column's position in the pulled row); SQLite finds the
    # citizen's local id from the blind index, so a row whose citizen is not here is not stored.
    insert_new = (
        f"INSERT INTO {table} (citizen_id, {', '.join(columns)}, pushed) "
        f"SELECT id, {', '.join(f'?{_at(table, c) + 1}' for c in columns)}, 1 "
        f"FROM citizens WHERE id_hash = ?{hashed + 1}"
    )
    if table == "face_samples":  # a sample retired here is never taken back (a registry restored from a backup)
        insert_new += f" AND NOT EXISTS (SELECT 1 FROM retired_samples WHERE uid = ?{_at(table, 'uid') + 1})"
    insert = (
        insert_new
        + " "
        + (
            # a visit seen before, since done or rated elsewhere (the first "done" stays, the latest answer wins);
            # a change made here and not pushed yet is newer than what comes back: it stays, and travels next
            "ON CONFLICT(uid) DO UPDATE SET done_at = coalesce(done_at, excluded.done_at), "
            "rating = coalesce(excluded.rating, rating) WHERE pushed = 1"
            if table in UPDATABLE
            else "ON CONFLICT(uid) DO NOTHING"  # stored before (a row this counter pushed, or pulled again)
        )
    )
    added_sql = f"SELECT uid, id, citizen_id{', at' if table == 'visits' else ''} FROM {table} WHERE id > ?"

    def apply(batch: _Batch, pulled: Opened) -> int:
        rows = [r for r in pulled.rows if not batch.blocked(r[hashed], r[created])]
        before = batch.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        batch.db.executemany(insert_new if batch.bulk else insert, rows)
        # the rows just stored took ids above the highest before (no id is ever given); the others were here
        added = batch.db.execute(added_sql, [before]).fetchall()
        if table == "face_samples" and added:
            _stored_templates(batch, pulled, added)
        if table == "visits":
            batch.db.executemany(
                "UPDATE citizens SET last_visit_at = max(coalesce(last_visit_at, ''), ?) WHERE id = ?",
                [[at, citizen] for _, _, citizen, at in added],
            )
        if table == "retired_samples":
            _retire(batch, added)
        return len(added)

    return apply


def _stored_templates(batch: _Batch, pulled: Opened, added: list[tuple[str, int, int]]) -> None:
    """Hand the templates of the face samples just stored (``(uid, id, citizen id)``) to
    :attr:`AppliedBatch.faces`, by engine."""
    assert pulled.templates is not None
    uid, engine = _at("face_samples", "uid"), _at("face_samples", "engine")
    where = {row[uid]: i for i, row in enumerate(pulled.rows)}
    rows = np.array([where[u] for u, _, _ in added], dtype=np.int64)
    ids = np.array([i for _, i, _ in added], dtype=np.int64)
    citizens = np.array([c for _, _, c in added], dtype=np.int64)
    engines = np.array([pulled.rows[i][engine] for i in rows])
    for name in np.unique(engines):
        mine = engines == name
        batch.applied.faces[str(name)] = Templates(citizens[mine], pulled.templates[rows[mine]], ids[mine])


def _retire(batch: _Batch, added: list[tuple[str, int, int]]) -> None:
    """Delete the samples the retirements just stored name (``(uid, id, citizen id)``), by the
    retirement rule of :mod:`kiosk.store.rules`; their citizens are reindexed."""
    changed = set()
    for uid, _, citizen_id in added:
        if batch.db.execute("DELETE FROM face_samples WHERE uid = ? AND citizen_id = ?", [uid, citizen_id]).rowcount:
            changed.add(citizen_id)
    batch.applied.changed.extend(sorted(changed))


def _apply_purges(batch: _Batch, pulled: Opened) -> int:
    """A remote purge, by the purge rule of :mod:`kiosk.store.rules` (the registry applies the same):
    delete this citizen's rows dated at or before it, then the citizen if no consent is left."""
    store, db = batch.store, batch.db
    by_tomb = {tombstone(bytes(h)): i for h, i in db.execute("SELECT id_hash, id FROM citizens")}
    applied = 0
    for row in pulled.rows:
        _, tomb, purged_at, counter, reason = row
        db.execute(
            """INSERT INTO purges (tomb, purged_at, counter, reason, pushed) VALUES (?, ?, ?, ?, 1)
                      ON CONFLICT(tomb) DO UPDATE SET purged_at = max(purged_at, excluded.purged_at)""",
            [tomb, purged_at, counter, reason],
        )
        citizen_id = by_tomb.get(tomb)
        if citizen_id is None:
            continue
        masked = mask_id_number(store.citizen(citizen_id).id_number)
        for table, created in CREATED.items():
            db.execute(f"DELETE FROM {table} WHERE citizen_id = ? AND {created} <= ?", [citizen_id, purged_at])
        if db.execute(f"SELECT 1 FROM {KEEPS_CITIZEN} WHERE citizen_id = ?", [citizen_id]).fetchone():
            batch.applied.changed.append(citizen_id)  # enrolled again after that purge: keep only what came after
            continue
        db.execute("DELETE FROM citizens WHERE id = ?", [citizen_id])
        store.audit("purge", "registry", batch.counter, masked, reason=f"purged at {counter}: {reason}")
        batch.applied.gone.append(citizen_id)
        applied += 1
    return applied


_APPLY: dict[str, Callable[[_Batch, Opened], int]] = {
    "purges": _apply_purges,
    "citizens": _apply_citizens,
    **{t: _apply_children(t) for t in CREATED},
}
