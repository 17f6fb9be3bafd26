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

import base64
import hashlib
import hmac
import math
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import quote

from kiosk.errors import RegistryError
from kiosk.province import functions, schema
from kiosk.store.report_rows import REPORT_COLUMNS
from kiosk.store.rules import COLUMNS, CREATED, TABLES, pulled_columns

__all__ = ["COLUMNS", "TABLES", "Pulled", "PushResult", "Registry", "redact", "scram_verifier", "spelled_out"]

STATEMENT_TIMEOUT_MS = 120_000
"""Longest a statement may run (a registry that hangs, or a lock someone holds, is an error the
counter reports and retries, never a sync that waits for ever); bulk loads lift it."""


def _password(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(url).get("password") or "")
    except Exception:
        return ""


def spelled_out(url: str) -> str:
    """A connection string as :func:`redact` shows it, password included (for a person to check
    it by hand): a URL as it is, key=value pairs in libpq's order."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if url.startswith(("postgresql://", "postgres://")):
        return url
    return make_conninfo("", **conninfo_to_dict(url))


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
    """A connection to the registry database. Use as a context manager.

    ``counter`` is the counter name this connection claims (set by :meth:`hello`); the
    registry ignores it for a counter's own role and records the name it knows instead.
    """

    def __init__(self, conn: Any, url: str) -> None:
        self.conn = conn
        self.url = url
        self.counter = ""

    @classmethod
    def connect(cls, url: str, timeout_s: int = 5) -> Registry:
        """Connect (libpq URL or key=value string; TLS options such as ``sslmode`` pass through).

        Raises:
            RegistryError: the server is unreachable, refuses the login (revoked, a wrong
                password, an untrusted certificate), or the database is missing.
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
            conn = psycopg.connect(
                url, connect_timeout=timeout_s, autocommit=False, options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
            )
        except psycopg.Error as exc:
            raise _login_error(exc, url) from None
        return cls(conn, url)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, action: str, *, lock: bool = False, binary: bool = False) -> Iterator[Any]:
        """One registry transaction (with the set-up lock when ``lock``; results in PostgreSQL's
        binary format when ``binary``); errors become RegistryError."""
        import psycopg

        try:
            with self.conn.transaction(), self.conn.cursor(binary=binary) as cur:
                if lock:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [schema.SETUP_LOCK])
                yield cur
        except psycopg.Error as exc:
            raise _statement_error(exc, action, self.url) from None

    def install(
        self,
        key_check: str | None,
        *,
        prefix: str | None = None,
        purge_limit: int | None = None,
        retention_days: int | None = None,
    ) -> None:
        """Create or upgrade the registry in this database (see :func:`kiosk.province.schema.install`):
        with ``prefix``, the province's roles too (a superuser's connection)."""
        with self.transaction("set-up", lock=True) as cur:
            cur.execute("SELECT current_database()")
            database = cur.fetchone()[0]
            schema.install(
                cur,
                key_check,
                prefix=prefix,
                database=database,
                purge_limit=purge_limit,
                retention_days=retention_days,
            )

    def create_tables(self) -> None:
        """Make the registry in this database, owned by the connected user (one machine, tests);
        the first counter's sync records the data key."""
        self.install(None)

    def hello(self, key_check: str, counter: str, *, create: bool = False) -> str:
        """Start a sync as ``counter``: check (or, with ``create``, make) the registry, refuse
        one sealed with another data key, and return the registry's id (counters keep one
        pull cursor per registry). An older registry is upgraded when this connection owns
        its tables; otherwise the province administrator must run ``kiosk province init``.

        Without ``create`` a database that has no registry tables is refused: a mistyped
        URL must not start a second, split registry.

        Raises:
            RegistryError: not a registry, a newer or older one this counter may not upgrade,
                another data key, or this counter's role is revoked or unknown there.
        """
        self.counter = counter
        with self.transaction("set-up") as cur:
            if create:
                _install_locked(cur, key_check)
            self._require_tables(cur, "to start a new registry there, run once: kiosk province init (docs/REGISTRY.md)")
            cur.execute("SELECT value FROM registry_meta WHERE name = 'schema_version'")
            found = cur.fetchone()
            version = int(found[0]) if found else 0
            if version > schema.SCHEMA_VERSION:
                raise RegistryError(
                    "the registry was set up by a newer kiosk release", "upgrade this counter's software"
                )
            if version < schema.SCHEMA_VERSION:
                # a province's registry (made with roles) is upgraded with its roles and grants, by its administrator
                cur.execute(
                    "SELECT pg_has_role(current_user, relowner, 'USAGE') "
                    "AND NOT EXISTS (SELECT 1 FROM registry_meta WHERE name = 'role_prefix') "
                    "FROM pg_class WHERE oid = 'citizens'::regclass"
                )
                if not cur.fetchone()[0]:
                    raise RegistryError(
                        "the registry was set up by an older kiosk release, and this counter may not upgrade it",
                        "the province administrator runs once: kiosk province init --registry ADMIN_URL",
                    )
                _install_locked(cur, key_check)  # an older registry of this user's: bring it up to date
            cur.execute("SELECT kiosk_hello(%s, %s)", [counter, key_check])
            meta = cur.fetchone()[0]
        if meta.get("key_check") != key_check:
            raise RegistryError(
                "the registry holds data sealed with a different data key",
                "join the province with a bundle from its administrator (kiosk join), which brings its key",
            )
        return str(meta["registry_id"])

    def probe(self) -> tuple[str | None, datetime]:
        """Read only, for ``kiosk doctor``: the data key check the registry is sealed with (None:
        none yet) and the server's clock (aware), at this moment. Nothing is written.

        Raises:
            RegistryError: not a kiosk registry, or the query failed (no right to read, say).
        """
        with self.transaction("check") as cur:
            self._require_tables(cur, "ask the province administrator for the right address")
            cur.execute("SELECT now(), (SELECT value FROM registry_meta WHERE name = 'key_check')")
            moment, sealed = cur.fetchone()
        return (str(sealed) if sealed is not None else None), moment

    def _require_tables(self, cur: Any, what_to_do: str) -> None:
        """Refuse a database without the registry's tables (a mistyped address must not look empty)."""
        cur.execute("SELECT to_regclass('registry_meta') IS NOT NULL")
        if not cur.fetchone()[0]:
            raise RegistryError(
                f"{redact(self.url)} is not a kiosk registry (it has no registry tables)",
                f"check the URL; {what_to_do}",
            )

    # -- pull --------------------------------------------------------------------------
    def pull(self, table: str, after: int, limit: int, *, citizens_after: int = 0) -> Pulled:
        """Rows of ``table`` with ``seq > after``, in seq order, at most ``limit``, as tuples of
        :func:`kiosk.store.rules.pulled_columns` (bytea as bytes). A child row (sample, consent,
        visit) names its citizen by ``id_hash`` only; with them come the rows of their citizens
        the counter may lack: changed after ``citizens_after`` (its ``citizens`` cursor), or ever
        purged somewhere (a counter deletes a citizen a purge leaves without consent there,
        while the registry may keep them for a consent given after it).

        The citizens are read after the child rows: a citizen a child row refers to was
        committed before that read, so it is among them unless it is unchanged since
        ``citizens_after`` and never purged (then the counter has it) or purged since it was
        read (then the row is moot).
        Both in PostgreSQL's binary format: sealed values travel as they are, not as hex text
        (a first pull of 10^6 citizens moves about 2 GB of them).
        """
        sql = f"SELECT {', '.join(pulled_columns(table))} FROM {table} WHERE seq > %s ORDER BY seq LIMIT %s"
        rows = self._rows(f"pull of {table}", sql, [after, limit])
        citizens: list[tuple[Any, ...]] = []
        if table in CREATED and rows:
            hashed = pulled_columns(table).index("id_hash")
            sql = (
                f"SELECT {', '.join(pulled_columns('citizens'))} FROM citizens "
                "WHERE id_hash = ANY(%s) AND (seq > %s OR tomb IN (SELECT tomb FROM purges))"
            )
            citizens = self._rows("pull of citizens", sql, [list({r[hashed] for r in rows}), citizens_after])
        return Pulled(rows, citizens)

    def _rows(self, action: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.transaction(action, binary=True) as cur:
            cur.execute(sql, params)
            rows: list[tuple[Any, ...]] = cur.fetchall()
            return rows

    def note_pull(self) -> None:
        """Tell the registry this counter has pulled everything (``kiosk province counters`` shows when)."""
        with self.transaction("pull") as cur:
            cur.execute("SELECT kiosk_pulled(%s)", [self.counter])

    # -- push --------------------------------------------------------------------------
    def push(self, rows: dict[str, list[dict[str, Any]]]) -> PushResult:
        """Apply a counter's new rows in one registry transaction, through ``kiosk_push``
        (:mod:`kiosk.province.functions`), which applies the rules of :mod:`kiosk.store.rules`:

        - A purge is applied by the purge rule: a tombstone, and, for that citizen, every
          sample, consent and visit dated at or before the purge deleted, then the citizen if
          no consent is left. Past the registry's purge limit (per counter and hour) it is
          refused: its tombstone comes back in ``refused``, to be pushed again later.
        - A citizen row of a tombstoned citizen is refused unless a consent of theirs given
          after the purge is in ``rows["consents"]`` or already in the registry (a re-enrolment).
        - A sample, consent or visit of a tombstoned citizen dated at or before the purge is
          refused. One whose citizen is not in the registry (yet) is neither taken nor
          refused: its uid is returned in ``retry`` and pushed again next time.
        - Rows already present (same uid / blind index) are skipped: a push is idempotent.

        Raises:
            RegistryError: a timestamp lies more than 10 minutes ahead of the registry's
                clock (this counter's clock is wrong; the tombstone rule needs it right), a row
                the registry does not take (a time not ISO-8601 UTC, an unknown rating, a value
                too long), this counter's access was revoked, or the push failed (nothing of it
                was kept).
        """
        from psycopg.types.json import Jsonb

        def plain(value: Any) -> Any:
            if isinstance(value, (bytes, memoryview)):
                return base64.b64encode(bytes(value)).decode("ascii")
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        payload = {
            table: [{c: plain(r.get(c)) for c in COLUMNS[table]} for r in items]
            for table, items in rows.items()
            if items
        }
        with self.transaction("push") as cur:
            cur.execute("SELECT kiosk_push(%s, %s)", [self.counter, Jsonb(payload)])
            out = cur.fetchone()[0]
        taken = dict.fromkeys(COLUMNS, 0) | {k: int(v) for k, v in out["taken"].items()}
        refused = {base64.b64decode(t) for t in out["refused"]}
        return PushResult(taken, set(out["retry"]), refused)

    def note_join(self) -> None:
        """Record in the registry that this counter joined (``kiosk province audit`` shows when and from where)."""
        with self.transaction("join") as cur:
            cur.execute("SELECT kiosk_joined(%s)", [self.counter])

    def change_password(self, password: str) -> None:
        """Give this connection's own login role a new password (sent as a SCRAM verifier, so the
        password itself never reaches the server's log). Any role may change its own."""
        from psycopg import sql

        with self.transaction("password change") as cur:
            cur.execute(sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(sql.Literal(scram_verifier(password))))

    def bulk_load(self, table: str, rows: Iterable[Sequence[Any]], columns: Sequence[str] | None = None) -> int:
        """COPY ``rows`` (values in ``columns`` order, default :data:`COLUMNS` of ``table``; ``seq``
        is filled in) into ``table`` in one transaction, without the push's checks: for filling
        a registry fast (benchmarks). Returns the rows written.

        Raises:
            RegistryError: the load failed (nothing of it is kept).
        """
        written, names = 0, list(columns or COLUMNS[table])
        with self.transaction(f"bulk load of {table}") as cur:
            cur.execute("SET LOCAL statement_timeout = 0")
            cur.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = %s::regclass",
                [table],
            )
            types = dict(cur.fetchall())
            with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([types[name] for name in names])  # binary: sealed values go as they are, not as hex
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
            if version is None or int(version[0]) < 3:  # schema 3 brought the visits' times and ratings
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


class Pulled(NamedTuple):
    """One pulled batch (:meth:`Registry.pull`): its rows, and the rows of the citizens they refer
    to that the counter may lack (both tuples of :func:`kiosk.store.rules.pulled_columns`)."""

    rows: list[tuple[Any, ...]]
    citizens: list[tuple[Any, ...]]


@dataclass
class PushResult:
    """What a push did: rows taken per table, child uids to push again (their citizen was
    missing), and tombstones of purges the registry's purge limit refused for now."""

    taken: dict[str, int]
    retry: set[str]
    refused: set[bytes] = field(default_factory=set)


def _install_locked(cur: Any, key_check: str) -> None:
    """Create or upgrade the registry owned by this connection's user, under :data:`kiosk.province.schema.SETUP_LOCK`."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", [schema.SETUP_LOCK])
    schema.install(cur, key_check)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """PostgreSQL's SCRAM-SHA-256 verifier of ``password`` (RFC 5802/7677): the server stores and
    checks it, and the password itself never reaches the server's statement log."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored_key).decode()}:{b64(server_key).decode()}"


def _first_line(exc: BaseException, url: str = "") -> str:
    """The first line of a driver error, with any password from ``url`` blanked out."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    secret = _password(url)
    return line.replace(secret, "***") if secret else line


_HINTS = {
    functions.SQLSTATE_CLOCK: "set the PC's clock right (enable time synchronisation), then sync again; nothing was sent",
    functions.SQLSTATE_REVOKED: "ask the province administrator for a new join bundle; the counter keeps working offline",
    functions.SQLSTATE_NOT_A_COUNTER: "join the province with a bundle from its administrator (kiosk join), or check the URL",
    functions.SQLSTATE_BAD_ROW: "nothing was sent; this counter's software or data may be damaged: reinstall, then sync again",
}


def _statement_error(exc: Any, action: str, url: str) -> RegistryError:
    """A driver error inside a transaction as one line: the registry's own words for a rule it
    enforces (a clock ahead, a revoked counter...), else the first line of the error."""
    state = getattr(exc, "sqlstate", None)
    if state in _HINTS:
        reason = "registry_revoked" if state == functions.SQLSTATE_REVOKED else ""
        return RegistryError(exc.diag.message_primary or _first_line(exc, url), _HINTS[state], reason=reason)
    if state == "55P03":  # lock_not_available: another session holds the push lock past lock_timeout
        return RegistryError(
            f"the registry is held by another counter's push (waited {functions.LOCK_TIMEOUT_S} s); nothing was lost",
            "sync again later; if it goes on, the province administrator sees which counter holds it "
            "(kiosk province counters) and may revoke it",
        )
    if state == "42501":  # insufficient_privilege: PostgreSQL itself refused
        return RegistryError(
            f"the registry refused the {action}: {_first_line(exc, url)}",
            "this counter's role may not do that; if it should, ask the province administrator",
        )
    return RegistryError(
        f"registry {action} failed: {_first_line(exc, url)}",
        "nothing half-done was kept; sync again (it resumes where it stopped)",
    )


def _login_error(exc: BaseException, url: str) -> RegistryError:
    """Why the registry refused to connect, in one line with what to do."""
    line = _first_line(exc, url)
    text = str(exc)
    if "not permitted to log in" in text:
        return RegistryError(
            f"the registry {redact(url)} refused this counter: its access was revoked by the province administrator",
            "ask the administrator for a new join bundle (kiosk join); the counter keeps working offline",
            reason="registry_revoked",
        )
    if "password authentication failed" in text:
        return RegistryError(
            f"the registry {redact(url)} refused this counter's password",
            "the counter was revoked or its join bundle was used already: ask the administrator for a new bundle",
            reason="registry_revoked",
        )
    if "certificate verify failed" in text or ("SSL" in text and "certificate" in text):
        return RegistryError(
            f"the registry {redact(url)} is not the one this counter trusts: {line}",
            "check the registry address; the CA certificate comes with the join bundle (ask the administrator)",
        )
    return RegistryError(
        f"cannot reach the registry {redact(url)}: {line}",
        "the counter keeps working offline; sync again when the network is back",
    )
