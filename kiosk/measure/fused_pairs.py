"""The LFW pairs protocol for two engines fused (:mod:`recognition.fusion`), and the cascade.

Everything a fold's decision uses is chosen on the *other* folds, as the threshold is for
one engine (:mod:`kiosk.measure.verification`): each engine's scale (median and spread of
the different-person distances), the engines' weights (on a grid of
:data:`WEIGHT_STEPS`), and the fused threshold. The held-out fold only measures.

Two further figures come out of the same folds:

- **shipped weights**: the fusion of the settings' impostor tails, equal weights
  (:meth:`recognition.fusion.Fusion.from_tails`); only the threshold is chosen per fold.
- **the cascade**: the first engine decides alone unless its distance lies within a band
  around its own threshold; only then does the second engine run and the fused distance
  decide. The band is the narrowest that reaches the best accuracy on the other folds;
  the share of held-out pairs inside it is the share that pays for the second engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.measure.datasets import Pair
from kiosk.measure.errors import DatasetError
from kiosk.measure.verification import best_threshold, middle_of_best, tar_at_far
from recognition.fusion import Fusion

WEIGHT_STEPS = 21
"""The first engine's weight is searched on ``0, 0.05, ..., 1`` (the second engine gets the rest)."""
BAND_STEPS = 200
"""Cascade bands searched: quantiles of the training pairs' distance from the first engine's threshold."""


@dataclass(frozen=True)
class FusedVerification:
    """Results of the fused pairs protocol (two engines, same pairs, same folds).

    Attributes:
        engines: the two engines, first = the one a cascade always runs.
        pairs / same_pairs: how many pairs, and how many of them same-person.
        accuracy / accuracy_std / fold_accuracies: held-out accuracy (0–1), weights, scales and
            threshold chosen on the other folds.
        fold_weights: per fold, the first engine's weight chosen on the other folds (0–1).
        fold_thresholds: per fold, the fused threshold chosen on the other folds (fused units).
        shipped_accuracy / shipped_fold_accuracies: the same with :meth:`Fusion.from_tails`
            (the settings' tails, equal weights); only the threshold is chosen per fold.
        cascade_accuracy / cascade_fold_accuracies: the cascade's held-out accuracy (0–1).
        cascade_second_share: share of held-out pairs for which the cascade ran the second engine (0–1).
        fold_bands: per fold, the cascade's band chosen on the other folds (first engine's units).
        first_accuracy: the first engine alone, threshold chosen per fold (0–1), for the same pairs.
        tar_at_far / far / far_resolution: TAR (0–1) at a FAR with the fusion fitted on all pairs.
        first_tar_at_far: the first engine's TAR at the same FAR. The fusion's weights are chosen
            for accuracy (near the equal error point); at a small FAR it may do worse than the first
            engine alone.
    """

    engines: tuple[str, str]
    pairs: int
    same_pairs: int
    accuracy: float
    accuracy_std: float
    fold_accuracies: tuple[float, ...]
    fold_weights: tuple[float, ...]
    fold_thresholds: tuple[float, ...]
    shipped_accuracy: float
    shipped_fold_accuracies: tuple[float, ...]
    cascade_accuracy: float
    cascade_fold_accuracies: tuple[float, ...]
    cascade_second_share: float
    fold_bands: tuple[float, ...]
    first_accuracy: float
    tar_at_far: float
    first_tar_at_far: float
    far: float
    far_resolution: float


def cut_points(values: np.ndarray) -> np.ndarray:
    """Every threshold that splits ``values`` differently: the midpoints between sorted distinct
    values, and one below the smallest and one above the largest."""
    v = np.unique(values)
    if v.size == 0:
        return np.zeros(1)
    return np.concatenate(([v[0] - 1.0], (v[:-1] + v[1:]) / 2, [v[-1] + 1.0]))


def _accuracy(dist: np.ndarray, same: np.ndarray, threshold: float) -> float:
    return float(np.mean((dist <= threshold) == same))


def _best(dist: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """``(threshold, accuracy)`` of the best "same if distance ≤ threshold" on these pairs."""
    threshold = best_threshold(dist, same, cut_points(dist))
    return threshold, _accuracy(dist, same, threshold)


def fit_fusion(
    first: np.ndarray, second: np.ndarray, same: np.ndarray, engines: tuple[str, str]
) -> tuple[Fusion, float]:
    """``(fusion, threshold)`` with the best accuracy on these pairs: each engine scaled by
    its different-person distances, the first engine's weight from the grid (the middle of
    the best run of weights), and the threshold for it."""
    base = Fusion.from_impostors({engines[0]: first[~same], engines[1]: second[~same]})
    by_name = {engines[0]: first, engines[1]: second}
    grid = np.linspace(0.0, 1.0, WEIGHT_STEPS)
    best = [_best(base.with_weights((w, 1.0 - w)).distance(by_name), same) for w in grid]
    chosen = middle_of_best(np.array([accuracy for _, accuracy in best]))
    return base.with_weights((float(grid[chosen]), 1.0 - float(grid[chosen]))), best[chosen][0]


def _cascade_decide(
    first: np.ndarray, fused: np.ndarray, first_threshold: float, fused_threshold: float, band: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(same?, second engine ran?)`` per pair."""
    unsure = np.abs(first - first_threshold) <= band
    return np.where(unsure, fused <= fused_threshold, first <= first_threshold), unsure


def fit_band(
    first: np.ndarray, fused: np.ndarray, same: np.ndarray, first_threshold: float, fused_threshold: float
) -> float:
    """The narrowest band around the first engine's threshold (engine units) whose cascade
    reaches the best accuracy on these pairs."""
    gaps = np.abs(first - first_threshold)
    bands = np.unique(np.concatenate(([0.0], np.quantile(gaps, np.linspace(0, 1, BAND_STEPS)))))
    accs = [
        float(np.mean(_cascade_decide(first, fused, first_threshold, fused_threshold, b)[0] == same)) for b in bands
    ]
    return float(bands[int(np.argmax(accs))])


def verify_fused(
    first: np.ndarray,
    second: np.ndarray,
    same: np.ndarray,
    folds: np.ndarray,
    engines: tuple[str, str],
    shipped: Fusion | None,
    far: float = 1e-3,
) -> FusedVerification:
    """Run the fused protocol over pairs given as arrays of the same length, in pair order:
    ``first`` / ``second`` = each engine's distance, ``same`` = same person, ``folds`` = fold numbers.
    ``shipped``: the settings' fusion (None when a tail is not fitted: its figures are NaN).

    Raises:
        DatasetError: fewer than two folds.
    """
    same = np.asarray(same, dtype=bool)
    folds = np.asarray(folds)
    if np.unique(folds).size < 2:
        raise DatasetError(
            "the fused protocol needs at least 2 folds (each is measured with what the others taught)",
            "use a pairs file with a header such as '10 300'",
        )
    by_name = {engines[0]: first, engines[1]: second}
    shipped_dist = shipped.distance(by_name) if shipped else np.full(same.size, np.nan)
    acc, weights, thresholds, shipped_acc, cascade_acc, first_acc, bands = [], [], [], [], [], [], []
    second_runs = 0
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        fusion, threshold = fit_fusion(first[train], second[train], same[train], engines)
        fused = fusion.distance(by_name)
        acc.append(_accuracy(fused[test], same[test], threshold))
        weights.append(fusion.scales[0].weight)
        thresholds.append(threshold)
        shipped_acc.append(
            _accuracy(shipped_dist[test], same[test], _best(shipped_dist[train], same[train])[0])
            if shipped
            else float("nan")
        )
        first_threshold = best_threshold(first[train], same[train])  # as `eval pairs --engine <first>`
        first_acc.append(_accuracy(first[test], same[test], first_threshold))
        band = fit_band(first[train], fused[train], same[train], first_threshold, threshold)
        decided, ran = _cascade_decide(first[test], fused[test], first_threshold, threshold, band)
        cascade_acc.append(float(np.mean(decided == same[test])))
        bands.append(band)
        second_runs += int(ran.sum())
    whole, _ = fit_fusion(first, second, same, engines)
    tar, _ = tar_at_far(whole.distance(by_name), same, far)
    return FusedVerification(
        engines=engines,
        pairs=int(same.size),
        same_pairs=int(same.sum()),
        accuracy=float(np.mean(acc)),
        accuracy_std=float(np.std(acc)),
        fold_accuracies=tuple(acc),
        fold_weights=tuple(weights),
        fold_thresholds=tuple(thresholds),
        shipped_accuracy=float(np.mean(shipped_acc)),
        shipped_fold_accuracies=tuple(shipped_acc),
        cascade_accuracy=float(np.mean(cascade_acc)),
        cascade_fold_accuracies=tuple(cascade_acc),
        cascade_second_share=second_runs / max(1, same.size),
        fold_bands=tuple(bands),
        first_accuracy=float(np.mean(first_acc)),
        tar_at_far=tar,
        first_tar_at_far=tar_at_far(first, same, far)[0],
        far=far,
        far_resolution=1.0 / max(1, int((~same).sum())),
    )


def pair_arrays(pairs: Sequence[Pair]) -> tuple[np.ndarray, np.ndarray]:
    """``(same, folds)`` arrays of the pairs, in order."""
    return np.array([p.same for p in pairs], dtype=bool), np.array([p.fold for p in pairs])
