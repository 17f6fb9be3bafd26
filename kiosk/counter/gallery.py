"""The counter's face index, loaded from its store on first use and kept in step with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

import numpy as np

from kiosk.counter import snapshot
from kiosk.counter.snapshot import SnapshotError, Stamp
from kiosk.errors import StoreError
from kiosk.store.records import Store
from kiosk.store.sync_rows import AppliedBatch
from recognition.compact import CompactMatcher
from recognition.engines import ENGINE_NAMES, engine_info
from recognition.index import FaceIndex

log = logging.getLogger("cccd_kiosk.index")

SNAPSHOT_LAG = 20_000
"""Templates the snapshot may lack before a sync rewrites it: start-up reads those from the store
(about 0.2 s for 20,000), while a rewrite at 3 x 10^6 templates writes 456 MB."""


class EngineStatus(TypedDict):
    """The default engine's coverage: citizens in all, with and lacking its templates, templates per engine."""

    engine: str
    citizens: int
    with_engine: int
    lacking: int
    templates_by_engine: dict[str, int]


class Gallery:
    """The in-memory :class:`recognition.index.FaceIndex` (one matcher per engine) of one store.

    ``engine`` is the default face engine: its templates are loaded first; each older
    engine's only for the citizens who have no default-engine template yet. The default
    engine's compact matcher starts from the sealed snapshot at ``snapshot_file`` when it is
    current (:mod:`kiosk.counter.snapshot`), and is saved there after a full load and at
    :meth:`close` when the store changed; None: no snapshot.
    """

    def __init__(self, store: Store, engine: str, snapshot_file: Path | None = None) -> None:
        self.store = store
        self.engine = engine
        self.snapshot_file = snapshot_file
        self._index: FaceIndex | None = None
        self._saved: str | None = None  # the stamp the snapshot on disk was taken at (None: none is current)
        self._snapshot_rows: int | None = None  # templates the snapshot on disk holds (None: there is none)
        self._loading = threading.Lock()  # the recognising thread and a sync may both ask for the index first

    @property
    def index(self) -> FaceIndex:
        """The face index, loaded on first use (the default engine's matcher is compact: int8
        rows, re-scored from the store's sealed templates)."""
        if self._index is not None:
            return self._index
        with self._loading:
            return self._load()

    @property
    def loaded(self) -> bool:
        """True once the index is in memory (:attr:`index` was asked for)."""
        return self._index is not None

    def _load(self) -> FaceIndex:
        """Read the index from the snapshot and the store, once (under :attr:`_loading`)."""
        if self._index is None:
            metrics = {name: engine_info(name).metric for name in ENGINE_NAMES}
            index = FaceIndex(
                self.engine, metrics, 1024, exact_rows=self.store.templates, citizen_rows=self._citizen_rows
            )
            main = index.main
            after, current = self._from_snapshot(main) if isinstance(main, CompactMatcher) else (None, False)
            if isinstance(main, CompactMatcher) and not current:
                main.reserve(len(main) + self.store.sample_count(self.engine, after or 0))
            for name in self._engines_default_first():
                if name == self.engine and current:
                    continue  # the snapshot holds every template of the default engine
                known = after or 0 if name == self.engine else 0  # rows the snapshot already gave
                for ids, embeddings, keys in self.store.iter_embeddings(name, after=known):
                    index.add(name, ids, embeddings, keys)
            self._index = index
            if after is None:
                self.save_snapshot()
        return self._index

    def _citizen_rows(self, citizen_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Each citizen's stored samples of the default engine, decrypted (for their template)."""
        return {cid: self.store.samples_of(cid, self.engine)[1] for cid in citizen_ids}

    def _from_snapshot(self, main: CompactMatcher) -> tuple[int | None, bool]:
        """Fill the empty compact matcher from a usable snapshot. Returns the highest sample id it
        covers (later ones are still to be read from the store; None: no snapshot was used) and
        whether the store has no template added since."""
        if self.snapshot_file is None or not self.snapshot_file.exists():
            return None, False
        now = Stamp.parse(self.store.templates_stamp())
        try:
            taken = snapshot.load(self.snapshot_file, self.store.key, self.engine, main, now.grown_from)
        except (OSError, SnapshotError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else str(exc)
            log.warning(
                "the face index snapshot %s was not used (%s): rebuilt from the database", self.snapshot_file, reason
            )
            return None, False
        self._saved = str(taken) if taken == now else None
        self._snapshot_rows = len(main)
        return taken.highest, taken == now

    def save_snapshot(self) -> bool:
        """Write the default engine's compact matcher to the snapshot file when it holds the
        store's templates of that engine (as many, with the same sum and highest sample id,
        read in one read of the store; a write by another thread meanwhile skips the save)
        and the snapshot on disk is not current.
        Returns True when a snapshot was written."""
        main = self._index.main if self._index is not None else None
        if self.snapshot_file is None or not isinstance(main, CompactMatcher):
            return False
        with self.store.snapshot():
            stamp = self.store.templates_stamp()
            if stamp == self._saved:
                return False
            stored = self.store.sample_tally(self.engine)
        state = main.state()
        keys = state["keys"]
        if (len(keys), int(keys.sum()), int(keys.max(initial=0))) != stored:  # the index lacks or holds a stray row
            return False
        try:
            snapshot.save(self.snapshot_file, self.store.key, stamp, state, self.engine)
        except OSError as exc:
            log.warning("the face index snapshot %s was not saved (%s)", self.snapshot_file, exc.strerror)
            return False
        self._saved = stamp
        self._snapshot_rows = len(state["keys"])
        return True

    def keep_snapshot(self) -> bool:
        """After a sync: save the snapshot when there is none or it lacks more than
        :data:`SNAPSHOT_LAG` of the loaded index's templates. Returns True when one was written."""
        main = self._index.main if self._index is not None else None
        if not isinstance(main, CompactMatcher):
            return False
        if self._snapshot_rows is not None and len(main) - self._snapshot_rows < SNAPSHOT_LAG:
            return False
        return self.save_snapshot()

    def close(self) -> None:
        """Save the snapshot if the store changed since it was taken (a loaded index only; a store
        that cannot be read any more, e.g. closed already, leaves the snapshot as it was)."""
        if self._index is not None:
            try:
                self.save_snapshot()
            except StoreError:
                pass

    def _engines_default_first(self) -> tuple[str, ...]:
        """Every engine, the default one first (older templates are indexed only for citizens
        the default engine's templates do not cover, so it must be loaded first)."""
        return (self.engine, *(n for n in ENGINE_NAMES if n != self.engine))

    def engine_status(self) -> EngineStatus:
        """The default engine and how many citizens still lack its templates (read from the store)."""
        coverage = self.store.engine_coverage()
        total = coverage.pop("citizens")
        return {
            "engine": self.engine,
            "citizens": total,
            "with_engine": coverage.get(self.engine, 0),
            "lacking": total - coverage.get(self.engine, 0),
            "templates_by_engine": coverage,
        }

    def remove(self, citizen_id: int) -> None:
        """Drop a purged citizen from a loaded index (an index not loaded yet will not read them)
        and delete the snapshot at once: no copy of their template stays, even sealed."""
        self._discard_snapshot()
        if self._index is not None:
            self._index.remove(citizen_id)

    def _discard_snapshot(self) -> None:
        if self.snapshot_file is not None:
            snapshot.discard(self.snapshot_file)
            self._saved, self._snapshot_rows = None, None

    def reindex(self, citizen_id: int) -> None:
        """Reload one citizen's templates from the store into a loaded index (after some were
        stored or deleted), in one step for a search on another thread (:meth:`FaceIndex.replace`);
        an index not loaded yet will read them itself."""
        if self._index is None:
            return
        self._index.replace(citizen_id, {name: self.store.samples_of(citizen_id, name) for name in ENGINE_NAMES})

    def update(self, changes: AppliedBatch) -> None:
        """Bring an already loaded index in line with what a sync stored (before the index is
        loaded there is nothing to do: it will be read from the store)."""
        if changes.gone:
            self._discard_snapshot()
        if self._index is None:
            return
        for citizen_id in changes.gone:
            self._index.remove(citizen_id)
        for citizen_id in changes.changed:
            self.reindex(citizen_id)
        for engine in sorted(changes.faces, key=lambda e: e != self.engine):  # the default engine's first
            added = changes.faces[engine]
            self._index.add(engine, added.citizen_ids, added.embeddings, added.keys)
