"""Score-level fusion of two engines' distances (recognition.fusion)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recognition.fusion import EngineScale, Fusion
from recognition.policy import ImpostorTail

SFACE, DLIB = ImpostorTail(0.9365, 0.0447), ImpostorTail(0.80, 0.029)


def test_tail_scaled_distance_is_the_log_chance_a_stranger_comes_that_close() -> None:
    fusion = Fusion.from_tails({"sface": SFACE, "dlib": DLIB})
    d = {"sface": np.array([0.30, 0.70]), "dlib": np.array([0.40, 0.75])}
    expected = [
        0.5 * (math.log(SFACE.probability(s)) + math.log(DLIB.probability(b))) for s, b in zip(d["sface"], d["dlib"])
    ]
    assert fusion.distance(d) == pytest.approx(expected)
    assert fusion.engines == ("sface", "dlib") and [s.weight for s in fusion.scales] == [0.5, 0.5]


def test_fused_distance_orders_pairs_as_both_engines_agree_and_weights_shift_it() -> None:
    fusion = Fusion.from_tails({"sface": SFACE, "dlib": DLIB})
    alike, unlike = {"sface": 0.25, "dlib": 0.35}, {"sface": 0.75, "dlib": 0.80}
    split = {"sface": 0.25, "dlib": 0.80}  # sface sure, dlib not
    assert fusion.distance(alike) < fusion.distance(split) < fusion.distance(unlike)
    assert fusion.with_weights((1.0, 0.0)).distance(split) == pytest.approx(
        fusion.with_weights((1.0, 0.0)).distance(alike)
    )
    assert fusion.with_weights((0.0, 1.0)).distance(split) == pytest.approx(
        fusion.with_weights((0.0, 1.0)).distance(unlike)
    )


def test_scales_from_impostor_distances_are_robust_to_an_outlier() -> None:
    rng = np.random.default_rng(0)
    sface = np.append(rng.normal(0.95, 0.05, 1900), np.full(100, 0.1))  # 5 % look-alike pairs
    assert np.std(sface) > 0.15  # a plain standard deviation would triple the spread
    fusion = Fusion.from_impostors({"sface": sface, "dlib": rng.normal(0.8, 0.03, 2000)})
    first, second = fusion.scales
    assert first.centre == pytest.approx(0.95, abs=0.01) and first.spread == pytest.approx(0.05, rel=0.1)
    assert second.centre == pytest.approx(0.8, abs=0.01) and second.spread == pytest.approx(0.03, rel=0.1)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Fusion((EngineScale("sface", 0.9, 0.04, 1.0),)), "at least two engines"),
        (lambda: Fusion((EngineScale("a", 0.9, 0.0, 0.5), EngineScale("b", 0.8, 0.03, 0.5))), "positive"),
        (lambda: Fusion((EngineScale("a", 0.9, 0.04, 0.7), EngineScale("b", 0.8, 0.03, 0.7))), "sum to 1"),
        (lambda: Fusion.from_tails({"sface": SFACE, "dlib": ImpostorTail()}), "fitted impostor tail"),
        (lambda: Fusion.from_impostors({"sface": np.ones(50), "dlib": np.arange(50.0)}), "cannot be scaled"),
        (lambda: Fusion.from_impostors({"sface": np.ones(1), "dlib": np.arange(50.0)}), "at least two"),
        (lambda: Fusion.from_tails({"sface": SFACE, "dlib": DLIB}).with_weights((1.0,)), "1 weights for 2 engines"),
    ],
)
def test_a_fusion_that_cannot_work_is_refused(make, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        make()


def test_an_engine_without_distances_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        Fusion.from_tails({"sface": SFACE, "dlib": DLIB}).distance({"sface": 0.3})
