"""Helpers to drive the real window without a webcam: the tests, the screenshots and the measurements.

The fake camera is :class:`kiosk.counter.camera.StillSource` showing frames of the bundled sample
set; recognition is the real analyzer process (one per test session, shared).
"""

from __future__ import annotations

import atexit
import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

from kiosk.counter.camera import FrameSource, load_frame
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Analyzer, AnalyzerProcess, FrameScan
from kiosk.settings import Settings

SAMPLE_SET = Path(__file__).resolve().parents[1] / "sample_images" / "counter_day"


@functools.cache
def frame(relative: str) -> np.ndarray:
    """A frame of the bundled sample set, e.g. ``"frames/london_005/visit_2.jpg"`` (cached)."""
    return load_frame(SAMPLE_SET / relative)


class KeepOpen:
    """An analyzer shared by several windows: their shutdown does not stop it."""

    def __init__(self, inner: Analyzer) -> None:
        self.inner = inner

    def scan(
        self, frame: np.ndarray, *, qr: bool, face: bool, thorough: bool = False, also: Sequence[str] = ()
    ) -> FrameScan:
        """Delegates to the shared analyzer."""
        return self.inner.scan(frame, qr=qr, face=face, thorough=thorough, also=also)

    def close(self) -> None:
        """Left running for the next window."""


@functools.cache
def shared_analyzer() -> KeepOpen:
    """One analyzer process for the whole session (started on first use, stopped at exit)."""
    process = AnalyzerProcess(Settings())
    process.start()
    atexit.register(process.close)
    return KeepOpen(process)


def open_window(
    *,
    kiosk: Kiosk,
    source: FrameSource,
    analyzer: Analyzer,
    config_path: Path,
    ask: Callable[[str, str], bool] | None = None,
    **kwargs: Any,
) -> Any:
    """The real main window over ``kiosk``, shown (offscreen in tests)."""
    from ui.window import MainWindow

    window = MainWindow(
        kiosk=kiosk,
        source=source,
        analyzer=analyzer,
        config_path=config_path,
        ask=ask or (lambda _title, _text: True),
        **kwargs,
    )
    window.resize(1280, 740)
    window.show()
    return window


def spin(ms: int) -> None:
    """Run the event loop for ``ms`` milliseconds (scripts only; tests use qtbot)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate: Callable[[], bool], timeout_s: float = 20.0) -> float:
    """Run the event loop (a real one, as ``app.exec()`` does) until ``predicate()`` holds; returns the seconds it took.

    Raises:
        TimeoutError: it did not hold within ``timeout_s``.
    """
    start = time.perf_counter()
    if predicate():
        return 0.0
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if predicate() or time.perf_counter() - start > timeout_s else None)
    poll.start(10)
    loop.exec()
    poll.stop()
    if not predicate():
        raise TimeoutError(f"condition not met within {timeout_s} s")
    return time.perf_counter() - start


def press(widget: Any, key: Any, modifiers: Any = None, text: str = "") -> None:
    """Deliver one key press to ``widget`` as the keyboard would (the counter's keys, the admin's Esc)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent

    event = QKeyEvent(QEvent.Type.KeyPress, key, modifiers or Qt.KeyboardModifier.NoModifier, text)
    QCoreApplication.sendEvent(widget, event)
