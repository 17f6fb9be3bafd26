"""The SQLite connection under the store: opening with the data key, migrations,
transactions, consistent reads, the meta table, checkpoints, and errors that say what to do.

:class:`kiosk.store.records.Store` adds the citizens, samples, visits and audit log on top.
WAL mode, foreign keys on, ``secure_delete`` on. Timestamps are ISO-8601 UTC strings
with microseconds (``2026-11-23T11:20:56.123456+00:00``), which sort in time order.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from kiosk.errors import DataKeyError, StoreError
from kiosk.store.crypto import DataKey
from kiosk.store.meta import KEY_CHECK
from kiosk.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's lock before the store gives up, in seconds."""

KeySource = Callable[[bool], DataKey]
"""Gives the data key; the argument says whether a new key may be created (a new database)."""

_Store = TypeVar("_Store", bound="StoreBase")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC, to the microsecond (ISO strings of it sort in time order)."""
    return datetime.now(timezone.utc)


class StoreBase:
    """One SQLite file. Open with :meth:`open`; use as a context manager to close it.

    Thread-safe: one connection shared under a lock (the app's UI and worker threads).
    """

    def __init__(self, db: Any, path: Path, key: DataKey, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.path = path
        self.key = key
        self.clock = clock
        self._lock = threading.RLock()
        self._checkpoint_pending = False
        self._meta_known = False

    # -- opening -----------------------------------------------------------------------
    @classmethod
    def open(
        cls: type[_Store],
        path: str | Path,
        key_source: KeySource,
        clock: Callable[[], datetime] = utc_now,
        *,
        create: bool = True,
    ) -> _Store:
        """Open, check the key of, and migrate the database at ``path``.

        With ``create`` a missing file is made (and ``key_source(True)`` may create a key).

        Raises:
            StoreError: missing file (without ``create``), folder not creatable, read-only,
                locked, not a database, or written by a newer release.
            DataKeyError: the key is missing or is not this database's key.
        """
        import sqlite_utils

        file = Path(path)
        if not create and not file.is_file():
            raise StoreError(
                f"no kiosk database at {file}",
                "check --db (or db_path in the settings), or enrol a citizen first",
                reason="db_missing",
                facts={"path": str(file)},
            )
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for {file}: {exc.strerror}",
                "choose another --db path",
                reason="db_folder",
                facts={"path": str(file)},
            ) from None
        with _guard(file, "open"):
            conn = sqlite3.connect(str(file), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        try:
            with _guard(file, "open"):
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute("PRAGMA secure_delete = ON")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{file} was written by a newer kiosk release (schema {version}, this one knows {SCHEMA_VERSION})",
                        "upgrade the kiosk software",
                        reason="db_newer",
                        facts={"path": str(file)},
                    )
                stored_check = _read_key_check(conn)
                if version >= 2 and stored_check is None:  # encrypted, yet nothing says with which key
                    raise DataKeyError(
                        f"{file} has lost the record of its data key (a damaged or edited file)",
                        "restore the database from a backup",
                        reason="db_damaged",
                        facts={"path": str(file)},
                    )
                key = key_source(version < 2)  # only a new or a not-yet-encrypted file may get a new key
                if stored_check is not None and stored_check != key.check_value().hex():
                    raise DataKeyError(
                        f"the data key does not belong to {file}",
                        "use the key file this database was written with (KIOSK_DATA_KEY or key_file)",
                        reason="key_mismatch",
                        facts={"path": str(file)},
                    )
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
                store = cls(sqlite_utils.Database(conn), file, key, clock)
                store._migrate(version)
        except BaseException:
            conn.close()
            raise
        return store

    def _migrate(self, version: int) -> None:
        if version == SCHEMA_VERSION:
            return
        for number in range(version, SCHEMA_VERSION):
            with self.transaction("upgrade the database"):
                migration = MIGRATIONS[number]
                if callable(migration):
                    migration(self)
                else:
                    for statement in migration:
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")
        if version >= 1:  # an existing file was rewritten (e.g. encrypted): clear the old pages from the WAL
            self.checkpoint()

    @contextmanager
    def transaction(self, action: str) -> Iterator[None]:
        """One write transaction around several store calls (nested calls become savepoints).

        Takes the write lock at the start (``BEGIN IMMEDIATE``), so the audit chain is never
        forked by another process. ``action`` names the work in error messages.
        """
        with self._lock, _guard(self.path, action):
            if self.db.conn.in_transaction:
                with self.db.atomic():
                    yield
                return
            self.db.conn.execute("BEGIN IMMEDIATE")
            try:
                self._check_key_unchanged()
                yield
            except BaseException:
                self.db.rollback()
                raise
            self.db.conn.execute("COMMIT")
            if self._checkpoint_pending:  # a purge's checkpoint was blocked by a reader: try again now
                self.checkpoint(wait_s=0.0)

    @contextmanager
    def working_cache(self, megabytes: int) -> Iterator[None]:
        """Let SQLite keep up to ``megabytes`` of this file's pages in memory while many rows are
        written under random keys (a first pull), then give the memory back."""
        with self._lock:
            before = self.db.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.db.conn.execute(f"PRAGMA cache_size = {-1024 * int(megabytes)}")
        try:
            yield
        finally:
            with self._lock:
                self.db.conn.execute(f"PRAGMA cache_size = {int(before)}")

    def _check_key_unchanged(self) -> None:
        """Refuse to write if another program rotated the data key since this store opened
        (mixing two keys in one file would make it unreadable)."""
        row = (
            self.db.conn.execute("SELECT value FROM meta WHERE name = ?", [KEY_CHECK]).fetchone()
            if self._has_meta
            else None
        )
        if row is not None and row[0] != self.key.check_value().hex():
            raise DataKeyError(
                f"the data key of {self.path} was changed by another program", "restart the kiosk; nothing was saved"
            )

    @property
    def _has_meta(self) -> bool:
        if not self._meta_known:
            self._meta_known = (
                self.db.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is not None
            )
        return self._meta_known

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A consistent read over several statements (one read transaction), e.g. verifying the audit log
        while other threads or programs append to it. Nested inside a transaction it just joins it."""
        with self._lock, _guard(self.path, "read"):
            if self.db.conn.in_transaction:
                yield
                return
            self.db.conn.execute("BEGIN")
            try:
                yield
            finally:
                self.db.conn.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock, _guard(self.path, "read"):
            yield

    def integrity(self) -> list[str]:
        """SQLite's own check of the file (``PRAGMA quick_check``): the problems it names, [] when sound.

        Raises:
            StoreError: the file cannot be read at all.
        """
        with self._reading():
            rows = [str(row[0]) for row in self.db.execute("PRAGMA quick_check").fetchall()]
        return [] if rows == ["ok"] else rows

    def close(self) -> None:
        """Close the connection (a pending checkpoint is retried first; SQLite also
        checkpoints when the last connection closes). Waits for a query another thread is
        running on it (closing under it crashes the process); later calls raise StoreError."""
        with self._lock:
            if self._checkpoint_pending:
                try:
                    self.checkpoint(wait_s=5.0)
                except StoreError:
                    pass
            self.db.conn.close()

    def __enter__(self: _Store) -> _Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta --------------------------------------------------------------------------
    def meta_get(self, name: str) -> str | None:
        """A value from the meta table, or None."""
        with self._reading():
            row = self.db.execute("SELECT value FROM meta WHERE name = ?", [name]).fetchone()
        return row[0] if row else None

    def meta_set(self, name: str, value: str) -> None:
        """Set a meta value (inside the caller's transaction if there is one)."""
        with self.transaction("save settings"):
            self.db.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                [name, value],
            )

    def checkpoint(self, wait_s: float = 2.0) -> bool:
        """Copy the WAL into the main file and truncate it (old page images go with it).

        Another program reading the file (``kiosk list``, a sync) can hold the WAL for a
        moment: retry for up to ``wait_s`` seconds. Returns False if it stayed busy; the
        checkpoint is then retried at :meth:`close` (the purged rows are already
        overwritten in the main file; only the WAL copy waits).
        """
        deadline = time.monotonic() + wait_s
        with self._lock, _guard(self.path, "checkpoint"):
            while True:
                busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    self._checkpoint_pending = False
                    return True
                if time.monotonic() >= deadline:
                    self._checkpoint_pending = True
                    return False
                time.sleep(0.05)


def _read_key_check(conn: sqlite3.Connection) -> str | None:
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
        return None
    row = conn.execute("SELECT value FROM meta WHERE name = ?", [KEY_CHECK]).fetchone()
    return row[0] if row else None


@contextmanager
def _guard(path: Path, action: str) -> Iterator[None]:
    """Turn sqlite3 errors into a :class:`StoreError` that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _store_error(path, action, exc) from exc


def _store_error(path: Path, action: str, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
    facts = {"path": str(path)}
    if "locked" in text or "busy" in text:
        return StoreError(
            f"cannot {action}: the database {path} is locked by another program",
            "close the other kiosk or tool using it and try again; nothing was saved",
            reason="db_locked",
            facts=facts,
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"cannot {action}: the database {path} is read-only",
            "fix the file's permissions or pass --db with a writable file; nothing was saved",
            reason="db_read_only",
            facts=facts,
        )
    if path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return StoreError(
            f"cannot {action}: the database {path} or its folder is read-only (the kiosk writes "
            f"{path.name}-wal and -shm beside it)",
            "fix the permissions or pass --db with a writable place; nothing was saved",
            reason="db_read_only",
            facts=facts,
        )
    if "unable to open" in text:
        return StoreError(
            f"cannot {action}: unable to open {path}",
            "check the path and the folder's permissions",
            reason="db_open",
            facts=facts,
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"cannot {action}: {path} is not a kiosk database or is damaged",
            "restore it from a backup or pass --db with another file",
            reason="db_damaged",
            facts=facts,
        )
    if "disk" in text and "full" in text:
        return StoreError(
            f"cannot {action}: the disk holding {path} is full",
            "free some space; nothing was saved",
            reason="disk_full",
            facts=facts,
        )
    return StoreError(f"cannot {action} in {path}: {exc}", "check the database file")
