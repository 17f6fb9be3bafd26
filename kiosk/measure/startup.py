"""Start-up cost: loading N enrolled samples from the SQLite store into the matcher.

A temporary database is made with the product's own schema (:meth:`kiosk.store.records.Store.open`
through :func:`kiosk.counter.factories.open_store`); one real citizen is enrolled through the store
so every column is filled as the product fills it, then the store clones that row in one
transaction (:func:`kiosk.store.bench_rows.fill_with_clones`, templates sealed with the data
key), and the time of ``Kiosk.open(...).matcher`` (open, stream, decrypt, fill the index) is measured.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np

from kiosk.measure.errors import BenchError
from kiosk.store.records import ConsentRecord, Store

SAMPLES_PER_CITIZEN = 3
ROWS_PER_BATCH = 50_000


def _template_citizen(store: Store) -> int:
    """Enrol one made-up citizen through the store's own API; returns its id."""
    from models import CitizenRecord, FaceBox, FaceSample, Gender

    record = CitizenRecord(
        "096200000001", "", "Nguyễn Văn Mẫu", date(2000, 1, 1), Gender.MALE, "Cà Mau", date(2024, 7, 1)
    )
    sample = FaceSample(np.zeros(128, dtype=np.float32), FaceBox(0, 100, 100, 0), 100.0, 120.0, 0.0)
    consent = ConsentRecord("face_checkin", "bench", store.clock(), "bench", "bench")
    return store.enrol(record, [sample], consent, "bench")


def build_database(path: Path, key_file: Path, n_samples: int, seed: int = 0) -> tuple[int, np.ndarray]:
    """Create a store at ``path`` holding ``n_samples`` random templates (3 per citizen).

    Returns the first citizen's id and the embeddings written, in row order, ``(n_samples, 128)`` float32.
    """
    from kiosk.counter.factories import open_store
    from kiosk.measure.bench import random_embeddings
    from kiosk.store.bench_rows import fill_with_clones

    embeddings = random_embeddings(n_samples, seed)
    store = open_store(path, key_file, True)
    try:
        first = _template_citizen(store)
        fill_with_clones(store, first, embeddings, SAMPLES_PER_CITIZEN, lambda cid: f"0962{cid:08d}", ROWS_PER_BATCH)
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
    """Seconds to open the kiosk and load ``n`` samples into the index, for each ``n``: from the
    sealed snapshot (``seconds``, every start of a counter), and rebuilt from the rows with the
    snapshot saved after (``rebuild_seconds``: a first start, or after a stale or damaged one).

    Also the plain read of the same BLOBs without decryption (what the AES-GCM seal costs),
    the database and snapshot sizes, the index's memory, and one identify through the
    loaded kiosk (the compact index re-scoring from the store).
    """
    from kiosk.counter.factories import open_store
    from kiosk.counter.service import Kiosk
    from kiosk.counter.snapshot import snapshot_path
    from kiosk.measure.bench import _median_ms
    from kiosk.settings import Settings
    from kiosk.store.bench_rows import iter_sealed_templates

    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
            db, key_file = Path(tmp) / "bench.sqlite", Path(tmp) / "bench.key"
            start = time.perf_counter()
            first, embeddings = build_database(db, key_file, n, seed)
            built = time.perf_counter() - start
            settings = Settings(key_file=str(key_file))
            timings = []
            for _from in ("rows", "snapshot"):
                start = time.perf_counter()
                with Kiosk.open(settings, db, create=False) as kiosk:
                    matcher = kiosk.matcher
                    timings.append(time.perf_counter() - start)
                    ok = len(matcher) == n and same_rows(matcher.embeddings_of(first), embeddings[:SAMPLES_PER_CITIZEN])
                    if not ok:
                        raise BenchError(
                            f"the index loaded ({_from}) from the bench database does not hold the rows written",
                            "the store's template format changed: update kiosk/measure/startup.py",
                        )
                    identify = _median_ms(partial(matcher.search, embeddings[n // 2] + np.float32(0.01), 5), 5)
                    index_mb = matcher.nbytes / 1e6
            with open_store(db, key_file, False) as store:
                start = time.perf_counter()
                for _ids, _sealed in iter_sealed_templates(store):
                    pass
                plain = time.perf_counter() - start
            rebuilt, loaded = timings
            rows.append(
                {
                    "n": n,
                    "seconds": loaded,
                    "rebuild_seconds": rebuilt,
                    "samples_per_s": n / loaded,
                    "plain_read_seconds": plain,
                    "db_mb": os.path.getsize(db) / 1e6,
                    "snapshot_mb": os.path.getsize(snapshot_path(db)) / 1e6,
                    "index_mb": index_mb,
                    "identify_ms": identify,
                    "build_seconds": built,
                }
            )
            del embeddings, matcher
    return rows
