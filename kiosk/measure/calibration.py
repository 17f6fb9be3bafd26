"""Thresholds of the decision policy from local data, for a target stranger match rate.

An automatic match must never put a record on the wrong face (DESIGN.md, "Why face
alone cannot decide"). On a 0.01 grid inside the bounds of :class:`kiosk.settings.Settings`:

1. ``min_margin`` ``m``: look-alikes are genuine probes whose nearest citizen is somebody
   else; the runner-up gap of such a confusion is small. ``m`` is the largest such gap seen
   plus the safety buffer, so none of them could auto-match. With no confusion in the
   data there is no evidence either way and the current ``min_margin`` is kept.
2. ``auto_accept_distance`` ``t``: strangers are kept out by distance alone, not by the
   margin (a small gallery says little about margins among a province's look-alikes):
   ``t`` stays ``safety`` below the nearest stranger (or, with a non-zero target, below the
   nearest stranger after the ``target_fpir`` fraction allowed). Within that limit, the
   smallest ``t`` that auto-accepts as many genuine probes (at ``m``) as the limit itself:
   the same citizens pass and every stranger is farther away.
3. ``candidate_distance`` ``c``: the smallest value whose keypad list holds the right
   citizen for ``target_recall`` of the genuine probes, plus ``safety`` (a candidate too many
   costs a 1-in-10,000 keypad chance; a citizen missing from the list must show the card).

4. The impostor tail: every comparison of a probe with a template of somebody else is an
   impostor comparison; the nearest of them (the smallest 1%, at least 30) are fitted with
   an exponential tail (:class:`recognition.policy.ImpostorTail`). The kiosk then tightens
   the auto threshold as its gallery grows, so that a stranger's best of ``N`` comparisons
   stays under it for at most ``target_fpir`` of strangers; the report shows the threshold
   that follows at province sizes. A small calibration gallery says little about a
   province's look-alikes: the tail is the part that extrapolates.

The sweep applies the policy's auto rule to arrays (fast); the recommendation is then run
end to end through the shipped matcher and policy (:func:`identification.evaluate`).
With ``n`` strangers and none accepted, the data only shows FPIR ≤ 3/n (rule of three).
Every distance is in the engine's own unit (cosine distance for sface, Euclidean for dlib).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from kiosk.measure.encodings import EncodedSet
from kiosk.measure.errors import DatasetError
from kiosk.measure.identification import OpenSet, build_matcher, evaluate, search
from kiosk.settings import Settings
from recognition.matcher import pairwise_distances
from recognition.policy import ImpostorTail, PolicyConfig

STEP = 0.01
EPS = 1e-9
TAIL_SHARE = 0.01
"""Share of the impostor comparisons (the nearest ones) the tail is fitted on."""
TAIL_MIN = 30
"""At least this many of the nearest impostor comparisons are used for the fit."""
PROVINCE_TEMPLATES = (1_000, 5_000, 24_000, 100_000, 1_000_000)
"""Gallery sizes (templates) at which the tail's auto threshold is reported."""


def _grid(name: str) -> np.ndarray:
    """The setting's allowed range (kiosk.settings bounds) on a 0.01 grid."""
    meta = Settings.__dataclass_fields__[name].metadata
    return np.round(np.arange(meta["min"], meta["max"] + STEP / 2, STEP), 2)


def impostor_distances(open_set: OpenSet, encoded: EncodedSet, limit: int = 20_000_000) -> np.ndarray:
    """Distances of every probe (genuine and stranger) to every gallery template of somebody else,
    in the engine's metric; a seeded sample of probes when there would be more than ``limit``."""
    ids = open_set.citizen_ids
    rows, owners = [], []
    for name, files in open_set.gallery.items():
        rows += [encoded.row(f) for f in files]
        owners += [ids[name]] * len(files)
    templates = encoded.embeddings[rows]
    owner = np.asarray(owners)
    probes = list(open_set.genuine) + list(open_set.strangers)
    if len(probes) * len(rows) > limit:
        keep = np.random.default_rng(0).choice(len(probes), max(1, limit // max(1, len(rows))), replace=False)
        probes = [probes[i] for i in sorted(keep)]
    out = []
    for start in range(0, len(probes), 256):
        chunk = probes[start : start + 256]
        block = encoded.embeddings[[encoded.row(p.file) for p in chunk]]
        d = pairwise_distances(np.vstack([block, templates]), encoded.metric)[: len(chunk), len(chunk) :]
        for i, probe in enumerate(chunk):
            other = (owner != probe.citizen_id) & (owner != probe.exclude)
            out.append(d[i][other])
    return np.concatenate(out) if out else np.zeros(0)


def fit_impostor_tail(distances: np.ndarray) -> ImpostorTail:
    """An exponential tail fitted to the nearest impostor comparisons (see the module doc, 4).

    The smallest ``k`` distances (``k`` = 1% of them, at least :data:`TAIL_MIN`) lie under
    ``u``; their mean gap to ``u`` is the scale (the exponential's maximum-likelihood fit),
    and ``P(d < u) = k / n`` places it. Unfitted (scale 0) with fewer than ``TAIL_MIN``.
    """
    d = np.sort(np.asarray(distances, dtype=np.float64))
    if d.size < TAIL_MIN:
        return ImpostorTail()
    k = max(TAIL_MIN, int(TAIL_SHARE * d.size))
    u = float(d[k])
    scale = float(np.mean(u - d[:k]))
    if scale <= 0:
        return ImpostorTail()
    return ImpostorTail(at_one=u + scale * math.log(d.size / k), scale=scale)


@dataclass(frozen=True)
class ProbeStats:
    """Per probe, from the matcher: nearest distance, runner-up gap, own citizen nearest / rank / distance."""

    d1: np.ndarray
    margin: np.ndarray
    own_first: np.ndarray
    own_rank: np.ndarray  # -1 when the own citizen is not among the candidates returned
    own_distance: np.ndarray  # inf when not returned

    def auto(self, t: float | np.ndarray, m: float | np.ndarray) -> np.ndarray:
        """The policy's auto rule (nearest ≤ t and runner-up ≥ m farther), broadcast over t and m."""
        return (self.d1 <= np.asarray(t)[..., None] + EPS) & (self.margin >= np.asarray(m)[..., None] - EPS)


def probe_stats(open_set: OpenSet, encoded: EncodedSet, k: int) -> tuple[ProbeStats, ProbeStats]:
    """``(genuine, strangers)`` statistics from the kiosk's matcher (``k`` nearest citizens each)."""
    matcher = build_matcher(open_set.gallery, encoded)
    out = []
    for probes in (open_set.genuine, open_set.strangers):
        rows = search(matcher, probes, encoded, k)
        d1 = np.array([r[0].distance if r else math.inf for r in rows])
        d2 = np.array([r[1].distance if len(r) > 1 else math.inf for r in rows])
        rank = np.array(
            [next((i for i, c in enumerate(r) if c.citizen_id == p.citizen_id), -1) for p, r in zip(probes, rows)],
            dtype=int,
        )
        own_d = np.array([r[i].distance if i >= 0 else math.inf for r, i in zip(rows, rank)])
        out.append(ProbeStats(d1, d2 - d1, rank == 0, rank, own_d))
    return out[0], out[1]


class Evidence(TypedDict):
    """What a recommendation rests on (distances in embedding units, counts of probes or comparisons)."""

    genuine_auto: int
    genuine_auto_max_distance: float
    genuine_auto_min_margin: float
    nearest_stranger_distance: float
    stranger_limit: float
    lookalikes: int
    lookalike_max_margin: float
    nearest_wrong_genuine_distance: float
    strangers_auto: int
    strangers_within_auto: int
    wrong_person_auto: int
    candidate_distance_base: float
    candidate_recall_at_base: float
    impostor_comparisons: int
    nearest_impostor_distance: float
    auto_at_templates: dict[str, float]  # the tail's auto threshold at the split's templates and PROVINCE_TEMPLATES


@dataclass(frozen=True)
class Calibration:
    """A recommendation and the evidence for it (distances in embedding units, rates 0–1)."""

    auto_accept_distance: float
    min_margin: float
    candidate_distance: float
    tail: ImpostorTail
    engine: str
    feasible: bool
    target_fpir: float
    target_recall: float
    safety: float
    genuine: int
    strangers: int
    evidence: Evidence
    tradeoff: list[dict[str, float]] = field(default_factory=list)
    margins: list[dict[str, float]] = field(default_factory=list)
    candidates: list[dict[str, float]] = field(default_factory=list)
    heat: dict[str, list[float] | list[list[float]]] = field(default_factory=dict)
    """``auto_accept_distance`` and ``min_margin``: the grids (1-D); ``genuine_auto`` (counts) and ``allowed``
    (booleans): one row per auto_accept_distance, one column per min_margin."""
    verified: dict[str, object] = field(default_factory=dict)

    @property
    def fpir_upper_95(self) -> float:
        """The highest stranger auto-match rate still consistent (95%) with what was observed."""
        from kiosk.measure.growth import wilson_upper

        return wilson_upper(int(self.evidence.get("strangers_within_auto", 0)), self.strangers)

    @property
    def strangers_needed(self) -> int:
        """Stranger probes needed (none auto-accepted) to show FPIR ≤ target with 95% confidence."""
        return math.ceil(3.0 / self.target_fpir) if self.target_fpir > 0 else 0


def calibrate(
    open_set: OpenSet,
    encoded: EncodedSet,
    *,
    target_fpir: float = 1e-3,
    target_recall: float = 0.99,
    safety: float = 0.02,
    max_candidates: int = 5,
    current_margin: float = 0.06,
    seed: int = 0,
) -> Calibration:
    """Recommend the engine's ``auto_accept_distance``, ``min_margin``, ``candidate_distance`` and
    impostor tail (see the module doc). The engine is the one that made ``encoded``.

    Raises:
        DatasetError: the split has no stranger or no genuine probe (nothing to calibrate against).
    """
    if not open_set.strangers or not open_set.genuine:
        raise DatasetError(
            f"calibration needs genuine and stranger probes; this split has {len(open_set.genuine)} genuine and "
            f"{len(open_set.strangers)} stranger probes",
            "use --strangers rotate (or N), or a set where some people have a single photo",
        )
    g, s = probe_stats(open_set, encoded, max(2, max_candidates))
    engine = encoded.engine
    ts, ms = _grid(f"{engine}_auto_accept_distance"), _grid(f"{engine}_min_margin")
    wrong = ~g.own_first & np.isfinite(g.d1)
    lookalike_gap = float(g.margin[wrong].max()) if wrong.any() else math.nan
    m = (
        float(ms[np.searchsorted(ms, lookalike_gap + safety - EPS)])
        if wrong.any() and lookalike_gap + safety <= ms[-1]
        else (float(ms[-1]) if wrong.any() else current_margin)
    )
    allowed_strangers = int(math.floor(target_fpir * len(s.d1) + EPS))
    nearest = np.sort(s.d1)
    limit = float(nearest[allowed_strangers]) - safety if allowed_strangers < len(nearest) else math.inf
    good_t = (g.auto(ts, m) & g.own_first).sum(axis=1)  # genuine auto-accepted correctly at each t
    wrong_t = (g.auto(ts + safety, m - safety) & wrong).sum(axis=1)
    allowed_t = (ts <= limit + EPS) & (wrong_t == 0)
    feasible = bool(allowed_t.any())
    if feasible:
        best = good_t[allowed_t].max()
        t = float(ts[np.flatnonzero(allowed_t & (good_t == best))[0]])
    else:
        t = float(ts[0])

    accepted = g.auto(t, m) & g.own_first
    heat_good = (g.auto(ts[:, None], ms[None, :]) & g.own_first).sum(axis=2)
    heat_allowed = ((s.d1 <= ts[:, None, None] + safety + EPS).sum(axis=2) <= allowed_strangers) & (
        (g.auto(ts[:, None] + safety, ms[None, :] - safety) & wrong).sum(axis=2) == 0
    )
    tradeoff = [
        {
            "auto_accept_distance": float(tv),
            "genuine_auto_rate": good_t[i] / max(1, len(g.d1)),
            "strangers_within": int((s.d1 <= tv + EPS).sum()),
            "strangers_auto": int(s.auto(tv, m).sum()),
            "wrong_person_auto": int((g.auto(tv, m) & wrong).sum()),
            "allowed": bool(allowed_t[i]),
        }
        for i, tv in enumerate(ts)
    ]
    margins = [
        {
            "min_margin": float(mv),
            "genuine_auto_rate": float((g.auto(t, mv) & g.own_first).mean()) if len(g.d1) else math.nan,
            "wrong_person_auto": int((g.auto(t, mv) & wrong).sum()),
            "strangers_auto": int(s.auto(t, mv).sum()),
        }
        for mv in ms
    ]

    # candidate_distance: the right citizen among the first max_candidates within c (when not auto-accepted).
    auto_g, auto_s = g.auto(t, m), s.auto(t, m)
    cs = _grid(f"{engine}_candidate_distance")
    cs = cs[cs >= t - EPS]
    rows = []
    for c in cs:
        recall = np.where(
            auto_g, g.own_first, (g.own_rank >= 0) & (g.own_rank < max_candidates) & (g.own_distance <= c + EPS)
        )
        rows.append(
            {
                "candidate_distance": float(c),
                "candidate_recall": float(recall.mean()) if recall.size else math.nan,
                "stranger_confirm_rate": float(((s.d1 <= c + EPS) & ~auto_s).mean()) if s.d1.size else math.nan,
            }
        )
    reach = [r for r in rows if r["candidate_recall"] >= target_recall - EPS]
    base = reach[0] if reach else max(rows, key=lambda r: (r["candidate_recall"], -r["candidate_distance"]))
    c = float(min(cs[-1], round(base["candidate_distance"] + safety, 2)))

    impostors = impostor_distances(open_set, encoded)
    tail = fit_impostor_tail(impostors)
    policy = PolicyConfig(t, m, c, max_candidates, tail, target_fpir)
    templates = open_set.comparisons()
    evidence: Evidence = {
        "genuine_auto": int(accepted.sum()),
        "genuine_auto_max_distance": float(g.d1[accepted].max()) if accepted.any() else math.nan,
        "genuine_auto_min_margin": float(g.margin[accepted].min()) if accepted.any() else math.nan,
        "nearest_stranger_distance": float(nearest[0]) if nearest.size else math.inf,
        "stranger_limit": limit,
        "lookalikes": int(wrong.sum()),
        "lookalike_max_margin": lookalike_gap,
        "nearest_wrong_genuine_distance": float(g.d1[wrong].min()) if wrong.any() else math.inf,
        "strangers_auto": int(s.auto(t, m).sum()),
        "strangers_within_auto": int((s.d1 <= t + EPS).sum()),
        "wrong_person_auto": int((g.auto(t, m) & wrong).sum()),
        "candidate_distance_base": base["candidate_distance"],
        "candidate_recall_at_base": base["candidate_recall"],
        "impostor_comparisons": int(impostors.size),
        "nearest_impostor_distance": float(impostors.min()) if impostors.size else math.inf,
        "auto_at_templates": {str(n): policy.auto_distance_at(n) for n in (templates, *PROVINCE_TEMPLATES)},
    }
    verified = evaluate(open_set, encoded, policy.at_scale(templates), seed=seed)
    heat = {
        "auto_accept_distance": ts.tolist(),
        "min_margin": ms.tolist(),
        "genuine_auto": heat_good.tolist(),
        "allowed": heat_allowed.tolist(),
    }
    return Calibration(
        t,
        m,
        c,
        tail,
        engine,
        feasible,
        target_fpir,
        target_recall,
        safety,
        len(g.d1),
        len(s.d1),
        evidence,
        tradeoff,
        margins,
        rows,
        heat,
        verified,
    )


def write_recommendation(path: str, calibration: Calibration) -> Settings:
    """Write the engine's recommended thresholds and tail into a settings TOML (other values in it are kept).

    Only the file's own values are carried over (``KIOSK_*`` variables are not folded in).
    Raises:
        SettingsError: the existing file is invalid, or the values break a bound.
    """
    from pathlib import Path

    from kiosk.settings import load_settings, write_settings

    base = load_settings(path, environ={}) if Path(path).is_file() else Settings()
    engine = calibration.engine
    new = base.replace(
        **{
            f"{engine}_auto_accept_distance": calibration.auto_accept_distance,
            f"{engine}_min_margin": calibration.min_margin,
            f"{engine}_candidate_distance": calibration.candidate_distance,
            f"{engine}_impostor_tail_at_one": round(calibration.tail.at_one, 4),
            f"{engine}_impostor_tail_scale": round(calibration.tail.scale, 5),
            "auto_accept_fpir": calibration.target_fpir,
        }
    )
    write_settings(path, new)
    return new
