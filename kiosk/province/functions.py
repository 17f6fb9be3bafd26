"""The SQL of the functions counters write through (installed by :mod:`kiosk.province.schema`).

``kiosk_push`` is generated from the rules the counters' SQLite store and the registry share
(:mod:`kiosk.store.rules`): which rows travel, the purge rule, the tombstone. Every function
is ``SECURITY DEFINER`` with a fixed ``search_path`` and a ``lock_timeout``; who calls is
``session_user`` mapped to ``counters`` (``kiosk_caller``), never a name the client sends.
"""

from __future__ import annotations

from kiosk.store.rules import COLUMNS, CREATED, KEEPS_CITIZEN, KEPT_SAMPLES, TOMB_PREFIX, UPDATABLE
from models import Rating

CLOCK_TOLERANCE_MIN = 10
"""Minutes a counter's timestamps may run ahead of the registry's clock."""


SQLSTATE_CLOCK = "KR001"
SQLSTATE_REVOKED = "KR002"
SQLSTATE_NOT_A_COUNTER = "KR003"
SQLSTATE_BAD_ROW = "KR004"

MAX_TEXT = 256
"""Characters any text value of a pushed row may have (names of counters, reasons, uids...)."""
MAX_SEALED = 24_000
"""Characters of a sealed value (base64) a push may carry: a record or a template is well under 2 KB."""
RATINGS = tuple(r.value for r in Rating)

_BYTEA = {"id_hash", "sealed", "embedding", "tomb"}
"""Travelling columns holding bytes: base64 text inside the JSON a push sends."""
_TYPES = {"sharpness": "real", "brightness": "real", "yaw": "real", "distance": "real", "margin": "real"}
_TYPES |= {"first_visit": "integer"}
_COUNTER_COLUMNS = {"counter", "enrolled_counter"}
"""Columns naming the counter that wrote a row: set from the session's role for a counter."""
STAMPS = ("enrolled_at", "updated_at", "purged_at", *CREATED.values(), "seen_at", "done_at")
"""The timestamps of a push, checked to be ISO-8601 UTC and not ahead of the registry's clock."""
_C = 'COLLATE "C"'
"""ISO-8601 UTC texts compare in time order byte by byte, as SQLite compares them at the counters;
a database's own collation may ignore punctuation, so every comparison of them says this."""
_ISO_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$"


def tomb_sql(id_hash: str) -> str:
    """The tombstone of ``id_hash`` (an SQL expression) computed by PostgreSQL (see :func:`kiosk.store.rules.tombstone`)."""
    return f"sha256('\\x{TOMB_PREFIX.hex()}'::bytea || {id_hash})"


LOCK_TIMEOUT_S = 30
"""Seconds a push waits for another one (``lock_timeout`` of every function) before it gives up."""
_DEFINER = (
    "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp "
    f"SET lock_timeout = '{LOCK_TIMEOUT_S}s'"
)


def _recordset(table: str) -> str:
    """``jsonb_to_recordset`` over the rows of ``table`` in ``p_rows``, with the column list."""
    defs = ", ".join(f"{c} {_TYPES.get(c, 'text')}" for c in COLUMNS[table])
    return f"jsonb_to_recordset(coalesce(p_rows -> '{table}', '[]')) AS r({defs})"


def _decoded(table: str) -> str:
    """The select list turning one JSON row of ``table`` into column values (bytes decoded,
    the writing counter's name forced for a counter's role)."""
    out = []
    for c in COLUMNS[table]:
        if c in _BYTEA:
            out.append(f"decode(r.{c}, 'base64') AS {c}")
        elif c in _COUNTER_COLUMNS:
            out.append(f"coalesce(v_force, r.{c}) AS {c}")
        else:
            out.append(f"r.{c}")
    return ", ".join(out)


def _on_conflict(table: str) -> str:
    """What a row pushed again does (:data:`kiosk.store.rules.UPDATABLE`): a visit since done or
    rated updates the registry's row (a new ``seq``, so other counters pull it again), only
    for the counter that recorded it; else nothing. The first ``done_at`` stays, the latest
    answer wins."""
    if table not in UPDATABLE:
        return "DO NOTHING"

    def merged(c: str) -> str:
        return f"coalesce({table}.{c}, excluded.{c})" if c == "done_at" else f"coalesce(excluded.{c}, {table}.{c})"

    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM {merged(c)}" for c in UPDATABLE[table])
    sets = ", ".join(f"{c} = {merged(c)}" for c in UPDATABLE[table])
    return (
        f"DO UPDATE SET {sets}, seq = nextval('change_seq'), writer = session_user "
        f"WHERE ({changed}) AND (v_force IS NULL OR {table}.counter = v_force)"
    )


_REFUSED = {
    # a sample retired before (the retirement rule of kiosk.store.rules): never taken back
    "face_samples": "EXISTS (SELECT 1 FROM retired_samples r WHERE r.uid = x.uid)",
    # a retirement of one of the citizen's earliest KEPT_SAMPLES samples of its engine, by capture
    # time (the counters' rule) or by arrival here (seq; one push's rows arrive in capture order: a
    # credential pushing samples dated in the past cannot make the enrolment's samples late), or
    # naming another citizen's sample
    "retired_samples": f"""EXISTS (SELECT 1 FROM face_samples me, LATERAL (
            SELECT count(*) FILTER (WHERE (s.captured_at {_C}, s.uid {_C}) < (me.captured_at {_C}, me.uid {_C})) AS by_time,
                   count(*) FILTER (WHERE s.seq < me.seq) AS by_arrival
            FROM face_samples s WHERE s.id_hash = me.id_hash AND s.engine = me.engine) earlier
            WHERE me.uid = x.uid AND (me.id_hash <> x.id_hash
                  OR earlier.by_time < {KEPT_SAMPLES} OR earlier.by_arrival < {KEPT_SAMPLES}))""",
}
"""Per table, why a child row is refused for good besides a purge (an SQL condition on ``x``)."""

_AFTER = {
    "retired_samples": ", del AS (DELETE FROM face_samples s USING ins WHERE s.uid = ins.uid AND s.id_hash = ins.id_hash)",
}
"""Per table, what taking its rows (``ins``: their uid and id_hash) does besides (SQL CTEs)."""


def _push_children() -> str:
    """The part of ``kiosk_push`` that takes samples, consents, visits and retired samples:
    refused for good when a purge dated at or after them exists (or by :data:`_REFUSED`; a
    refused retirement is logged), sent back for a retry when their citizen is not here."""
    parts = []
    for table, created in CREATED.items():
        columns = ", ".join(COLUMNS[table])
        refused = _REFUSED.get(table, "false")
        parts.append(f"""
    WITH x AS (SELECT {_decoded(table)} FROM {_recordset(table)}),
         f AS (SELECT x.*, coalesce(x.{created} <= t.purged_at {_C}, false) AS gone, {refused} AS refused,
                      EXISTS (SELECT 1 FROM citizens c WHERE c.id_hash = x.id_hash) AS known
               FROM x LEFT JOIN purges t ON t.tomb = {tomb_sql("x.id_hash")}),
         ins AS (INSERT INTO {table} ({columns}) SELECT {columns} FROM f WHERE known AND NOT gone AND NOT refused
                 ORDER BY {created} {_C}, uid {_C}
                 ON CONFLICT (uid) {_on_conflict(table)} RETURNING uid, id_hash){_AFTER.get(table, "")}
    SELECT (SELECT count(*) FROM ins), coalesce((SELECT array_agg(uid) FROM f WHERE NOT known AND NOT gone), '{{}}'),
           (SELECT count(*) FROM f WHERE known AND NOT gone AND refused)
      INTO v_n, v_part, v_refused_n;
    v_retry := v_retry || v_part;
    v_taken := v_taken || jsonb_build_object('{table}', v_n);
    IF v_n > 0 THEN
        INSERT INTO write_log (counter, action, rows) VALUES (v_counter, 'push {table}', v_n);
    END IF;
    IF v_refused_n > 0 THEN
        INSERT INTO write_log (counter, action, rows) VALUES (v_counter, 'refused {table}', v_refused_n);
    END IF;""")
    return "".join(parts)


def _purge_deletes() -> str:
    """The purge rule (:mod:`kiosk.store.rules`) for one tombstone ``p``."""
    deletes = "".join(
        f"\n        DELETE FROM {t} WHERE {c} <= p.purged_at {_C} AND id_hash IN (SELECT id_hash FROM citizens WHERE tomb = p.tomb);"
        for t, c in CREATED.items()
    )
    return deletes + (
        "\n        DELETE FROM citizens c WHERE tomb = p.tomb"
        f" AND NOT EXISTS (SELECT 1 FROM {KEEPS_CITIZEN} k WHERE k.id_hash = c.id_hash);"
    )


def definitions() -> list[str]:
    """``CREATE OR REPLACE FUNCTION`` statements for every function of the registry."""
    stamps = ", ".join(f"'{s}'" for s in STAMPS)
    ratings = ", ".join(f"'{r}'" for r in RATINGS)
    purge_columns = ", ".join(COLUMNS["purges"])
    citizen_columns = ", ".join(COLUMNS["citizens"])
    return [
        # Who is calling: the name of a counter's role (refused once revoked); a trusted
        # caller (member of the tables' owner, or a superuser) keeps the name it claims.
        f"""CREATE OR REPLACE FUNCTION kiosk_caller(p_claimed text, OUT counter text, OUT registered boolean) {_DEFINER} AS $fn$
DECLARE c record;
BEGIN
    SELECT name, revoked_at INTO c FROM counters WHERE role = session_user;
    IF FOUND THEN
        IF c.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'this counter''s access to the registry was revoked by the province administrator'
                USING ERRCODE = '{SQLSTATE_REVOKED}';
        END IF;
        UPDATE counters SET last_seen = now() WHERE role = session_user;
        counter := c.name;
        registered := true;
        RETURN;
    END IF;
    IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'public.citizens'::regclass), 'USAGE') THEN
        counter := coalesce(nullif(p_claimed, ''), session_user::text);
        registered := false;
        RETURN;
    END IF;
    RAISE EXCEPTION 'the role % is not a counter of this registry', session_user USING ERRCODE = '{SQLSTATE_NOT_A_COUNTER}';
END $fn$""",
        f"""CREATE OR REPLACE FUNCTION kiosk_stamps(p_rows jsonb) RETURNS SETOF text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT e ->> k FROM jsonb_each(p_rows) AS t(name, arr), jsonb_array_elements(t.arr) AS e,
                        unnest(ARRAY[{stamps}]) AS k
    WHERE e ->> k IS NOT NULL
$fn$""",
        # A retention purge the registry can check itself: nothing of the citizen newer than its retention period.
        f"""CREATE OR REPLACE FUNCTION kiosk_retention_due(p_tomb bytea, p_reason text) RETURNS boolean {_DEFINER} AS $fn$
DECLARE
    v_days integer := (SELECT value::integer FROM registry_meta WHERE name = 'retention_days');
    v_cutoff text;
    v_hash bytea;
BEGIN
    IF p_reason <> 'retention' OR v_days IS NULL THEN
        RETURN false;
    END IF;
    v_cutoff := to_char((now() - v_days * interval '1 day') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS');
    SELECT id_hash INTO v_hash FROM citizens WHERE tomb = p_tomb AND updated_at < v_cutoff {_C};
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    RETURN NOT EXISTS (SELECT 1 FROM visits WHERE id_hash = v_hash AND at >= v_cutoff {_C})
       AND NOT EXISTS (SELECT 1 FROM consents WHERE id_hash = v_hash AND given_at >= v_cutoff {_C});
END $fn$""",
        # The start of every sync: who is calling, and what the registry is. The first caller
        # of a registry made without a key (tests' empty registries) records its key check.
        f"""CREATE OR REPLACE FUNCTION kiosk_hello(p_counter text, p_key_check text) RETURNS jsonb {_DEFINER} AS $fn$
DECLARE v_counter text := (kiosk_caller(p_counter)).counter;
BEGIN
    INSERT INTO registry_meta VALUES ('key_check', p_key_check) ON CONFLICT DO NOTHING;
    RETURN (SELECT jsonb_object_agg(name, value) FROM registry_meta
            WHERE name IN ('schema_version', 'key_check', 'registry_id'))
           || jsonb_build_object('counter', v_counter);
END $fn$""",
        # A counter that joined (kiosk join): recorded with where it called from, once a minute at most.
        f"""CREATE OR REPLACE FUNCTION kiosk_joined(p_counter text) RETURNS void {_DEFINER} AS $fn$
DECLARE v_counter text := (kiosk_caller(p_counter)).counter;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM write_log WHERE role = session_user AND action = 'counter joined'
                   AND at > now() - interval '1 minute') THEN
        INSERT INTO write_log (counter, action, detail)
            VALUES (v_counter, 'counter joined', 'from ' || coalesce(host(inet_client_addr()), 'this server'));
    END IF;
END $fn$""",
        f"""CREATE OR REPLACE FUNCTION kiosk_pulled(p_counter text) RETURNS void {_DEFINER} AS $fn$
BEGIN
    PERFORM kiosk_caller(p_counter);
    UPDATE counters SET last_pull = now() WHERE role = session_user;
END $fn$""",
        # One push: p_rows {{table: [row...]}}, bytes as base64. A citizen of a tombstoned id is
        # taken back only with a consent given after the purge, in this push or already here.
        f"""CREATE OR REPLACE FUNCTION kiosk_push(p_counter text, p_rows jsonb) RETURNS jsonb {_DEFINER} AS $fn$
DECLARE
    v_counter text;
    v_registered boolean;
    v_force text;
    v_limit integer := coalesce((SELECT value::integer FROM registry_meta WHERE name = 'purge_limit_per_hour'), 2147483647);
    v_used bigint;
    v_bad text;
    v_latest timestamptz;
    v_taken jsonb := '{{}}';
    v_retry text[] := '{{}}';
    v_part text[];
    v_refused text[] := '{{}}';
    v_action text;
    v_n bigint := 0;
    v_changed bigint;
    v_refused_n bigint;
    p record;
BEGIN
    SELECT counter, registered INTO v_counter, v_registered FROM kiosk_caller(p_counter);
    v_force := CASE WHEN v_registered THEN v_counter END;
    -- One push at a time (seq order is commit order). A row lock counters cannot take themselves:
    -- only this function may update registry_meta.
    PERFORM 1 FROM registry_meta WHERE name = 'schema_version' FOR UPDATE;
    SELECT format('%s.%s', t.name, f.k) INTO v_bad
        FROM jsonb_each(p_rows) AS t(name, arr), jsonb_array_elements(t.arr) AS e, jsonb_each_text(e) AS f(k, v)
        WHERE length(f.v) > CASE WHEN f.k IN ('sealed', 'embedding') THEN {MAX_SEALED} ELSE {MAX_TEXT} END LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a value sent is longer than the registry takes (%)', v_bad USING ERRCODE = '{SQLSTATE_BAD_ROW}';
    END IF;
    SELECT s INTO v_bad FROM kiosk_stamps(p_rows) AS s WHERE s !~ '{_ISO_UTC}' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a time sent is not ISO-8601 UTC: %', left(v_bad, 40) USING ERRCODE = '{SQLSTATE_BAD_ROW}';
    END IF;
    SELECT e ->> 'rating' INTO v_bad FROM jsonb_array_elements(coalesce(p_rows -> 'visits', '[]')) AS e
        WHERE e ->> 'rating' IS NOT NULL AND e ->> 'rating' <> ALL (ARRAY[{ratings}]) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a visit''s rating is not one of {", ".join(RATINGS)}: %', left(v_bad, 40)
            USING ERRCODE = '{SQLSTATE_BAD_ROW}';
    END IF;
    SELECT max(s::timestamptz) INTO v_latest FROM kiosk_stamps(p_rows) AS s;
    IF v_latest > now() + interval '{CLOCK_TOLERANCE_MIN} minutes' THEN
        RAISE EXCEPTION 'this counter''s clock is about % minutes ahead of the registry''s',
            floor(extract(epoch FROM v_latest - now()) / 60)::integer USING ERRCODE = '{SQLSTATE_CLOCK}';
    END IF;

    SELECT coalesce(sum(rows), 0) INTO v_used FROM write_log
        WHERE role = session_user AND action = 'purge' AND at > now() - interval '1 hour';
    FOR p IN SELECT {_decoded("purges")}, r.tomb AS tomb64 FROM {_recordset("purges")} LOOP
        IF EXISTS (SELECT 1 FROM purges WHERE tomb = p.tomb AND purged_at >= p.purged_at {_C}) THEN
            CONTINUE;  -- already applied (a push repeated): it changes nothing
        END IF;
        v_action := 'purge';
        IF v_registered AND kiosk_retention_due(p.tomb, p.reason) THEN
            v_action := 'purge (retention, checked)';
        ELSIF v_registered THEN
            IF v_used >= v_limit THEN
                v_refused := v_refused || p.tomb64;
                CONTINUE;
            END IF;
            v_used := v_used + 1;
        END IF;
        INSERT INTO purges ({purge_columns}) VALUES (p.tomb, p.purged_at, p.counter, p.reason)
            ON CONFLICT (tomb) DO UPDATE SET purged_at = greatest(purges.purged_at {_C}, excluded.purged_at),
            seq = nextval('change_seq'), writer = session_user;{_purge_deletes()}
        INSERT INTO write_log (counter, action, rows, detail) VALUES (v_counter, v_action, 1, p.reason);
        v_n := v_n + 1;
    END LOOP;
    v_taken := jsonb_build_object('purges', v_n);
    IF cardinality(v_refused) > 0 THEN
        INSERT INTO write_log (counter, action, rows, detail)
            VALUES (v_counter, 'purge refused', cardinality(v_refused), format('more than %s purges in an hour', v_limit));
    END IF;

    WITH x AS (SELECT {_decoded("citizens")} FROM {_recordset("citizens")}),
         ok AS (SELECT x.* FROM x LEFT JOIN purges t ON t.tomb = {tomb_sql("x.id_hash")}
                WHERE t.tomb IS NULL
                   OR EXISTS (SELECT 1 FROM consents c WHERE c.id_hash = x.id_hash AND c.given_at > t.purged_at {_C})
                   OR EXISTS (SELECT 1 FROM jsonb_to_recordset(coalesce(p_rows -> 'consents', '[]')) AS c(id_hash text, given_at text)
                              WHERE decode(c.id_hash, 'base64') = x.id_hash AND c.given_at > t.purged_at {_C})),
         ins AS (INSERT INTO citizens ({citizen_columns}) SELECT {citizen_columns} FROM ok
                 ON CONFLICT (id_hash) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at,
                 seq = nextval('change_seq'), writer = session_user
                 WHERE citizens.updated_at < excluded.updated_at {_C} RETURNING (xmax = 0) AS new)
    SELECT count(*) FILTER (WHERE new), count(*) FILTER (WHERE NOT new) INTO v_n, v_changed FROM ins;
    v_taken := v_taken || jsonb_build_object('citizens', v_n + v_changed);
    IF v_n > 0 THEN
        INSERT INTO write_log (counter, action, rows) VALUES (v_counter, 'push citizens', v_n);
    END IF;
    IF v_changed > 0 THEN  -- records of citizens already here, rewritten (a re-enrolment, or not)
        INSERT INTO write_log (counter, action, rows) VALUES (v_counter, 'update citizens', v_changed);
    END IF;
{_push_children()}

    UPDATE counters SET last_push = now() WHERE role = session_user;
    RETURN jsonb_build_object('taken', v_taken, 'retry', to_jsonb(v_retry), 'refused', to_jsonb(v_refused));
END $fn$""",
    ]
