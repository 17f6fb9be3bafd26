"""``kiosk soak --minutes N [--json]``: the real counter window driven through every flow in a loop.

The window is the demo's (:func:`ui.app.demo_window`: a throw-away database seeded from
the bundled sample set, the scripted camera, the real recognition process), shown on the
display when there is one (e.g. under ``xvfb-run``), offscreen otherwise. One *cycle* plays
every flow once, each a *scene*: a face recognised and checked in (in English: the
language switches there and back); a face that needs the keypad, a wrong code then the
right one; a stranger asked for the card; a known card checked in; a first visit (card,
consent, guided capture, receipt) whose citizen is then purged so the next cycle can enrol
them again; a visit by card finished with the clerk's "Xong" (F8, or its button) and the
satisfaction question answered (a key 1-4, or a tap on a face), the answer recorded on it;
another finished and left unanswered (the question goes away after ``rating_timeout_s``,
nothing recorded); the administration area opened with the PIN, every tab, closed; a face
that leaves (the screen clears itself); another face stepping in (the screen is replaced).

Reported: ``minutes``, ``scenes``, ``frames`` (painted by the preview), ``crashes`` (see
:class:`ui.soak_watch.CrashCounter`), ``rss_start_mb`` / ``rss_end_mb`` (after the window
opened / at the end), ``max_ui_stall_ms``, plus ``rss_warm_mb``, ``memory_flat``,
``failures`` (a scene that did not reach its screen in time, saw what it should not, or
raised) and the count per flow (``flows``: e.g. ``visit_done``, ``rated``, ``rating_unanswered``).
Memory is *flat* when the growth from the end of the warm-up (the first cycle, or the
first fifth of the run if longer) to the end stays under :data:`RSS_GROWTH_LIMIT_MB`.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ui.soak_scenes import SceneFailed, Soak

RSS_GROWTH_LIMIT_MB = 40.0
"""Largest RSS growth after the warm-up still called flat (MB). Measured: ±10 MB over 10 minutes
(allocator and Qt caches settle); a leak of one camera frame (0.9 MB) per scene crosses it within
the first few dozen scenes of a 30-minute run."""


@dataclass
class SoakReport:
    """What a soak run measured (see the module docstring)."""

    minutes: float = 0.0
    scenes: int = 0
    frames: int = 0
    analysed: int = 0
    crashes: int = 0
    failures: int = 0
    rss_start_mb: float | None = None
    rss_warm_mb: float | None = None
    rss_end_mb: float | None = None
    max_ui_stall_ms: float = 0.0
    max_ui_stall_scene: str = ""
    flows: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    @property
    def memory_flat(self) -> bool | None:
        """True when RSS grew less than the limit after the warm-up; None when it could not be judged."""
        if self.rss_warm_mb is None or self.rss_end_mb is None:
            return None
        return self.rss_end_mb - self.rss_warm_mb < RSS_GROWTH_LIMIT_MB

    @property
    def passed(self) -> bool:
        """Nothing crashed, every scene reached its screens, memory stayed flat (or a run too short to tell)."""
        return self.crashes == 0 and self.failures == 0 and self.memory_flat is not False

    def to_dict(self) -> dict[str, Any]:
        """The JSON object ``kiosk soak --json`` prints."""

        def mb(value: float | None) -> float | None:
            return None if value is None else round(value, 1)

        return {
            "minutes": round(self.minutes, 2),
            "scenes": self.scenes,
            "frames": self.frames,
            "crashes": self.crashes,
            "rss_start_mb": mb(self.rss_start_mb),
            "rss_end_mb": mb(self.rss_end_mb),
            "max_ui_stall_ms": round(self.max_ui_stall_ms, 1),
            "max_ui_stall_scene": self.max_ui_stall_scene,
            "analysed": self.analysed,
            "failures": self.failures,
            "rss_warm_mb": mb(self.rss_warm_mb),
            "rss_growth_limit_mb": RSS_GROWTH_LIMIT_MB,
            "memory_flat": self.memory_flat,
            "flows": dict(sorted(self.flows.items())),
            "errors": self.errors,
            "passed": self.passed,
        }

    def to_text(self) -> str:
        """The plain-text summary."""
        flows = ", ".join(f"{name} {n}" for name, n in sorted(self.flows.items()))
        warm, end = self.rss_warm_mb, self.rss_end_mb  # memory_flat is None exactly when one of them is
        growth = (
            ""
            if warm is None or end is None
            else f" ({end - warm:+.0f} MB after warm-up; limit +{RSS_GROWTH_LIMIT_MB:.0f})"
        )
        flat = {True: "flat", False: "GROWING", None: "not judged (run too short)"}[self.memory_flat]
        lines = [
            f"soak: {self.minutes:.1f} min, {self.scenes} scenes ({flows}), {self.frames} frames painted, "
            f"{self.analysed} analysed",
            f"crashes: {self.crashes}; scenes failed: {self.failures}",
            f"memory: {_fmt(self.rss_start_mb)} at start, {_fmt(self.rss_warm_mb)} after warm-up, "
            f"{_fmt(self.rss_end_mb)} at the end{growth}: {flat}",
            f"UI thread: longest stall {self.max_ui_stall_ms:.0f} ms ({self.max_ui_stall_scene or '-'})",
        ]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines + ["PASSED" if self.passed else "FAILED"])


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} MB"


def play_scene(soak: Soak, name: str, scene: Callable[[], None]) -> bool:
    """Play one scene of ``soak``: counted in its report's ``scenes`` when it completes; otherwise a
    failed scene (``failures``, and ``"<name>: <why>"`` in ``errors``), and the window is brought back
    to an idle counter. Any exception of the scene is its failure: the soak goes on.
    Returns True when the scene completed."""
    report = soak.report
    try:
        scene()
    except SceneFailed as exc:
        why = str(exc)
    except Exception as exc:  # a scene's own mistake: that scene failed, the soak goes on
        why = f"cycle {soak.cycle}: {type(exc).__name__}: {exc}"
    else:
        report.scenes += 1
        return True
    report.failures += 1
    report.errors.append(f"{name}: {why}")
    soak.recover()
    return False


def run_soak(
    *,
    minutes: float,
    set_dir: Path,
    config_path: Path | None = None,
    as_json: bool = False,
    on_cycle: Callable[[Any], None] | None = None,
) -> int:
    """Run the soak; print the report (one JSON object with ``as_json``). Returns the exit code:
    0 only when nothing crashed, every scene completed and memory stayed flat."""
    import json

    from ui.app import display_available

    log: Callable[[str], None] = (
        (lambda text: print(text, file=sys.stderr, flush=True)) if as_json else (lambda text: print(text, flush=True))
    )
    if not display_available():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        log("No display: the soak runs offscreen (QT_QPA_PLATFORM=offscreen).")
    report = _soak(minutes, set_dir, config_path, log, on_cycle)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
    else:
        print(report.to_text(), flush=True)
    return 0 if report.passed else 1


def _soak(
    minutes: float,
    set_dir: Path,
    config_path: Path | None,
    log: Callable[[str], None],
    on_cycle: Callable[[Any], None] | None,
) -> SoakReport:
    from ui.app import demo_window
    from ui.soak_watch import CrashCounter, StallMeter, rss_mb
    from ui.testing import wait_until

    report = SoakReport()
    with CrashCounter() as crashes, demo_window(set_dir=set_dir, config_path=config_path, say=log) as demo:
        window = demo.window
        crashes.watch_signal(window.recognizer.failed, lambda _generation, error: f"recognition thread: {error}")
        window.show()
        wait_until(lambda: window.counter.preview.paints > 5, 60)
        log(
            f"Soak: {minutes:g} min of every counter flow on the real window ({os.environ.get('QT_QPA_PLATFORM') or 'display'})."
        )
        soak = Soak(demo, set_dir, report)
        stall, start = StallMeter(), time.monotonic()
        paints, analysed = window.counter.preview.paints, window.recognizer.analysed
        report.rss_start_mb = rss_mb()
        stall.start()
        warm_until, last_note = start + minutes * 60 / 5, start
        while time.monotonic() - start < minutes * 60:
            for name, scene in soak.scenes():
                if time.monotonic() - start >= minutes * 60:
                    break
                worst = stall.max_ms
                play_scene(soak, name, scene)
                if stall.max_ms > worst:
                    report.max_ui_stall_scene = name
            soak.cycle += 1
            if report.rss_warm_mb is None and time.monotonic() >= warm_until:
                report.rss_warm_mb = rss_mb()
            if on_cycle is not None:
                on_cycle(soak)
            if time.monotonic() - last_note >= 60:
                last_note = time.monotonic()
                log(
                    f"  {(last_note - start) / 60:.1f} min: {report.scenes} scenes, {crashes.count} crashes, rss {_fmt(rss_mb())}"
                )
        stall.stop()
        report.minutes = (time.monotonic() - start) / 60
        report.rss_end_mb = rss_mb()
        report.max_ui_stall_ms = stall.max_ms
        report.frames = window.counter.preview.paints - paints
        report.analysed = window.recognizer.analysed - analysed
        if soak.cycle < 2:
            report.rss_warm_mb = None  # one cycle is all warm-up: memory is not judged
    report.crashes = crashes.count
    report.errors = crashes.errors + report.errors
    return report
