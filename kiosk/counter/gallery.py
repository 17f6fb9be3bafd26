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
        """The face index, loaded from the store on first use."""
        if self._index is None:
            metrics = {name: engine_info(name).metric for name in ENGINE_NAMES}
            index = FaceIndex(self.engine, metrics, capacity=max(1024, self.store.sample_count(self.engine)))
            for name in self._engines_default_first():
                for ids, embeddings in self.store.iter_embeddings(name):
                    index.add(name, ids, embeddings)
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

    def add(self, citizen_id: int, samples: Sequence[FaceSample]) -> None:
        """Put a citizen's newly stored default-engine samples into the index (loading it if need be)."""
        self.index.add(
            self.engine, np.full(len(samples), citizen_id, dtype=np.int64), np.stack([s.embedding for s in samples])
        )

    def remove(self, citizen_id: int) -> None:
        """Drop a purged citizen from a loaded index (an index not loaded yet will not read them)."""
        if self._index is not None:
            self._index.remove(citizen_id)

    def reindex(self, citizen_id: int) -> None:
        """Reload one citizen's templates from the store into a loaded index (after some were deleted)."""
        if self._index is None:
            return
        self._index.remove(citizen_id)
        for name in self._engines_default_first():
            kept = self.store.embeddings_of(citizen_id, name)
            if len(kept):
                self._index.add(name, np.full(len(kept), citizen_id, dtype=np.int64), kept)

    def update(self, changes: AppliedBatch) -> None:
        """Bring an already loaded index in line with what a sync stored (before the index is
        loaded there is nothing to do: it will be read from the store)."""
        if self._index is None:
            return
        for citizen_id in changes.gone:
            self._index.remove(citizen_id)
        for citizen_id in changes.changed:
            self.reindex(citizen_id)
        engines = sorted({e for _, e, _ in changes.faces}, key=lambda e: e != self.engine)  # the default engine's first
        for engine in engines:
            rows = [(c, e) for c, name, e in changes.faces if name == engine]
            self._index.add(engine, np.array([c for c, _ in rows], dtype=np.int64), np.stack([e for _, e in rows]))
