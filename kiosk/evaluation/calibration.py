"""Thresholds of the decision policy from local data, for a target stranger match rate.

Rule (DESIGN.md, "Why face alone cannot decide"): an automatic match must never put a
record on the wrong face, so

1. ``auto_accept_distance`` ``t`` and ``min_margin`` ``m``: a probe is auto-accepted when its
   nearest citizen is within ``t`` and the runner-up is ``m`` farther (the policy's rule).
   A *violator* is a stranger, or a genuine probe whose nearest citizen is someone else.
   Allowed: at most ``target_fpir`` of the strangers, and no wrong genuine probe, within a
   safety buffer ``safety`` of being auto-accepted (``d1 ≤ t + safety`` and
   ``margin ≥ m - safety``). Among the allowed (t, m) on a 0.01 grid inside the settings'
   bounds, take those auto-accepting the most genuine probes correctly, then the strictest
   (smallest t, then largest m): the same citizens pass, and every stranger is farther away.
2. ``candidate_distance`` ``c``: the smallest value whose candidate list holds the right
   citizen for ``target_recall`` of the genuine probes, plus ``safety`` (a candidate too many
   costs a 1-in-10,000 keypad chance; a citizen missing from the list must show the card).

The sweep evaluates the policy's auto rule on arrays (fast); the recommendation is then
run end to end through the shipped matcher and policy (:func:`identification.evaluate`).
With ``n`` strangers and none accepted, the data can only show FPIR ≤ 3/n (rule of three).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kiosk.evaluation.encodings import EncodedSet
from kiosk.evaluation.identification import OpenSet, build_matcher, evaluate, search
from kiosk.settings import Settings
from recognition.policy import PolicyConfig

STEP = 0.01


def _grid(name: str, hi: float | None = None) -> np.ndarray:
    """The setting's allowed range (kiosk.settings bounds) on a 0.01 grid."""
    meta = Settings.__dataclass_fields__[name].metadata
    top = meta["max"] if hi is None else min(hi, meta["max"])
    return np.round(np.arange(meta["min"], top + STEP / 2, STEP), 2)


@dataclass(frozen=True)
class ProbeStats:
    """Per probe, from the matcher: nearest distance, runner-up gap, own citizen nearest / rank / distance."""

    d1: np.ndarray
    margin: np.ndarray
    own_first: np.ndarray
    own_rank: np.ndarray  # -1 when the own citizen is not among the candidates returned
    own_distance: np.ndarray  # inf when not returned


def probe_stats(open_set: OpenSet, encoded: EncodedSet, k: int) -> tuple[ProbeStats, ProbeStats]:
    """``(genuine, strangers)`` statistics from the kiosk's matcher (``k`` nearest citizens each)."""
    matcher = build_matcher(open_set.gallery, encoded)
    out = []
    for probes in (open_set.genuine, open_set.strangers):
        rows = search(matcher, probes, encoded, k)
        d1 = np.array([r[0].distance if r else math.inf for r in rows])
        d2 = np.array([r[1].distance if len(r) > 1 else math.inf for r in rows])
        rank = np.array([next((i for i, c in enumerate(r) if c.citizen_id == p.citizen_id), -1) for p, r in zip(probes, rows)])
        own_d = np.array([r[i].distance if i >= 0 else math.inf for r, i in zip(rows, rank)])
        out.append(ProbeStats(d1, d2 - d1, rank == 0, rank, own_d))
    return out[0], out[1]


@dataclass(frozen=True)
class Calibration:
    """A recommendation and the evidence for it (distances in embedding units, rates 0–1)."""

    auto_accept_distance: float
    min_margin: float
    candidate_distance: float
    feasible: bool
    target_fpir: float
    target_recall: float
    safety: float
    genuine: int
    strangers: int
    evidence: dict[str, float] = field(default_factory=dict)
    tradeoff: list[dict[str, float]] = field(default_factory=list)
    candidates: list[dict[str, float]] = field(default_factory=list)
    heat: dict[str, list] = field(default_factory=dict)
    verified: dict[str, object] = field(default_factory=dict)

    @property
    def fpir_upper_95(self) -> float:
        """The highest stranger auto-match rate still consistent (95%) with what was observed."""
        seen = int(self.evidence.get("strangers_near_auto", 0))
        from kiosk.evaluation.growth import wilson_upper

        return wilson_upper(seen, self.strangers)

    @property
    def strangers_needed(self) -> int:
        """Stranger probes needed (none auto-accepted) to show FPIR ≤ target with 95% confidence."""
        return math.ceil(3.0 / self.target_fpir)


def calibrate(open_set: OpenSet, encoded: EncodedSet, *, target_fpir: float = 1e-3, target_recall: float = 0.99,
              safety: float = 0.02, max_candidates: int = 5, seed: int = 0) -> Calibration:
    """Recommend ``auto_accept_distance``, ``min_margin`` and ``candidate_distance`` (see the module doc)."""
    g, s = probe_stats(open_set, encoded, max(2, max_candidates))
    ts, ms = _grid("auto_accept_distance"), _grid("min_margin")
    T, M = ts[:, None, None], ms[None, :, None]

    def auto(stats: ProbeStats, buffer: float, mask: np.ndarray) -> np.ndarray:
        hit = (stats.d1[None, None, :] <= T + buffer + 1e-9) & (stats.margin[None, None, :] >= M - buffer - 1e-9)
        return (hit & mask[None, None, :]).sum(axis=2)

    good = auto(g, 0.0, g.own_first)
    wrong_near = auto(g, safety, ~g.own_first & np.isfinite(g.d1))
    stranger_near = auto(s, safety, np.ones_like(s.d1, dtype=bool))
    stranger_auto = auto(s, 0.0, np.ones_like(s.d1, dtype=bool))
    wrong_auto = auto(g, 0.0, ~g.own_first & np.isfinite(g.d1))
    allowed = (wrong_near == 0) & (stranger_near <= target_fpir * len(s.d1) + 1e-9)
    score = np.where(allowed, good, -1)
    feasible = bool(allowed.any())
    best = score.max()
    ti, mi = min(zip(*np.nonzero(score == best)), key=lambda ij: (ts[ij[0]], -ms[ij[1]]))
    t, m = float(ts[ti]), float(ms[mi])

    accepted = g.own_first & (g.d1 <= t + 1e-9) & (g.margin >= m - 1e-9)
    violators_d1 = np.concatenate([s.d1, g.d1[~g.own_first]])
    violators_m = np.concatenate([s.margin, g.margin[~g.own_first]])
    headroom = np.maximum(violators_d1 - t, m - violators_m) if violators_d1.size else np.array([math.inf])
    evidence = {
        "genuine_auto": int(good[ti, mi]),
        "genuine_auto_max_distance": float(g.d1[accepted].max()) if accepted.any() else math.nan,
        "genuine_auto_min_margin": float(g.margin[accepted].min()) if accepted.any() else math.nan,
        "nearest_stranger_distance": float(s.d1.min()) if s.d1.size else math.inf,
        "nearest_wrong_genuine_distance": float(g.d1[~g.own_first].min()) if (~g.own_first).any() else math.inf,
        "strangers_auto": int(stranger_auto[ti, mi]),
        "strangers_near_auto": int(stranger_near[ti, mi]),
        "headroom": float(headroom[np.isfinite(headroom)].min()) if np.isfinite(headroom).any() else math.inf,
    }
    tradeoff = []
    for i, tv in enumerate(ts):
        j = int(np.argmax(np.where(allowed[i], good[i] * 1000 + np.arange(len(ms)), -1))) if allowed[i].any() else 0
        tradeoff.append({"auto_accept_distance": float(tv), "min_margin": float(ms[j]) if allowed[i].any() else math.nan,
                         "genuine_auto_rate": good[i, j] / max(1, len(g.d1)), "strangers_auto": int(stranger_auto[i, j]),
                         "wrong_person_auto": int(wrong_auto[i, j]), "allowed": bool(allowed[i].any())})

    # candidate_distance: the right citizen among the first max_candidates within c (when not auto-accepted).
    auto_g = (g.d1 <= t + 1e-9) & (g.margin >= m - 1e-9)
    auto_s = (s.d1 <= t + 1e-9) & (s.margin >= m - 1e-9)
    cs = _grid("candidate_distance")
    cs = cs[cs >= t - 1e-9]
    rows = []
    for c in cs:
        recall = np.where(auto_g, g.own_first, (g.own_rank >= 0) & (g.own_rank < max_candidates) & (g.own_distance <= c + 1e-9))
        rows.append({"candidate_distance": float(c), "candidate_recall": float(recall.mean()) if recall.size else math.nan,
                     "stranger_confirm_rate": float(((s.d1 <= c + 1e-9) & ~auto_s).mean()) if s.d1.size else math.nan})
    reach = [r for r in rows if r["candidate_recall"] >= target_recall - 1e-9]
    base = reach[0] if reach else max(rows, key=lambda r: (r["candidate_recall"], -r["candidate_distance"]))
    c = float(min(cs[-1], round(base["candidate_distance"] + safety, 2)))
    evidence["candidate_recall_at_base"] = base["candidate_recall"]
    evidence["candidate_distance_base"] = base["candidate_distance"]

    policy = PolicyConfig(t, m, c, max_candidates)
    verified = evaluate(open_set, encoded, policy, seed=seed)
    heat = {"auto_accept_distance": ts.tolist(), "min_margin": ms.tolist(), "genuine_auto": good.tolist(),
            "allowed": allowed.tolist(), "stranger_auto": stranger_auto.tolist()}
    return Calibration(t, m, c, feasible, target_fpir, target_recall, safety, len(g.d1), len(s.d1), evidence, tradeoff, rows, heat, verified)


def write_recommendation(path: str, calibration: Calibration) -> Settings:
    """Write the three recommended thresholds into a settings TOML (other values in it are kept).

    Only the file's own values are carried over (``KIOSK_*`` variables are not folded in).
    Raises:
        SettingsError: the existing file is invalid, or the values break a bound.
    """
    from pathlib import Path

    from kiosk.settings import load_settings, write_settings

    base = load_settings(path, environ={}) if Path(path).is_file() else Settings()
    new = base.replace(auto_accept_distance=calibration.auto_accept_distance, min_margin=calibration.min_margin,
                       candidate_distance=calibration.candidate_distance)
    write_settings(path, new)
    return new
