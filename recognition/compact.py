"""1:N cosine search over int8 templates, with exact float32 re-scoring: the same answer
as :class:`recognition.matcher.Matcher` in a quarter of the memory and of the bytes read.

A float32 search reads the whole ``(N, 128)`` matrix per probe (1.5 GB at 3 × 10^6
samples): memory bandwidth is its floor. Here each unit-length template ``v`` is kept as
``s · c`` with ``c`` int8 (128 bytes) and one float32 scale ``s``, plus the length of what
the rounding lost, ``err = |v - s·c|``. One probe is scanned in three steps:

1. **Scan**: ``c · q8`` for every row, int8 × int8 in SIMD (NumKong), split over the
   cores; times ``s · sq`` this approximates ``q · v`` within a bound
   ``b = err·(1 + |eq|) + |eq|`` (Cauchy–Schwarz; ``eq`` = what rounding the probe lost).
2. **Bound**: from the rows with the best approximations, ``τ`` = the ``k``-th best citizen's
   lowest possible similarity. A row whose highest possible similarity ``approx + b`` is
   under ``τ`` cannot be the best row of any of the ``k`` best citizens.
3. **Re-score**: the few rows left are fetched exactly (float32, from the caller's
   ``exact_rows``: at a counter, the sealed rows of the store) and ranked in float64.

So the ``k`` citizens returned, and their distances, are those of an exact float32 search
(``tests/recognition/test_compact.py`` checks it on real faces among millions of
synthetic ones): every decision of :mod:`recognition.policy` is the same. Only the
cosine metric is supported (SFace).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from models import EMBEDDING_SIZE, Candidate
from recognition.matcher import Membership, _as_matrix, _smallest_rows, unit_rows

CitizenRows = Callable[[Sequence[int]], Mapping[int, np.ndarray]]
"""``citizen_rows(citizen_ids)``: each given citizen's exact float32 ``(k, 128)`` samples of the
index's engine, looked up by citizen (at a counter: the store's sealed rows, by their index)."""
ExactRows = Callable[[np.ndarray], Mapping[int, np.ndarray]]
"""``exact_rows(keys)``: the float32 ``(128,)`` template of each row key still stored
(``{key: row}``; a key whose row was deleted meanwhile is simply absent)."""

_SLACK = 1e-5
"""Added to every bound: float32 rounding of the scale products (relative 1e-7 of values ≤ 1)."""
_PARALLEL_ROWS = 200_000
"""Scans of more rows than this are split over the cores."""
_QUANTIZE_ROWS = 65_536
"""Rows quantized at once when adding (bounds the temporary float64 arrays to 64 MB)."""
STATE_ARRAYS = ("codes", "scales", "errors", "citizen_ids", "keys")
"""The arrays :meth:`CompactMatcher.state` gives and :meth:`CompactMatcher.restore` takes, in this order."""


def _int8_dots(query: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``codes @ query`` as float32 ``(n,)`` (exact: integers under 2^21); ``query`` int8 ``(128,)``."""
    import numkong

    out: np.ndarray = np.asarray(numkong.cdist(query[None, :], codes, metric="dot", out_dtype="float32"))
    return out.reshape(-1)


class _Scanner:
    """Runs :func:`_int8_dots` over slices of the codes on one thread per core (NumKong
    releases the GIL), created on first use."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self.workers = max(1, min(4, os.cpu_count() or 1))

    def dots(self, query: np.ndarray, codes: np.ndarray) -> np.ndarray:
        n = len(codes)
        if n <= _PARALLEL_ROWS or self.workers == 1:
            return _int8_dots(query, codes)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="face-scan")
        bounds = np.linspace(0, n, self.workers + 1).astype(int)
        parts = [self._pool.submit(_int8_dots, query, codes[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        return np.concatenate([p.result() for p in parts])


_SCANNER = _Scanner()


def quantize(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit-length float32 rows ``(k, 128)`` → (int8 codes ``(k, 128)``, float32 scales ``(k,)``,
    float32 errors ``(k,)``: ``|row - scale·code|``, rounded up)."""
    peak = np.abs(rows).max(axis=1)
    scales = (np.maximum(peak, 1e-12) / 127.0).astype(np.float32)
    codes = np.clip(np.rint(rows / scales[:, None]), -127, 127).astype(np.int8)
    lost = rows.astype(np.float64) - scales[:, None].astype(np.float64) * codes
    errors = np.nextafter(np.sqrt(np.einsum("ij,ij->i", lost, lost)).astype(np.float32), np.float32(np.inf))
    return codes, scales, errors


class CompactMatcher(Membership):
    """An in-memory cosine index of face samples, several per citizen, held as int8 codes.

    Rows live in parallel arrays (codes ``(capacity, 128)`` int8; scale, error float32;
    citizen id, row key int64): 152 bytes per sample, against 524 for
    :class:`recognition.matcher.Matcher`. Each row carries the caller's ``key`` (at a
    counter, the store's sample id) so that :meth:`search` can ask ``exact_rows`` for the
    exact templates of the few rows it re-scores. Adding appends (capacity grows by a quarter);
    removing moves tail rows into the holes. Thread-safe.

    Args:
        exact_rows: gives the exact float32 templates of row keys (see :data:`ExactRows`).
        capacity: rows to allocate up front.
        engine: the face engine whose templates these are (carried into each :class:`Candidate`).
        citizen_rows: gives a citizen's exact samples by citizen (see :data:`CitizenRows`), so
            that :meth:`samples_of` need not scan every row's citizen id; None: it scans.
    """

    metric = "cosine"

    def __init__(
        self, exact_rows: ExactRows, capacity: int = 1024, engine: str = "", citizen_rows: CitizenRows | None = None
    ) -> None:
        self.engine = engine
        self._exact_rows = exact_rows
        self._citizen_rows = citizen_rows
        capacity = max(1, int(capacity))
        self._codes = np.zeros((capacity, EMBEDDING_SIZE), dtype=np.int8)
        self._scales = np.zeros(capacity, dtype=np.float32)
        self._errors = np.zeros(capacity, dtype=np.float32)
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._keys = np.zeros(capacity, dtype=np.int64)
        self._n = 0
        self._widest = 0.0  # the largest error ever added (removing rows keeps it: still a bound)
        self._members: dict[int, int] = {}  # citizen id → rows
        self._lock = threading.RLock()
        self.rescored = 0
        """Rows re-scored exactly by the last search (for the benchmark)."""

    @property
    def nbytes(self) -> int:
        """Memory held by the index arrays, in bytes (capacity, not just the used rows)."""
        return sum(a.nbytes for a in (self._codes, self._scales, self._errors, self._ids, self._keys))

    def add_many(self, citizen_ids: np.ndarray, embeddings: np.ndarray, keys: np.ndarray) -> None:
        """Append samples: ``citizen_ids`` and ``keys`` ``(k,)`` parallel to ``embeddings`` ``(k, 128)`` (any length)."""
        rows = _as_matrix(embeddings)
        ids = np.asarray(citizen_ids, dtype=np.int64).reshape(-1)
        keys = np.asarray(keys, dtype=np.int64).reshape(-1)
        if not len(ids) == len(keys) == len(rows):
            raise ValueError(f"{len(ids)} citizen ids and {len(keys)} keys for {len(rows)} embeddings")
        for start in range(0, len(rows), _QUANTIZE_ROWS):
            part = slice(start, start + _QUANTIZE_ROWS)
            self._append(*quantize(unit_rows(rows[part])), ids[part], keys[part])

    def _append(
        self, codes: np.ndarray, scales: np.ndarray, errors: np.ndarray, ids: np.ndarray, keys: np.ndarray
    ) -> None:
        if not len(ids) == len(keys) == len(codes) == len(scales) == len(errors):
            raise ValueError(f"{len(ids)} citizen ids and {len(keys)} keys for {len(codes)} rows")
        with self._lock:
            self._reserve(self._n + len(ids))
            end = self._n + len(ids)
            self._codes[self._n : end] = codes
            self._scales[self._n : end] = scales
            self._errors[self._n : end] = errors
            self._ids[self._n : end] = ids
            self._keys[self._n : end] = keys
            self._count_members(end, errors)

    def _count_members(self, end: int, errors: np.ndarray) -> None:
        """Take rows ``self._n .. end`` (already in the arrays, with these ``errors``) into the index."""
        ids = self._ids[self._n : end]
        self._n = end
        if len(errors):
            self._widest = max(self._widest, float(np.max(errors)))
        unique, counts = (a.tolist() for a in np.unique(ids, return_counts=True))
        if not self._members:
            self._members = dict(zip(unique, counts))  # a million citizens in ~0.1 s
            return
        for cid, count in zip(unique, counts):
            self._members[cid] = self._members.get(cid, 0) + count

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
            tail = tail[self._ids[tail] != citizen_id]
            for array in self._arrays():
                array[holes] = array[tail]
            self._n = new_n
            self._members.pop(int(citizen_id), None)
            return int(rows.size)

    def search(self, query: np.ndarray, k: int = 5) -> list[Candidate]:
        """The ``k`` nearest citizens to one ``(128,)`` probe, nearest first, with exact cosine
        distances (a citizen's distance is the best over their samples)."""
        q = unit_rows(query)[0]
        with self._lock:
            n = self._n
            if n == 0 or k <= 0:
                return []
            ids, keys, errors = self._ids[:n], self._keys[:n], self._errors[:n]
            q_scale = max(float(np.abs(q).max()), 1e-12) / 127.0
            q8 = np.clip(np.rint(q / q_scale), -127, 127).astype(np.int8)
            q_lost = float(np.linalg.norm(q.astype(np.float64) - q_scale * q8.astype(np.float64)))
            approx = _SCANNER.dots(q8, self._codes[:n])
            approx *= self._scales[:n]
            approx *= np.float32(q_scale)
            widest = self._widest * (1 + q_lost) + q_lost + _SLACK
            floor = self._floor(approx, ids, errors, q_lost, k)
            pool = np.flatnonzero(approx >= floor - widest)
            pool = pool[approx[pool] + errors[pool] * (1 + q_lost) + q_lost + _SLACK >= floor]
            pool_ids, pool_keys = ids[pool], keys[pool]
        return self._rescore(q, pool_ids, pool_keys, k)

    def search_batch(self, queries: np.ndarray, k: int = 5) -> list[list[Candidate]]:
        """:meth:`search` for each row of a ``(B, 128)`` batch, in order."""
        return [self.search(q, k) for q in _as_matrix(queries)]

    @staticmethod
    def _floor(approx: np.ndarray, ids: np.ndarray, errors: np.ndarray, q_lost: float, k: int) -> float:
        """τ: a similarity that at least ``k`` citizens (or every citizen) certainly reach
        (the lowest possible similarity of the k-th best citizen among the best approximations)."""
        n = len(approx)
        m = min(n, 4 * k + 12)
        while True:
            rows = _smallest_rows(-approx, m)  # best approximations first
            _, first = np.unique(ids[rows], return_index=True)
            if first.size >= k or m >= n:
                break
            m = min(n, m * 4)
        best_rows = rows[np.sort(first)[:k]]
        lowest = approx[best_rows] - errors[best_rows] * (1 + q_lost) - q_lost - _SLACK
        return float(lowest.min())

    def _rescore(self, q: np.ndarray, ids: np.ndarray, keys: np.ndarray, k: int) -> list[Candidate]:
        """Exact cosine distances of the pooled rows (float64), best row per citizen, ``k`` best."""
        self.rescored = len(keys)
        exact = self._exact_rows(keys)
        found = np.array([int(key) in exact for key in keys], dtype=bool)
        if not found.any():
            return []
        rows = unit_rows(np.stack([exact[int(key)] for key in keys[found]])).astype(np.float64)
        distances = np.clip(1.0 - rows @ q.astype(np.float64), 0.0, 2.0)
        citizens = ids[found]
        seen: dict[int, float] = {}
        for i in np.lexsort((citizens, distances)):  # nearest first; a citizen's first row is their best
            seen.setdefault(int(citizens[i]), float(distances[i]))
            if len(seen) == k:
                break
        return [Candidate(cid, d, self.engine) for cid, d in seen.items()]

    def samples_of(self, citizen_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """``{citizen id: (k, 128) float32 unit samples}``, exact (from ``exact_rows``), of those of the
        given citizens still indexed (a sample deleted meanwhile is left out)."""
        if self._citizen_rows is not None:
            wanted = [int(c) for c in citizen_ids if int(c) in self._members]
            found = self._citizen_rows(wanted)
            return {
                cid: unit_rows(np.asarray(found[cid], dtype=np.float32)) for cid in wanted if len(found.get(cid, ()))
            }
        with self._lock:
            n = self._n
            rows = np.flatnonzero(np.isin(self._ids[:n], np.asarray(list(citizen_ids), dtype=np.int64)))
            ids, keys = self._ids[rows], self._keys[rows]
        exact = self._exact_rows(keys)
        out: dict[int, list[np.ndarray]] = {}
        for cid, key in zip(ids.tolist(), keys.tolist()):
            if key in exact:
                out.setdefault(cid, []).append(exact[key])
        return {cid: unit_rows(np.asarray(rows_, dtype=np.float32)) for cid, rows_ in out.items()}

    # -- the sealed snapshot's contents ------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Copies of the used rows of every array, named as :data:`STATE_ARRAYS`."""
        with self._lock:
            return {name: array[: self._n].copy() for name, array in zip(STATE_ARRAYS, self._arrays())}

    def restore(self, state: Mapping[str, np.ndarray]) -> None:
        """Append rows given as :meth:`state` made them (e.g. read back from a snapshot).

        Raises:
            ValueError: an array is missing, of the wrong type or of the wrong length.
        """
        try:
            codes = np.asarray(state["codes"], dtype=np.int8).reshape(-1, EMBEDDING_SIZE)
            arrays = [np.asarray(state[name]).reshape(-1) for name in STATE_ARRAYS[1:]]
        except (KeyError, ValueError) as exc:
            raise ValueError(f"not a compact index state: {exc}") from None
        scales, errors, ids, keys = (
            a.astype(t, copy=False) for a, t in zip(arrays, (np.float32, np.float32, np.int64, np.int64))
        )
        with self._lock:
            if self._n == 0 and codes.flags.writeable and all(a.flags.writeable for a in arrays):
                # an empty matcher takes the arrays as they are (a snapshot's, read into one buffer): no copy
                self._codes, self._scales, self._errors, self._ids, self._keys = codes, scales, errors, ids, keys
                self._n = 0
                self._count_members(len(ids), errors)
                return
        self._append(codes, scales, errors, ids, keys)

    def reserve(self, rows: int) -> None:
        """Make room for exactly ``rows`` rows in all, if there is less (before adding a known number)."""
        with self._lock:
            if rows > len(self._ids):
                self._resize(rows)

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self._codes, self._scales, self._errors, self._ids, self._keys)

    def _reserve(self, needed: int) -> None:
        capacity = len(self._ids)
        if needed <= capacity:
            return
        self._resize(max(needed, capacity + capacity // 4 + 1024))  # geometric, but a 3e6-row index grows by a quarter

    def _resize(self, capacity: int) -> None:
        grown = []
        for array in self._arrays():
            bigger = np.zeros((capacity, *array.shape[1:]), dtype=array.dtype)
            bigger[: self._n] = array[: self._n]
            grown.append(bigger)
        self._codes, self._scales, self._errors, self._ids, self._keys = grown
