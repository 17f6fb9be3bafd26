"""How the stranger match rate (FPIR) grows with the number of people enrolled.

Measured: strangers are searched against seeded random sub-galleries of growing size
(the same matcher, policy and keypad simulation as :func:`identification.evaluate`).
Extrapolated: from the per-comparison false-match rate ``p`` at a distance threshold,
face alone matches a stranger to *somebody* among ``N`` enrolled with probability
``1 - (1 - p)^N`` (treating comparisons as independent, which look-alikes make optimistic).
With no false match observed, ``p`` is only bounded: at most ``3 / comparisons`` with 95%
confidence (the rule of three).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from kiosk.measure.encodings import EncodedSet
from kiosk.measure.identification import OpenSet, build_matcher, make_id_numbers, run_policy, search
from models import Decision
from recognition.policy import PolicyConfig

PROVINCE_SIZES = (1_000, 10_000, 24_000, 100_000, 1_000_000)
"""Gallery sizes the extrapolation reports (Cà Mau's kiosk served ~24,000 citizens)."""
MAX_FMR_PROBES = 500
"""At most this many stranger probes are compared with every citizen to estimate the per-comparison rate."""


def gallery_sizes(total: int) -> list[int]:
    """1, 2, 5, 10, 20, 50, ... below 80% of ``total``, and ``total`` itself."""
    sizes, base = [], 1
    while base <= total:
        sizes += [s for s in (base, 2 * base, 5 * base) if s < 0.8 * total]
        base *= 10
    return sorted(set(sizes)) + [total]


def measured_growth(
    open_set: OpenSet, encoded: EncodedSet, policy: PolicyConfig, *, seed: int = 0, budget: int = 20_000
) -> list[dict[str, float]]:
    """FPIR with the keypad and face alone at growing sub-gallery sizes (mean over seeded draws).

    ``budget`` bounds the probe searches per size (draws × stranger probes).
    """
    strangers = open_set.strangers
    total = len(open_set.gallery)
    if not strangers or total == 0:
        return []
    ids = make_id_numbers(total, seed)
    rng = random.Random(seed)
    rows = []
    for size in gallery_sizes(total):
        draws = 1 if size == total else max(1, min(20, budget // len(strangers)))
        keypad = alone = 0
        for _ in range(draws):
            chosen = sorted(rng.sample(range(1, total + 1), size))
            cands = search(build_matcher(open_set.gallery, encoded, chosen), strangers, encoded, policy.search_k)
            keypad += sum(
                o.final is Decision.MATCH for o in run_policy(cands, strangers, policy, ids, keypad=True, seed=seed + 1)
            )
            alone += sum(o.final is Decision.MATCH for o in run_policy(cands, strangers, policy, ids, keypad=False))
        n = draws * len(strangers)
        rows.append({"enrolled": size, "draws": draws, "fpir": keypad / n, "fpir_face_only": alone / n})
    return rows


def wilson_upper(successes: int, trials: int, z: float = 1.96) -> float:
    """Upper end of the Wilson score interval for a rate (95% two-sided by default); 3/n when none is seen."""
    if trials == 0:
        return float("nan")
    if successes == 0:
        return min(1.0, 3.0 / trials)
    p = successes / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return min(1.0, (centre + spread) / (1 + z * z / trials))


def false_match_rate(open_set: OpenSet, encoded: EncodedSet, threshold: float, *, seed: int = 0) -> tuple[int, int]:
    """``(false matches, comparisons)``: stranger-vs-citizen distances at or under ``threshold``
    (a citizen's distance is the best over their samples; a rotated stranger's own record is skipped)."""
    strangers = open_set.strangers
    if len(strangers) > MAX_FMR_PROBES:
        strangers = random.Random(seed).sample(list(strangers), MAX_FMR_PROBES)
    total = len(open_set.gallery)
    if not strangers or total == 0:
        return 0, 0
    cands = search(build_matcher(open_set.gallery, encoded), strangers, encoded, total)
    hits = sum(c.distance <= threshold for row in cands for c in row)
    return hits, sum(len(row) for row in cands)


def extrapolate(hits: int, comparisons: int, sizes: Sequence[int] = PROVINCE_SIZES) -> list[dict[str, float]]:
    """Face-alone FPIR predicted at each gallery size from ``hits`` false matches in ``comparisons``."""
    if comparisons == 0:
        return []
    p, upper = hits / comparisons, wilson_upper(hits, comparisons)
    return [
        {"enrolled": n, "fpir_face_only": 1 - (1 - p) ** n, "fpir_face_only_upper_95": 1 - (1 - upper) ** n}
        for n in sizes
    ]


def growth_report(open_set: OpenSet, encoded: EncodedSet, policy: PolicyConfig, *, seed: int = 0) -> dict[str, object]:
    """Measured growth, and the extrapolation at ``candidate_distance`` and at ``auto_accept_distance``."""
    out: dict[str, object] = {
        "measured": measured_growth(open_set, encoded, policy, seed=seed),
        "max_candidates": policy.max_candidates,
    }
    for name, threshold in (
        ("at_candidate_distance", policy.candidate_distance),
        ("at_auto_accept_distance", policy.auto_accept_distance),
    ):
        hits, comparisons = false_match_rate(open_set, encoded, threshold, seed=seed)
        out[name] = {
            "threshold": threshold,
            "false_matches": hits,
            "comparisons": comparisons,
            "fmr": hits / comparisons if comparisons else float("nan"),
            "fmr_upper_95": wilson_upper(hits, comparisons),
            "extrapolated": extrapolate(hits, comparisons),
        }
    return out
