"""PNG plots of the evaluation: distance histograms, ROC/DET, the threshold–margin trade-off, FPIR growth.

matplotlib is imported inside each function and used through ``Figure`` objects (the
Agg renderer, no pyplot state, no display needed). Distances are Euclidean distances
between dlib embeddings; rates are fractions 0–1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from kiosk.measure.verification import roc_points

GENUINE, IMPOSTOR = "#1f77b4", "#d62728"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _save(fig: Any, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def _lines(ax: Any, thresholds: dict[str, float]) -> None:
    for (name, value), style in zip(thresholds.items(), ("--", ":", "-.")):
        ax.axvline(value, color="black", linestyle=style, linewidth=1, label=f"{name} {value:.2f}")


def histograms(
    path: Path,
    genuine: np.ndarray,
    impostor: np.ndarray,
    thresholds: dict[str, float],
    *,
    title: str,
    own: np.ndarray | None = None,
    nearest_stranger: np.ndarray | None = None,
) -> Path:
    """Genuine vs impostor pair distances; with ``own``/``nearest_stranger`` a second panel for the open set
    (each genuine probe's distance to its own citizen vs each stranger's distance to the nearest citizen)."""
    panels = 2 if own is not None and nearest_stranger is not None else 1
    fig = _figure(6.0 * panels, 4.2)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    bins = np.arange(0.0, 1.21, 0.02)
    ax = axes[0]
    ax.hist(
        impostor, bins=bins, density=True, alpha=0.55, color=IMPOSTOR, label=f"different people ({len(impostor)} pairs)"
    )
    ax.hist(genuine, bins=bins, density=True, alpha=0.55, color=GENUINE, label=f"same person ({len(genuine)} pairs)")
    _lines(ax, thresholds)
    ax.set(xlabel="distance between two photos", ylabel="density", title=f"{title}: all pairs")
    ax.legend(fontsize=8)
    if own is not None and nearest_stranger is not None:  # panels == 2
        ax = axes[1]
        ax.hist(
            nearest_stranger,
            bins=bins,
            alpha=0.6,
            color=IMPOSTOR,
            label=f"stranger → nearest citizen ({len(nearest_stranger)})",
        )
        ax.hist(own, bins=bins, alpha=0.6, color=GENUINE, label=f"genuine probe → own citizen ({len(own)})")
        _lines(ax, thresholds)
        ax.set(xlabel="distance", ylabel="probes", title=f"{title}: open set (1:N)")
        ax.legend(fontsize=8)
    return _save(fig, path)


def roc_det(
    path: Path, genuine: np.ndarray, impostor: np.ndarray, *, title: str, marks: dict[str, float] | None = None
) -> Path:
    """ROC (TAR vs FAR) and DET (FNMR vs FMR, log–log) of "same person if distance ≤ t"."""
    thresholds = np.round(np.arange(0.0, 1.5005, 0.0025), 4)
    far, tar = roc_points(genuine, impostor, thresholds)
    floor = 0.5 / max(1, len(impostor))  # below the smallest measurable FAR
    fig = _figure(11.0, 4.4)
    roc, det = fig.subplots(1, 2)
    roc.plot(np.maximum(far, floor), tar, color=GENUINE)
    roc.set(
        xscale="log",
        xlabel="false accept rate (different-person pairs accepted)",
        ylabel="true accept rate",
        title=f"{title}: ROC",
        ylim=(0, 1.01),
        xlim=(floor, 1),
    )
    det.plot(np.maximum(far, floor), np.maximum(1 - tar, 0.5 / max(1, len(genuine))), color=IMPOSTOR)
    det.set(
        xscale="log",
        yscale="log",
        xlabel="false match rate",
        ylabel="false non-match rate",
        title=f"{title}: DET",
        xlim=(floor, 1),
    )
    for name, t in (marks or {}).items():
        f, a = roc_points(genuine, impostor, np.array([t]))
        roc.plot(max(f[0], floor), a[0], "o", label=f"{name} {t:.2f}: TAR {a[0]:.3f}, FAR {f[0]:.4f}")
        det.plot(max(f[0], floor), max(1 - a[0], 0.5 / max(1, len(genuine))), "o", label=f"{name} {t:.2f}")
    for ax in (roc, det):
        ax.grid(True, which="both", alpha=0.3)
        if marks:
            ax.legend(fontsize=8)
    det.text(
        0.02,
        0.02,
        f"FAR below {1 / max(1, len(impostor)):.1e} is not measurable\nwith {len(impostor)} impostor pairs",
        transform=det.transAxes,
        fontsize=8,
    )
    return _save(fig, path)


def tradeoff(path: Path, calibration: Any, current: dict[str, float]) -> Path:
    """Left: genuine auto-accept rate over (auto_accept_distance, min_margin), cells breaking the
    stranger/wrong-person rule greyed; recommended ★ and current ✕. Right: candidate_distance vs
    candidate recall and stranger confirm rate."""
    heat = calibration.heat
    ts, ms = np.array(heat["auto_accept_distance"]), np.array(heat["min_margin"])
    rate = np.array(heat["genuine_auto"], dtype=float) / max(1, calibration.genuine)
    allowed = np.array(heat["allowed"], dtype=bool)
    fig = _figure(12.0, 4.6)
    left, right = fig.subplots(1, 2)
    shown = np.ma.masked_where(~allowed.T, rate.T)
    mesh = left.pcolormesh(ts, ms, shown, shading="nearest", cmap="viridis", vmin=0, vmax=1)
    left.pcolormesh(
        ts, ms, np.ma.masked_where(allowed.T, np.ones_like(rate.T)), shading="nearest", cmap="Greys", vmin=0, vmax=3
    )
    fig.colorbar(mesh, ax=left, label="genuine probes auto-accepted (fraction)")
    left.plot(
        calibration.auto_accept_distance,
        calibration.min_margin,
        "*",
        color="red",
        markersize=14,
        label=f"recommended {calibration.auto_accept_distance:.2f} / {calibration.min_margin:.2f}",
    )
    left.plot(
        current["auto_accept_distance"],
        current["min_margin"],
        "x",
        color="white",
        markersize=10,
        mew=2,
        label=f"current {current['auto_accept_distance']:.2f} / {current['min_margin']:.2f}",
    )
    left.set(
        xlabel="auto_accept_distance",
        ylabel="min_margin",
        title=f"auto-accept trade-off (grey: a stranger or wrong person within {calibration.safety:.2f})",
    )
    left.legend(fontsize=8, loc="upper left")
    c = np.array([r["candidate_distance"] for r in calibration.candidates])
    right.plot(
        c,
        [r["candidate_recall"] for r in calibration.candidates],
        color=GENUINE,
        label="right citizen among the candidates",
    )
    right.plot(
        c,
        [r["stranger_confirm_rate"] for r in calibration.candidates],
        color=IMPOSTOR,
        label="strangers sent to the keypad",
    )
    right.axvline(
        calibration.candidate_distance,
        color="red",
        linestyle="--",
        label=f"recommended {calibration.candidate_distance:.2f}",
    )
    right.axvline(
        current["candidate_distance"], color="grey", linestyle=":", label=f"current {current['candidate_distance']:.2f}"
    )
    right.set(xlabel="candidate_distance", ylabel="fraction of probes", ylim=(0, 1.02), title="keypad candidates")
    right.legend(fontsize=8)
    right.grid(True, alpha=0.3)
    return _save(fig, path)


def growth(path: Path, report: dict[str, Any]) -> Path:
    """Stranger match rate vs people enrolled: measured (keypad and face alone) and extrapolated (face alone)."""
    fig = _figure(8.5, 5.6)
    ax = fig.subplots()
    measured = report.get("measured") or []
    if measured:
        enrolled = [r["enrolled"] for r in measured]
        ax.plot(enrolled, [r["fpir_face_only"] for r in measured], "o-", color=IMPOSTOR, label="face alone (measured)")
        ax.plot(enrolled, [r["fpir"] for r in measured], "o-", color=GENUINE, label="policy + keypad (measured)")
    extra = report.get("at_candidate_distance", {})
    if extra.get("comparisons"):
        n = np.logspace(0, 6, 200)
        ax.plot(
            n,
            1 - (1 - extra["fmr"]) ** n,
            "--",
            color=IMPOSTOR,
            alpha=0.7,
            label=f"face alone at {extra['threshold']:.2f}, extrapolated: 1-(1-FMR)^N, FMR {extra['fmr']:.4f}",
        )
        ax.plot(
            n,
            1 - (1 - extra["fmr_upper_95"]) ** n,
            ":",
            color=IMPOSTOR,
            alpha=0.7,
            label="  with FMR at its 95% upper bound",
        )
    auto = report.get("at_auto_accept_distance", {})
    if auto.get("comparisons"):
        n = np.logspace(0, 6, 200)
        ax.plot(
            n,
            1 - (1 - auto["fmr_upper_95"]) ** n,
            ":",
            color="purple",
            alpha=0.8,
            label=f"face alone at {auto['threshold']:.2f}: 95% upper bound ({auto['false_matches']} of {auto['comparisons']} matched)",
        )
    if report.get("max_candidates"):
        bound = report["max_candidates"] * 1e-4
        ax.axhline(
            bound,
            color=GENUINE,
            linestyle=":",
            label=f"keypad bound: {report['max_candidates']} candidates x 1e-4 = {bound:.0e}",
        )
    ax.set(
        xscale="log",
        xlabel="people enrolled",
        ylabel="strangers matched to somebody (FPIR)",
        ylim=(-0.02, 1.02),
        title="Stranger match rate grows with the gallery",
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    return _save(fig, path)
