"""The province administrator's work on the registry: set it up, add and revoke counters,
list them, read the registry-side record of writes. Every call takes an owner/superuser
connection string; the privilege model is :mod:`kiosk.province.schema`'s."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.errors import RegistryError
from kiosk.province.bundle import JoinPayload, new_join_code, seal_bundle
from kiosk.province.functions import LOCK_TIMEOUT_S
from kiosk.province.registry import STATEMENT_TIMEOUT_MS, Registry, redact, scram_verifier
from kiosk.store.crypto import DataKey

ROLE_LIMITS = {
    "idle_in_transaction_session_timeout": "60s",
    "statement_timeout": f"{STATEMENT_TIMEOUT_MS}ms",
    "lock_timeout": f"{LOCK_TIMEOUT_S}s",
}
"""Defaults of every counter's role: a counter that hangs in a transaction (a crash, a cut
network) is ended by the server and lets go of the push lock. A client may lower or lift
them in its own session, so a hostile one is stopped by revoking it, which ends its sessions."""


@dataclass(frozen=True)
class Province:
    """A registry set up by :func:`init_province`: its database, role prefix and id."""

    database: str
    prefix: str
    registry_id: str
    purge_limit: int
    retention_days: int
    weak_rules: list[str]
    """Lines of the server's pg_hba.conf under which a counter's password would not be checked
    (``trust``) or travels in clear (``password``), or a counter may connect without TLS."""


@dataclass(frozen=True)
class CounterLogin:
    """A counter just added: its name, login role and password, and the registry's connection
    string for counters (no user or password in it)."""

    name: str
    role: str
    password: str
    registry: str
    registry_id: str


@dataclass(frozen=True)
class CounterRow:
    """One counter as ``kiosk province counters`` lists it (times aware, None = never)."""

    name: str
    role: str
    added_at: datetime
    revoked_at: datetime | None
    last_pull: datetime | None
    last_push: datetime | None
    purges_24h: int
    purges_refused_24h: int
    """Purges this counter pushed in the last 24 hours, and how many of its pushes the limit refused."""
    open_transaction_s: float | None
    """Age in seconds of the oldest transaction one of its sessions holds open now (None: none):
    a push lock held long by one counter holds up the others'."""


@dataclass(frozen=True)
class LogRow:
    """One entry of the registry-side record: when, which login role as which counter, what, how many rows."""

    id: int
    at: datetime
    role: str
    counter: str
    action: str
    rows: int
    detail: str


def init_province(
    admin_url: str,
    key_check: str,
    *,
    prefix: str | None = None,
    purge_limit: int | None = None,
    retention_days: int | None = None,
) -> Province:
    """Set up (or bring up to date) the province registry in the database of ``admin_url``:
    tables owned by ``<prefix>_owner``, the ``<prefix>_counters`` group and its grants
    (:func:`kiosk.province.schema.install`). ``prefix`` defaults to the database's name; a
    registry keeps the prefix it was first given. Idempotent; an existing registry (also one
    made with ``kiosk sync --init-registry``) is taken over, its data kept.

    Raises:
        RegistryError: not a superuser, a registry sealed with another data key or set up with
            another prefix, or the server refused a step (nothing of it is kept).
    """
    with Registry.connect(admin_url) as registry:
        with registry.transaction("set-up") as cur:
            cur.execute("SELECT current_database(), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
            database, superuser = cur.fetchone()
            if not superuser:
                raise RegistryError(
                    f"{redact(admin_url)} does not connect as a superuser",
                    "run kiosk province commands with the registry server's owner/superuser URL",
                )
            meta = _meta(cur)
        chosen = meta.get("role_prefix") or _slug(prefix or database)
        if prefix and _slug(prefix) != chosen:
            raise RegistryError(
                f"this registry's roles are named {chosen}_*, not {_slug(prefix)}_*", f"use --prefix {chosen}"
            )
        if meta.get("key_check", key_check) != key_check:
            raise RegistryError(
                "the registry holds data sealed with a different data key than this administrator's",
                "run province commands with the key the registry was started with (KIOSK_DATA_KEY or key_file)",
            )
        registry.install(key_check, prefix=chosen, purge_limit=purge_limit, retention_days=retention_days)
        with registry.transaction("set-up") as cur:
            meta = _meta(cur)
            _log(cur, "(province)", "province set up", 0, f"prefix {chosen}")
            weak = _weak_rules(cur, database)
    return Province(
        database, chosen, meta["registry_id"], int(meta["purge_limit_per_hour"]), int(meta["retention_days"]), weak
    )


def _weak_rules(cur: Any, database: str) -> list[str]:
    """pg_hba.conf rules (``pg_hba_file_rules``, PostgreSQL 10+) that let counters reach this
    database over the network with a weak check: ``trust``, a clear-text ``password``, or no TLS."""
    cur.execute(
        """SELECT line_number, type, auth_method, coalesce(address, '') FROM pg_hba_file_rules
           WHERE type <> 'local' AND error IS NULL
             AND ('all' = ANY(database) OR %s = ANY(database))
             AND (auth_method IN ('trust', 'password') OR type IN ('host', 'hostnossl'))
           ORDER BY line_number""",
        [database],
    )
    return [
        f"pg_hba.conf line {line}: {kind} {address} {method}".replace("  ", " ")
        for line, kind, method, address in cur.fetchall()
    ]


def add_counter(admin_url: str, name: str, counter_registry: str) -> CounterLogin:
    """Make a login role for counter ``name`` (a member of the counters group, a random password,
    at most 4 connections) and record it in ``counters``. ``counter_registry`` is the
    connection string counters use (host, port, database, TLS options; no user or password).

    Raises:
        RegistryError: no province set up here, a counter of that name is active, or a step failed.
    """
    from psycopg import sql

    name = name.strip()
    if not name or len(name) > 60:
        raise RegistryError("a counter's name is 1 to 60 characters", "e.g. 'Quầy 1 - UBND xã Tân Thành'")
    password = secrets.token_urlsafe(24)
    with Registry.connect(admin_url) as registry, registry.transaction("adding the counter") as cur:
        prefix = _province_prefix(cur)
        cur.execute("SELECT name FROM counters WHERE revoked_at IS NULL")
        same = [n for (n,) in cur.fetchall() if _same_name(n, name)]
        if same:
            raise RegistryError(
                f"a counter named {same[0]!r} is already active",
                "choose another name (names differing only in upper and lower case are the same; "
                "in accents they differ), or revoke the old one first (kiosk province revoke-counter)",
            )
        role = _free_role(cur, f"{prefix}_c_{_slug(name)}")
        cur.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} CONNECTION LIMIT 4 IN ROLE {}").format(
                sql.Identifier(role), sql.Literal(scram_verifier(password)), sql.Identifier(f"{prefix}_counters")
            )
        )
        for setting, value in ROLE_LIMITS.items():  # a counter that hangs mid-transaction lets go by itself
            cur.execute(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(
                    sql.Identifier(role), sql.Identifier(setting), sql.Literal(value)
                )
            )
        cur.execute("INSERT INTO counters (role, name) VALUES (%s, %s)", [role, name])
        _log(cur, name, "counter added", 0, role)
        registry_id = _meta(cur)["registry_id"]
    return CounterLogin(name, role, password, counter_registry, registry_id)


@dataclass(frozen=True)
class Issued:
    """A counter added with its join bundle: the login, the bundle's bytes, its join code, and the
    TLS mode counters will use (``verify-full``/``verify-ca``, or a weaker one to warn about)."""

    login: CounterLogin
    bundle: bytes
    code: str
    sslmode: str


def issue_bundle(admin_url: str, name: str, key: DataKey, *, counter_url: str | None, ca_path: Path | None) -> Issued:
    """Add counter ``name`` (:func:`add_counter`) and seal its join bundle (:mod:`kiosk.province.bundle`):
    the registry as counters reach it (:func:`counter_registry`), the CA certificate (``ca_path``,
    else the admin URL's ``sslrootcert``), the login and the province ``key``.

    Raises:
        RegistryError: counters are to verify the registry's certificate but no CA was given,
            the CA file is unreadable, or adding the counter failed.
    """
    from psycopg.conninfo import conninfo_to_dict

    registry = counter_registry(admin_url, counter_url)
    ca_pem = _ca_pem(ca_path or str(conninfo_to_dict(admin_url).get("sslrootcert") or ""))
    mode = str(conninfo_to_dict(registry).get("sslmode") or "prefer")
    if mode.startswith("verify") and not ca_pem:
        raise RegistryError(
            f"counters are to check the registry's certificate (sslmode={mode}) but no CA certificate was given",
            "pass --ca CA.pem (the certificate that signed the registry's)",
        )
    login = add_counter(admin_url, name, registry)
    code = new_join_code()
    payload = JoinPayload(login.name, registry, login.role, login.password, ca_pem, key.encoded(), login.registry_id)
    return Issued(login, seal_bundle(payload, code), code, mode)


def _ca_pem(path: str | Path | None) -> str:
    """The PEM text of a CA file ("" when none is given)."""
    if not path:
        return ""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"cannot read the CA certificate {path}: {exc}", "give a PEM file with --ca") from None
    if "BEGIN CERTIFICATE" not in text:
        raise RegistryError(f"{path} is not a PEM certificate", "give the CA certificate in PEM form with --ca")
    return text


def revoke_counter(admin_url: str, name: str) -> tuple[str, int]:
    """Cut counter ``name`` off: its role can no longer log in (no password, NOLOGIN, out of the
    counters group), the registry refuses anything it sends, and its open sessions are ended.
    Returns ``(role, sessions ended)``.

    Raises:
        RegistryError: no active counter of that name, or a step failed.
    """
    from psycopg import sql

    with Registry.connect(admin_url) as registry:
        # First shut the door and end its sessions (ALTER ROLE locks no row a counter may hold):
        # a counter holding a transaction open, even on its own row of ``counters``, is gone
        # before the bookkeeping below waits on it.
        with registry.transaction("revoking the counter") as cur:
            prefix = _province_prefix(cur)
            cur.execute("SELECT role FROM counters WHERE name = %s AND revoked_at IS NULL", [name])
            found = cur.fetchone()
            if found is None:
                raise RegistryError(f"no active counter is named {name!r}", "see kiosk province counters")
            role = found[0]
            cur.execute(sql.SQL("ALTER ROLE {} NOLOGIN PASSWORD NULL").format(sql.Identifier(role)))
        with registry.transaction("ending the counter's sessions") as cur:
            cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = %s", [role])
            ended = int(cur.fetchone()[0])
        with registry.transaction("revoking the counter") as cur:
            cur.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(f"{prefix}_counters"), sql.Identifier(role)))
            cur.execute("UPDATE counters SET revoked_at = now() WHERE role = %s", [role])
            _log(cur, name, "counter revoked", ended, role)
    return role, ended


def list_counters(admin_url: str) -> list[CounterRow]:
    """Every counter ever added, by name, with its last pull and push and its purges of the last 24 hours."""
    with Registry.connect(admin_url) as registry, registry.transaction("reading the counters") as cur:
        _province_prefix(cur)
        cur.execute(
            """SELECT c.name, c.role, c.added_at, c.revoked_at, c.last_pull, c.last_push,
                      coalesce(sum(w.rows) FILTER (WHERE w.action = 'purge'), 0),
                      count(w.id) FILTER (WHERE w.action = 'purge refused'),
                      (SELECT extract(epoch FROM now() - min(a.xact_start))::float FROM pg_stat_activity a
                       WHERE a.usename = c.role AND a.xact_start IS NOT NULL)
               FROM counters c LEFT JOIN write_log w ON w.role = c.role AND w.at > now() - interval '24 hours'
               GROUP BY c.role ORDER BY c.name, c.added_at"""
        )
        return [CounterRow(*row) for row in cur.fetchall()]


def read_log(admin_url: str, *, counter: str | None = None, limit: int = 200) -> list[LogRow]:
    """The newest ``limit`` entries of the registry-side record (of one counter's name when given), oldest first."""
    with Registry.connect(admin_url) as registry, registry.transaction("reading the record") as cur:
        _province_prefix(cur)
        where = "WHERE counter = %s" if counter else ""
        cur.execute(
            f"SELECT id, at, role, counter, action, rows, detail FROM write_log {where} ORDER BY id DESC LIMIT %s",
            [counter, limit] if counter else [limit],
        )
        return [LogRow(*row) for row in reversed(cur.fetchall())]


def counter_registry(admin_url: str, override: str | None = None) -> str:
    """The connection string counters use: ``override`` if given, else the admin URL's server,
    port, database and TLS mode; never a user, password or client certificate.

    Raises:
        RegistryError: not a valid connection string.
    """
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(override or admin_url)
    except Exception:
        raise RegistryError(
            "the registry address is not a valid PostgreSQL connection string",
            "write it as postgresql://host:5432/database?sslmode=verify-full",
        ) from None
    kept = {
        k: v for k, v in params.items() if k in ("host", "hostaddr", "port", "dbname", "sslmode", "connect_timeout")
    }
    return make_conninfo("", **kept)


def _meta(cur: Any) -> dict[str, str]:
    cur.execute("SELECT to_regclass('registry_meta') IS NOT NULL")
    if not cur.fetchone()[0]:
        return {}
    cur.execute("SELECT name, value FROM registry_meta")
    return dict(cur.fetchall())


def _province_prefix(cur: Any) -> str:
    prefix = _meta(cur).get("role_prefix")
    if not prefix:
        raise RegistryError(
            "this registry has no counters' roles yet", "set it up first: kiosk province init --registry ADMIN_URL"
        )
    return prefix


def _log(cur: Any, counter: str, action: str, rows: int, detail: str) -> None:
    cur.execute(
        "INSERT INTO write_log (counter, action, rows, detail) VALUES (%s, %s, %s, %s)", [counter, action, rows, detail]
    )


def _same_name(a: str, b: str) -> bool:
    """Two counter names that are one: equal but for upper/lower case and spaces (accents count:
    "Tân Thành" and "Tân Thạnh" are two communes)."""

    def key(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())

    return key(a) == key(b)


def _slug(name: str) -> str:
    """``name`` as ASCII letters, digits and underscores (Vietnamese letters without their marks), at
    most 24: a registry's role prefix, and a counter's part of its role name (63 bytes in all)."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name).strip("_")[:24] or "counter"


def _free_role(cur: Any, wanted: str) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``... whichever no role of the server has."""
    candidate, n = wanted, 1
    while True:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [candidate])
        if cur.fetchone() is None:
            return candidate
        n += 1
        candidate = f"{wanted}_{n}"
