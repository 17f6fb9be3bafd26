"""The counter's SQLite store, through sqlite-utils.

Tables: citizens, face_samples (float32 little-endian BLOBs, several per citizen),
consents, visits and an append-only audit_log (see :mod:`kiosk.schema`). WAL mode,
foreign keys on, ``secure_delete`` on (purged rows are overwritten with zeros). Every
multi-row write is one transaction: an error leaves nothing half-written.
Timestamps are ISO-8601 UTC strings (``2026-11-23T11:20:56+00:00``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.errors import StoreError
from kiosk.schema import MIGRATIONS, SCHEMA_VERSION
from models import CitizenRecord, FaceSample, Visit
from models.citizen import mask_id_number

BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's lock before the store gives up, in seconds."""


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class ConsentRecord:
    """An explicit consent as recorded: purpose, the text version shown, when, where, by whom."""

    purpose: str
    text_version: str
    given_at: datetime
    counter: str
    staff: str


class Store:
    """One SQLite file. Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, db: Any, path: Path, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.path = path
        self.clock = clock
        self._lock = threading.RLock()  # one connection, shared by the UI and worker threads

    @contextmanager
    def _use(self, action: str) -> Iterator[None]:
        """Hold the connection for one operation and turn sqlite3 errors into StoreError."""
        with self._lock, _guard(self.path, action):
            yield

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, clock: Callable[[], datetime] = utc_now, *, create: bool = True) -> Store:
        """Open and migrate the database at ``path``; with ``create`` a missing file is made.

        Raises:
            StoreError: the file is missing (and ``create`` is False), the folder cannot
                be created, the file is read-only, locked, not a database, or was written
                by a newer release.
        """
        import sqlite_utils

        file = Path(path)
        if not create and not file.is_file():
            raise StoreError(f"no kiosk database at {file}", "check --db (or db_path in the settings), or enrol a citizen first")
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {file}: {exc.strerror}", "choose another --db path") from None
        with _guard(file, "open"):
            conn = sqlite3.connect(str(file), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        store = cls(sqlite_utils.Database(conn), file, clock)
        try:
            with _guard(file, "open"):
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA secure_delete = ON")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{file} was written by a newer kiosk release (schema {version}, this one knows {SCHEMA_VERSION})",
                        "upgrade the kiosk software",
                    )
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                store._migrate(version)
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, version: int) -> None:
        for number in range(version, SCHEMA_VERSION):
            with self.db.atomic():
                for statement in MIGRATIONS[number]:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def transaction(self, action: str) -> Iterator[None]:
        """One transaction around several store calls (they nest as savepoints): all or nothing.

        ``action`` names the work in the error message ("enrol", "purge"...).
        """
        with self._use(action), self.db.atomic():
            yield

    def close(self) -> None:
        """Close the connection (checkpoints the WAL when this is the last one)."""
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- citizens ----------------------------------------------------------------------
    def find_citizen(self, id_number: str) -> tuple[int, CitizenRecord] | None:
        """``(internal id, record)`` for a 12-digit ID number, or None."""
        with self._use("read"):
            rows = list(self.db["citizens"].rows_where("id_number = ?", [id_number], limit=1))
        return (rows[0]["id"], _record(rows[0])) if rows else None

    def citizen(self, citizen_id: int) -> CitizenRecord:
        """The record of an internal citizen id. Raises KeyError when it is gone."""
        with self._use("read"):
            rows = list(self.db["citizens"].rows_where("id = ?", [citizen_id], limit=1))
        if not rows:
            raise KeyError(citizen_id)
        return _record(rows[0])

    def citizens(self, search: str = "", limit: int | None = None) -> list[dict[str, Any]]:
        """Citizens with sample and visit counts, by name; ``search`` matches name or ID number (substring)."""
        sql = """SELECT c.*, (SELECT count(*) FROM face_samples s WHERE s.citizen_id = c.id) AS samples,
                        (SELECT count(*) FROM visits v WHERE v.citizen_id = c.id) AS visits
                 FROM citizens c WHERE c.full_name LIKE :q OR c.id_number LIKE :q ORDER BY c.full_name, c.id"""
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._use("read"):
            return list(self.db.query(sql, {"q": f"%{search}%"}))

    def enrol(self, record: CitizenRecord, samples: Sequence[FaceSample], consent: ConsentRecord, counter: str) -> int:
        """Insert a citizen, their samples and their consent in one transaction. Returns the internal id."""
        now = self.clock().isoformat()
        with self._use("enrol"), self.db.atomic():
            citizen_id = self.db["citizens"].insert({**_row(record), "enrolled_at": now, "enrolled_counter": counter}).last_pk
            self._insert_samples(citizen_id, samples, counter, now)
            self.db["consents"].insert(
                {
                    "citizen_id": citizen_id,
                    "purpose": consent.purpose,
                    "text_version": consent.text_version,
                    "given_at": consent.given_at.isoformat(),
                    "counter": consent.counter,
                    "staff": consent.staff,
                }
            )
        return int(citizen_id)

    def add_samples(self, citizen_id: int, samples: Sequence[FaceSample], counter: str) -> None:
        """Append face samples to an existing citizen, in one transaction."""
        with self._use("add samples"), self.db.atomic():
            self._insert_samples(citizen_id, samples, counter, self.clock().isoformat())

    def _insert_samples(self, citizen_id: int, samples: Sequence[FaceSample], counter: str, now: str) -> None:
        self.db["face_samples"].insert_all(
            {
                "citizen_id": citizen_id,
                "embedding": np.ascontiguousarray(s.embedding, dtype="<f4").tobytes(),
                "sharpness": s.sharpness,
                "brightness": s.brightness,
                "yaw": s.yaw,
                "captured_at": now,
                "counter": counter,
            }
            for s in samples
        )

    def delete_citizen(self, citizen_id: int) -> dict[str, int]:
        """Delete a citizen with every sample, consent and visit (one transaction).

        Returns the number of rows deleted per table. ``secure_delete`` overwrites them.
        """
        counts: dict[str, int] = {}
        with self._use("purge"), self.db.atomic():
            for table in ("face_samples", "consents", "visits"):
                counts[table] = self.db.execute(f"DELETE FROM {table} WHERE citizen_id = ?", [citizen_id]).rowcount
            counts["citizens"] = self.db.execute("DELETE FROM citizens WHERE id = ?", [citizen_id]).rowcount
        return counts

    def consents(self, citizen_id: int) -> list[dict[str, Any]]:
        """A citizen's consent rows, oldest first."""
        with self._use("read"):
            return list(self.db["consents"].rows_where("citizen_id = ?", [citizen_id], order_by="id"))

    # -- samples for the index ---------------------------------------------------------
    def sample_count(self) -> int:
        """Number of stored face samples."""
        with self._use("read"):
            return int(self.db.execute("SELECT count(*) FROM face_samples").fetchone()[0])

    def iter_embeddings(self, batch: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stream all samples as ``(citizen_ids (k,) int64, embeddings (k, 128) float32)`` batches."""
        with self._use("read"):
            cursor = self.db.execute("SELECT citizen_id, embedding FROM face_samples")
            while rows := cursor.fetchmany(batch):
                ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                emb = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), 128)
                yield ids, emb.astype(np.float32, copy=False)

    # -- visits and audit --------------------------------------------------------------
    def record_visit(self, visit: Visit) -> int:
        """Log a check-in and stamp the citizen's last visit, in one transaction."""
        at = visit.at.isoformat()
        with self._use("record the visit"), self.db.atomic():
            visit_id = self.db["visits"].insert(
                {"citizen_id": visit.citizen_id, "at": at, "counter": visit.counter, "method": visit.method,
                 "distance": visit.distance, "margin": visit.margin}
            ).last_pk
            self.db.execute("UPDATE citizens SET last_visit_at = ? WHERE id = ?", [at, visit.citizen_id])
        return int(visit_id)

    def visits(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest visits, newest first, with the citizen's masked ID and name."""
        sql = """SELECT v.id, v.at, v.counter, v.method, v.distance, v.margin, c.id_number, c.full_name
                 FROM visits v JOIN citizens c ON c.id = v.citizen_id ORDER BY v.at DESC, v.id DESC LIMIT ?"""
        with self._use("read"):
            rows = list(self.db.query(sql, [limit]))
        for row in rows:
            row["id_number"] = mask_id_number(row["id_number"])
        return rows

    def audit(self, action: str, actor: str, counter: str, subject: str = "", **detail: Any) -> None:
        """Append one audit entry. ``subject`` must already be masked (never a full ID number)."""
        with self._use("write the audit log"), self.db.atomic():
            self.db["audit_log"].insert(
                {"at": self.clock().isoformat(), "counter": counter, "actor": actor, "action": action,
                 "subject": subject, "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)}
            )

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        with self._use("read"):
            return list(self.db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))


def _row(record: CitizenRecord) -> dict[str, Any]:
    data = record.to_dict()
    data["extra"] = json.dumps(data["extra"], ensure_ascii=False)
    return data


def _record(row: dict[str, Any]) -> CitizenRecord:
    return CitizenRecord.from_dict({**row, "extra": json.loads(row["extra"] or "[]")})


@contextmanager
def _guard(path: Path, action: str) -> Iterator[None]:
    """Turn sqlite3 errors into a :class:`StoreError` that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _store_error(path, action, exc) from exc


def _store_error(path: Path, action: str, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError(f"cannot {action}: the database {path} is locked by another program",
                          "close the other kiosk or tool using it and try again; nothing was saved")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"cannot {action}: the database {path} is read-only",
                          "fix the file's permissions or pass --db with a writable file; nothing was saved")
    if path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return StoreError(f"cannot {action}: the database {path} or its folder is read-only (the kiosk writes "
                          f"{path.name}-wal and -shm beside it)", "fix the permissions or pass --db with a writable place; nothing was saved")
    if "unable to open" in text:
        return StoreError(f"cannot {action}: unable to open {path}", "check the path and the folder's permissions")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"cannot {action}: {path} is not a kiosk database or is damaged",
                          "restore it from a backup or pass --db with another file")
    if "disk" in text and "full" in text:
        return StoreError(f"cannot {action}: the disk holding {path} is full", "free some space; nothing was saved")
    return StoreError(f"cannot {action} in {path}: {exc}", "check the database file")
