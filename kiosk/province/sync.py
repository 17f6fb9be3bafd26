"""Sync a counter's SQLite store with the province registry: pull, then push.

Pull: per table, rows with ``seq`` above this counter's cursor for that registry, in
batches; each batch and its new cursor are committed together locally, so an
interrupted sync resumes without duplicates or gaps. Pulled rows are stored as they are
(the same sealed bytes: one province key), faces go into the in-memory index at once,
and pulled purges delete the citizen here too. Push: rows recorded here and not yet
pushed, citizens first, each chunk in one registry transaction, then marked as pushed;
a push that is cut off is simply repeated (the registry skips rows it already has).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from kiosk.errors import DataKeyError
from kiosk.province.registry import COLUMNS, TABLES, Registry
from kiosk.store.records import tombstone
from models.citizen import mask_id_number

if TYPE_CHECKING:
    from kiosk.counter.service import Kiosk

PULL_BATCH = 5000
REGISTRY_META = "registry_id"
"""Meta entry naming the registry this counter syncs with (a shared key lives there too)."""
PUSH_CHUNK = 1000


@dataclass
class SyncReport:
    """Rows pulled and pushed per table, citizens purged here because of a remote purge, and the time taken (s)."""

    pulled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    pushed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    purged_here: int = 0
    rejected: int = 0
    seconds: float = 0.0


def sync(kiosk: Kiosk, url: str, *, batch: int = PULL_BATCH, after_batch: Callable[[str, int], None] | None = None,
         create_registry: bool = False) -> SyncReport:
    """Pull then push. ``after_batch(table, rows)`` is called after each committed pull batch (tests use it
    to cut the connection half-way). ``create_registry`` makes the registry tables in an empty
    database (once, when a province starts); otherwise a database without them is refused.

    Raises:
        RegistryError: unreachable registry, another data key, or a failed step (what was
            committed stays committed; the next sync resumes).
    """
    start = time.perf_counter()
    report = SyncReport()
    with Registry.connect(url) as registry:
        registry_id = registry.ensure_schema(kiosk.store.key.check_value().hex(), create=create_registry)
        if kiosk.store.meta_get(REGISTRY_META) != registry_id:
            with kiosk.store.transaction("remember the registry"):
                kiosk.store.meta_set(REGISTRY_META, registry_id)
        _pull(kiosk, registry, registry_id, batch, report, after_batch)
        _push(kiosk, registry, report)
    report.seconds = time.perf_counter() - start
    kiosk.store.audit("sync", kiosk.actor, kiosk.settings.counter_name, "", pulled=sum(report.pulled.values()),
                      pushed=sum(report.pushed.values()), purged_here=report.purged_here, rejected=report.rejected)
    return report


# -- pull ------------------------------------------------------------------------------
def _pull(kiosk: Kiosk, registry: Registry, registry_id: str, batch: int, report: SyncReport,
          after_batch: Callable[[str, int], None] | None) -> None:
    store = kiosk.store
    newest = registry.last_seq()
    for table in TABLES:
        cursor_name = f"sync_cursor:{registry_id}:{table}"
        if int(store.meta_get(cursor_name) or 0) > newest:  # the registry was restored from a backup
            with store.transaction("reset the sync position"):
                store.meta_set(cursor_name, "0")  # pull everything again; applying is idempotent
        while True:
            cursor = int(store.meta_get(cursor_name) or 0)
            rows = registry.pull(table, cursor, batch)
            if not rows:
                break
            pulled = _Batch(kiosk, rows)
            with store.transaction(f"store pulled {table}"):
                applied = _APPLY[table](pulled)
                store.meta_set(cursor_name, str(rows[-1]["seq"]))
            _update_index(kiosk, pulled)
            report.pulled[table] += applied
            report.rejected += pulled.rejected
            report.purged_here += len(pulled.gone)
            if after_batch:
                after_batch(table, len(rows))
    if report.purged_here:
        store.checkpoint()


class _Batch:
    """One pulled batch being applied inside a local transaction, with lookups done per batch, not per row."""

    def __init__(self, kiosk: Kiosk, rows: list[dict[str, Any]]) -> None:
        self.kiosk = kiosk
        self.db = kiosk.store.db.conn
        self.rows = rows
        self.faces: list[tuple[int, str, np.ndarray]] = []  # (citizen id, engine, decrypted embedding) for the index
        self.gone: list[int] = []  # citizens deleted here
        self.changed: list[int] = []  # citizens who lost some samples (re-index them)
        self.rejected = 0  # rows whose sealed values do not authenticate under our key
        self._free_ids: list[int] = []
        self._tombs = dict(self.db.execute("SELECT tomb, purged_at FROM purges").fetchall())
        hashes = list({r["id_hash"] for r in rows if "id_hash" in r})
        self.local: dict[bytes, tuple[int, str]] = {}
        for chunk in range(0, len(hashes), 500):
            part = hashes[chunk : chunk + 500]
            sql = f"SELECT id_hash, id, updated_at FROM citizens WHERE id_hash IN ({','.join('?' * len(part))})"
            self.local.update({bytes(h): (i, u or "") for h, i, u in self.db.execute(sql, part)})

    def blocked(self, id_hash: bytes, created: str) -> bool:
        """True when this counter purged the citizen at or after ``created`` (do not re-add)."""
        purged_at = self._tombs.get(tombstone(id_hash))
        return purged_at is not None and purged_at >= created

    def authentic(self, sealed: bytes, context: bytes) -> bytes | None:
        """The plaintext of a pulled sealed value, or None (counted) when it does not authenticate."""
        try:
            return self.kiosk.store.key.open(sealed, context)
        except DataKeyError:
            self.rejected += 1
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
                first = self.kiosk.store.reserve_citizen_ids(len(self.rows))
                self._free_ids = list(range(first + len(self.rows) - 1, first - 1, -1))
            citizen_id = self._free_ids.pop()
            self.db.execute("INSERT INTO citizens (id, id_hash, sealed, enrolled_at, enrolled_counter, updated_at, pushed) "
                            "VALUES (?, ?, ?, ?, ?, ?, 1)", [citizen_id, id_hash, sealed, row[f"{prefix}enrolled_at"],
                                                             row[f"{prefix}enrolled_counter"], updated])
            self.local[id_hash] = (citizen_id, updated)
            return citizen_id
        if known[1] < updated:
            self.db.execute("UPDATE citizens SET sealed = ?, updated_at = ? WHERE id = ?", [sealed, updated, known[0]])
            self.local[id_hash] = (known[0], updated)
        return known[0]


def _apply_citizens(batch: _Batch) -> int:
    applied = 0
    for row in batch.rows:
        before = batch.local.get(row["id_hash"])
        if batch.citizen(row) is not None and (before is None or before[1] < row["updated_at"]):
            applied += 1
    return applied


def _apply_children(table: str) -> Callable[[_Batch], int]:
    created = {"face_samples": "captured_at", "consents": "given_at", "visits": "at"}[table]
    columns = [c for c in COLUMNS[table] if c != "id_hash"]
    insert = f"INSERT INTO {table} (citizen_id, {', '.join(columns)}, pushed) VALUES (?, {', '.join('?' * len(columns))}, 1)"

    def apply(batch: _Batch) -> int:
        uids = [r["uid"] for r in batch.rows]
        have: set[str] = set()
        for chunk in range(0, len(uids), 500):
            part = uids[chunk : chunk + 500]
            have.update(u for (u,) in batch.db.execute(f"SELECT uid FROM {table} WHERE uid IN ({','.join('?' * len(part))})", part))
        values = []
        for row in batch.rows:
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
                batch.faces.append((citizen_id, row["engine"], np.frombuffer(plain, dtype="<f4").astype(np.float32)))
        batch.db.executemany(insert, values)
        if table == "visits":
            batch.db.executemany("UPDATE citizens SET last_visit_at = max(coalesce(last_visit_at, ''), ?) WHERE id = ?",
                                 [[v[1 + columns.index("at")], v[0]] for v in values])
        return len(values)

    return apply


def _apply_purges(batch: _Batch) -> int:
    """A remote purge: delete this citizen's samples, consents and visits dated at or before it,
    then the citizen if no consent is left (the registry applies the same rule)."""
    kiosk, db = batch.kiosk, batch.db
    by_tomb = {tombstone(bytes(h)): i for h, i in db.execute("SELECT id_hash, id FROM citizens")}
    applied = 0
    for row in batch.rows:
        db.execute("""INSERT INTO purges (tomb, purged_at, counter, reason, pushed) VALUES (?, ?, ?, ?, 1)
                      ON CONFLICT(tomb) DO UPDATE SET purged_at = max(purged_at, excluded.purged_at)""",
                   [row["tomb"], row["purged_at"], row["counter"], row["reason"]])
        citizen_id = by_tomb.get(row["tomb"])
        if citizen_id is None:
            continue
        masked = mask_id_number(kiosk.store.citizen(citizen_id).id_number)
        for table, created in (("face_samples", "captured_at"), ("consents", "given_at"), ("visits", "at")):
            db.execute(f"DELETE FROM {table} WHERE citizen_id = ? AND {created} <= ?", [citizen_id, row["purged_at"]])
        if db.execute("SELECT 1 FROM consents WHERE citizen_id = ?", [citizen_id]).fetchone():
            batch.changed.append(citizen_id)  # enrolled again after that purge: keep only what came after
            continue
        db.execute("DELETE FROM citizens WHERE id = ?", [citizen_id])
        kiosk.store.audit("purge", "registry", kiosk.settings.counter_name, masked, reason=f"purged at {row['counter']}: {row['reason']}")
        batch.gone.append(citizen_id)
        applied += 1
    return applied


_APPLY: dict[str, Callable[[_Batch], int]] = {
    "purges": _apply_purges, "citizens": _apply_citizens,
    "face_samples": _apply_children("face_samples"), "consents": _apply_children("consents"), "visits": _apply_children("visits"),
}


def _update_index(kiosk: Kiosk, batch: _Batch) -> None:
    """Bring an already loaded in-memory index in line with what the batch changed."""
    if not kiosk.index_loaded:
        return
    for citizen_id in batch.gone:
        kiosk.index.remove(citizen_id)
    for citizen_id in batch.changed:
        kiosk.reindex(citizen_id)
    engines = sorted({e for _, e, _ in batch.faces}, key=lambda e: e != kiosk.engine)  # the default engine's first
    for engine in engines:
        rows = [(c, e) for c, name, e in batch.faces if name == engine]
        kiosk.index.add(engine, np.array([c for c, _ in rows], dtype=np.int64), np.stack([e for _, e in rows]))


# -- push ------------------------------------------------------------------------------
_PENDING = {
    "purges": "SELECT rowid AS _key, tomb, purged_at, counter, reason FROM purges WHERE pushed = 0",
    "citizens": "SELECT id AS _key, id_hash, sealed, enrolled_at, enrolled_counter, updated_at FROM citizens WHERE pushed = 0",
    **{t: f"SELECT t.id AS _key, c.id_hash, {', '.join('t.' + c for c in COLUMNS[t] if c != 'id_hash')} "
          f"FROM {t} t JOIN citizens c ON c.id = t.citizen_id WHERE t.pushed = 0"
       for t in ("face_samples", "consents", "visits")},
}
_KEY = {"purges": "rowid", "citizens": "id", "face_samples": "t.id", "consents": "t.id", "visits": "t.id"}


def _push(kiosk: Kiosk, registry: Registry, report: SyncReport) -> None:
    """Push pending rows: purges, then citizens (with their consent times, for the tombstone
    rule), then samples, consents, visits; each chunk in one registry transaction, then marked
    pushed, except rows the registry asked to retry (their citizen arrived after this push began)."""
    store = kiosk.store
    for table in TABLES:
        after = 0
        while True:
            with store.transaction("read pending rows"):
                rows = list(store.db.query(_PENDING[table] + f" AND {_KEY[table]} > ? ORDER BY {_KEY[table]} LIMIT {PUSH_CHUNK}", [after]))
                newest = _newest_consents(store, rows) if table == "citizens" and rows else None
            if not rows:
                break
            after = rows[-1]["_key"]
            result = registry.push({table: rows}, newest)
            report.pushed[table] += result.taken.get(table, 0)
            done = [[r["_key"]] for r in rows if r.get("uid") not in result.retry]
            with store.transaction("mark pushed rows"):
                store.db.conn.executemany(f"UPDATE {table} SET pushed = 1 WHERE {_KEY[table].removeprefix('t.')} = ?", done)


def _newest_consents(store: Any, rows: list[dict[str, Any]]) -> dict[bytes, str]:
    """Each pushed citizen's latest consent time here (tells a re-enrolment after a purge from stale data)."""
    ids = ",".join(str(int(r["_key"])) for r in rows)
    return {bytes(h): t for h, t in store.db.execute(
        f"SELECT c.id_hash, max(s.given_at) FROM consents s JOIN citizens c ON c.id = s.citizen_id WHERE c.id IN ({ids}) GROUP BY c.id_hash")}
