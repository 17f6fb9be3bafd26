"""The registry's tables, the functions counters write through, and the roles that hold them.

**Who may do what** (schema 4). A province registry is set up once by the province
administrator (:func:`install` with a role prefix, from ``kiosk province init``):

- ``<prefix>_owner`` (NOLOGIN) owns every table, the sequence and the functions (:mod:`kiosk.province.functions`). Nobody
  logs in as it, so no counter can ``DROP``, ``ALTER`` or ``TRUNCATE`` anything.
- ``<prefix>_counters`` (NOLOGIN) is the group every counter's login role belongs to. It may
  ``CONNECT``, read the six tables that travel (``SELECT``: a counter keeps the whole
  province's copy anyway), read ``registry_meta`` and the change number, and ``EXECUTE``
  three functions: :data:`COUNTER_FUNCTIONS`. It has no ``INSERT``, ``UPDATE``, ``DELETE``,
  ``TRUNCATE``, ``CREATE`` or ``TEMP`` anywhere in the database, and no privilege at all
  on ``counters`` and ``write_log``.
- Every write goes through ``kiosk_push``, a ``SECURITY DEFINER`` function with a fixed
  ``search_path``: it runs the purge rule, the tombstone checks and the purge-flood guard,
  and records who wrote each row from ``session_user`` (the login role, which a
  counter cannot change: ``SET ROLE`` changes ``current_user`` only) mapped to the name in
  ``counters``. A counter name a client sends is ignored for a counter's role.
- Callers that are members of the owner role (a superuser, or the single login role that
  made the tables with ``kiosk sync --init-registry`` on one machine) are *trusted*: their
  rows keep the counter names they carry, and the guard does not apply to them.

Why functions and not row-level security: a purge must delete other counters' rows and a
visit's "done" updates a row, so RLS would still need definer functions for both, and the
rules (tombstones, clocks, the guard) would live in two places; with functions the tables
stay closed to counters and every rule lives in one reviewed body of SQL.
"""

from __future__ import annotations

from typing import Any

from kiosk.province.functions import definitions, tomb_sql
from kiosk.store.rules import CREATED, TABLES

SCHEMA_VERSION = 5
"""1: the first release; 2: face samples carry their engine and model version; 3: visits carry
when the face was first seen, when the clerk finished, the citizen's rating and first visit;
4: counters' roles, writes through definer functions, ``counters`` and ``write_log``;
5: ``retired_samples`` (a visit's sample replacing the oldest learnt one)."""

SETUP_LOCK = 715_001
"""pg_advisory_xact_lock key serialising set-ups (pushes lock a row of ``registry_meta``, which a
counter cannot lock by itself; in a province's database counters may not take advisory locks)."""

DEFAULT_PURGE_LIMIT = 20
"""Purges one counter may push per hour (more are refused, recorded and shown to the administrator)."""

DEFAULT_RETENTION_DAYS = 730
"""A purge with reason ``retention`` of a citizen the registry itself has seen nothing of for
this long is exempt from the purge limit (the law wants it; a thief gains nothing)."""

COUNTER_FUNCTIONS = ("kiosk_hello(text, text)", "kiosk_pulled(text)", "kiosk_push(text, jsonb)", "kiosk_joined(text)")
"""What a counter's role may execute: the whole of its write access."""

_HELPERS = ("kiosk_caller(text)", "kiosk_stamps(jsonb)", "kiosk_retention_due(bytea, text)")
_NOT_FOR_COUNTERS = (
    "pg_advisory_lock(bigint)",
    "pg_advisory_lock_shared(bigint)",
    "pg_advisory_xact_lock(bigint)",
    "pg_advisory_xact_lock_shared(bigint)",
    "lo_creat(integer)",
    "lo_create(oid)",
    "lo_from_bytea(oid, bytea)",
)
"""Built-in functions PUBLIC may call that would let a counter stall every push (holding a lock
the pushes wait for) or fill the disk (large objects): revoked in a province's database."""
FUNCTIONS = (*_HELPERS, *COUNTER_FUNCTIONS)
OWN_TABLES = ("registry_meta", "counters", "write_log", *TABLES)
"""Every table of the registry (``write_log_id_seq`` goes with its table)."""

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

_V4_WRITERS = [
    # The login role that last wrote each row (NULL: written before schema 4), the counters and their log.
    *(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS writer text" for t in TABLES),
    *(f"ALTER TABLE {t} ALTER COLUMN writer SET DEFAULT session_user" for t in TABLES),
    """CREATE TABLE IF NOT EXISTS counters (
        role name PRIMARY KEY,
        name text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_seen timestamptz,
        last_pull timestamptz,
        last_push timestamptz)""",
    "CREATE UNIQUE INDEX IF NOT EXISTS counters_active_name ON counters(name) WHERE revoked_at IS NULL",
    """CREATE TABLE IF NOT EXISTS write_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        role name NOT NULL DEFAULT session_user,
        counter text NOT NULL,
        action text NOT NULL,
        rows integer NOT NULL DEFAULT 0,
        detail text NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS write_log_role_at ON write_log(role, at)",
]

_TABLES_DDL = [
    "CREATE TABLE IF NOT EXISTS registry_meta (name text PRIMARY KEY, value text NOT NULL)",
    "CREATE SEQUENCE IF NOT EXISTS change_seq",
    f"""CREATE TABLE IF NOT EXISTS citizens (
        id_hash bytea PRIMARY KEY,
        tomb bytea GENERATED ALWAYS AS ({tomb_sql("id_hash")}) STORED,
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
    # Schema 5: the uid of a sample retired (deleted here and at every counter, never taken back).
    """CREATE TABLE IF NOT EXISTS retired_samples (
        uid text PRIMARY KEY,
        id_hash bytea NOT NULL REFERENCES citizens(id_hash) ON DELETE CASCADE,
        retired_at text NOT NULL, counter text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('change_seq'))""",
    *(f"CREATE INDEX IF NOT EXISTS {t}_seq ON {t}(seq)" for t in TABLES),
    *(f"CREATE INDEX IF NOT EXISTS {t}_id_hash ON {t}(id_hash)" for t in CREATED),
    *_V4_WRITERS,
]


def install(
    cur: Any,
    key_check: str | None,
    *,
    prefix: str | None = None,
    database: str = "",
    purge_limit: int | None = None,
    retention_days: int | None = None,
) -> None:
    """Create or bring up to date the registry in the connected database, inside the caller's
    transaction (which holds :data:`SETUP_LOCK`, so two set-ups never overlap): tables,
    functions, meta (``key_check`` None: the first counter's hello records it). With ``prefix``, also
    the owner and counters roles (``<prefix>_owner``, ``<prefix>_counters``), ownership and
    grants as described above (needs a superuser); without, the current user owns everything
    (one machine, or an older registry being upgraded by its owner). ``purge_limit`` (per
    counter per hour) and ``retention_days`` are stored when given, else kept (or defaulted).
    """
    from psycopg import sql

    for statement in (*_TABLES_DDL, *definitions()):
        cur.execute(statement)
    cur.execute(
        """INSERT INTO registry_meta VALUES ('schema_version', %s), ('registry_id', gen_random_uuid()::text),
                   ('purge_limit_per_hour', %s), ('retention_days', %s)
           ON CONFLICT DO NOTHING""",
        [str(SCHEMA_VERSION), str(DEFAULT_PURGE_LIMIT), str(DEFAULT_RETENTION_DAYS)],
    )
    if key_check is not None:
        cur.execute("INSERT INTO registry_meta VALUES ('key_check', %s) ON CONFLICT DO NOTHING", [key_check])
    cur.execute("UPDATE registry_meta SET value = %s WHERE name = 'schema_version'", [str(SCHEMA_VERSION)])
    for name, value in (("purge_limit_per_hour", purge_limit), ("retention_days", retention_days)):
        if value is not None:
            cur.execute("UPDATE registry_meta SET value = %s WHERE name = %s", [str(value), name])
    for function in FUNCTIONS:
        cur.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    if prefix is None:
        return
    owner, group = sql.Identifier(f"{prefix}_owner"), sql.Identifier(f"{prefix}_counters")
    for role in (f"{prefix}_owner", f"{prefix}_counters"):
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    for table in OWN_TABLES:
        cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), owner))
    cur.execute(sql.SQL("ALTER SEQUENCE change_seq OWNER TO {}").format(owner))
    for function in FUNCTIONS:
        cur.execute(sql.SQL(f"ALTER FUNCTION {function} OWNER TO {{}}").format(owner))
    db = sql.Identifier(database)
    for statement in (
        "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC",
        "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ):
        cur.execute(statement)
    cur.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
    cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, group))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(group))
    for table in ("registry_meta", *TABLES):
        cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(table), group))
    cur.execute(sql.SQL("GRANT SELECT ON SEQUENCE change_seq TO {}").format(group))
    for function in COUNTER_FUNCTIONS:
        cur.execute(sql.SQL(f"GRANT EXECUTE ON FUNCTION {function} TO {{}}").format(group))
    for function in _NOT_FOR_COUNTERS:
        cur.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
    cur.execute("INSERT INTO registry_meta VALUES ('role_prefix', %s) ON CONFLICT DO NOTHING", [prefix])
