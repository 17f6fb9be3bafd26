"""Start-up cost: loading N enrolled samples from the SQLite store into the matcher.

A temporary database is made with the product's own schema (:meth:`kiosk.store.records.Store.open`
through :func:`kiosk.counter.service.open_store`); one real citizen is enrolled through the store
so every column is filled as the product fills it, then that row is cloned with
``executemany`` in one transaction (templates sealed with the store's data key), and the
time of ``Kiosk.open(...).matcher`` (open, stream, decrypt, fill the index) is measured.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.measure.errors import BenchError

SAMPLES_PER_CITIZEN = 3
ROWS_PER_BATCH = 50_000


def _template_citizen(store: Any) -> int:
    """Enrol one made-up citizen through the store's own API; returns its id."""
    from kiosk.store.records import ConsentRecord
    from models import CitizenRecord, FaceBox, FaceSample, Gender

    record = CitizenRecord("096200000001", "", "Nguyễn Văn Mẫu", date(2000, 1, 1), Gender.MALE, "Cà Mau", date(2024, 7, 1))
    sample = FaceSample(np.zeros(128, dtype=np.float32), FaceBox(0, 100, 100, 0), 100.0, 120.0, 0.0)
    consent = ConsentRecord("face_checkin", "bench", store.clock(), "bench", "bench")
    return store.enrol(record, [sample], consent, "bench")


def build_database(path: Path, key_file: Path, n_samples: int, seed: int = 0) -> tuple[int, np.ndarray]:
    """Create a store at ``path`` holding ``n_samples`` random templates (3 per citizen).

    Returns the first citizen's id and the embeddings written, in row order, ``(n_samples, 128)`` float32.
    Raises:
        BenchError: the store's schema changed in a way this builder does not know.
    """
    from kiosk.measure.bench import random_embeddings
    from kiosk.counter.service import open_store
    from kiosk.store.records import new_uid

    embeddings = random_embeddings(n_samples, seed)
    store = open_store(path, key_file, True)
    try:
        first = _template_citizen(store)
        conn = store.db.conn
        citizen = dict(zip([c[0] for c in conn.execute("SELECT * FROM citizens LIMIT 0").description],
                           conn.execute("SELECT * FROM citizens WHERE id = ?", [first]).fetchone()))
        sample = dict(zip([c[0] for c in conn.execute("SELECT * FROM face_samples LIMIT 0").description],
                          conn.execute("SELECT * FROM face_samples WHERE citizen_id = ?", [first]).fetchone()))
        if "id_hash" not in citizen or "embedding" not in sample:
            raise BenchError("the store's schema changed (no citizens.id_hash or face_samples.embedding)",
                             "update kiosk/measure/startup.py to the new schema")
        n_citizens = -(-n_samples // SAMPLES_PER_CITIZEN)
        c_cols = list(citizen)
        s_cols = [c for c in sample if c != "id"]
        c_sql = f"INSERT INTO citizens ({', '.join(c_cols)}) VALUES ({', '.join('?' * len(c_cols))})"
        s_sql = f"INSERT INTO face_samples ({', '.join(s_cols)}) VALUES ({', '.join('?' * len(s_cols))})"
        key = store.key
        hashes = {first: citizen["id_hash"]}
        with store.transaction("bench rows"):
            conn.execute("DELETE FROM face_samples WHERE citizen_id = ?", [first])
            rows = []
            for cid in range(first + 1, first + n_citizens):
                hashes[cid] = key.blind_index(f"0962{cid:08d}")
                rows.append([cid if c == "id" else hashes[cid] if c == "id_hash" else new_uid() if c == "uid" else citizen[c]
                             for c in c_cols])
            conn.executemany(c_sql, rows)
            for start in range(0, n_samples, ROWS_PER_BATCH):
                batch = []
                for i in range(start, min(n_samples, start + ROWS_PER_BATCH)):
                    cid = first + i // SAMPLES_PER_CITIZEN
                    sealed = key.seal(embeddings[i].astype("<f4").tobytes(), b"sample:" + hashes[cid])
                    batch.append([cid if c == "citizen_id" else sealed if c == "embedding" else new_uid() if c == "uid"
                                  else sample[c] for c in s_cols])
                conn.executemany(s_sql, batch)
    finally:
        store.close()
    return first, embeddings


def same_rows(loaded: np.ndarray, written: np.ndarray) -> bool:
    """True when the index holds the written templates (in any row order; a cosine index
    keeps them scaled to unit length, so directions are compared)."""
    def unit(rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float64)
        rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return rows[np.lexsort(rows.T[::-1])]

    return loaded.shape == written.shape and bool(np.allclose(unit(loaded), unit(written), atol=1e-6))


def bench_startup(sizes: list[int], seed: int = 0) -> list[dict[str, float]]:
    """Seconds to open the kiosk and load ``n`` samples into the matcher, for each ``n``.

    Also the plain read of the same BLOBs without decryption (what the AES-GCM seal costs)
    and the size of the database file.
    """
    import sqlite3

    from kiosk.counter.service import Kiosk
    from kiosk.settings import Settings

    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
            db, key_file = Path(tmp) / "bench.sqlite", Path(tmp) / "bench.key"
            start = time.perf_counter()
            first, embeddings = build_database(db, key_file, n, seed)
            built = time.perf_counter() - start
            settings = Settings(key_file=str(key_file))
            start = time.perf_counter()
            with Kiosk.open(settings, db, create=False) as kiosk:
                matcher = kiosk.matcher
                loaded = time.perf_counter() - start
                ok = len(matcher) == n and same_rows(matcher.embeddings_of(first), embeddings[:SAMPLES_PER_CITIZEN])
            if not ok:
                raise BenchError("the matcher loaded from the bench database does not hold the rows written",
                                 "the store's template format changed: update kiosk/measure/startup.py")
            conn = sqlite3.connect(str(db))
            start = time.perf_counter()
            cursor = conn.execute("SELECT citizen_id, embedding FROM face_samples")
            while batch := cursor.fetchmany(65536):
                np.fromiter((r[0] for r in batch), dtype=np.int64, count=len(batch))
                b"".join(r[1] for r in batch)
            plain = time.perf_counter() - start
            conn.close()
            rows.append({"n": n, "seconds": loaded, "samples_per_s": n / loaded, "plain_read_seconds": plain,
                         "db_mb": os.path.getsize(db) / 1e6, "build_seconds": built})
            del embeddings, matcher
    return rows
