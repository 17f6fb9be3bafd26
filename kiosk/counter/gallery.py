"""The counter's face index, loaded from its store on first use and kept in step with it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np

from kiosk.store.records import Store
from kiosk.store.sync_rows import AppliedBatch
from models import FaceSample
from recognition.engines import ENGINE_NAMES, engine_info
from recognition.index import FaceIndex


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
    engine's only for the citizens who have no default-engine template yet.
    """

    def __init__(self, store: Store, engine: str) -> None:
        self.store = store
        self.engine = engine
        self._index: FaceIndex | None = None

    @property
    def index(self) -> FaceIndex:
        """The face index, loaded from the store on first use (the default engine's matcher is
        compact: int8 rows, re-scored from the store's sealed templates)."""
        if self._index is None:
            metrics = {name: engine_info(name).metric for name in ENGINE_NAMES}
            capacity = max(1024, self.store.sample_count(self.engine))
            index = FaceIndex(self.engine, metrics, capacity, exact_rows=self.store.templates)
            for name in self._engines_default_first():
                for ids, embeddings, keys in self.store.iter_embeddings(name):
                    index.add(name, ids, embeddings, keys)
            self._index = index
        return self._index

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
        """Drop a purged citizen from a loaded index (an index not loaded yet will not read them)."""
        if self._index is not None:
            self._index.remove(citizen_id)

    def reindex(self, citizen_id: int) -> None:
        """Reload one citizen's templates from the store into a loaded index (after some were
        stored or deleted); an index not loaded yet will read them itself."""
        if self._index is None:
            return
        self._index.remove(citizen_id)
        for name in self._engines_default_first():
            keys, kept = self.store.samples_of(citizen_id, name)
            if len(kept):
                self._index.add(name, np.full(len(kept), citizen_id, dtype=np.int64), kept, keys)

    def update(self, changes: AppliedBatch) -> None:
        """Bring an already loaded index in line with what a sync stored (before the index is
        loaded there is nothing to do: it will be read from the store)."""
        if self._index is None:
            return
        for citizen_id in changes.gone:
            self._index.remove(citizen_id)
        for citizen_id in changes.changed:
            self.reindex(citizen_id)
        engines = sorted({e for _, e, _, _ in changes.faces}, key=lambda e: e != self.engine)  # the default engine's first
        for engine in engines:
            rows = [(c, e, k) for c, name, e, k in changes.faces if name == engine]
            self._index.add(
                engine,
                np.array([c for c, _, _ in rows], dtype=np.int64),
                np.stack([e for _, e, _ in rows]),
                np.array([k for _, _, k in rows], dtype=np.int64),
            )
