"""The province registry on PostgreSQL (psycopg 3): the copy every counter syncs with.

It holds the same sealed values as the counters (one province data key), keyed by the
blind index of the ID number, so a dump of the registry reveals no name, ID number or
template either. Every row carries ``seq`` from one sequence; pushes are serialised by
an advisory lock, so seq order is commit order and a counter can pull "everything after
seq N" per table without missing a row. Purges leave tombstones (``sha256("tomb" +
id_hash)`` with the purge time) that also refuse older data pushed later by a counter
that was offline, so a purged citizen is never resurrected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from kiosk.errors import RegistryError
from kiosk.store.report_rows import REPORT_COLUMNS
from kiosk.store.rules import COLUMNS, CREATED, KEEPS_CITIZEN, TABLES, TOMB_PREFIX, UPDATABLE, superseded

SCHEMA_VERSION = 3
"""1: the first release; 2: face samples carry their engine and model version; 3: visits carry
when the face was first seen, when the clerk finished, the citizen's rating and first visit."""
PUSH_LOCK = 715_001
"""pg_advisory_xact_lock key serialising pushes from all counters."""


def _tomb_sql(id_hash: str) -> str:
    """The tombstone of ``id_hash`` (an SQL expression) computed by PostgreSQL (see :func:`kiosk.store.rules.tombstone`)."""
    return f"sha256('\\x{TOMB_PREFIX.hex()}'::bytea || {id_hash})"


_V2_ENGINES = [
    # Templates say which face engine made them (all earlier ones were dlib's), as at the counters.
    "ALTER TABLE face_samples ADD COLUMN IF NOT EXISTS engine text NOT NULL DEFAULT 'dlib'",
    "ALTER TABLE face_samples ADD COLUMN IF NOT EXISTS model_version text NOT NULL DEFAULT 'dlib_face_recognition_resnet_model_v1'",
]

_V3_VISITS = [
    # What the province's report needs of a visit, as at the counters (schema 5); nothing personal.
    "ALTER TABLE visits ADD COLUMN IF NOT EXISTS seen_at text",
    "ALTER TABLE visits ADD COLUMN IF NOT EXISTS done_at text",
    "ALTER TABLE visits ADD COLUMN IF NOT EXISTS rating text",
    "ALTER TABLE visits ADD COLUMN IF NOT EXISTS first_visit integer NOT NULL DEFAULT 0",
    "CREATE INDEX IF NOT EXISTS visits_at ON visits(at)",
]

_DDL = [
    "CREATE TABLE IF NOT EXISTS registry_meta (name text PRIMARY KEY, value text NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS change_seq",
    f"""CREATE TABLE IF NOT EXISTS citizens (
        id_hash bytea PRIMARY KEY,
        tomb bytea GENERATED ALWAYS AS ({_tomb_sql("id_hash")}) STORED,
        sealed bytea NOT NULL,
        enrolled_at text NOT NULL,
        enrolled_counter text NOT NULL,
        updated_at text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    "CREATE INDEX IF NOT EXISTS citizens_tomb ON citizens(tomb)",
    """CREATE TABLE IF NOT EXISTS face_samples (
        uid text PRIMARY KEY,
        id_hash bytea NOT NULL REFERENCES citizens(id_hash) ON DELETE CASCADE,
        embedding bytea NOT NULL, sharpness real NOT NULL, brightness real NOT NULL, yaw real NOT NULL,
        captured_at text NOT NULL, counter text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    *_V2_ENGINES,
    """CREATE TABLE IF NOT EXISTS consents (
        uid text PRIMARY KEY,
        id_hash bytea NOT NULL REFERENCES citizens(id_hash) ON DELETE CASCADE,
        purpose text NOT NULL, text_version text NOT NULL, given_at text NOT NULL, counter text NOT NULL, staff text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    """CREATE TABLE IF NOT EXISTS visits (
        uid text PRIMARY KEY,
        id_hash bytea NOT NULL REFERENCES citizens(id_hash) ON DELETE CASCADE,
        at text NOT NULL, counter text NOT NULL, method text NOT NULL, distance real, margin real,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    *_V3_VISITS,
    """CREATE TABLE IF NOT EXISTS purges (
        tomb bytea PRIMARY KEY, purged_at text NOT NULL, counter text NOT NULL, reason text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    *(
        f"CREATE INDEX IF NOT EXISTS {t}_seq ON {t}(seq)"
        for t in ("citizens", "face_samples", "consents", "visits", "purges")
    ),
    *(f"CREATE INDEX IF NOT EXISTS {t}_id_hash ON {t}(id_hash)" for t in ("face_samples", "consents", "visits")),
]

__all__ = ["CLOCK_TOLERANCE", "COLUMNS", "PUSH_LOCK", "SCHEMA_VERSION", "TABLES", "PushResult", "Registry", "redact"]


def _password(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except Exception:
        return ""


def redact(url: str) -> str:
    """A connection string for messages: parsed by libpq's rules, password shown as ``***``
    (never log credentials). An unparseable string is not echoed at all."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(url)
    except Exception:
        return "(an unreadable connection string)"
    if "password" in params:
        params["password"] = "***"
    if url.startswith(("postgresql://", "postgres://")):
        secret = _password(url)
        return url.replace(f":{quote(secret, safe='')}@", ":***@").replace(f":{secret}@", ":***@") if secret else url
    return make_conninfo("", **params)


class Registry:
    """A connection to the registry database. Use as a context manager."""

    def __init__(self, conn: Any, url: str) -> None:
        self.conn = conn
        self.url = url

    @classmethod
    def connect(cls, url: str, timeout_s: int = 5) -> Registry:
        """Connect (libpq URL or key=value string; TLS options such as ``sslmode`` pass through).

        Raises:
            RegistryError: the server is unreachable, refuses the login, or the database is missing.
        """
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        try:
            conninfo_to_dict(url)
        except psycopg.Error:  # libpq would echo fragments of the string, password included
            raise RegistryError(
                "the registry address is not a valid PostgreSQL connection string",
                "write it as postgresql://user@host/database (see docs/REGISTRY.md)",
            ) from None
        try:
            conn = psycopg.connect(url, connect_timeout=timeout_s, autocommit=False)
        except psycopg.Error as exc:
            raise RegistryError(
                f"cannot reach the registry {redact(url)}: {_first_line(exc, url)}",
                "the counter keeps working offline; sync again when the network is back",
            ) from None
        return cls(conn, url)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, action: str, *, lock: bool = False) -> Iterator[Any]:
        """One registry transaction (with the push lock when ``lock``); errors become RegistryError."""
        import psycopg

        try:
            with self.conn.transaction(), self.conn.cursor() as cur:
                if lock:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [PUSH_LOCK])
                yield cur
        except psycopg.Error as exc:
            raise RegistryError(
                f"registry {action} failed: {_first_line(exc, self.url)}",
                "nothing half-done was kept; sync again (it resumes where it stopped)",
            ) from None

    def create_tables(self) -> None:
        """Make the registry tables in this database (idempotent); the first sync records the key."""
        with self.transaction("set-up", lock=True) as cur:
            for statement in _DDL:
                cur.execute(statement)

    def ensure_schema(self, key_check: str, *, create: bool = False) -> str:
        """Check (or, with ``create``, make) the registry tables, refuse a registry sealed with
        another data key, and return the registry's id (counters keep one pull cursor per registry).

        Without ``create`` a database that has no registry tables is refused: a mistyped
        URL must not start a second, split registry.
        """
        with self.transaction("set-up", lock=True) as cur:
            if create:
                for statement in _DDL:
                    cur.execute(statement)
            else:
                cur.execute("SELECT to_regclass('registry_meta') IS NOT NULL")
                if not cur.fetchone()[0]:
                    raise RegistryError(
                        f"{redact(self.url)} is not a kiosk registry (it has no registry tables)",
                        "check the URL; to start a new registry there, run once: kiosk sync --init-registry",
                    )
            cur.execute(
                """INSERT INTO registry_meta VALUES ('schema_version', %s), ('key_check', %s),
                           ('registry_id', gen_random_uuid()::text) ON CONFLICT DO NOTHING""",
                [str(SCHEMA_VERSION), key_check],
            )
            cur.execute("SELECT name, value FROM registry_meta")
            meta = dict(cur.fetchall())
            version = int(meta["schema_version"])
            if version < SCHEMA_VERSION:  # an older registry: bring its tables up to date, step by step
                for statement in [*(_V2_ENGINES if version < 2 else []), *_V3_VISITS]:
                    cur.execute(statement)
                cur.execute("UPDATE registry_meta SET value = %s WHERE name = 'schema_version'", [str(SCHEMA_VERSION)])
                meta["schema_version"] = str(SCHEMA_VERSION)
        if int(meta["schema_version"]) > SCHEMA_VERSION:
            raise RegistryError("the registry was set up by a newer kiosk release", "upgrade this counter's software")
        if meta["key_check"] != key_check:
            raise RegistryError(
                "the registry holds data sealed with a different data key",
                "install the province's key file on this counter (see docs/REGISTRY.md)",
            )
        return str(meta["registry_id"])

    # -- pull --------------------------------------------------------------------------
    def pull(self, table: str, after: int, limit: int) -> list[dict[str, Any]]:
        """Rows of ``table`` with ``seq > after``, in seq order, at most ``limit`` (dicts with ``seq``).

        Child rows (samples, consents, visits) come with their citizen's columns
        (``c_sealed``, ``c_enrolled_at``...) so a counter can add a citizen it has not seen.
        """
        columns = ", ".join(f"t.{c}" for c in COLUMNS[table])
        sql = f"SELECT t.seq, {columns}"
        if table in CREATED:
            sql += ", c.sealed AS c_sealed, c.enrolled_at AS c_enrolled_at, c.enrolled_counter AS c_enrolled_counter, c.updated_at AS c_updated_at"
            sql += f" FROM {table} t JOIN citizens c ON c.id_hash = t.id_hash"
        else:
            sql += f" FROM {table} t"
        sql += " WHERE t.seq > %s ORDER BY t.seq LIMIT %s"
        from psycopg.rows import dict_row

        with self.transaction(f"pull of {table}") as cur:
            cur.row_factory = dict_row
            cur.execute(sql, [after, limit])
            return [{k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()} for row in cur.fetchall()]

    # -- push --------------------------------------------------------------------------
    def push(self, rows: dict[str, list[dict[str, Any]]], newest_consent: dict[bytes, str] | None = None) -> PushResult:
        """Apply a counter's new rows in one locked transaction.

        - A purge is applied by the purge rule (:mod:`kiosk.store.rules`): a tombstone, and,
          for that citizen, every sample, consent and visit dated at or before the purge
          deleted, then the citizen if no consent is left.
        - A citizen row of a tombstoned citizen is refused unless ``newest_consent[id_hash]``
          (the counter's latest consent time for that citizen) is newer than the purge.
        - A sample, consent or visit of a tombstoned citizen dated at or before the purge is
          refused. One whose citizen is not in the registry (yet) is neither taken nor
          refused: its uid is returned in ``retry`` and pushed again next time.
        - Rows already present (same uid / blind index) are skipped: a push is idempotent.

        Raises:
            RegistryError: a timestamp lies more than :data:`CLOCK_TOLERANCE` ahead of the
                registry's clock (this counter's clock is wrong; the tombstone rule needs it right).
        """
        result = PushResult(dict.fromkeys(COLUMNS, 0), set())
        newest_consent = newest_consent or {}
        with self.transaction("push", lock=True) as cur:
            cur.execute("SELECT now()")
            _check_clock(rows, cur.fetchone()[0])
            for p in rows.get("purges", []):
                cur.execute(
                    """INSERT INTO purges (tomb, purged_at, counter, reason) VALUES (%s, %s, %s, %s)
                               ON CONFLICT (tomb) DO UPDATE SET purged_at = greatest(purges.purged_at, excluded.purged_at),
                               seq = nextval('change_seq')""",
                    [p["tomb"], p["purged_at"], p["counter"], p["reason"]],
                )
                for table, created in CREATED.items():
                    cur.execute(
                        f"DELETE FROM {table} WHERE {created} <= %s AND id_hash IN (SELECT id_hash FROM citizens WHERE tomb = %s)",
                        [p["purged_at"], p["tomb"]],
                    )
                cur.execute(
                    f"DELETE FROM citizens c WHERE tomb = %s AND NOT EXISTS (SELECT 1 FROM {KEEPS_CITIZEN} k WHERE k.id_hash = c.id_hash)",
                    [p["tomb"]],
                )
                result.taken["purges"] += 1
            for c in rows.get("citizens", []):
                purged_at = _purged_at(cur, c["id_hash"])
                if superseded(newest_consent.get(c["id_hash"], ""), purged_at):
                    continue  # stale data of a purged citizen: never resurrect
                cur.execute(
                    """INSERT INTO citizens (id_hash, sealed, enrolled_at, enrolled_counter, updated_at)
                               VALUES (%s, %s, %s, %s, %s)
                               ON CONFLICT (id_hash) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at,
                               seq = nextval('change_seq') WHERE citizens.updated_at < excluded.updated_at""",
                    [c[k] for k in COLUMNS["citizens"]],
                )
                result.taken["citizens"] += cur.rowcount
            for table, created in CREATED.items():
                columns = COLUMNS[table]
                insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) ON CONFLICT (uid) {_on_conflict(table)}"
                for r in rows.get(table, []):
                    purged_at = _purged_at(cur, r["id_hash"])
                    if superseded(r[created], purged_at):
                        continue  # refused for good: data of a purged citizen
                    cur.execute("SELECT 1 FROM citizens WHERE id_hash = %s", [r["id_hash"]])
                    if cur.fetchone() is None:
                        result.retry.add(r["uid"])
                        continue
                    cur.execute(insert, [r[k] for k in columns])
                    result.taken[table] += cur.rowcount
        return result

    def bulk_load(self, table: str, rows: Iterable[Sequence[Any]], columns: Sequence[str] | None = None) -> int:
        """COPY ``rows`` (values in ``columns`` order, default :data:`COLUMNS` of ``table``; ``seq``
        is filled in) into ``table`` in one transaction, without the push's checks: for filling
        a registry fast (benchmarks). Returns the rows written.

        Raises:
            RegistryError: the load failed (nothing of it is kept).
        """
        written = 0
        with (
            self.transaction(f"bulk load of {table}") as cur,
            cur.copy(f"COPY {table} ({', '.join(columns or COLUMNS[table])}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        return written

    def visit_rows(self, start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:
        """Every counter's visits confirmed at or after ``start`` and before ``end`` (aware; None:
        no bound), oldest first, as dicts of :data:`kiosk.store.report_rows.REPORT_COLUMNS`: no
        blind index, nothing sealed.

        Raises:
            RegistryError: the registry cannot be read.
        """
        where, params = ["true"], []
        if start is not None:
            where.append("at >= %s")
            params.append(start.astimezone(timezone.utc).isoformat())
        if end is not None:
            where.append("at < %s")
            params.append(end.astimezone(timezone.utc).isoformat())
        sql = f"SELECT {', '.join(REPORT_COLUMNS)} FROM visits WHERE {' AND '.join(where)} ORDER BY at, uid"
        with self.transaction("read of the visits") as cur:
            cur.execute("SELECT to_regclass('registry_meta') IS NOT NULL")
            if not cur.fetchone()[0]:
                raise RegistryError(
                    f"{redact(self.url)} is not a kiosk registry (it has no registry tables)", "check the URL"
                )
            cur.execute("SELECT value FROM registry_meta WHERE name = 'schema_version'")
            version = cur.fetchone()
            if version is None or int(version[0]) < SCHEMA_VERSION:
                raise RegistryError(
                    "the registry does not hold the visits' times and ratings yet (an older schema)",
                    "sync one counter with this release first: it upgrades the registry",
                )
            cur.execute(sql, params)
            return [dict(zip(REPORT_COLUMNS, row)) for row in cur.fetchall()]

    def last_seq(self) -> int:
        """The newest change number handed out (0 on a new registry)."""
        with self.transaction("read the change number") as cur:
            cur.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM change_seq")
            return int(cur.fetchone()[0])

    def counts(self) -> dict[str, int]:
        """Rows per table (for reports and tests)."""
        with self.transaction("count") as cur:
            out = {}
            for table in COLUMNS:
                cur.execute(f"SELECT count(*) FROM {table}")
                out[table] = cur.fetchone()[0]
            return out


@dataclass
class PushResult:
    """What a push did: rows taken per table, and child uids to push again (their citizen was missing)."""

    taken: dict[str, int]
    retry: set[str]


CLOCK_TOLERANCE = timedelta(minutes=10)
"""How far a counter's timestamps may run ahead of the registry's clock."""


def _check_clock(rows: dict[str, list[dict[str, Any]]], server_now: datetime) -> None:
    stamps = [
        r[k]
        for table, items in rows.items()
        for r in items
        for k in ("enrolled_at", "updated_at", "purged_at", *CREATED.values())
        if k in r and r[k]
    ]
    if not stamps:
        return
    latest = max(datetime.fromisoformat(t) for t in stamps)
    if latest > server_now + CLOCK_TOLERANCE:
        ahead = int((latest - server_now).total_seconds() // 60)
        raise RegistryError(
            f"this counter's clock is about {ahead} minutes ahead of the registry's",
            "set the PC's clock right (enable time synchronisation), then sync again; nothing was sent",
        )


def _on_conflict(table: str) -> str:
    """What a row pushed again does (:data:`kiosk.store.rules.UPDATABLE`): a visit since done or
    rated updates the registry's row (a new ``seq``, so other counters pull it again); else nothing."""
    if table not in UPDATABLE:
        return "DO NOTHING"
    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM {_merged(table, c)}" for c in UPDATABLE[table])
    sets = ", ".join(f"{c} = {_merged(table, c)}" for c in UPDATABLE[table])
    return f"DO UPDATE SET {sets}, seq = nextval('change_seq') WHERE {changed}"


def _merged(table: str, column: str) -> str:
    """The value a re-pushed row leaves: the first ``done_at``, the latest answer (an absent one keeps the stored)."""
    if column == "done_at":
        return f"coalesce({table}.done_at, excluded.done_at)"
    return f"coalesce(excluded.{column}, {table}.{column})"


def _purged_at(cur: Any, id_hash: bytes) -> str | None:
    cur.execute(f"SELECT purged_at FROM purges WHERE tomb = {_tomb_sql('%s')}", [id_hash])
    row = cur.fetchone()
    return row[0] if row else None


def _first_line(exc: BaseException, url: str = "") -> str:
    """The first line of a driver error, with any password from ``url`` blanked out."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    secret = _password(url)
    return line.replace(secret, "***") if secret else line
