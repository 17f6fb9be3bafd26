"""Launching the counter app: ``kiosk`` (or ``kiosk app``), ``kiosk demo`` with a display, ``python -m ui``.

The CLI (``kiosk/cli/``, the only room above ``ui``) imports this module late, when a window
is wanted, and calls :func:`run_app` or :func:`run_demo`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.settings import Settings, default_config_path, load_settings
from models import KioskError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

DEMO_PIN = "123456"
"""The demo's administrator PIN (a throw-away database)."""


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


def _application(settings: Settings) -> QApplication:
    """The process's QApplication (made on first use), named, styled and in the settings' language.

    Raises:
        RuntimeError: another kind of Qt application (no widgets) already runs in this process.
    """
    from PySide6.QtWidgets import QApplication

    from ui.i18n import set_language
    from ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if not isinstance(app, QApplication):
        raise RuntimeError(
            f"a {type(app).__name__} already runs in this process: the kiosk's windows need a QApplication"
        )
    app.setApplicationName("cccd-kiosk")
    apply_style(app)
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
    """Open the counter window on the webcam (or ``camera``: an index, image folder or video). Returns the exit code.

    One app per user and database (:mod:`ui.single`): a second start brings the first window
    forward and returns 0.
    """
    from kiosk.settings import default_db_path
    from ui.single import SingleInstance, instance_key

    settings = load_settings(config_path)
    app = _application(settings)
    single = SingleInstance(instance_key(Path(db_path or settings.db_path or default_db_path())))
    if not single.claim():
        print("The counter app is already open on this database: its window was brought forward.", flush=True)
        return 0
    try:
        return _open_window(app, settings, single, db_path=db_path, config_path=config_path, camera=camera)
    finally:
        single.release()


def _open_window(
    app: Any, settings: Settings, single: Any, *, db_path: Path | None, config_path: Path | None, camera: str | None
) -> int:
    """:func:`run_app` once this start holds the app's place (``single``)."""
    from kiosk.counter.camera import camera_from_settings, source_for
    from kiosk.counter.service import Kiosk
    from kiosk.counter.watch import AnalyzerProcess
    from ui.window import MainWindow

    try:
        kiosk = Kiosk.open(settings, db_path)
    except KioskError as exc:
        return _fatal(app, exc)
    try:
        kiosk.check_models()  # a damaged install says so in one line, before any window
        source = source_for(camera, settings) if camera else camera_from_settings(settings)
    except KioskError as exc:
        kiosk.close()
        return _fatal(app, exc)
    analyzer = AnalyzerProcess(settings)
    analyzer.start()
    with kiosk:
        window = MainWindow(
            kiosk=kiosk,
            source=source,
            analyzer=analyzer,
            config_path=config_path or default_config_path(),
            camera_factory=None if camera else camera_from_settings,
        )
        window.closed.connect(app.quit)
        single.raised.connect(window.come_forward)
        api = _start_api(kiosk, window.counter.flow.desk)
        window.showMaximized()
        if kiosk.key_created is not None:
            window.announce_new_key(kiosk.key_created)
        with quit_on_signals(app):
            code = _exec(app)
        window.shutdown()
        if api is not None:
            api.stop()
    return int(code)


def _start_api(kiosk: Any, desk: Any) -> Any:
    """The local API (docs/API.md) on its own thread, when ``api_port`` is set; a failure to
    start is one line on stderr and the window works on without it."""
    from kiosk.api.server import ApiServer

    if kiosk.settings.api_port == 0:
        return None
    server = ApiServer(kiosk, desk)
    try:
        server.start()
    except KioskError as exc:
        print(f"error: the local API is off: {exc.one_line()}", file=sys.stderr)
        return None
    if server.warning:
        print(server.warning, file=sys.stderr)
    return server


@dataclass
class DemoSession:
    """The demo's window and what feeds it (see :func:`demo_window`)."""

    app: Any
    kiosk: Any
    window: Any
    bar: Any
    source: Any
    analyzer: Any


@contextmanager
def demo_window(
    *, set_dir: Path, config_path: Path | None = None, say: Callable[[str], None] = print
) -> Iterator[DemoSession]:
    """The counter window as ``kiosk demo`` builds it: a throw-away database (and key) in a
    ``kiosk-demo-*`` folder, the sample set's citizens enrolled, the scripted camera and the
    demo bar. The window is built, not shown. On leaving, the window's threads and the
    recognition process stop and the folder is removed (stale folders of killed demos are
    removed on the way in)."""
    from kiosk.counter.camera import StillSource, demo_scenes, seed_demo
    from kiosk.counter.scratch import scratch_dir
    from kiosk.counter.service import Kiosk
    from kiosk.counter.watch import AnalyzerProcess
    from ui.demo import DemoBar
    from ui.window import MainWindow

    settings = load_settings(config_path)
    with scratch_dir("kiosk-demo-") as tmp:
        settings = settings.replace(key_file=str(tmp / "demo.key"), db_path="")
        analyzer = AnalyzerProcess(settings)
        analyzer.start()  # loads the models while the database is prepared
        try:
            say("Preparing the demo: enrolling the sample citizens (a few seconds)...")
            with Kiosk.open(settings, tmp / "demo.sqlite", actor="demo") as kiosk:
                kiosk.check_models()
                seed_demo(kiosk, set_dir)
                kiosk.set_first_admin_pin(DEMO_PIN)
                app = _application(settings)
                source = StillSource(name="demo camera")
                window = MainWindow(kiosk=kiosk, source=source, analyzer=analyzer, config_path=tmp / "demo.toml")
                try:
                    bar = DemoBar(
                        scenes=demo_scenes(set_dir), source=source, parent=window, new_person=window.next_person
                    )
                    window.central_column.addWidget(bar)
                    yield DemoSession(app, kiosk, window, bar, source, analyzer)
                finally:
                    window.shutdown()
                    _delete_now(window)
        finally:
            analyzer.close()


def _exec(app: Any) -> int:
    """Run the event loop until the window closes (or a signal quits it); returns its exit code.

    A quit posted when the last window closed is dropped afterwards: left pending, it would
    end the next event loop of this process at once (a test's, say).
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    code = int(app.exec())
    QCoreApplication.removePostedEvents(app, QEvent.Type.Quit)
    return code


def _delete_now(widget: Any) -> None:
    """Destroy a closed window now (not at the next event loop): it stops being the active window."""
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@contextmanager
def quit_on_signals(app: Any) -> Iterator[None]:
    """While the block runs, SIGINT (Ctrl+C), SIGTERM and SIGHUP quit the event loop, so the
    normal clean-up runs (the previous handlers come back afterwards).

    Python runs signal handlers only between bytecodes: a timer wakes it while Qt waits, and
    quits the loop on its next tick too (a signal that came before the loop ran is not lost).
    """
    import signal

    from PySide6.QtCore import QTimer

    asked: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        asked.append(signum)
        app.quit()

    names = [name for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {name: signal.signal(getattr(signal, name), handler) for name in names}
    waker = QTimer()
    waker.timeout.connect(lambda: app.quit() if asked else None)
    waker.start(200)
    try:
        yield
    finally:
        waker.stop()
        for name, earlier in previous.items():
            signal.signal(getattr(signal, name), earlier)


def run_demo(*, set_dir: Path, config_path: Path | None = None) -> int:
    """Open the counter window fed by the sample set's scripted scenes, on a throw-away database.

    Ends when its window is closed (or Ctrl+Q / F10, or a SIGINT/SIGTERM), with the
    recognition process; its temporary folder is removed. A demo that cannot start (a damaged
    face model file, say) says why in one line and in a box, and returns 1.
    """
    try:
        with (
            demo_window(set_dir=set_dir, config_path=config_path, say=lambda text: print(text, flush=True)) as demo,
            quit_on_signals(demo.app),
        ):
            print(
                f"Demo window open. Administrator PIN: {DEMO_PIN}. Next scene: PgDn. Quit: Ctrl+Q or F10.", flush=True
            )
            demo.window.closed.connect(demo.app.quit)  # a dialog left open (the receipt) must not keep it alive
            demo.window.showMaximized()
            code = _exec(demo.app)
    except KioskError as exc:
        return _fatal(_application(load_settings(config_path)), exc)
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
        print(
            "error: no display to open the counter window on - run it on the counter PC's desktop (or set DISPLAY)",
            file=sys.stderr,
        )
        return 1
    try:
        check_window()
        return run_app(db_path=args.db, config_path=args.config, camera=args.camera)
    except KioskError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 1
