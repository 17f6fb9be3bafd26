"""The face index of a counter: one :class:`Matcher` per face engine, never mixed.

The *primary* engine's matcher holds every citizen who has templates of it. Each other
engine's matcher holds only citizens with **no** primary template (enrolled before the
primary engine was introduced, and not yet upgraded): a citizen is searched through one
engine only, so the engines' candidate lists never overlap and a citizen's template is
never compared with another engine's probe. Adding a primary template to such a citizen
moves them out of the older index (the upgrade).

Given ``exact_rows`` (at a counter: the store's sealed templates by sample id), a cosine
primary engine is held in a :class:`recognition.compact.CompactMatcher` (int8, a quarter of
the memory, the same answers); every other matcher is a float32
:class:`recognition.matcher.Matcher`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping

import numpy as np

from recognition.compact import CitizenRows, CompactMatcher, ExactRows
from recognition.matcher import Matcher

AnyMatcher = Matcher | CompactMatcher


class FaceIndex:
    """Per-engine matchers with the routing rule of the module docstring. Thread-safe.

    Args:
        primary: the primary engine's name.
        metrics: ``{engine: metric}`` of every engine the index may hold (primary included).
        capacity: initial rows of the primary matcher.
        exact_rows: where a compact primary matcher re-scores from (see the module docstring);
            None: every matcher is float32.
        citizen_rows: where a compact primary matcher reads a citizen's samples for their template.
    """

    def __init__(
        self,
        primary: str,
        metrics: Mapping[str, str],
        capacity: int = 1024,
        exact_rows: ExactRows | None = None,
        citizen_rows: CitizenRows | None = None,
    ) -> None:
        if primary not in metrics:
            raise ValueError(f"no metric for the primary engine {primary!r}")
        self.primary = primary
        self.matchers: dict[str, AnyMatcher] = {
            name: Matcher(capacity if name == primary else 16, metric, name) for name, metric in metrics.items()
        }
        if exact_rows is not None and metrics[primary] == "cosine":
            self.matchers[primary] = CompactMatcher(exact_rows, capacity, primary, citizen_rows)
        self._lock = threading.RLock()

    @property
    def main(self) -> AnyMatcher:
        """The primary engine's matcher."""
        return self.matchers[self.primary]

    @property
    def legacy_engines(self) -> tuple[str, ...]:
        """Other engines whose index is not empty (their embeddings are needed per frame)."""
        return tuple(name for name, m in self.matchers.items() if name != self.primary and len(m))

    def lacking_primary(self) -> int:
        """Citizens searchable only through an older engine."""
        with self._lock:
            return len(set().union(*(self.matchers[name].citizen_ids() for name in self.legacy_engines)))

    def add(self, engine: str, citizen_ids: np.ndarray, embeddings: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Add templates of ``engine`` (``citizen_ids`` and ``keys`` ``(k,)`` parallel to ``embeddings`` ``(k, 128)``;
        ``keys``, the rows' sample ids, are needed by a compact matcher only).

        Templates of an engine the index does not hold are ignored; older-engine templates
        of a citizen who has primary ones are not indexed; primary templates move their
        citizens out of the older indexes.

        Raises:
            ValueError: a compact matcher was given no keys.
        """
        if engine not in self.matchers:
            return
        ids = np.asarray(citizen_ids, dtype=np.int64).reshape(-1)
        with self._lock:
            if engine == self.primary:
                _add(self.main, ids, embeddings, keys)
                for other in self.legacy_engines:
                    for cid in set(ids.tolist()):
                        self.matchers[other].remove(cid)
                return
            keep = np.array([int(cid) not in self.main for cid in ids], dtype=bool)
            if keep.any():
                _add(
                    self.matchers[engine], ids[keep], np.asarray(embeddings)[keep], None if keys is None else keys[keep]
                )

    def replace(self, citizen_id: int, rows: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Swap every template of a citizen for ``rows`` (``{engine: (keys (k,), embeddings (k, 128))}``,
        added default engine first, as :meth:`add` routes them) in one step: a search running on
        another thread sees the citizen with the old rows or the new, never without any."""
        with contextlib.ExitStack() as held:
            held.enter_context(self._lock)
            for matcher in self.matchers.values():
                held.enter_context(matcher._lock)
            self.remove(citizen_id)
            for engine in sorted(rows, key=lambda e: e != self.primary):
                keys, embeddings = rows[engine]
                if len(embeddings):
                    self.add(engine, np.full(len(embeddings), citizen_id, dtype=np.int64), embeddings, keys)

    def remove(self, citizen_id: int) -> None:
        """Drop every template of a citizen, in every engine."""
        with self._lock:
            for matcher in self.matchers.values():
                matcher.remove(citizen_id)

    def engine_of(self, citizen_id: int) -> str | None:
        """The engine a citizen is searched through, or None when they are not indexed."""
        with self._lock:
            return next((name for name, m in self.matchers.items() if citizen_id in m), None)


def _add(matcher: AnyMatcher, ids: np.ndarray, embeddings: np.ndarray, keys: np.ndarray | None) -> None:
    if isinstance(matcher, Matcher):
        matcher.add_many(ids, embeddings)
    elif keys is None:
        raise ValueError(f"the compact {matcher.engine} index needs the sample id of each template")
    else:
        matcher.add_many(ids, embeddings, keys)
