"""Face verification on the LFW protocol: k-fold accuracy, the best threshold, TAR at a FAR.

A pair is declared *same person* when its distance is at or under the threshold. In
each fold the threshold is the one with the best accuracy on the other folds, and the
accuracy is measured on the held-out fold (LFW's "unrestricted, labelled outside data"
protocol; the model itself was trained elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.measure.datasets import Pair
from kiosk.measure.encodings import EncodedSet

THRESHOLDS = np.round(np.arange(0.0, 1.5005, 0.001), 3)
"""Candidate thresholds searched by the k-fold protocol (distance units)."""


@dataclass(frozen=True)
class Verification:
    """Results of the pairs protocol.

    Attributes:
        pairs / same_pairs: how many pairs, and how many of them same-person.
        accuracy / accuracy_std: mean and standard deviation of the held-out fold accuracies (0–1).
        fold_accuracies / fold_thresholds: per fold, the held-out accuracy and the threshold chosen on the others.
        threshold: the threshold with the best accuracy over all pairs.
        tar_at_far: TAR (genuine pairs accepted, 0–1) at the largest threshold whose FAR is ≤ ``far``.
        far / far_threshold: the FAR asked for and the distance threshold that met it (accept if distance < it).
        far_resolution: 1 / number of different-person pairs: the smallest non-zero FAR the data can show.
    """

    pairs: int
    same_pairs: int
    accuracy: float
    accuracy_std: float
    fold_accuracies: tuple[float, ...]
    fold_thresholds: tuple[float, ...]
    threshold: float
    tar_at_far: float
    far: float
    far_threshold: float
    far_resolution: float


def pair_distances(pairs: Sequence[Pair], encoded: EncodedSet) -> np.ndarray:
    """Distance of each pair's two embeddings in the engine's metric, float64 ``(len(pairs),)``."""
    a = encoded.embeddings[[encoded.row(p.first) for p in pairs]].astype(np.float64)
    b = encoded.embeddings[[encoded.row(p.second) for p in pairs]].astype(np.float64)
    if encoded.metric == "cosine":
        a /= np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        b /= np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
        cosine: np.ndarray = np.clip(1.0 - np.einsum("ij,ij->i", a, b), 0.0, 2.0)
        return cosine
    euclidean: np.ndarray = np.sqrt(np.einsum("ij,ij->i", a - b, a - b))
    return euclidean


def accuracy_curve(dist: np.ndarray, same: np.ndarray, thresholds: np.ndarray = THRESHOLDS) -> np.ndarray:
    """Accuracy (0–1) of "same if distance ≤ t" for every ``t`` in ``thresholds``."""
    same_sorted = np.sort(dist[same])
    diff_sorted = np.sort(dist[~same])
    accepted_same = np.searchsorted(same_sorted, thresholds, side="right")
    accepted_diff = np.searchsorted(diff_sorted, thresholds, side="right")
    return (accepted_same + (len(diff_sorted) - accepted_diff)) / max(1, len(dist))


def middle_of_best(scores: np.ndarray) -> int:
    """The index in the middle of the first run of equal best ``scores`` (a grid's safest best point)."""
    best = int(np.argmax(scores))
    run_end = best
    while run_end + 1 < len(scores) and scores[run_end + 1] == scores[best]:
        run_end += 1
    return (best + run_end) // 2


def best_threshold(dist: np.ndarray, same: np.ndarray, thresholds: np.ndarray = THRESHOLDS) -> float:
    """The threshold with the best accuracy (the middle of the first best plateau)."""
    return float(thresholds[middle_of_best(accuracy_curve(dist, same, thresholds))])


def tar_at_far(dist: np.ndarray, same: np.ndarray, far: float) -> tuple[float, float]:
    """``(TAR, threshold)``: accept pairs closer than the threshold, at most ``far`` of different-person pairs accepted."""
    impostor = np.sort(dist[~same])
    genuine = dist[same]
    if impostor.size == 0 or genuine.size == 0:
        return float("nan"), float("nan")
    allowed = int(np.floor(far * impostor.size))  # impostor pairs we may accept
    threshold = float(impostor[allowed]) if allowed < impostor.size else float("inf")
    return float(np.mean(genuine < threshold)), threshold


def verify(pairs: Sequence[Pair], encoded: EncodedSet, far: float = 1e-3) -> Verification:
    """Run the protocol over ``pairs`` (folds as the pairs carry them)."""
    dist = pair_distances(pairs, encoded)
    same = np.array([p.same for p in pairs], dtype=bool)
    folds = np.array([p.fold for p in pairs])
    accs, thresholds = [], []
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        chosen = best_threshold(dist[train], same[train]) if train.any() else best_threshold(dist, same)
        accs.append(float(np.mean((dist[test] <= chosen) == same[test])))
        thresholds.append(chosen)
    tar, far_threshold = tar_at_far(dist, same, far)
    return Verification(
        pairs=len(pairs),
        same_pairs=int(same.sum()),
        accuracy=float(np.mean(accs)),
        accuracy_std=float(np.std(accs)),
        fold_accuracies=tuple(accs),
        fold_thresholds=tuple(thresholds),
        threshold=best_threshold(dist, same),
        tar_at_far=tar,
        far=far,
        far_threshold=far_threshold,
        far_resolution=1.0 / max(1, int((~same).sum())),
    )


def roc_points(
    genuine: np.ndarray, impostor: np.ndarray, thresholds: np.ndarray = THRESHOLDS
) -> tuple[np.ndarray, np.ndarray]:
    """``(FAR, TAR)`` arrays over ``thresholds`` (accept if distance ≤ t), for ROC and DET plots."""
    g, i = np.sort(genuine), np.sort(impostor)
    tar = np.searchsorted(g, thresholds, side="right") / max(1, g.size)
    far = np.searchsorted(i, thresholds, side="right") / max(1, i.size)
    return far, tar


def all_pair_distances(
    embeddings: np.ndarray, labels: Sequence[str], metric: str = "euclidean"
) -> tuple[np.ndarray, np.ndarray]:
    """``(genuine, impostor)`` distances over every pair of rows (same label / different label)."""
    from recognition.matcher import pairwise_distances

    d = pairwise_distances(embeddings, metric)
    lab = np.asarray(labels)
    iu = np.triu_indices(len(lab), 1)
    same = lab[iu[0]] == lab[iu[1]]
    return d[iu][same], d[iu][~same]
