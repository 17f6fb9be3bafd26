"""The matcher: exact ranking by best sample per citizen, add/remove without rebuild, batches."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.matcher import Matcher
from tests.support.data import FACES, embedding_of


def brute_force(emb: np.ndarray, ids: np.ndarray, query: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Reference: per-citizen minimum of plain Euclidean distances, a Python loop."""
    dist = np.linalg.norm(emb.astype(np.float64) - query.astype(np.float64), axis=1)
    best: dict[int, float] = {}
    for cid, d in zip(ids.tolist(), dist.tolist()):
        best[cid] = min(best.get(cid, np.inf), d)
    return sorted(best.items(), key=lambda item: item[1])[:k]


@pytest.fixture
def random_index() -> tuple[Matcher, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    emb = (rng.standard_normal((3000, 128)) / np.sqrt(128)).astype(np.float32)
    ids = rng.integers(0, 700, size=3000)  # uneven number of samples per citizen
    matcher = Matcher(capacity=16)  # forces several capacity doublings
    matcher.add_many(ids, emb)
    return matcher, emb, ids


def test_ranking_equals_brute_force(random_index):
    matcher, emb, ids = random_index
    rng = np.random.default_rng(1)
    for _ in range(40):
        query = emb[rng.integers(len(emb))] + rng.normal(0, 0.05, 128).astype(np.float32)
        got = [(c.citizen_id, c.distance) for c in matcher.search(query, k=6)]
        want = brute_force(emb, ids, query, 6)
        assert [g[0] for g in got] == [w[0] for w in want]
        np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-6)


def test_each_citizen_appears_once_with_their_best_sample():
    matcher = Matcher()
    base = np.zeros(128, dtype=np.float32)
    far, near = base.copy(), base.copy()
    far[0], near[0] = 0.9, 0.1
    matcher.add(1, np.stack([far, near, far]))
    other = base.copy()
    other[1] = 0.5
    matcher.add(2, other)
    result = matcher.search(base, k=5)
    assert [c.citizen_id for c in result] == [1, 2]
    assert result[0].distance == pytest.approx(0.1, abs=1e-6)


def test_remove_drops_every_sample_and_keeps_the_rest_searchable(random_index):
    matcher, emb, ids = random_index
    victim = int(ids[0])
    removed = matcher.remove(victim)
    assert removed == int((ids == victim).sum())
    assert len(matcher) == len(emb) - removed
    keep = ids != victim
    for row in np.flatnonzero(keep)[:25]:
        got = matcher.search(emb[row], k=3)
        assert victim not in [c.citizen_id for c in got]
        assert [c.citizen_id for c in got] == [w[0] for w in brute_force(emb[keep], ids[keep], emb[row], 3)]
    assert matcher.remove(victim) == 0


def test_batch_search_equals_single_searches(random_index):
    matcher, emb, _ = random_index
    queries = emb[:17] + np.float32(0.01)
    batch = matcher.search_batch(queries, k=4)
    assert batch == [matcher.search(q, k=4) for q in queries]


def test_float64_queries_and_bad_shapes():
    matcher = Matcher()
    matcher.add(3, np.ones(128))
    assert matcher.search(np.ones(128, dtype=np.float64), k=1)[0].citizen_id == 3
    with pytest.raises(ValueError, match="128"):
        matcher.add(4, np.ones(64))
    with pytest.raises(ValueError):
        matcher.add_many(np.array([1, 2]), np.ones((3, 128)))


def test_empty_index_returns_nothing():
    assert Matcher().search(np.zeros(128), k=5) == []
    assert Matcher().search_batch(np.zeros((2, 128)), k=5) == [[], []]


def test_real_faces_rank_the_same_person_first():
    """Enrol frontal photos of 21 people (SFace, cosine); each smiling photo finds its own person
    first, within the shipped auto distance, and clearly ahead of the runner-up."""
    people = sorted(p.name for p in FACES.iterdir() if p.is_dir())
    matcher = Matcher(metric="cosine", engine="sface")
    for cid, person in enumerate(people):
        matcher.add(cid, embedding_of(FACES / person / "1.jpg"))
    for cid, person in enumerate(people):
        best = matcher.search(embedding_of(FACES / person / "2.jpg"), k=2)
        assert best[0].citizen_id == cid, person
        assert best[0].distance < 0.28 and best[1].distance - best[0].distance > 0.10
        assert best[0].engine == "sface"


def test_cosine_metric_ranks_like_a_brute_force_loop():
    rng = np.random.default_rng(11)
    emb = (rng.standard_normal((2000, 128)) * rng.uniform(0.5, 9.0, (2000, 1))).astype(np.float32)  # SFace norms vary
    ids = rng.integers(0, 500, size=2000)
    matcher = Matcher(capacity=8, metric="cosine")
    matcher.add_many(ids, emb)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    for row in (0, 999, 1999):
        query = emb[row] * 3.0 + np.float32(0.05)  # the scale of a probe must not matter
        q = query / np.linalg.norm(query)
        best: dict[int, float] = {}
        for cid, d in zip(ids.tolist(), (1.0 - unit.astype(np.float64) @ q.astype(np.float64)).tolist()):
            best[cid] = min(best.get(cid, np.inf), d)
        want = sorted(best.items(), key=lambda item: item[1])[:5]
        got = [(c.citizen_id, c.distance) for c in matcher.search(query, k=5)]
        assert [g[0] for g in got] == [w[0] for w in want]
        np.testing.assert_allclose([g[1] for g in got], [w[1] for w in want], atol=1e-6)
    assert len(matcher) == 2000 and matcher.citizen_count == len(set(ids.tolist())) and int(ids[0]) in matcher


def test_large_index_uses_the_bounded_pool_and_stays_exact():
    """Big enough for the strided bound (n >= 4·64·m); heavy ties included."""
    rng = np.random.default_rng(3)
    emb = (rng.standard_normal((60000, 128)) / np.sqrt(128)).astype(np.float32)
    emb[1000:1100] = emb[5]  # 100 identical samples (ties)
    ids = np.arange(60000) // 3
    matcher = Matcher()
    matcher.add_many(ids, emb)
    for row in (5, 1050, 33333, 59999):
        query = emb[row] + np.float32(0.001)
        got = [(c.citizen_id, round(c.distance, 5)) for c in matcher.search(query, k=5)]
        everyone = brute_force(emb, ids, query, len(emb))  # every citizen's true best distance, nearest first
        want = [(c, round(d, 5)) for c, d in everyone[:5]]
        assert [g[1] for g in got] == [w[1] for w in want]
        truth = dict(everyone)
        assert all(round(truth[c], 5) == d for c, d in got)  # ties may reorder citizens, never misreport one
