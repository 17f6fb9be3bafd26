"""``kiosk bench sync``: how long province-wide sync takes at Cà Mau scale.

A throw-away registry database is filled with N citizens × 3 samples (sealed under a
throw-away key, random templates) and set up as a province (``kiosk province init``), then
three counters, each with its own SQLite file and its own login role (as after ``kiosk join``):
a new counter's first full pull; an incremental sync of 100 new enrolments from one
counter to the others; and the time until a purge at one counter is gone everywhere
(purging counter's push, then the others' pulls).
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kiosk.measure.bench import random_embeddings
from kiosk.province.sync import PULL_BATCH
from kiosk.store.crypto import DataKey, write_key_file
from kiosk.store.rules import TABLES
from recognition.engines import DEFAULT_ENGINE, engine_info

if TYPE_CHECKING:
    from kiosk.counter.service import Kiosk


def bench_id(i: int) -> str:
    """A made-up 12-digit ID number for bench citizen ``i`` (0 ≤ i < 10^8), different for every ``i``:
    province 096, a gender/century digit, two digits from ``i // 10^6``, then ``i``'s last six digits."""
    return f"096{(i % 2) * 2}{(i // 1_000_000) % 100:02d}{i % 1_000_000:06d}"


def _fill_registry(url: str, key: DataKey, citizens: int) -> None:
    """COPY ``citizens`` × (1 citizen row, 3 samples, 1 consent) into the registry."""
    from kiosk.province.registry import Registry

    emb = random_embeddings(citizens * 3, seed=1).astype("<f4")
    engine = engine_info(DEFAULT_ENGINE)  # the province's templates are the default engine's
    now = "2026-01-01T00:00:00+00:00"
    hashes = [key.blind_index(bench_id(i)) for i in range(citizens)]

    def sealed_record(i: int) -> bytes:
        record: dict[str, Any] = {
            "id_number": bench_id(i),
            "old_id_number": "",
            "full_name": f"Công dân {i}",
            "date_of_birth": "2000-01-01",
            "gender": "Nam",
            "address": "Cà Mau",
            "issue_date": None,
            "extra": [],
        }
        return key.seal(json.dumps(record, ensure_ascii=False).encode(), b"citizen:" + hashes[i])

    with Registry.connect(url) as reg:
        reg.install(key.check_value().hex())
        reg.bulk_load("citizens", ([id_hash, sealed_record(i), now, "Bench", now] for i, id_hash in enumerate(hashes)))
        reg.bulk_load(
            "face_samples",
            (
                [
                    uuid.uuid4().hex,
                    id_hash,
                    key.seal(emb[i * 3 + j].tobytes(), b"sample:" + id_hash),
                    100.0,
                    120.0,
                    0.0,
                    now,
                    "Bench",
                    engine.name,
                    engine.model_version,
                ]
                for i, id_hash in enumerate(hashes)
                for j in range(3)
            ),
        )
        reg.bulk_load(
            "consents",
            ([uuid.uuid4().hex, id_hash, "face_checkin", "bench", now, "Bench", "bench"] for id_hash in hashes),
        )


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


class _Cut(Exception):
    """Raised to cut a first pull off half-way."""


def _cut_and_resumed(kiosk: Kiosk, samples: int, batch: int) -> dict[str, Any]:
    """A counter's first pull cut off once ``samples`` face samples are stored, then resumed:
    seconds for both runs, and how many samples the cut-off one had stored."""
    stored = 0

    def cut(table: str, rows: int) -> None:
        nonlocal stored
        if table == "face_samples":
            stored += rows
            if stored >= samples:
                raise _Cut

    start = time.perf_counter()
    try:
        kiosk.sync(batch=batch, after_batch=cut)
    except _Cut:
        pass
    cut_at = time.perf_counter() - start
    resumed = _timed(lambda: kiosk.sync(batch=batch))
    return {"cut_pull_s": cut_at, "cut_after_samples": stored, "resumed_pull_s": resumed}


def _contents(kiosk: Kiosk) -> tuple[int, ...]:
    """Rows per synced table and in the face index (two counters with the same province agree)."""
    tables = [kiosk.store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]
    return (*tables, len(kiosk.matcher))


def bench_sync(
    admin_url: str, citizens: int = 100_000, new_enrolments: int = 100, batch: int = PULL_BATCH
) -> dict[str, Any]:
    """Run the measurements (pulls in batches of ``batch`` rows); returns seconds per step and the counts involved."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    from kiosk.counter.service import Kiosk
    from kiosk.errors import RegistryError
    from kiosk.province.admin import add_counter, counter_registry, init_province
    from kiosk.province.registry import Registry, redact
    from kiosk.settings import Settings
    from kiosk.store.records import ConsentRecord
    from models import CitizenRecord, FaceBox, FaceSample, Gender

    name = f"kiosk_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        raise RegistryError(
            f"cannot create a throw-away database on {redact(admin_url)}: {type(exc).__name__}",
            "start PostgreSQL, or pass --registry with a server where you may create databases",
        ) from None
    url = make_conninfo(admin_url, dbname=name)
    batch = min(
        batch, max(1, citizens // 2)
    )  # a small province still pulls its samples in several batches: the cut lands half-way
    out: dict[str, Any] = {"citizens": citizens, "samples": citizens * 3, "batch": batch}
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as tmp:
            key = DataKey.generate()
            write_key_file(Path(tmp) / "province.key", key)
            start = time.perf_counter()
            _fill_registry(url, key, citizens)
            out["fill_registry_s"] = time.perf_counter() - start
            init_province(url, key.check_value().hex(), prefix=name)  # counters sync with their own roles
            counters, settings = [], {}
            for c in ("A", "B", "C"):
                login = add_counter(url, c, counter_registry(url))
                own = make_conninfo(login.registry, user=login.role, password=login.password)
                settings[c] = Settings(counter_name=c, key_file=str(Path(tmp) / "province.key"), registry_url=own)
                counters.append(Kiosk.open(settings[c], Path(tmp) / f"{c}.sqlite"))
            start = time.perf_counter()
            counters[0].sync(batch=batch)
            out["first_full_pull_s"] = time.perf_counter() - start  # the database, the index and its snapshot
            out["index_rows_after_pull"] = len(counters[0].matcher)  # ready: nothing is loaded here
            start = time.perf_counter()
            with Kiosk.open(settings["A"], Path(tmp) / "A.sqlite") as again:  # the counter started after its first pull
                out["startup_after_pull_s"] = time.perf_counter() - start + _timed(lambda: len(again.matcher))
            out.update(_cut_and_resumed(counters[1], citizens * 3 // 2, batch))
            out["resumed_same_as_uncut"] = _contents(counters[1]) == _contents(counters[0])
            counters[2].sync(batch=batch)
            # 100 new enrolments at B, then B pushes and A and C pull.
            emb = random_embeddings(new_enrolments * 3, seed=2)
            b = counters[1]
            for i in range(new_enrolments):
                record = CitizenRecord(
                    bench_id(citizens + i),  # never one of the citizens already in the registry
                    "",
                    f"Người mới {i}",
                    np.datetime64("2001-01-01").item(),
                    Gender.MALE,
                    "Cà Mau",
                )
                samples = [FaceSample(emb[i * 3 + j], FaceBox(0, 1, 1, 0)) for j in range(3)]
                b.store.enrol(
                    record, samples, ConsentRecord("face_checkin", "bench", b.store.clock(), "B", "bench"), "B"
                )
            start = time.perf_counter()
            b.sync()
            out["incremental_push_100_s"] = time.perf_counter() - start
            start = time.perf_counter()
            counters[0].sync()
            counters[2].sync()
            out["incremental_pull_100_both_s"] = time.perf_counter() - start
            # A purge at A, gone everywhere.
            a = counters[0]
            a.set_first_admin_pin("bench12")
            admin = a.login_admin("bench12")
            victim = bench_id(0)
            start = time.perf_counter()
            admin.purge(victim)
            a.sync()
            counters[1].sync()
            counters[2].sync()
            out["purge_everywhere_s"] = time.perf_counter() - start
            out["purge_gone"] = all(k.store.find_citizen(victim) is None for k in counters)
            with Registry.connect(url) as reg:
                out["registry_counts"] = reg.counts()
            for k in counters:
                k.close()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", [name + "_"]):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    return out
