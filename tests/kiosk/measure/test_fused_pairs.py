"""The fused pairs protocol (kiosk.measure.fused_pairs) on scores with a known answer.

Two engines are simulated as noisy views of the same pairs: same-person distances around
one value, different-person around another. With independent noise, fusing must beat
either engine alone; with one engine pure noise, the weights must go to the other; and a
fold's choices must not depend on that fold's labels.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.measure.errors import DatasetError
from kiosk.measure.fused_pairs import cut_points, verify_fused
from kiosk.measure.verification import best_threshold
from recognition.fusion import Fusion
from recognition.policy import ImpostorTail

ENGINES = ("sface", "dlib")
SHIPPED = Fusion.from_tails({"sface": ImpostorTail(0.9365, 0.0447), "dlib": ImpostorTail(0.80, 0.029)})


def simulated(n: int = 3000, separation: tuple[float, float] = (2.0, 2.0), seed: int = 0):
    """``(sface, dlib, same, folds)``: engine i's distance = its centre ± separation_i/2 + unit noise, scaled
    to the engine's units (sface cosine ~0.3 same / 0.9 different; dlib ~0.4 / 0.8)."""
    rng = np.random.default_rng(seed)
    same = np.arange(n) % 2 == 0
    folds = np.arange(n) * 10 // n
    out = []
    for (low, high), sep in zip(((0.3, 0.9), (0.4, 0.8)), separation):
        z = np.where(same, -sep / 2, sep / 2) + rng.normal(0, 1, n)
        out.append((low + high) / 2 + z * (high - low) / 6)
    return out[0], out[1], same, folds


def test_fusing_two_independent_engines_beats_either_alone() -> None:
    sface, dlib, same, folds = simulated()
    result = verify_fused(sface, dlib, same, folds, ENGINES, SHIPPED)
    dlib_alone = verify_fused(dlib, sface, same, folds, ENGINES[::-1], SHIPPED).first_accuracy
    assert result.accuracy > max(result.first_accuracy, dlib_alone) + 0.03  # d' 2 each -> 2.8 fused
    assert all(0.3 <= w <= 0.7 for w in result.fold_weights)  # equally good engines weigh alike
    assert result.first_accuracy < result.cascade_accuracy <= result.accuracy + 0.01
    assert 0.0 < result.cascade_second_share < 1.0
    assert result.tar_at_far > result.first_tar_at_far


def test_the_first_engine_alone_is_the_figure_eval_pairs_prints_for_it() -> None:
    sface, _dlib, same, folds = simulated()
    accs = []
    for fold in range(10):
        threshold = best_threshold(sface[folds != fold], same[folds != fold])
        accs.append(np.mean((sface[folds == fold] <= threshold) == same[folds == fold]))
    assert verify_fused(sface, _dlib, same, folds, ENGINES, SHIPPED).first_accuracy == pytest.approx(np.mean(accs))


def test_an_engine_that_is_only_noise_gets_no_weight() -> None:
    sface, dlib, same, folds = simulated(separation=(3.0, 0.0))
    result = verify_fused(sface, dlib, same, folds, ENGINES, SHIPPED)
    assert min(result.fold_weights) >= 0.85
    assert result.accuracy == pytest.approx(result.first_accuracy, abs=0.01)


def test_a_fold_is_decided_by_what_the_other_folds_taught() -> None:
    sface, dlib, same, folds = simulated()
    base = verify_fused(sface, dlib, same, folds, ENGINES, SHIPPED)
    flipped = same.copy()
    flipped[folds == 3] = ~flipped[folds == 3]  # fold 3's labels all wrong
    other = verify_fused(sface, dlib, flipped, folds, ENGINES, SHIPPED)
    assert other.fold_weights[3] == base.fold_weights[3] and other.fold_thresholds[3] == base.fold_thresholds[3]
    assert other.fold_bands[3] == base.fold_bands[3]
    for field in ("fold_accuracies", "shipped_fold_accuracies", "cascade_fold_accuracies"):
        assert getattr(other, field)[3] == pytest.approx(1 - getattr(base, field)[3]), field


def test_one_fold_is_refused_it_would_measure_what_it_was_fitted_on() -> None:
    sface, dlib, same, _ = simulated(n=200)
    with pytest.raises(DatasetError, match="at least 2 folds"):
        verify_fused(sface, dlib, same, np.zeros(200), ENGINES, SHIPPED)


def test_cut_points_separate_every_distinct_value() -> None:
    assert cut_points(np.array([0.5, 0.2, 0.2, 0.9])).tolist() == pytest.approx([-0.8, 0.35, 0.7, 1.9])


def test_without_fitted_tails_the_shipped_figure_is_missing_not_made_up() -> None:
    sface, dlib, same, folds = simulated(n=400)
    result = verify_fused(sface, dlib, same, folds, ENGINES, None)
    assert np.isnan(result.shipped_accuracy) and all(np.isnan(a) for a in result.shipped_fold_accuracies)
    assert result.accuracy > 0.8
