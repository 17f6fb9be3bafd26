"""``python -m ui.measure``: measure the counter app on this machine, offscreen.

- preview frame rate while recognition runs on every frame (a face held in view);
- recognition latency: a face appears on the (fake) camera → the citizen's form is filled;
- the longest stall of the UI thread meanwhile (a 5 ms timer's largest gap).

Uses the real analyzer process, the bundled sample set and a throw-away database.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    """Print the figures; returns the exit code."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.counter.camera import StillSource, seed_demo
    from kiosk.counter.service import Kiosk
    from kiosk.counter.watch import AnalyzerProcess
    from kiosk.settings import Settings
    from ui.counter import State
    from ui.style import apply_style
    from ui.testing import SAMPLE_SET, frame, open_window, spin, wait_until

    with tempfile.TemporaryDirectory(prefix="kiosk-measure-") as tmp:
        settings = Settings(key_file=str(Path(tmp) / "k.key"))
        analyzer = AnalyzerProcess(settings)
        analyzer.start()
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication), "another kind of Qt application is running"
        apply_style(app)
        with Kiosk.open(settings, Path(tmp) / "k.sqlite") as kiosk:
            seed_demo(kiosk, SAMPLE_SET, skip="")
            camera = StillSource([frame("frames/empty_counter.jpg")], fps=30)
            window = open_window(
                kiosk=kiosk, source=camera, analyzer=analyzer, config_path=Path(tmp) / "k.toml", run_retention=False
            )
            counter, preview = window.counter, window.counter.preview
            spin(4000)  # models loaded, first frames analysed
            gaps = {"max": 0.0, "last": time.perf_counter()}

            def tick() -> None:
                now = time.perf_counter()
                gaps["max"] = max(gaps["max"], now - gaps["last"])
                gaps["last"] = now

            timer = QTimer()
            timer.timeout.connect(tick)
            timer.start(5)
            latencies = []
            for person in ("london_005", "london_099", "lisa", "london_115", "london_045", "london_005", "london_099"):
                camera.show([frame("frames/empty_counter.jpg")])
                spin(700)
                counter.go_idle()
                shown = time.perf_counter()
                camera.show([frame(f"frames/{person}/visit_2.jpg")])
                wait_until(lambda: counter.state is State.MATCH, 15)
                latencies.append(time.perf_counter() - shown)
            window.watcher.hold(counter.check)  # the same face stays: recognised on every frame, never shown again
            counter.go_idle()
            paints, analysed, start = preview.paints, window.recognizer.analysed, time.perf_counter()
            spin(10000)
            elapsed = time.perf_counter() - start
            timer.stop()
            fps = (preview.paints - paints) / elapsed
            rate = (window.recognizer.analysed - analysed) / elapsed
            print(
                f"preview while recognising every frame: {fps:.1f} fps painted (camera 30 fps); "
                f"{rate:.1f} frames analysed/s ({window.recognizer.last_ms:.0f} ms per frame incl. QR, face, match)"
            )
            print(
                f"face appears -> form filled ({settings.agreement_frames} agreeing frames), {len(latencies)} trials: "
                f"median {statistics.median(latencies) * 1000:.0f} ms, min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f}"
            )
            print(f"longest UI-thread stall while measuring: {gaps['max'] * 1000:.0f} ms")
            window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
