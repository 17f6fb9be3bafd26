"""A citizen's template: the mean of their samples, the distance every decision is taken on.

The matchers rank citizens by their *best* sample (one scan, cheap at millions of rows);
:func:`by_template` then re-scores the few citizens returned against each one's
**template**, the mean of their samples of that engine (unit length under the cosine
metric), and ranks them again. Three enrolment photos averaged are closer to a fourth
photo of the same person than the best of the three is: on ``../shared/lfw-cdg`` (3
enrolled, 596 genuine probes, the automatic threshold of 4,200 citizens) the share filled
in automatically goes from 0.183 (best sample) to 0.324 (template), and no stranger came
nearer than 0.53 either way (docs/BENCHMARKS.md, "Recognised without typing"). A citizen
with one sample is scored as before.

A stranger meets one template per citizen, not one per sample, but a template is a little
nearer to everyone than a single sample is (on lfw-cdg a stranger falls within 0.60–0.70
of a 3-sample template 1.4–1.9 times as often as of one sample). So the auto threshold's
union bound (:meth:`recognition.policy.PolicyConfig.at_scale`) counts
:data:`COMPARISONS_PER_CITIZEN` comparisons for a citizen with that many samples or more
(:func:`comparisons`): samples learnt from visits do not tighten it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from models import Candidate

COMPARISONS_PER_CITIZEN = 3
"""The most single-sample comparisons one citizen's template counts as, for the impostor tail."""


def template(samples: np.ndarray, metric: str) -> np.ndarray:
    """One citizen's template from their samples ``(k, 128)`` of one engine: the mean, scaled to
    unit length under the ``cosine`` metric (of unit samples), plain under ``euclidean``. float64 ``(128,)``.

    Raises:
        ValueError: no samples.
    """
    rows = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    if not len(rows):
        raise ValueError("a template needs at least one sample")
    if metric == "cosine":
        rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
        mean = np.asarray(rows.mean(axis=0), dtype=np.float64)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float64)
    return np.asarray(rows.mean(axis=0), dtype=np.float64)


def distance(query: np.ndarray, target: np.ndarray, metric: str) -> float:
    """The engine's distance between a probe ``(128,)`` and a template (float64)."""
    q = np.asarray(query, dtype=np.float64).reshape(-1)
    if metric == "cosine":
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        return float(np.clip(1.0 - q @ target, 0.0, 2.0))
    return float(np.linalg.norm(q - target))


def by_template(
    candidates: Sequence[Candidate], query: np.ndarray, samples: Mapping[int, np.ndarray], metric: str
) -> list[Candidate]:
    """The candidates re-scored against their templates, nearest first (ties: lower citizen id).

    ``samples``: each candidate's samples ``(k, 128)`` (:meth:`recognition.matcher.Membership.samples_of`);
    a candidate with none (purged meanwhile) is dropped.
    """
    scored = [
        replace(c, distance=distance(query, template(samples[c.citizen_id], metric), metric))
        for c in candidates
        if c.citizen_id in samples and len(samples[c.citizen_id])
    ]
    return sorted(scored, key=lambda c: (c.distance, c.citizen_id))


def comparisons(samples: int, citizens: int) -> int:
    """How many single-sample comparisons a stranger's search counts as for the impostor tail:
    ``samples`` in the index, at most :data:`COMPARISONS_PER_CITIZEN` per citizen."""
    return min(samples, COMPARISONS_PER_CITIZEN * citizens)
