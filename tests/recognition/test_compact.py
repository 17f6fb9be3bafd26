"""The compact (int8) matcher gives the exact float32 search's candidates, distances and
decisions: real SFace faces (the shared faces; ``../shared/lfw-cdg`` too when present)
hidden among synthetic templates, with near-copies of the real ones crowding the
thresholds, searched by both matchers and decided by the shipped policy."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter.factories import policy_for
from kiosk.measure.bench import random_embeddings
from kiosk.measure.encodings import encode_files
from kiosk.settings import Settings
from recognition.compact import CompactMatcher, quantize
from recognition.engines import EngineConfig
from recognition.matcher import Matcher, unit_rows
from recognition.policy import decide
from tests.support.data import FACES

LFW_CDG = Path(__file__).resolve().parents[3] / "shared" / "lfw-cdg"
POLICY = policy_for(Settings(), "sface")


def _real(folder: Path, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """SFace embeddings of every photo under ``folder`` (one sub-folder per person) and person numbers."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    people = {name: i for i, name in enumerate(sorted({p.parent.name for p in files}))}
    encoded = encode_files(files, EngineConfig("sface"), cache=cache, progress=False)
    return encoded.embeddings, np.array([people[p.parent.name] for p in files], dtype=np.int64)


def _gallery(real: np.ndarray, synthetic: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows: the real faces (citizen = photo index), near-copies of them (a third each,
    noise of 0.02–0.3 cosine), then ``synthetic`` random templates, 3 per citizen."""
    rng = np.random.default_rng(seed)
    base = unit_rows(real)
    near = base[rng.integers(len(base), size=len(base) * 3)]
    near = unit_rows(
        near + rng.standard_normal(near.shape).astype(np.float32) * rng.uniform(0.02, 0.06, (len(near), 1))
    )
    rows = np.concatenate([base, near, random_embeddings(synthetic, seed)])
    n_real = len(base) + len(near)
    ids = np.concatenate([np.arange(n_real), n_real + np.arange(synthetic) // 3]).astype(np.int64)
    return ids, rows


def _both(ids: np.ndarray, rows: np.ndarray) -> tuple[Matcher, CompactMatcher]:
    exact = Matcher(len(rows), "cosine", "sface")
    exact.add_many(ids, rows)
    compact = CompactMatcher(lambda keys: {int(k): rows[int(k)] for k in keys}, len(rows), "sface")
    compact.add_many(ids, rows, np.arange(len(rows)))
    return exact, compact


def _same_answers(exact: Matcher, compact: CompactMatcher, probes: np.ndarray) -> dict[str, int]:
    """Search every probe in both; assert equal candidates, distances and decisions; count the decisions."""
    policy = POLICY.at_scale(len(exact))
    decisions: dict[str, int] = {}
    for probe in probes:
        want, got = exact.search(probe, policy.search_k), compact.search(probe, policy.search_k)
        assert [c.citizen_id for c in got] == [c.citizen_id for c in want]
        assert np.allclose([c.distance for c in got], [c.distance for c in want], rtol=0, atol=1e-9)
        a, b = decide(want, policy), decide(got, policy)
        assert (a.decision, a.citizen_id, [c.citizen_id for c in a.candidates]) == (
            b.decision,
            b.citizen_id,
            [c.citizen_id for c in b.candidates],
        )
        decisions[a.decision.value] = decisions.get(a.decision.value, 0) + 1
    return decisions


@pytest.fixture(scope="module")
def shared_faces(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, np.ndarray]:
    return _real(FACES, tmp_path_factory.mktemp("compact") / "encodings.sqlite")


def test_quantized_rows_carry_a_true_error_bound() -> None:
    rows = unit_rows(random_embeddings(5000, 3))
    codes, scales, errors = quantize(rows)
    lost = np.linalg.norm(rows.astype(np.float64) - scales[:, None].astype(np.float64) * codes, axis=1)
    assert codes.dtype == np.int8 and np.all(lost <= errors) and float(errors.max()) < 0.02


def test_real_faces_among_synthetic_ones_get_the_exact_decisions(shared_faces) -> None:
    real, _ = shared_faces
    exact, compact = _both(*_gallery(real, 300_000, seed=1))
    # the real photos (each enrolled, so its own row is there: the closest), new noisy views, strangers
    rng = np.random.default_rng(2)
    views = unit_rows(real + rng.standard_normal(real.shape).astype(np.float32) * 0.05)
    strangers = random_embeddings(60, 9)
    counts = _same_answers(exact, compact, np.concatenate([real, views, strangers]))
    assert counts.get("match", 0) > 0 and counts.get("confirm", 0) + counts.get("unknown", 0) > 0
    assert compact.nbytes < 0.3 * exact.nbytes


def test_removed_citizens_are_gone_and_a_deleted_row_is_skipped(shared_faces) -> None:
    real, _ = shared_faces
    ids, rows = _gallery(real, 20_000, seed=4)
    exact, compact = _both(ids, rows)
    for cid in (0, 5, int(ids[-1])):
        assert exact.remove(cid) == compact.remove(cid) > 0
    assert len(exact) == len(compact) and exact.citizen_ids() == compact.citizen_ids()
    _same_answers(exact, compact, real[:20])
    # a row deleted from the store before the index heard of it: that row is not a candidate
    gone = {1}
    lagging = CompactMatcher(lambda keys: {int(k): rows[int(k)] for k in keys if int(k) not in gone}, 16, "sface")
    lagging.add_many(ids, rows, np.arange(len(rows)))
    assert 1 not in [c.citizen_id for c in lagging.search(real[1], 5)]


def test_a_state_restored_answers_the_same(shared_faces) -> None:
    real, _ = shared_faces
    ids, rows = _gallery(real, 5_000, seed=5)
    _, compact = _both(ids, rows)
    again = CompactMatcher(lambda keys: {int(k): rows[int(k)] for k in keys}, 1, "sface")
    again.restore(compact.state())
    assert len(again) == len(compact) and again.citizen_count == compact.citizen_count
    for probe in real[:10]:
        assert again.search(probe, 5) == compact.search(probe, 5)
    assert np.allclose(again.embeddings_of(3), unit_rows(rows[ids == 3]))
    with pytest.raises(ValueError, match="not a compact index state"):
        again.restore({"codes": np.zeros((1, 128), np.int8)})


@pytest.mark.slow
@pytest.mark.skipif(not LFW_CDG.is_dir(), reason="../shared/lfw-cdg (development data) is not here")
def test_lfw_faces_among_two_million_get_the_exact_decisions(tmp_path: Path) -> None:
    cache = Path(os.environ.get("KIOSK_EVAL_CACHE", Path.home() / ".cache" / "cccd-kiosk" / "lfw-cdg-encodings.sqlite"))
    real, _ = _real(LFW_CDG, cache)
    exact, compact = _both(*_gallery(real, 2_000_000, seed=6))
    rng = np.random.default_rng(7)
    probes = real[rng.choice(len(real), 200, replace=False)]
    counts = _same_answers(exact, compact, probes)
    assert counts.get("match", 0) > 0
