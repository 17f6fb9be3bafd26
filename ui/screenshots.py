"""``python -m ui.screenshots [--out docs/screenshots]``: drive the real window through a counter day
(fake camera on the bundled sample set, real recognition) and save a PNG of each main screen.

Runs offscreen (no display needed); takes about half a minute.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    """Save the screenshots; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as tmp:
        return _run(args.out, Path(tmp))


def _run(out: Path, tmp: Path) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from kiosk.counter.camera import StillSource, seed_demo
    from kiosk.counter.service import Kiosk
    from kiosk.counter.watch import AnalyzerProcess
    from kiosk.settings import Settings
    from ui.counter import State
    from ui.i18n import set_language
    from ui.style import apply_style
    from ui.testing import SAMPLE_SET, frame, open_window, spin, wait_until

    settings = Settings(key_file=str(tmp / "kiosk.key"), counter_name="Quầy 2")
    analyzer = AnalyzerProcess(settings)
    analyzer.start()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication), "another kind of Qt application is running"
    apply_style(app)
    set_language("vi")
    with Kiosk.open(settings, tmp / "kiosk.sqlite", actor="Chị Lan") as kiosk:
        print("enrolling the sample citizens...", flush=True)
        seed_demo(kiosk, SAMPLE_SET)
        camera = StillSource([frame("frames/empty_counter.jpg")], name="USB camera (demo)")
        window = open_window(
            kiosk=kiosk, source=camera, analyzer=analyzer, config_path=tmp / "kiosk.toml", run_retention=False
        )
        counter = window.counter

        def shoot(name: str) -> None:
            spin(400)
            window.grab().save(str(out / f"{name}.png"))
            print(f"saved {out / name}.png", flush=True)

        def key(k: Qt.Key) -> None:
            from PySide6.QtCore import QCoreApplication, QEvent
            from PySide6.QtGui import QKeyEvent

            QCoreApplication.sendEvent(counter, QKeyEvent(QEvent.Type.KeyPress, k, Qt.KeyboardModifier.NoModifier))

        def show(*names: str) -> None:
            camera.show([frame(n) for n in names])

        wait_until(lambda: counter.preview.paints > 10)
        spin(2500)  # the analyzer process loads the models
        shoot("01-idle")
        show("cards/london_005.jpg")
        wait_until(lambda: counter.state is State.CARD)
        shoot("02-first-visit-card")
        key(Qt.Key.Key_Return)
        shoot("03-consent")
        key(Qt.Key.Key_Space)
        key(Qt.Key.Key_Return)
        show("frames/london_005/enrol_1.jpg")
        wait_until(lambda: len(counter.enrolment.samples) >= 1)
        show("frames/london_030/enrol_turned.jpg")
        wait_until(lambda: "camera" in counter.capture.hint.text())
        shoot("04-capture")
        show("frames/london_005/enrol_2.jpg", "frames/london_005/enrol_3.jpg", "frames/london_005/enrol_1.jpg")
        wait_until(lambda: counter.state is State.SAVED)
        window.banner.clear()
        shoot("05-saved")
        key(Qt.Key.Key_Return)
        show("frames/empty_counter.jpg")
        wait_until(lambda: not window.watcher.holding)
        show("frames/london_005/visit_2.jpg")
        wait_until(lambda: counter.state is State.MATCH)
        shoot("06-recognised")
        key(Qt.Key.Key_Return)
        wait_until(lambda: counter.flow.visits.serving is not None)
        key(Qt.Key.Key_F8)  # the clerk is done: the citizen is asked
        wait_until(lambda: counter.rating.visible)
        shoot("15-rating")
        key(Qt.Key.Key_1)
        wait_until(lambda: not counter.rating.visible)
        show("frames/empty_counter.jpg")
        wait_until(lambda: counter.state is State.IDLE and not window.watcher.holding)
        window.banner.clear()
        show("frames/london_043/visit_4.jpg")
        wait_until(lambda: counter.state is State.KEYPAD)
        counter.keypad.press("2")
        counter.keypad.press("2")
        shoot("07-keypad")
        counter.keypad.press("0")
        counter.keypad.press("0")  # "2200": fits nobody
        wait_until(lambda: counter.keypad.missed)
        shoot("17-keypad-miss")
        key(Qt.Key.Key_Escape)
        key(Qt.Key.Key_Escape)
        show("frames/strangers/london_132_1.jpg")
        wait_until(lambda: counter.state is State.ASK_CARD)
        shoot("08-ask-card")
        show("frames/empty_counter.jpg")  # the stranger left; the next citizen's card comes from a USB scanner
        key(Qt.Key.Key_Escape)
        # a USB scanner's payload whose ID digits disagree with the birth date: warnings shown, not hidden
        counter.on_scanned(
            "096305001234||Võ Thị Ỷ Lan|15061999|Nữ|Ấp Tân Hưng, Xã Tân Hưng Đông, Huyện Cái Nước, Cà Mau|20072021"
        )
        shoot("09-card-with-warnings")
        key(Qt.Key.Key_Escape)
        show("frames/empty_counter.jpg")
        window.open_admin()
        view = window.admin.pin_view
        view.pin.setText("246810")
        view.again.setText("246810")
        shoot("10-admin-first-pin")
        view.submit()
        wait_until(lambda: window.admin.admin is not None)
        window.banner.clear()
        wait_until(lambda: window.admin.tabs_list[0].table.rowCount() > 0)
        shoot("11-admin-citizens")
        window.admin.tabs.setCurrentIndex(5)
        wait_until(lambda: window.admin.tabs_list[5].numbers["visits"].text() != "0")
        shoot("12-admin-statistics")
        window.admin.tabs.setCurrentIndex(4)
        shoot("13-admin-settings")
        window.admin.tabs.setCurrentIndex(3)
        wait_until(lambda: window.admin.tabs_list[3].table.rowCount() > 0)
        shoot("18-admin-audit")
        set_language("en")
        window.admin.tabs.setCurrentIndex(4)
        shoot("19-admin-settings-english")
        set_language("vi")
        window.admin.close_admin()
        set_language("en")
        spin(3000)  # the preview's frame-rate figure covers the last 3 s
        window.banner.clear()
        shoot("14-idle-english")
        set_language("vi")
        window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
