"""The counter's side of a province sync: the registry it syncs with, pull cursors,
storing pulled rows, and reading the rows still to push.

Pulled rows are stored as they are (the same sealed bytes: one province key), after their
sealed values authenticate under this store's key; the purge rule and the tombstones are
:mod:`kiosk.store.rules`'s, the same the registry applies. Every write is one transaction
of the store: a pulled batch together with its new cursor, so an interrupted sync resumes
without duplicates or gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiosk.errors import DataKeyError
from kiosk.store.meta import REGISTRY_ID, SYNC_CURSOR_PREFIX, sync_cursor
from kiosk.store.records import Store
from kiosk.store.rules import COLUMNS, CREATED, KEEPS_CITIZEN, UPDATABLE, superseded, tombstone
from models.citizen import mask_id_number


@dataclass
class AppliedBatch:
    """What storing one pulled batch changed here.

    Attributes:
        rows: rows taken (new here, or newer than ours).
        rejected: rows whose sealed values do not authenticate under this store's key (skipped).
        gone: citizens deleted here by a remote purge.
        changed: citizens who lost templates to a remote purge but stay (enrolled again after it).
        faces: templates added, ``(citizen id, engine, (128,) float32 embedding, sample id)``, in row order.
    """

    rows: int = 0
    rejected: int = 0
    gone: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    faces: list[tuple[int, str, np.ndarray, int]] = field(default_factory=list)


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
    def store_pulled(self, registry_id: str, table: str, rows: list[dict[str, Any]], counter: str) -> AppliedBatch:
        """Store one pulled batch of ``table`` (rows in ``seq`` order, as
        :meth:`kiosk.province.registry.Registry.pull` gives them) and move the table's cursor
        to the last row's ``seq``, in one transaction. A remote purge is audited at
        ``counter`` (actor ``registry``).

        Raises:
            StoreError: the database cannot be written (nothing of the batch is kept).
        """
        with self.store.transaction(f"store pulled {table}"):
            batch = _Batch(self.store, rows, counter)
            batch.applied.rows = _APPLY[table](batch)
            self.store.meta_set(sync_cursor(registry_id, table), str(rows[-1]["seq"]))
        return batch.applied

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
    """One pulled batch being stored inside a transaction, with lookups done per batch, not per row."""

    def __init__(self, store: Store, rows: list[dict[str, Any]], counter: str) -> None:
        self.store = store
        self.db = store.db.conn
        self.rows = rows
        self.counter = counter
        self.applied = AppliedBatch()
        self.new_citizens: list[list[Any]] = []  # rows for citizens, inserted at once by add_citizens()
        self._waiting: dict[bytes, list[Any]] = {}  # the same rows by id_hash
        self._free_ids: list[int] = []
        self._tombs = dict(self.db.execute("SELECT tomb, purged_at FROM purges").fetchall())
        hashes = list({r["id_hash"] for r in rows if "id_hash" in r})
        self.local: dict[bytes, tuple[int, str]] = {}
        for chunk in range(0, len(hashes), 500):
            part = hashes[chunk : chunk + 500]
            sql = f"SELECT id_hash, id, updated_at FROM citizens WHERE id_hash IN ({','.join('?' * len(part))})"
            self.local.update({bytes(h): (i, u or "") for h, i, u in self.db.execute(sql, part)})

    def add_citizens(self) -> None:
        """Insert the citizens :meth:`citizen` found new, in one statement (before rows that refer to them)."""
        if self.new_citizens:
            self.db.executemany(
                "INSERT INTO citizens (id, id_hash, sealed, enrolled_at, enrolled_counter, updated_at, pushed) "
                "VALUES (?, ?, ?, ?, ?, ?, 1)",
                self.new_citizens,
            )
            self.new_citizens, self._waiting = [], {}

    def blocked(self, id_hash: bytes, created: str) -> bool:
        """True when this counter holds a purge of the citizen at or after ``created`` (do not re-add)."""
        return superseded(created, self._tombs.get(tombstone(id_hash)))

    def authentic(self, sealed: bytes, context: bytes) -> bytes | None:
        """The plaintext of a pulled sealed value, or None (counted) when it does not authenticate."""
        try:
            return self.store.key.open(sealed, context)
        except DataKeyError:
            self.applied.rejected += 1
            return None

    def citizen(self, row: dict[str, Any], prefix: str = "") -> int | None:
        """The local id of the row's citizen, adding or refreshing it from the pulled columns
        (None: purged here, or a record that does not authenticate)."""
        id_hash, updated, sealed = row["id_hash"], row[f"{prefix}updated_at"], row[f"{prefix}sealed"]
        known = self.local.get(id_hash)
        if (known is None or known[1] < updated) and self.authentic(sealed, b"citizen:" + id_hash) is None:
            return known[0] if known else None
        if known is None:
            if self.blocked(id_hash, row[f"{prefix}enrolled_at"]):
                return None
            if not self._free_ids:  # one reservation per batch, not per citizen
                first = self.store.reserve_citizen_ids(len(self.rows))
                self._free_ids = list(range(first + len(self.rows) - 1, first - 1, -1))
            citizen_id = self._free_ids.pop()
            entry = [
                citizen_id,
                id_hash,
                sealed,
                row[f"{prefix}enrolled_at"],
                row[f"{prefix}enrolled_counter"],
                updated,
            ]
            self.new_citizens.append(entry)
            self._waiting[id_hash] = entry
            self.local[id_hash] = (citizen_id, updated)
            return citizen_id
        if known[1] < updated:
            waiting = self._waiting.get(id_hash)
            if waiting is not None:  # added by this batch, not inserted yet: insert the newer record
                waiting[2], waiting[5] = sealed, updated
            else:
                self.db.execute(
                    "UPDATE citizens SET sealed = ?, updated_at = ? WHERE id = ?", [sealed, updated, known[0]]
                )
            self.local[id_hash] = (known[0], updated)
        return known[0]


def _apply_citizens(batch: _Batch) -> int:
    applied = 0
    for row in batch.rows:
        before = batch.local.get(row["id_hash"])
        if batch.citizen(row) is not None and (before is None or before[1] < row["updated_at"]):
            applied += 1
    batch.add_citizens()
    return applied


def _apply_children(table: str) -> Callable[[_Batch], int]:
    created = CREATED[table]
    columns = [c for c in COLUMNS[table] if c != "id_hash"]
    insert = (
        f"INSERT INTO {table} (citizen_id, {', '.join(columns)}, pushed) VALUES (?, {', '.join('?' * len(columns))}, 1)"
    )

    def apply(batch: _Batch) -> int:
        have = _row_ids(batch, table, [r["uid"] for r in batch.rows])
        faces = []
        values = []
        updates = []
        for row in batch.rows:
            if row["uid"] in have and table in UPDATABLE:
                updates.append([row.get(c) for c in UPDATABLE[table]] + [row["uid"]])
            if row["uid"] in have or batch.blocked(row["id_hash"], row[created]):
                continue
            plain = None
            if table == "face_samples":
                plain = batch.authentic(row["embedding"], b"sample:" + row["id_hash"])
                if plain is None:
                    continue
            citizen_id = batch.citizen(row, prefix="c_")
            if citizen_id is None:
                continue
            values.append([citizen_id, *(row[c] for c in columns)])
            if plain is not None:
                faces.append(
                    (citizen_id, row["engine"], np.frombuffer(plain, dtype="<f4").astype(np.float32), row["uid"])
                )
        batch.add_citizens()
        before = batch.db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        batch.db.executemany(insert, values)
        if faces:  # the rows just stored took ids above the highest before (no id is ever given)
            keys = dict(batch.db.execute(f"SELECT uid, id FROM {table} WHERE id > ?", [before]))
            batch.applied.faces.extend((c, engine, e, keys[uid]) for c, engine, e, uid in faces)
        if updates:  # a visit seen before, since done or rated elsewhere (the first "done" stays, the latest answer
            # wins); a change made here and not pushed yet is newer than what comes back: it stays, and travels next
            batch.db.executemany(
                "UPDATE visits SET done_at = coalesce(done_at, ?), rating = coalesce(?, rating) "
                "WHERE uid = ? AND pushed = 1",
                updates,
            )
        if table == "visits":
            batch.db.executemany(
                "UPDATE citizens SET last_visit_at = max(coalesce(last_visit_at, ''), ?) WHERE id = ?",
                [[v[1 + columns.index("at")], v[0]] for v in values],
            )
        return len(values)

    return apply


def _row_ids(batch: _Batch, table: str, uids: Sequence[str]) -> dict[str, int]:
    """``{uid: local row id}`` of the rows of ``table`` with these uids that are stored here."""
    found: dict[str, int] = {}
    for chunk in range(0, len(uids), 500):
        part = list(uids[chunk : chunk + 500])
        found.update(batch.db.execute(f"SELECT uid, id FROM {table} WHERE uid IN ({','.join('?' * len(part))})", part))
    return found


def _apply_purges(batch: _Batch) -> int:
    """A remote purge, by the purge rule of :mod:`kiosk.store.rules` (the registry applies the same):
    delete this citizen's rows dated at or before it, then the citizen if no consent is left."""
    store, db = batch.store, batch.db
    by_tomb = {tombstone(bytes(h)): i for h, i in db.execute("SELECT id_hash, id FROM citizens")}
    applied = 0
    for row in batch.rows:
        db.execute(
            """INSERT INTO purges (tomb, purged_at, counter, reason, pushed) VALUES (?, ?, ?, ?, 1)
                      ON CONFLICT(tomb) DO UPDATE SET purged_at = max(purged_at, excluded.purged_at)""",
            [row["tomb"], row["purged_at"], row["counter"], row["reason"]],
        )
        citizen_id = by_tomb.get(row["tomb"])
        if citizen_id is None:
            continue
        masked = mask_id_number(store.citizen(citizen_id).id_number)
        for table, created in CREATED.items():
            db.execute(f"DELETE FROM {table} WHERE citizen_id = ? AND {created} <= ?", [citizen_id, row["purged_at"]])
        if db.execute(f"SELECT 1 FROM {KEEPS_CITIZEN} WHERE citizen_id = ?", [citizen_id]).fetchone():
            batch.applied.changed.append(citizen_id)  # enrolled again after that purge: keep only what came after
            continue
        db.execute("DELETE FROM citizens WHERE id = ?", [citizen_id])
        store.audit("purge", "registry", batch.counter, masked, reason=f"purged at {row['counter']}: {row['reason']}")
        batch.applied.gone.append(citizen_id)
        applied += 1
    return applied


_APPLY: dict[str, Callable[[_Batch], int]] = {
    "purges": _apply_purges,
    "citizens": _apply_citizens,
    **{t: _apply_children(t) for t in CREATED},
}
