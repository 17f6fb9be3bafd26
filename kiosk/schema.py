"""The SQLite schema and its migrations.

``PRAGMA user_version`` holds the schema version. Each migration is a list of SQL
statements run in one transaction; a database from a newer release is refused rather
than guessed at.
"""

from __future__ import annotations

MIGRATIONS: list[list[str]] = [
    # 1: the first schema.
    [
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
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
"""The version this release writes and expects."""
