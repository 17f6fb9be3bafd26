"""The SQLite schema and its migrations.

``PRAGMA user_version`` holds the schema version. A migration is either a list of SQL
statements or a function of the open store (for data that must be re-encrypted); each
runs in one transaction. A database from a newer release is refused, never guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from kiosk.store.audit import APPEND_ONLY, AuditedStore, append_only_trigger, rechain
from kiosk.store.meta import KEY_CHECK, TEMPLATES_CHANGED

_V1 = [
    """CREATE TABLE citizens (
        id INTEGER PRIMARY KEY,
        id_number TEXT NOT NULL UNIQUE CHECK (length(id_number) = 12),
        old_id_number TEXT NOT NULL DEFAULT '',
        full_name TEXT NOT NULL,
        date_of_birth TEXT NOT NULL,
        gender TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT '',
        issue_date TEXT,
        extra TEXT NOT NULL DEFAULT '[]',
        enrolled_at TEXT NOT NULL,
        enrolled_counter TEXT NOT NULL,
        last_visit_at TEXT
    )""",
    """CREATE TABLE face_samples (
        id INTEGER PRIMARY KEY,
        citizen_id INTEGER NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
        embedding BLOB NOT NULL CHECK (length(embedding) = 512),
        sharpness REAL NOT NULL,
        brightness REAL NOT NULL,
        yaw REAL NOT NULL,
        captured_at TEXT NOT NULL,
        counter TEXT NOT NULL
    )""",
    "CREATE INDEX face_samples_citizen ON face_samples(citizen_id)",
    """CREATE TABLE consents (
        id INTEGER PRIMARY KEY,
        citizen_id INTEGER NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        text_version TEXT NOT NULL,
        given_at TEXT NOT NULL,
        counter TEXT NOT NULL,
        staff TEXT NOT NULL
    )""",
    "CREATE INDEX consents_citizen ON consents(citizen_id)",
    """CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        citizen_id INTEGER NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        counter TEXT NOT NULL,
        method TEXT NOT NULL CHECK (method IN ('face', 'confirm', 'qr')),
        distance REAL,
        margin REAL
    )""",
    "CREATE INDEX visits_citizen ON visits(citizen_id)",
    "CREATE INDEX visits_at ON visits(at)",
    """CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        counter TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    )""",
    *(append_only_trigger(op) for op in APPEND_ONLY),
]


def _v2_encrypt(store: AuditedStore) -> None:
    """Version 2: personal fields and embeddings encrypted, ID numbers as a blind index,
    the audit log chained with an HMAC, a meta table for the key check and the admin PIN."""
    from kiosk.store.crypto import SEAL_OVERHEAD

    key, db = store.key, store.db
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES (?, ?)", [KEY_CHECK, key.check_value().hex()])
    db.execute("""CREATE TABLE citizens_v2 (
        id INTEGER PRIMARY KEY,
        id_hash BLOB NOT NULL UNIQUE CHECK (length(id_hash) = 32),
        sealed BLOB NOT NULL,
        enrolled_at TEXT NOT NULL,
        enrolled_counter TEXT NOT NULL,
        last_visit_at TEXT
    )""")
    db.execute(f"""CREATE TABLE face_samples_v2 (
        id INTEGER PRIMARY KEY,
        citizen_id INTEGER NOT NULL REFERENCES citizens_v2(id) ON DELETE CASCADE,
        embedding BLOB NOT NULL CHECK (length(embedding) = {512 + SEAL_OVERHEAD}),
        sharpness REAL NOT NULL,
        brightness REAL NOT NULL,
        yaw REAL NOT NULL,
        captured_at TEXT NOT NULL,
        counter TEXT NOT NULL
    )""")
    for row in db.query("SELECT * FROM citizens"):
        id_hash = key.blind_index(row["id_number"])
        personal = {
            k: row[k]
            for k in ("id_number", "old_id_number", "full_name", "date_of_birth", "gender", "address", "issue_date")
        }
        personal["extra"] = json.loads(row["extra"] or "[]")
        db.execute(
            "INSERT INTO citizens_v2 VALUES (?, ?, ?, ?, ?, ?)",
            [
                row["id"],
                id_hash,
                key.seal(json.dumps(personal, ensure_ascii=False).encode(), b"citizen:" + id_hash),
                row["enrolled_at"],
                row["enrolled_counter"],
                row["last_visit_at"],
            ],
        )
        for sample in db.query("SELECT * FROM face_samples WHERE citizen_id = ?", [row["id"]]):
            db.execute(
                "INSERT INTO face_samples_v2 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    sample["id"],
                    row["id"],
                    key.seal(sample["embedding"], b"sample:" + id_hash),
                    sample["sharpness"],
                    sample["brightness"],
                    sample["yaw"],
                    sample["captured_at"],
                    sample["counter"],
                ],
            )
    # consents and visits reference citizens(id): rebuild them against the new table.
    for table, columns in (
        (
            "consents",
            "purpose TEXT NOT NULL, text_version TEXT NOT NULL, given_at TEXT NOT NULL, "
            "counter TEXT NOT NULL, staff TEXT NOT NULL",
        ),
        (
            "visits",
            "at TEXT NOT NULL, counter TEXT NOT NULL, method TEXT NOT NULL CHECK (method IN "
            "('face', 'confirm', 'qr')), distance REAL, margin REAL",
        ),
    ):
        db.execute(
            f"CREATE TABLE {table}_v2 (id INTEGER PRIMARY KEY, citizen_id INTEGER NOT NULL "
            f"REFERENCES citizens_v2(id) ON DELETE CASCADE, {columns})"
        )
        db.execute(f"INSERT INTO {table}_v2 SELECT * FROM {table}")
    for table in ("visits", "consents", "face_samples", "citizens"):
        db.execute(f"DROP TABLE {table}")
    for table in ("citizens", "face_samples", "consents", "visits"):
        db.execute(f"ALTER TABLE {table}_v2 RENAME TO {table}")
    db.execute("CREATE INDEX face_samples_citizen ON face_samples(citizen_id)")
    db.execute("CREATE INDEX consents_citizen ON consents(citizen_id)")
    db.execute("CREATE INDEX visits_citizen ON visits(citizen_id)")
    db.execute("CREATE INDEX visits_at ON visits(at)")
    db.execute("CREATE INDEX citizens_last_visit ON citizens(coalesce(last_visit_at, enrolled_at))")
    # The audit chain: each entry's HMAC covers the previous entry's.
    db.execute("ALTER TABLE audit_log ADD COLUMN hash BLOB")
    rechain(store, key)


def uid_index(table: str) -> str:
    """The statement that makes the unique index on a synced table's row ``uid`` (only pulls
    need it, to skip rows stored before; a first pull drops it while it fills the table and makes
    it again after: see :mod:`kiosk.store.sync_rows`)."""
    return f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_uid ON {table}(uid)"


_V3_SYNC = [
    # Rows carry a stable uid (the same at every counter and in the registry) and whether
    # they have reached the registry yet. Tombstones remember purges so that no counter
    # re-adds a purged citizen; they hold sha256("tomb" + blind index), never the index.
    *(f"ALTER TABLE {t} ADD COLUMN uid TEXT" for t in ("face_samples", "consents", "visits")),
    *(
        f"UPDATE {t} SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL"
        for t in ("face_samples", "consents", "visits")
    ),
    *(uid_index(t) for t in ("face_samples", "consents", "visits")),
    *(
        f"ALTER TABLE {t} ADD COLUMN pushed INTEGER NOT NULL DEFAULT 0"
        for t in ("citizens", "face_samples", "consents", "visits")
    ),
    "ALTER TABLE citizens ADD COLUMN updated_at TEXT",
    "UPDATE citizens SET updated_at = enrolled_at",
    """CREATE TABLE purges (
        tomb BLOB PRIMARY KEY CHECK (length(tomb) = 32),
        purged_at TEXT NOT NULL,
        counter TEXT NOT NULL,
        reason TEXT NOT NULL,
        pushed INTEGER NOT NULL DEFAULT 0
    )""",
]

_V4_ENGINES = [
    # Every template says which face engine (and model files) made it; templates from
    # before face engines were all dlib's. The index loads one engine at a time.
    "ALTER TABLE face_samples ADD COLUMN engine TEXT NOT NULL DEFAULT 'dlib'",
    "ALTER TABLE face_samples ADD COLUMN model_version TEXT NOT NULL DEFAULT 'dlib_face_recognition_resnet_model_v1'",
    "CREATE INDEX face_samples_engine ON face_samples(engine, citizen_id)",
]

_V5_VISIT_FIGURES = [
    # What the province's report needs of a visit, and no personal data: when the face (or
    # card) was first in view (``at`` is the confirmation), when the clerk marked the visit
    # done, the citizen's satisfaction answer (NULL: none given, never a default), and
    # whether it was the citizen's first visit (the enrolment).
    "ALTER TABLE visits ADD COLUMN seen_at TEXT",
    "ALTER TABLE visits ADD COLUMN done_at TEXT",
    "ALTER TABLE visits ADD COLUMN rating TEXT CHECK (rating IN "
    "('very_satisfied', 'satisfied', 'unsatisfied', 'very_unsatisfied'))",
    "ALTER TABLE visits ADD COLUMN first_visit INTEGER NOT NULL DEFAULT 0",
]

_V6_TEMPLATE_STAMP = [
    # The face index's sealed snapshot is used only while the templates are as it saw them:
    # a template added takes a new, higher id (none is ever inserted with an id of its own);
    # one deleted or changed counts here. (Triggers on delete and update only: they are
    # rare, while a first pull inserts millions of rows.)
    f"INSERT INTO meta (name, value) VALUES ('{TEMPLATES_CHANGED}', '0')",
    *(
        f"""CREATE TRIGGER face_samples_{event.split()[0].lower()} AFTER {event} ON face_samples BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = '{TEMPLATES_CHANGED}';
        END"""
        for event in ("DELETE", "UPDATE OF citizen_id, embedding, engine")
    ),
]

_V7_RETIRED_SAMPLES = [
    # A visit may replace a citizen's oldest learnt sample: the sample is deleted, and this row
    # (its uid, no template) travels so that every counter and the registry delete it too and
    # never take it back (the retirement rule of kiosk.store.rules).
    """CREATE TABLE retired_samples (
        id INTEGER PRIMARY KEY,
        citizen_id INTEGER NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
        uid TEXT NOT NULL,
        retired_at TEXT NOT NULL,
        counter TEXT NOT NULL,
        pushed INTEGER NOT NULL DEFAULT 0
    )""",
    uid_index("retired_samples"),
    "CREATE INDEX retired_samples_citizen ON retired_samples(citizen_id)",
]

Migration = list[str] | Callable[[AuditedStore], None]
MIGRATIONS: list[Migration] = [
    _V1,
    _v2_encrypt,
    _V3_SYNC,
    _V4_ENGINES,
    _V5_VISIT_FIGURES,
    _V6_TEMPLATE_STAMP,
    _V7_RETIRED_SAMPLES,
]

SCHEMA_VERSION = len(MIGRATIONS)
"""The version this release writes and expects."""
