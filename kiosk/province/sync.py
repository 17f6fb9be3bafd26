"""Sync a counter's SQLite store with the province registry: pull, then push.

Pull: per table, rows with ``seq`` above this counter's cursor for that registry, in
batches; each batch and its new cursor are committed together locally
(:meth:`kiosk.store.sync_rows.SyncRows.store_pulled`), so an interrupted sync resumes
without duplicates or gaps. Pulled rows are stored as they are (the same sealed bytes: one
province key), what they change in the faces is handed to ``reindex`` at once (the counter's
in-memory index), and pulled purges delete the citizen here too. Push: rows recorded here
and not yet pushed, citizens first, each chunk in one registry transaction, then marked as
pushed; a push that is cut off is simply repeated (the registry skips rows it already has).

The SQL of both sides is theirs: :mod:`kiosk.store.sync_rows` (SQLite) and
:mod:`kiosk.province.registry` (PostgreSQL); the rules they share are in :mod:`kiosk.store.rules`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from kiosk.province.registry import TABLES, Registry
from kiosk.store.records import Store
from kiosk.store.sync_rows import AppliedBatch, SyncRows

log = logging.getLogger("cccd_kiosk.sync")

PULL_BATCH = 20000
"""Rows per pulled batch, each stored in one transaction. Random uid and id_hash keys dirty index
pages all over the file, and each commit writes them: larger batches write each page fewer times
(a first pull of 3 x 10^5 citizens: 109 s with 5,000, 79 s with 20,000, 75 s with 50,000)."""
PULL_CACHE_MB = 256
"""SQLite's page cache while pulling (default 2 MB): a first pull inserts 10^6 citizens under random
blind indexes (a 42 MB index) and looks each sample's citizen up by it; with those pages in memory
each is read once, not once per batch (a first pull of 10^6 citizens before the other changes:
331 s with the default cache, 232 s with 1 GB)."""
PUSH_CHUNK = 1000

Reindex = Callable[[AppliedBatch], None]
"""Told what each committed pull batch changed in the faces (citizens gone, changed, templates added)."""


@dataclass
class SyncReport:
    """Rows pulled and pushed per table, citizens purged here because of a remote purge, and the time taken (s)."""

    pulled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    pushed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    purged_here: int = 0
    rejected: int = 0
    purges_held: int = 0
    """Purges the registry refused for now (this counter's purge limit per hour): kept here, sent again."""
    seconds: float = 0.0


def sync(
    store: Store,
    url: str,
    *,
    counter: str,
    actor: str,
    reindex: Reindex | None = None,
    batch: int = PULL_BATCH,
    after_batch: Callable[[str, int], None] | None = None,
    create_registry: bool = False,
) -> SyncReport:
    """Pull then push ``store`` (the counter named ``counter``) with the registry at ``url``; the
    sync is audited as done by ``actor``. ``reindex`` is called after each committed pull batch
    with what it changed in the faces; ``after_batch(table, rows)`` too (tests use it to cut the
    connection half-way). ``create_registry`` makes the registry tables in an empty database
    (once, when a province starts); otherwise a database without them is refused.

    Purges the registry's limit held back stay pending here (``purges_held`` in the report).

    Raises:
        RegistryError: unreachable registry, another data key, a revoked counter, or a failed
            step (what was committed stays committed; the next sync resumes).
        StoreError: the counter's database cannot be read or written.
    """
    start = time.perf_counter()
    report = SyncReport()
    rows = SyncRows(store)
    with Registry.connect(url) as registry:
        registry_id = registry.hello(store.key.check_value().hex(), counter, create=create_registry)
        rows.remember_registry(registry_id)
        _pull(rows, registry, registry_id, counter, batch, report, reindex, after_batch)
        registry.note_pull()
        _push(rows, registry, report)
    report.seconds = time.perf_counter() - start
    store.audit(
        "sync",
        actor,
        counter,
        "",
        pulled=sum(report.pulled.values()),
        pushed=sum(report.pushed.values()),
        purged_here=report.purged_here,
        rejected=report.rejected,
        purges_held=report.purges_held,
    )
    return report


def _pull(
    rows: SyncRows,
    registry: Registry,
    registry_id: str,
    counter: str,
    batch: int,
    report: SyncReport,
    reindex: Reindex | None,
    after_batch: Callable[[str, int], None] | None,
) -> None:
    def done(table: str, pulled: int, applied: AppliedBatch) -> None:
        if reindex:
            reindex(applied)
        report.pulled[table] += applied.rows
        report.rejected += applied.rejected
        report.purged_here += len(applied.gone)
        if after_batch:
            after_batch(table, pulled)

    newest = registry.last_seq()
    with rows.store.working_cache(PULL_CACHE_MB), _Storer(done) as storer:
        for table in TABLES:
            storer.wait()  # the previous table is stored: its cursor, and for children their citizens
            after = rows.cursor(registry_id, table)
            if after > newest or rows.bulk(table) not in (None, registry_id):
                # the registry was restored from a backup, or another registry's first pull was left
                # half-way: rows stored here may come again, so the uid index must be there
                rows.end_bulk(table)
            if after > newest:
                rows.reset_cursor(registry_id, table)  # pull everything again; storing is idempotent
                after = 0
            bulk = rows.bulk(table) == registry_id  # an interrupted first pull goes on as it began
            citizens_after = rows.cursor(registry_id, "citizens")
            while (pulled := registry.pull(table, after, batch, citizens_after=citizens_after)).rows:
                if not bulk and after == 0 and len(pulled.rows) == batch:
                    bulk = rows.start_bulk(registry_id, table)  # a first pull, and a large one: into an empty table?
                after = pulled.rows[-1][0]
                opened = rows.open_pulled(table, pulled.rows)
                citizens = rows.open_pulled("citizens", pulled.citizens) if pulled.citizens else None
                store = partial(rows.store_pulled, registry_id, opened, counter, citizens)
                storer.submit(table, len(pulled.rows), store)
            if bulk:
                storer.wait()
                rows.end_bulk(table)
    if report.purged_here:
        rows.store.checkpoint()


class _Storer:
    """Stores pulled batches on one worker thread, one at a time, while the caller reads and opens
    the next: the registry's reply, the decryption and SQLite's writes overlap (SQLite and the
    network let go of Python's lock while they work). What each stored batch changed goes to
    ``done(table, rows pulled, applied)`` on the caller's thread, in order."""

    def __init__(self, done: Callable[[str, int, AppliedBatch], None]) -> None:
        self._done = done
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-pull")
        self._pending: tuple[str, int, Future[AppliedBatch]] | None = None

    def submit(self, table: str, pulled: int, store: Callable[[], AppliedBatch]) -> None:
        """Store a batch once the one before is stored and reported."""
        self.wait()
        self._pending = (table, pulled, self._pool.submit(store))

    def wait(self) -> None:
        """Wait for the batch being stored, then report it (its error, if any, is raised here)."""
        if self._pending is not None:
            table, pulled, future = self._pending
            self._pending = None
            self._done(table, pulled, future.result())

    def __enter__(self) -> _Storer:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        try:
            self.wait()  # after a failure too: a batch stored before it still reaches the index
        except Exception as exc:
            if kind is None:
                raise
            log.warning("storing a pulled batch failed too: %s", exc)  # the first failure is what is raised
        finally:
            self._pool.shutdown()


def _push(rows: SyncRows, registry: Registry, report: SyncReport) -> None:
    """Push pending rows: purges, then citizens (with their consents, for the tombstone
    rule), then samples, consents (those not sent with their citizen), visits; each chunk in one registry transaction, then marked
    pushed, except rows the registry asked to retry (their citizen arrived after this push
    began) and purges its limit held back."""
    for table in TABLES:
        after = 0
        while True:
            chunk = rows.pending(table, after, PUSH_CHUNK)
            if not chunk.rows:
                break
            after = chunk.rows[-1]["_key"]
            result = registry.push(
                {table: chunk.rows, "consents": chunk.consents} if chunk.consents else {table: chunk.rows}
            )
            for name, taken in result.taken.items():  # a citizens chunk brings its consents along
                report.pushed[name] += taken
            report.purges_held += len(result.refused)
            rows.mark_pushed(
                table,
                [
                    r["_key"]
                    for r in chunk.rows
                    if r.get("uid") not in result.retry and r.get("tomb") not in result.refused
                ],
            )
