"""Launching the counter app: ``kiosk`` (or ``kiosk app``), ``kiosk demo`` with a display, ``python -m ui``.

The CLI (``kiosk/``) may not import ``ui`` or Qt, so it reaches this module with
``importlib.import_module("ui.app")`` and calls :func:`run_app` or :func:`run_demo`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kiosk.settings import Settings, default_config_path, load_settings
from models import KioskError


def display_available() -> bool:
    """True when a window can be shown (Windows and macOS always; Linux with X11 or Wayland)."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform.startswith(("offscreen", "minimal")):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def check_window() -> None:
    """Raise a :class:`ui.qt_libs.WindowPluginError` (one line: what to install) when Qt's window
    plugin cannot load here, instead of letting Qt abort the process later."""
    from ui.qt_libs import check_window_plugin

    check_window_plugin()


def _application(settings: Settings) -> object:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import set_language
    from ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("cccd-kiosk")
    apply_style(app)  # type: ignore[arg-type]
    set_language(settings.language)
    return app


def fatal_text(error: BaseException) -> tuple[str, str]:
    """``(title, text)`` of the box shown when the app cannot start (e.g. a damaged database), in the app's language."""
    from ui.errors import describe_error
    from ui.i18n import tr

    headline, detail = describe_error(error)
    return tr("Không mở được kiosk"), f"{headline}\n\n{detail}"


def _fatal(app: object, error: KioskError) -> int:
    from PySide6.QtWidgets import QMessageBox

    print(f"error: {error.one_line()}", file=sys.stderr)
    if display_available():
        from ui.i18n import tr

        title, text = fatal_text(error)
        box = QMessageBox(QMessageBox.Icon.Critical, title, text)
        box.addButton(tr("Đóng"), QMessageBox.ButtonRole.AcceptRole)  # Qt's own "OK" would stay English
        box.exec()
    return 1


def run_app(*, db_path: Path | None = None, config_path: Path | None = None, camera: str | None = None) -> int:
    """Open the counter window on the webcam (or ``camera``: an index, image folder or video). Returns the exit code."""
    from kiosk.camera import camera_from_settings, source_for
    from kiosk.service import Kiosk
    from kiosk.watch import AnalyzerProcess
    from ui.window import MainWindow

    settings = load_settings(config_path)
    app = _application(settings)
    try:
        kiosk = Kiosk.open(settings, db_path)
    except KioskError as exc:
        return _fatal(app, exc)
    analyzer = AnalyzerProcess(settings)
    analyzer.start()
    source = source_for(camera, settings) if camera else camera_from_settings(settings)
    with kiosk:
        window = MainWindow(kiosk=kiosk, source=source, analyzer=analyzer, config_path=config_path or default_config_path(),
                            camera_factory=None if camera else camera_from_settings)
        window.showMaximized()
        code = app.exec()  # type: ignore[attr-defined]
        window.shutdown()
    return int(code)


def run_demo(*, set_dir: Path, config_path: Path | None = None) -> int:
    """Open the counter window fed by the sample set's scripted scenes, on a throw-away database."""
    from kiosk.camera import StillSource, demo_scenes, seed_demo
    from kiosk.service import Kiosk
    from kiosk.watch import AnalyzerProcess
    from ui.demo import DemoBar
    from ui.window import MainWindow

    settings = load_settings(config_path)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        settings = settings.replace(key_file=str(Path(tmp) / "demo.key"), db_path="")
        analyzer = AnalyzerProcess(settings)
        analyzer.start()  # loads the models while the database is prepared
        print("Preparing the demo: enrolling the sample citizens (a few seconds)...", flush=True)
        with Kiosk.open(settings, Path(tmp) / "demo.sqlite", actor="demo") as kiosk:
            seed_demo(kiosk, set_dir)
            kiosk.set_first_admin_pin("123456")
            app = _application(settings)
            print("Demo window open. Administrator PIN: 123456. Next scene: PgDn.", flush=True)
            source = StillSource(name="demo camera")
            window = MainWindow(kiosk=kiosk, source=source, analyzer=analyzer, config_path=Path(tmp) / "demo.toml")
            bar = DemoBar(scenes=demo_scenes(set_dir), source=source, parent=window)
            window.central_column.addWidget(bar)
            window.showMaximized()
            code = app.exec()  # type: ignore[attr-defined]
            window.shutdown()
    return int(code)


def main(argv: list[str] | None = None) -> int:
    """``python -m ui [--db PATH] [--config PATH] [--camera N|DIR|VIDEO]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ui", description="The counter app (same as `kiosk app`).")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--camera", default=None, help="camera index, image folder or video file")
    args = parser.parse_args(argv)
    if not display_available():
        print("error: no display to open the counter window on - run it on the counter PC's desktop (or set DISPLAY)", file=sys.stderr)
        return 1
    try:
        check_window()
        return run_app(db_path=args.db, config_path=args.config, camera=args.camera)
    except KioskError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
