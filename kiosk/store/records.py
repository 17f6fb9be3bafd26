"""The counter's SQLite store, through sqlite-utils.

Tables (see :mod:`kiosk.store.schema`): citizens (ID number as a keyed blind index, personal
fields sealed with AES-GCM), face_samples (sealed float32 embeddings, several per
citizen), consents, visits, an append-only chained audit_log, and meta (key check,
admin PIN, audit head). The connection, migrations, transactions and error messages
are in :mod:`kiosk.store.base`. Every multi-row write is one transaction: an error
leaves nothing half-written.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from kiosk.errors import DataKeyError, StoreError
from kiosk.store import audit as audit_log
from kiosk.store.base import BUSY_TIMEOUT_S, KeySource, StoreBase, utc_now
from kiosk.store.crypto import NONCE_BYTES, DataKey
from kiosk.store.meta import KEY_CHECK, NEXT_CITIZEN_ID, TEMPLATES_CHANGED
from kiosk.store.rules import CREATED, KEPT_SAMPLES, tombstone
from models import CitizenRecord, FaceSample, Rating, Visit
from models.citizen import mask_id_number

__all__ = [
    "BUSY_TIMEOUT_S",
    "KEY_CHECK",
    "Activity",
    "ConsentRecord",
    "KeySource",
    "Store",
    "fold",
    "new_uid",
    "tombstone",
    "utc_now",
]


@dataclass(frozen=True)
class ConsentRecord:
    """An explicit consent as recorded: purpose, the text version shown, when, where, by whom."""

    purpose: str
    text_version: str
    given_at: datetime
    counter: str
    staff: str


@dataclass(frozen=True)
class Activity:
    """What happened at a counter (or every counter) since some time.

    Attributes:
        visits: visits by how (``first`` = the first visit, at which the citizen enrolled; then by
            method of a return visit: ``face``, ``confirm`` = keypad, ``qr`` = card).
        actions: audit entries by action (``enrol``, ``add_samples``, ``purge``...).
        keypad_misses: keypad entries that fitted none of the candidates.
    """

    visits: dict[str, int]
    actions: dict[str, int]
    keypad_misses: int


class Store(StoreBase):
    """One counter's SQLite file: citizens (sealed), face samples (sealed), consents,
    visits and the audit log. Open with :meth:`open`; use as a context manager to close it.

    Thread-safe: one connection shared under a lock (the app's UI and worker threads).
    """

    # -- citizens ----------------------------------------------------------------------
    def new_citizen_id(self) -> int:
        """The next internal citizen id, never one used before (a purged citizen's id is not
        reused, so a stale in-memory index can never point at somebody else)."""
        return self.reserve_citizen_ids(1)

    def reserve_citizen_ids(self, count: int) -> int:
        """Reserve ``count`` consecutive never-used citizen ids; returns the first."""
        with self.transaction("allocate citizen ids"):
            used = int(self.db.execute("SELECT coalesce(max(id), 0) FROM citizens").fetchone()[0])
            first = max(int(self.meta_get(NEXT_CITIZEN_ID) or 1), used + 1)
            self.meta_set(NEXT_CITIZEN_ID, str(first + count))
        return first

    def find_citizen(self, id_number: str) -> tuple[int, CitizenRecord] | None:
        """``(internal id, record)`` for a 12-digit ID number, or None."""
        id_hash = self.key.blind_index(id_number)
        with self._reading():
            row = self.db.execute("SELECT id, sealed FROM citizens WHERE id_hash = ?", [id_hash]).fetchone()
        return (row[0], self._unseal(id_hash, row[1])) if row else None

    def has_citizen(self, citizen_id: int) -> bool:
        """True while the internal id names a stored citizen."""
        with self._reading():
            return self.db.execute("SELECT 1 FROM citizens WHERE id = ?", [citizen_id]).fetchone() is not None

    def citizen(self, citizen_id: int) -> CitizenRecord:
        """The record of an internal citizen id. Raises KeyError when it is gone."""
        with self._reading():
            row = self.db.execute("SELECT id_hash, sealed FROM citizens WHERE id = ?", [citizen_id]).fetchone()
        if row is None:
            raise KeyError(citizen_id)
        return self._unseal(row[0], row[1])

    def citizens(self, search: str = "") -> list[dict[str, Any]]:
        """Every citizen (decrypted here, in memory) with sample and visit counts and the face
        engines of their templates (``engines``: sorted names joined by commas), by name.

        ``search`` matches part of the name (accents and case ignored: "nguyen" finds
        "Nguyễn") or of the ID number.
        """
        sql = """SELECT c.id, c.id_hash, c.sealed, c.enrolled_at, c.enrolled_counter, c.last_visit_at,
                        (SELECT count(*) FROM face_samples s WHERE s.citizen_id = c.id) AS samples,
                        (SELECT count(*) FROM visits v WHERE v.citizen_id = c.id) AS visits,
                        (SELECT group_concat(engine, ',') FROM (SELECT DISTINCT engine FROM face_samples s
                                                               WHERE s.citizen_id = c.id ORDER BY engine)) AS engines
                 FROM citizens c"""
        with self._reading():
            rows = list(self.db.query(sql))
        wanted = fold(search)
        out = []
        for row in rows:
            record = self._unseal(row.pop("id_hash"), row.pop("sealed"))
            if wanted and wanted not in fold(record.full_name) and search.strip() not in record.id_number:
                continue
            out.append({**row, "record": record})
        return sorted(out, key=lambda r: (fold(r["record"].full_name), r["id"]))

    def enrol(self, record: CitizenRecord, samples: Sequence[FaceSample], consent: ConsentRecord, counter: str) -> int:
        """Insert a citizen, their samples and their consent in one transaction. Returns the internal id."""
        now = self.clock().isoformat()
        id_hash = self.key.blind_index(record.id_number)
        with self.transaction("enrol"):
            citizen_id = self.new_citizen_id()
            self.db["citizens"].insert(
                {
                    "id": citizen_id,
                    "id_hash": id_hash,
                    "sealed": self._seal(id_hash, record),
                    "enrolled_at": now,
                    "enrolled_counter": counter,
                    "updated_at": now,
                }
            )
            self._insert_samples(citizen_id, id_hash, samples, counter, now)
            self.db["consents"].insert(
                {
                    "citizen_id": citizen_id,
                    "purpose": consent.purpose,
                    "text_version": consent.text_version,
                    "given_at": consent.given_at.isoformat(),
                    "counter": consent.counter,
                    "staff": consent.staff,
                    "uid": new_uid(),
                }
            )
        return int(citizen_id)

    def add_samples(self, citizen_id: int, samples: Sequence[FaceSample], counter: str) -> None:
        """Append face samples to an existing citizen, in one transaction."""
        with self.transaction("add samples"):
            row = self.db.execute("SELECT id_hash FROM citizens WHERE id = ?", [citizen_id]).fetchone()
            if row is None:
                raise StoreError(
                    f"cannot add samples: citizen {citizen_id} is not in {self.path}",
                    "they may have been purged; enrol again",
                )
            self._insert_samples(citizen_id, row[0], samples, counter, self.clock().isoformat())

    def _insert_samples(
        self, citizen_id: int, id_hash: bytes, samples: Sequence[FaceSample], counter: str, now: str
    ) -> None:
        if any(not s.engine for s in samples):
            raise StoreError("a face sample without its engine cannot be stored", "this is a bug: report it")
        self.db["face_samples"].insert_all(
            {
                "citizen_id": citizen_id,
                "uid": new_uid(),
                "embedding": self.key.seal(
                    np.ascontiguousarray(s.embedding, dtype="<f4").tobytes(), b"sample:" + id_hash
                ),
                "sharpness": s.sharpness,
                "brightness": s.brightness,
                "yaw": s.yaw,
                "captured_at": now,
                "counter": counter,
                "engine": s.engine,
                "model_version": s.model_version,
            }
            for s in samples
        )

    def newest_sample_at(self, citizen_id: int, engine: str) -> datetime | None:
        """When the citizen's newest sample of ``engine`` was captured (aware UTC; None: none)."""
        with self._reading():
            row = self.db.execute(
                "SELECT max(captured_at) FROM face_samples WHERE citizen_id = ? AND engine = ?", [citizen_id, engine]
            ).fetchone()
        return None if row[0] is None else datetime.fromisoformat(row[0])

    def retire_oldest(self, citizen_id: int, engine: str, keep_first: int, cap: int, counter: str) -> int:
        """Retire the citizen's oldest samples of ``engine`` until ``cap`` are left, never one of
        the earliest ``keep_first`` (by ``captured_at``, then ``uid``: the retirement rule of
        :mod:`kiosk.store.rules`, ``keep_first`` at least :data:`~kiosk.store.rules.KEPT_SAMPLES`).
        Each is deleted and a ``retired_samples`` row, stamped now, takes it to the registry and
        the other counters. One transaction (the caller's, when inside one). Returns how many
        were retired; the caller reindexes the citizen.

        Raises:
            ValueError: ``keep_first`` below :data:`~kiosk.store.rules.KEPT_SAMPLES` (the registry
                would refuse such a retirement).
        """
        if keep_first < KEPT_SAMPLES:
            raise ValueError(f"the earliest {KEPT_SAMPLES} samples of a citizen are never retired")
        with self.transaction("retire samples"):
            rows = self.db.execute(
                "SELECT id, uid FROM face_samples WHERE citizen_id = ? AND engine = ? ORDER BY captured_at, uid",
                [citizen_id, engine],
            ).fetchall()
            retired = rows[keep_first:][: max(0, len(rows) - cap)]
            now = self.clock().isoformat()
            for sample_id, uid in retired:
                self.db.execute("DELETE FROM face_samples WHERE id = ?", [sample_id])
                self.db.execute(
                    "INSERT INTO retired_samples (citizen_id, uid, retired_at, counter) VALUES (?, ?, ?, ?)",
                    [citizen_id, uid, now, counter],
                )
        return len(retired)

    def delete_citizen(self, citizen_id: int, counter: str, reason: str) -> dict[str, int]:
        """Delete a citizen with every sample, consent and visit, and leave a tombstone
        (so the purge reaches every counter through the registry); one transaction.

        Returns the rows deleted per table. ``secure_delete`` overwrites them in the file;
        :meth:`checkpoint` then clears the copies the WAL still holds.
        """
        counts: dict[str, int] = {}
        with self.transaction("purge"):
            row = self.db.execute("SELECT id_hash FROM citizens WHERE id = ?", [citizen_id]).fetchone()
            if row is not None:
                self.db.execute(
                    "INSERT OR REPLACE INTO purges (tomb, purged_at, counter, reason, pushed) VALUES (?, ?, ?, ?, 0)",
                    [tombstone(row[0]), self.clock().isoformat(), counter, reason],
                )
            for table in CREATED:
                counts[table] = self.db.execute(f"DELETE FROM {table} WHERE citizen_id = ?", [citizen_id]).rowcount
            counts["citizens"] = self.db.execute("DELETE FROM citizens WHERE id = ?", [citizen_id]).rowcount
        return counts

    def consents(self, citizen_id: int) -> list[dict[str, Any]]:
        """A citizen's consent rows, oldest first."""
        with self._reading():
            return list(self.db["consents"].rows_where("citizen_id = ?", [citizen_id], order_by="id"))

    def latest_consent(self, citizen_id: int) -> dict[str, Any]:
        """The citizen's most recent consent row.

        Raises:
            StoreError: none is recorded (an incomplete record).
        """
        rows = self.consents(citizen_id)
        if not rows:
            raise StoreError(
                "no consent is recorded for this citizen", "the record is incomplete: purge it and enrol again"
            )
        return rows[-1]

    def inactive_since(self, cutoff: datetime) -> list[tuple[int, str]]:
        """``(internal id, last activity)`` of citizens with no visit (nor enrolment) since ``cutoff``, oldest first."""
        sql = """SELECT id, coalesce(last_visit_at, enrolled_at) AS last FROM citizens
                 WHERE coalesce(last_visit_at, enrolled_at) < ? ORDER BY last"""
        with self._reading():
            return [(r[0], r[1]) for r in self.db.execute(sql, [cutoff.isoformat()])]

    def reseal(self, new: DataKey) -> None:
        """Re-encrypt every citizen record and face template under ``new`` (blind indexes
        recomputed), re-chain the audit log, write the new key check, then use ``new``; one
        transaction (or the caller's, which may add its own audit entry under the new key and
        must put the old key back in :attr:`key` if it then fails).

        Raises:
            DataKeyError: a stored value does not decrypt with the current key (tampered data).
        """
        old, db = self.key, self.db
        with self.transaction("rotate the data key"):
            for row in list(db.query("SELECT id, id_hash, sealed FROM citizens")):
                personal = old.open(row["sealed"], b"citizen:" + row["id_hash"])
                new_hash = new.blind_index(json.loads(personal)["id_number"])
                db.execute(
                    "UPDATE citizens SET id_hash = ?, sealed = ? WHERE id = ?",
                    [new_hash, new.seal(personal, b"citizen:" + new_hash), row["id"]],
                )
                samples = list(db.query("SELECT id, embedding FROM face_samples WHERE citizen_id = ?", [row["id"]]))
                for sample in samples:
                    plain = old.open(sample["embedding"], b"sample:" + row["id_hash"])
                    db.execute(
                        "UPDATE face_samples SET embedding = ? WHERE id = ?",
                        [new.seal(plain, b"sample:" + new_hash), sample["id"]],
                    )
            audit_log.rechain(self, new)
            self.meta_set(KEY_CHECK, new.check_value().hex())
            self.key = new

    def _seal(self, id_hash: bytes, record: CitizenRecord) -> bytes:
        return self.key.seal(json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8"), b"citizen:" + id_hash)

    def _unseal(self, id_hash: bytes, sealed: bytes) -> CitizenRecord:
        return CitizenRecord.from_dict(json.loads(self.key.open(sealed, b"citizen:" + id_hash)))

    # -- samples for the index ---------------------------------------------------------
    def sample_count(self, engine: str | None = None, after: int = 0) -> int:
        """Number of stored face samples (of one engine, if given; with a sample id above ``after``)."""
        with self._reading():
            if engine is None:
                return int(self.db.execute("SELECT count(*) FROM face_samples WHERE id > ?", [after]).fetchone()[0])
            return int(
                self.db.execute(
                    "SELECT count(*) FROM face_samples WHERE engine = ? AND id > ?", [engine, after]
                ).fetchone()[0]
            )

    def sample_tally(self, engine: str) -> tuple[int, int, int]:
        """How many samples of one engine are stored, the sum of their ids and the highest (0, 0, 0:
        none); counted by SQLite, without reading the ids out (0.3 s at 3 x 10^6)."""
        with self._reading():
            row = self.db.execute(
                "SELECT count(*), coalesce(sum(id), 0), coalesce(max(id), 0) "
                "FROM face_samples INDEXED BY face_samples_engine WHERE engine = ?",
                [engine],
            ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def templates_stamp(self) -> str:
        """What the stored templates are now, in O(1): the schema version, the highest template
        id and how many templates were ever deleted or changed (a new template always takes a
        higher id). Equal stamps: the same templates; a snapshot of the index carries the stamp
        it was made at."""
        with self._reading():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            highest = self.db.execute("SELECT coalesce(max(id), 0) FROM face_samples").fetchone()[0]
            changed = self.meta_get(TEMPLATES_CHANGED)
        return f"{version}:{highest}:{changed}"

    def engine_coverage(self) -> dict[str, int]:
        """``{engine: citizens with at least one template of it}``, plus ``"citizens"``: all citizens."""
        with self._reading():
            out = dict(
                self.db.execute(
                    "SELECT engine, count(DISTINCT citizen_id) FROM face_samples GROUP BY engine"
                ).fetchall()
            )
            out["citizens"] = int(self.db.execute("SELECT count(*) FROM citizens").fetchone()[0])
        return out

    def embeddings_of(self, citizen_id: int, engine: str | None = None) -> np.ndarray:
        """One citizen's stored samples (of one engine, if given), decrypted: ``(k, 128)`` float32."""
        return self.samples_of(citizen_id, engine)[1]

    def samples_of(self, citizen_id: int, engine: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One citizen's stored samples (of one engine, if given), in sample id order:
        ``(sample_ids (k,) int64, embeddings (k, 128) float32)``, decrypted."""
        sql = (
            "SELECT s.id, c.id_hash, s.embedding FROM face_samples s JOIN citizens c ON c.id = s.citizen_id "
            "WHERE s.citizen_id = ?"
        )
        with self._reading():
            rows = self.db.execute(
                sql + (" AND s.engine = ?" if engine else "") + " ORDER BY s.id",
                [citizen_id, *([engine] if engine else [])],
            ).fetchall()
        plain = b"".join(self.key.open(e, b"sample:" + h) for _, h, e in rows)
        return np.array([r[0] for r in rows], dtype=np.int64), _embeddings(plain, len(rows))

    def engines_of(self, citizen_id: int) -> set[str]:
        """The engines a citizen has templates of."""
        with self._reading():
            return {
                e
                for (e,) in self.db.execute(
                    "SELECT DISTINCT engine FROM face_samples WHERE citizen_id = ?", [citizen_id]
                )
            }

    def iter_embeddings(
        self, engine: str | None = None, batch: int = 65536, after: int = 0
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Stream the samples of one engine (of all, if None) with a sample id above ``after``,
        decrypted, in sample id order:
        ``(citizen_ids (k,) int64, embeddings (k, 128) float32, sample_ids (k,) int64)`` batches."""
        aes = self.key.opener()
        sql = "SELECT s.citizen_id, c.id_hash, s.embedding, s.id FROM face_samples s JOIN citizens c ON c.id = s.citizen_id"
        where = [w for w, given in (("s.id > ?", after), ("s.engine = ?", engine)) if given]  # none: every row
        args = [a for a in (after, engine) if a]
        with self._reading():
            cursor = self.db.execute(sql + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.id", args)
            with self._tampered_template():
                while rows := cursor.fetchmany(batch):
                    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                    keys = np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))
                    plain = b"".join(
                        aes.decrypt(r[2][:NONCE_BYTES], r[2][NONCE_BYTES:], b"sample:" + r[1]) for r in rows
                    )
                    yield ids, _embeddings(plain, len(rows)), keys

    def templates(self, sample_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """``{sample id: (128,) float32 embedding}``, decrypted, of the given samples still stored
        (a sample deleted meanwhile is absent): the exact rows a search re-scores."""
        keys = [int(k) for k in sample_ids]
        aes = self.key.opener()
        out: dict[int, np.ndarray] = {}
        sql = "SELECT s.id, c.id_hash, s.embedding FROM face_samples s JOIN citizens c ON c.id = s.citizen_id WHERE s.id IN "
        with self._reading(), self._tampered_template():
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                for key, id_hash, sealed in self.db.execute(sql + f"({','.join('?' * len(part))})", part):
                    plain = aes.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], b"sample:" + id_hash)
                    out[int(key)] = _embeddings(plain, 1)[0]
        return out

    @contextmanager
    def _tampered_template(self) -> Iterator[None]:
        """A stored template that does not authenticate, or has the wrong length → :class:`DataKeyError`:
        the key was changed by another program since this store opened, or the data was tampered with."""
        from cryptography.exceptions import InvalidTag

        try:
            yield
        except (InvalidTag, ValueError):
            self._check_key_unchanged()
            raise DataKeyError(
                "a stored face template does not decrypt with this key (tampered data?)",
                "restore the database from a backup",
            ) from None

    # -- visits and audit --------------------------------------------------------------
    def record_visit(self, visit: Visit) -> int:
        """Log a check-in and stamp the citizen's last visit, in one transaction."""
        at = visit.at.isoformat()
        with self.transaction("record the visit"):
            visit_id = (
                self.db["visits"]
                .insert(
                    {
                        "citizen_id": visit.citizen_id,
                        "uid": new_uid(),
                        "at": at,
                        "counter": visit.counter,
                        "method": visit.method,
                        "distance": visit.distance,
                        "margin": visit.margin,
                        "seen_at": visit.seen_at.isoformat() if visit.seen_at else None,
                        "first_visit": int(visit.first_visit),
                    }
                )
                .last_pk
            )
            self.db.execute("UPDATE citizens SET last_visit_at = ? WHERE id = ?", [at, visit.citizen_id])
        return int(visit_id)

    def mark_visit_done(self, visit_id: int, at: datetime) -> bool:
        """Stamp when the clerk finished visit ``visit_id`` (the first stamp wins; the row travels
        to the registry again). Returns False when no such visit exists (purged, or a wrong id)."""
        with self.transaction("mark the visit done"):
            cursor = self.db.execute(
                "UPDATE visits SET done_at = coalesce(done_at, ?), pushed = 0 WHERE id = ?", [at.isoformat(), visit_id]
            )
        changed: int = cursor.rowcount
        return changed == 1

    def rate_visit(self, visit_id: int, rating: Rating) -> bool:
        """Record the citizen's satisfaction answer on visit ``visit_id`` (a second answer
        replaces the first). Returns False when no such visit exists."""
        with self.transaction("record the rating"):
            cursor = self.db.execute(
                "UPDATE visits SET rating = ?, pushed = 0 WHERE id = ?", [Rating(rating).value, visit_id]
            )
        changed: int = cursor.rowcount
        return changed == 1

    def visits(self, limit: int = 100, citizen_id: int | None = None) -> list[dict[str, Any]]:
        """The latest visits, newest first (of one citizen, if given), with masked ID and name."""
        sql = """SELECT v.id, v.at, v.counter, v.method, v.distance, v.margin, v.seen_at, v.done_at, v.rating,
                        v.first_visit, c.id_hash, c.sealed
                 FROM visits v JOIN citizens c ON c.id = v.citizen_id"""
        params: list[Any] = []
        if citizen_id is not None:
            sql += " WHERE v.citizen_id = ?"
            params.append(citizen_id)
        with self._reading():
            rows = list(self.db.query(sql + " ORDER BY v.at DESC, v.id DESC LIMIT ?", [*params, limit]))
        for row in rows:
            record = self._unseal(row.pop("id_hash"), row.pop("sealed"))
            row.update(id_number=mask_id_number(record.id_number), full_name=record.full_name)
        return rows

    def audit(self, action: str, actor: str, counter: str, subject: str = "", **detail: Any) -> None:
        """Append one audit entry. ``subject`` must already be masked (never a full ID number)."""
        with self.transaction("write the audit log"):
            audit_log.append(self, action, actor, counter, subject, detail)

    def activity_since(self, since: datetime, counter: str | None = None) -> Activity:
        """Visits by how (first, or the method of a return visit) and audit entries by action at or after ``since`` (an aware
        datetime), at ``counter`` (None: every counter in this file).

        Raises:
            StoreError: the database cannot be read.
        """
        start = since.astimezone(timezone.utc).isoformat()  # stored times are UTC strings: compare like with like
        where, params = ("at >= ?", [start]) if counter is None else ("at >= ? AND counter = ?", [start, counter])
        with self._reading():
            visits = self.db.execute(
                f"SELECT CASE WHEN first_visit THEN 'first' ELSE method END, count(*) FROM visits WHERE {where} "
                "GROUP BY 1",
                params,
            )
            methods = dict(visits.fetchall())
            entries = self.db.execute(f"SELECT action, count(*) FROM audit_log WHERE {where} GROUP BY action", params)
            actions = dict(entries.fetchall())
            misses = self.db.execute(
                f"SELECT count(*) FROM audit_log WHERE {where} AND action = 'keypad' "
                "AND json_extract(detail, '$.fitted') = 0",
                params,
            ).fetchone()[0]
        return Activity(methods, actions, int(misses))

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit entries, newest first (without the chain hashes)."""
        with self._reading():
            rows = list(self.db.query("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit]))
        for row in rows:
            row.pop("hash", None)
        return rows


def _embeddings(plain: bytes, count: int) -> np.ndarray:
    """``count`` little-endian float32 templates joined in ``plain`` → ``(count, 128)`` float32."""
    return np.frombuffer(plain, dtype="<f4").reshape(count, 128).astype(np.float32, copy=False)


def new_uid() -> str:
    """A random row uid (32 hex digits), the same at every counter and in the registry."""
    return uuid.uuid4().hex


def fold(text: str) -> str:
    """Lower case without diacritics, for search: ``"Nguyễn Đức"`` → ``"nguyen duc"``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
