"""Score-level fusion of two face engines' distances for the same two faces.

SFace and dlib make different mistakes (issue #9 measured LFW 10-fold at 99.08 % for
SFace, 98.00 % for dlib through this pipeline and 99.42 % when the two scores are fused).
To add distances measured in different units, each engine's distance is first put on a
common scale: ``(distance - centre) / spread``, where ``centre`` and ``spread`` describe
that engine's *impostor* distances (pairs of different people). The fused distance is the
weighted sum over engines; like every distance here, lower means more alike.

With an engine's fitted impostor tail (:class:`recognition.policy.ImpostorTail`) as its
scale (centre = ``at_one``, spread = ``scale``), one engine's scaled distance is exactly
``ln P(a stranger comes this close)`` under its tail (for distances under ``at_one``), so
equal weights give the mean log chance that a stranger would look this alike to both
engines (:meth:`Fusion.from_tails`).

Fusion is a verification (1:1) tool: two embeddings per face, one per engine. Nothing is
loaded here; the caller brings the distances.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recognition.policy import ImpostorTail


@dataclass(frozen=True)
class EngineScale:
    """How one engine's distances are put on the common scale.

    Attributes:
        engine: the engine's name (``"sface"``, ``"dlib"``).
        centre: a distance typical of impostor pairs, or the tail's ``at_one`` (engine units).
        spread: the size of one unit of the common scale (engine units, > 0).
        weight: the engine's share of the fused distance (the weights of a fusion sum to 1).
    """

    engine: str
    centre: float
    spread: float
    weight: float

    def scaled(self, distance: np.ndarray | float) -> np.ndarray:
        """``(distance - centre) / spread`` for an array (or one value) of this engine's distances."""
        return (np.asarray(distance, dtype=np.float64) - self.centre) / self.spread


@dataclass(frozen=True)
class Fusion:
    """A weighted sum of several engines' scaled distances (see the module's docstring).

    Attributes:
        scales: one :class:`EngineScale` per engine, in the order the caller lists engines.
    """

    scales: tuple[EngineScale, ...]

    def __post_init__(self) -> None:
        if len(self.scales) < 2:
            raise ValueError("a fusion needs at least two engines")
        if any(s.spread <= 0 or not math.isfinite(s.spread) for s in self.scales):
            raise ValueError("every engine's spread must be a positive number")
        if any(s.weight < 0 for s in self.scales) or not math.isclose(sum(s.weight for s in self.scales), 1.0):
            raise ValueError("fusion weights must be ≥ 0 and sum to 1")

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines fused, in order."""
        return tuple(s.engine for s in self.scales)

    def distance(self, distances: Mapping[str, np.ndarray | float]) -> np.ndarray:
        """The fused distance of each pair, float64, from each engine's distances of the same pairs.

        Raises:
            KeyError: an engine of the fusion has no distances in ``distances``.
        """
        return np.asarray(sum(s.weight * s.scaled(distances[s.engine]) for s in self.scales), dtype=np.float64)

    def with_weights(self, weights: Sequence[float]) -> Fusion:
        """A copy with other weights (same order as :attr:`scales`).

        Raises:
            ValueError: not one weight per engine, or weights that are negative or do not sum to 1.
        """
        if len(weights) != len(self.scales):
            raise ValueError(f"{len(weights)} weights for {len(self.scales)} engines")
        return Fusion(tuple(EngineScale(s.engine, s.centre, s.spread, w) for s, w in zip(self.scales, weights)))

    @classmethod
    def from_tails(cls, tails: Mapping[str, ImpostorTail]) -> Fusion:
        """Equal weights, each engine scaled by its fitted impostor tail (the shipped settings' tails).

        Raises:
            ValueError: fewer than two engines, or a tail that is not fitted.
        """
        if any(not tail.fitted for tail in tails.values()):
            raise ValueError("fusion needs a fitted impostor tail for every engine")
        weight = 1.0 / len(tails) if tails else 0.0
        return cls(tuple(EngineScale(name, t.at_one, t.scale, weight) for name, t in tails.items()))

    @classmethod
    def from_impostors(cls, impostors: Mapping[str, np.ndarray], weights: Sequence[float] | None = None) -> Fusion:
        """Each engine scaled by its own impostor distances: centre = their median, spread = their
        standard deviation (robust: 1.4826 x the median absolute deviation). Equal weights unless given.

        Raises:
            ValueError: an engine has fewer than two impostor distances, or all of them equal.
        """
        scales = []
        for name, values in impostors.items():
            d = np.asarray(values, dtype=np.float64)
            if d.size < 2:
                raise ValueError(f"{name}: at least two impostor distances are needed to scale it")
            centre = float(np.median(d))
            spread = 1.4826 * float(np.median(np.abs(d - centre))) or float(np.std(d))
            if spread <= 0:
                raise ValueError(f"{name}: every impostor distance is the same; it cannot be scaled")
            scales.append(EngineScale(name, centre, spread, 1.0 / len(impostors)))
        fusion = cls(tuple(scales))
        return fusion if weights is None else fusion.with_weights(weights)
