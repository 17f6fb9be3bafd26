"""1:N face search over one contiguous float32 matrix.

The matcher ranks citizens by distance; it does not decide anything (see
:mod:`recognition.policy`). Distances come from one matrix product,
``|q - x|² = |q|² + |x|² - 2 q·x``, never from a Python loop over people, so a query
costs one pass over the ``(N, 128)`` matrix: about 512 MB read for a million samples.

One matcher holds the templates of one face engine, in that engine's metric:
``euclidean`` (dlib: distance ``|q - x|``) or ``cosine`` (SFace: rows and queries are
scaled to unit length, distance ``1 - q·x``, 0..2; the ranking is the same product).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from models import EMBEDDING_SIZE, Candidate
from recognition.templates import by_template, comparisons

_QUERY_CHUNK_ELEMENTS = 1 << 24
"""Largest (samples × queries) block of scores computed at once in a batch (64 MB of float32)."""


class Membership:
    """Who is in an index of samples: rows in use (``_n``) and rows per citizen (``_members``),
    under ``_lock``. Shared by :class:`Matcher` and :class:`recognition.compact.CompactMatcher`."""

    _n: int
    _members: dict[int, int]
    _lock: threading.RLock

    def __len__(self) -> int:
        """Number of samples (rows) in the index."""
        return self._n

    @property
    def citizen_count(self) -> int:
        """Number of distinct citizens with at least one sample."""
        return len(self._members)

    def citizen_ids(self) -> set[int]:
        """The citizens with at least one sample (a copy)."""
        with self._lock:
            return set(self._members)

    def __contains__(self, citizen_id: object) -> bool:
        """True while the citizen has at least one sample in the index."""
        return citizen_id in self._members

    metric: str

    @property
    def comparisons(self) -> int:
        """What a stranger's search counts as for the impostor tail (:func:`recognition.templates.comparisons`)."""
        with self._lock:
            return comparisons(self._n, len(self._members))

    def samples_of(self, citizen_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """``{citizen id: (k, 128) float32 samples}`` of those of the given citizens still indexed
        (for re-scoring a search's few candidates against their templates)."""
        raise NotImplementedError

    def embeddings_of(self, citizen_id: int) -> np.ndarray:
        """One citizen's samples ``(k, 128)`` float32 (:meth:`samples_of` of one; none: ``(0, 128)``)."""
        return self.samples_of([citizen_id]).get(citizen_id, np.zeros((0, EMBEDDING_SIZE), dtype=np.float32))

    def search(self, query: np.ndarray, k: int = 5) -> list[Candidate]:
        """The ``k`` nearest citizens by their best sample, nearest first."""
        raise NotImplementedError

    def nearest(self, query: np.ndarray, k: int = 5, exclude: int | None = None) -> list[Candidate]:
        """The ``k`` nearest citizens by their templates (:func:`recognition.templates.by_template`),
        what every decision is taken on: the ``2k`` nearest by their best sample re-scored and
        ranked again (a citizen's template may be nearer than their best sample: the wider pool
        lets one from just outside the ``k`` best in). ``exclude``: a citizen left out (evaluation)."""
        found = [c for c in self.search(query, 2 * k + (exclude is not None)) if c.citizen_id != exclude][: 2 * k]
        return by_template(found, query, self.samples_of([c.citizen_id for c in found]), self.metric)[:k]


class Matcher(Membership):
    """An in-memory index of face samples, several per citizen, of one face engine.

    Rows live in one C-contiguous ``(capacity, 128)`` float32 matrix with a parallel
    int64 array of citizen ids and a float32 array of squared norms. Adding appends
    (the capacity doubles when full); removing a citizen moves rows from the tail into
    the freed slots, so neither rebuilds the index. All methods are thread-safe.

    Args:
        capacity: rows to allocate up front.
        metric: ``"euclidean"`` or ``"cosine"`` (see the module docstring).
        engine: the face engine whose templates these are (carried into each :class:`Candidate`).
    """

    def __init__(self, capacity: int = 1024, metric: str = "euclidean", engine: str = "") -> None:
        if metric not in ("euclidean", "cosine"):
            raise ValueError(f"unknown metric {metric!r}")
        self.metric = metric
        self.engine = engine
        capacity = max(1, int(capacity))
        self._emb = np.zeros((capacity, EMBEDDING_SIZE), dtype=np.float32)
        self._sq = np.zeros(capacity, dtype=np.float32)
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._n = 0
        self._members: dict[int, int] = {}  # citizen id → rows
        self._lock = threading.RLock()

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays, in bytes (capacity, not just the used rows)."""
        return self._emb.nbytes + self._sq.nbytes + self._ids.nbytes

    def add(self, citizen_id: int, embeddings: np.ndarray) -> None:
        """Append samples of one citizen. ``embeddings``: ``(k, 128)`` or ``(128,)``, any float dtype."""
        rows = _as_matrix(embeddings)
        self.add_many(np.full(len(rows), citizen_id, dtype=np.int64), rows)

    def add_many(self, citizen_ids: np.ndarray, embeddings: np.ndarray) -> None:
        """Append samples of many citizens: ``citizen_ids`` shape ``(k,)`` parallel to ``embeddings`` ``(k, 128)``."""
        rows = self._prepare(embeddings)
        ids = np.asarray(citizen_ids, dtype=np.int64).reshape(-1)
        if len(ids) != len(rows):
            raise ValueError(f"{len(ids)} citizen ids for {len(rows)} embeddings")
        with self._lock:
            self._reserve(self._n + len(rows))
            end = self._n + len(rows)
            self._emb[self._n : end] = rows
            self._sq[self._n : end] = np.einsum("ij,ij->i", rows, rows)
            self._ids[self._n : end] = ids
            self._n = end
            for cid, count in zip(*np.unique(ids, return_counts=True)):
                self._members[int(cid)] = self._members.get(int(cid), 0) + int(count)

    def remove(self, citizen_id: int) -> int:
        """Drop every sample of a citizen at once. Returns how many rows were removed."""
        with self._lock:
            n = self._n
            rows = np.flatnonzero(self._ids[:n] == citizen_id)
            if rows.size == 0:
                return 0
            new_n = n - rows.size
            holes = rows[rows < new_n]
            tail = np.arange(new_n, n)
            tail = tail[self._ids[tail] != citizen_id]  # exactly len(holes) rows stay alive in the tail
            self._emb[holes] = self._emb[tail]
            self._sq[holes] = self._sq[tail]
            self._ids[holes] = self._ids[tail]
            self._n = new_n
            self._members.pop(int(citizen_id), None)
            return int(rows.size)

    def search(self, query: np.ndarray, k: int = 5) -> list[Candidate]:
        """The ``k`` nearest citizens to one ``(128,)`` probe, nearest first.

        A citizen's distance is the best over their samples. Fewer than ``k`` come back
        when fewer citizens are enrolled.
        """
        return self.search_batch(_as_matrix(query)[:1], k)[0]

    def search_batch(self, queries: np.ndarray, k: int = 5) -> list[list[Candidate]]:
        """:meth:`search` for a ``(B, 128)`` batch of probes; one ranked list per probe, in order."""
        q = self._prepare(queries)
        with self._lock:
            n = self._n
            if n == 0 or k <= 0:
                return [[] for _ in range(len(q))]
            emb, sq, ids = self._emb[:n], self._sq[:n], self._ids[:n]
            out: list[list[Candidate]] = []
            step = max(1, _QUERY_CHUNK_ELEMENTS // n)
            for start in range(0, len(q), step):
                block = q[start : start + step]
                # (n, b) partial squared distances, |x|² - 2 x·q; |q|² is added for the few rows kept.
                partial = sq[:, None] - 2.0 * (emb @ block.T)
                for j in range(block.shape[0]):
                    rows = _top_rows(partial[:, j], ids, k)
                    out.append(
                        [
                            Candidate(int(c), d, self.engine)
                            for c, d in zip(ids[rows], self._distances(emb[rows], block[j]))
                        ]
                    )
            return out

    def _prepare(self, embeddings: np.ndarray) -> np.ndarray:
        """Rows as C-contiguous float32 ``(k, 128)``; unit length under the cosine metric."""
        rows = _as_matrix(embeddings)
        return unit_rows(rows) if self.metric == "cosine" else rows

    def _distances(self, rows: np.ndarray, query: np.ndarray) -> list[float]:
        """Exact distances of a few rows to the query, in float64, free of the expansion's rounding."""
        x, q = rows.astype(np.float64), query.astype(np.float64)
        if self.metric == "cosine":
            return [float(d) for d in np.clip(1.0 - x @ q, 0.0, 2.0)]
        diff = x - q
        return [float(d) for d in np.sqrt(np.einsum("ij,ij->i", diff, diff))]

    def samples_of(self, citizen_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """``{citizen id: (k, 128) float32 samples}`` (unit length under the cosine metric) of those
        of the given citizens still indexed."""
        with self._lock:
            ids = self._ids[: self._n]
            rows = np.flatnonzero(np.isin(ids, np.asarray(list(citizen_ids), dtype=np.int64)))
            found, samples = ids[rows], self._emb[rows]
        return {int(cid): samples[found == cid] for cid in np.unique(found)}

    def _reserve(self, needed: int) -> None:
        capacity = len(self._ids)
        if needed <= capacity:
            return
        while capacity < needed:
            capacity *= 2
        emb = np.zeros((capacity, EMBEDDING_SIZE), dtype=np.float32)
        emb[: self._n] = self._emb[: self._n]
        sq = np.zeros(capacity, dtype=np.float32)
        sq[: self._n] = self._sq[: self._n]
        ids = np.zeros(capacity, dtype=np.int64)
        ids[: self._n] = self._ids[: self._n]
        self._emb, self._sq, self._ids = emb, sq, ids


def _as_matrix(embeddings: np.ndarray) -> np.ndarray:
    """Any ``(128,)`` or ``(k, 128)`` array → C-contiguous float32 ``(k, 128)``.

    Converting the *query* to float32 matters: a float64 query against the float32
    matrix would make numpy copy the whole matrix on every call.
    """
    arr = np.ascontiguousarray(embeddings, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != EMBEDDING_SIZE:
        raise ValueError(f"expected embeddings of shape (k, {EMBEDDING_SIZE}), got {arr.shape}")
    return arr


def unit_rows(embeddings: np.ndarray) -> np.ndarray:
    """``(k, 128)`` (or ``(128,)``) embeddings scaled to unit length, C-contiguous float32 ``(k, 128)``
    (computed in float32: the cosine matchers all scale rows and probes this same way)."""
    rows = _as_matrix(embeddings)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.ascontiguousarray(rows / np.maximum(norms, 1e-12), dtype=np.float32)


_SAMPLE_STRIDE = 64
"""Every 64th score bounds the search for the smallest ones (see :func:`_smallest_rows`)."""


def _smallest_rows(partial: np.ndarray, m: int) -> np.ndarray:
    """Indices of the ``m`` smallest values of ``partial``, ascending; exact.

    For a large ``partial``, the m-th smallest of every 64th value is an upper bound on the
    m-th smallest of all (at least m values lie at or under it), so one vectorised
    comparison leaves a pool of about 64·m rows holding all m smallest, and only the pool
    is partitioned: cheaper than partitioning all N scores.
    """
    n = partial.shape[0]
    if m >= n:
        return np.argsort(partial, kind="stable")
    if n >= 4 * _SAMPLE_STRIDE * m:
        bound = np.partition(partial[::_SAMPLE_STRIDE], m - 1)[m - 1]
        pool = np.flatnonzero(partial <= bound)
        part = pool[np.argpartition(partial[pool], m - 1)[:m]]
    else:
        part = np.argpartition(partial, m - 1)[:m]
    return part[np.argsort(partial[part], kind="stable")]


def _top_rows(partial: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """The best row of each of the ``k`` best citizens by ``partial`` (|x|² - 2x·q per row),
    nearest first; exact.

    Takes the ``m`` smallest rows (argpartition, linear time), keeps each citizen's first
    (best) row among them, and widens ``m`` until ``k`` distinct citizens are found or
    every row is included. A citizen missing from the ``m`` best rows cannot beat any
    citizen found there, so the ranking is exact.
    """
    n = partial.shape[0]
    m = min(n, 4 * k + 12)
    while True:
        rows = _smallest_rows(partial, m)
        _, first = np.unique(ids[rows], return_index=True)
        if first.size >= k or m >= n:
            break
        m = min(n, m * 4)
    return rows[np.sort(first)[:k]]


def pairwise_distances(embeddings: np.ndarray, metric: str) -> np.ndarray:
    """``(k, k)`` distances between the rows of a ``(k, 128)`` array under ``metric``
    (``"euclidean"`` or ``"cosine"``, as :class:`Matcher` measures them)."""
    x = np.asarray(embeddings, dtype=np.float64)
    if metric == "cosine":
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        cosine: np.ndarray = np.clip(1.0 - x @ x.T, 0.0, 2.0)
        return cosine
    euclidean: np.ndarray = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)
    return euclidean
