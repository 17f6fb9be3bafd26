"""Does a Qt binding the counter calls per frame leak references to ``None``?

Python 3.11 still counts references to ``None``: a C extension that decrefs ``None`` once
too often lowers ``sys.getrefcount(None)`` by one per call, and when the count reaches zero
the process aborts with "none_dealloc" far from the faulty call. PySide6 6.12.0 did that
for every ``QPainter`` method that returns nothing; the counter window died after ~100 s.

:func:`none_drift` calls one binding thousands of times and reports the change of the
count; :func:`probes` builds the real widgets and per-frame calls to check.
``python -m ui.refcount [--calls N]`` prints the drift of every probe (offscreen).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SINGLETONS: tuple[object, ...] = (None, True, False)
"""Objects Python 3.11 reference-counts that every binding hands around (3.12+ makes them immortal)."""


def _repay(obj: object, count: int) -> None:
    """Add ``count`` references to ``obj`` that are never released, one per reference a probe lost,
    so a leaking binding found here cannot go on to abort the process ("none_dealloc",
    "bool_dealloc"), not even while the interpreter shuts down."""
    import ctypes

    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]
    incref.restype = None
    for _ in range(count):
        incref(obj)


@dataclass(frozen=True)
class Drift:
    """How the reference counts of ``None``, ``True`` and ``False`` moved over ``calls`` calls of one probe.

    ``changes`` holds, per singleton (in :data:`SINGLETONS` order), ``sys.getrefcount`` after
    minus before; ``change`` is the one farthest from zero.
    """

    name: str
    calls: int
    changes: tuple[int, ...]

    @property
    def change(self) -> int:
        """The largest move (by size) of any singleton's count, with its sign."""
        return max(self.changes, key=abs)

    @property
    def which(self) -> str:
        """The singleton whose count moved most (``"None"``, ``"True"`` or ``"False"``)."""
        return repr(SINGLETONS[self.changes.index(self.change)])

    @property
    def per_call(self) -> float:
        """References gained (positive) or lost (negative) per call, for :attr:`which`."""
        return self.change / self.calls if self.calls else 0.0


def _counts() -> tuple[int, ...]:
    return tuple(sys.getrefcount(obj) for obj in SINGLETONS)


def none_drift(
    fn: Callable[[], object],
    calls: int = 2000,
    *,
    name: str = "",
    warm_up: int = 20,
    batch: int = 50,
    give_up: int = 400,
) -> Drift:
    """Call ``fn()`` ``calls`` times (after ``warm_up`` calls that fill caches) and measure the drift
    of the reference counts of ``None``, ``True`` and ``False``.

    Stops early once a count has fallen by more than ``give_up``, and repays what was lost
    (see :func:`_repay`), so a leaking binding fails a test instead of aborting it. The
    cyclic garbage collector is paused while counting (it would free unrelated objects).
    """
    import gc

    start = _counts()
    for _ in range(warm_up):
        fn()
    gc.collect()  # garbage of earlier work is freed now, not halfway through the count (it holds None too)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = _counts()
        done, changes = 0, (0,) * len(SINGLETONS)
        while done < calls:
            step = min(batch, calls - done)
            for _ in range(step):
                fn()
            done += step
            changes = tuple(after - start for after, start in zip(_counts(), before))
            if min(changes) < -give_up:
                break
    finally:
        if was_enabled:
            gc.enable()
    for obj, first, last in zip(SINGLETONS, start, _counts()):
        if last < first:  # the warm-up's losses too
            _repay(obj, first - last)
    return Drift(name, done, changes)


def _record() -> Any:
    from kiosk.cccd.record import parse_cccd

    payload = (
        "096305001234|123456789|Võ Thị Ỷ Lan|15061999|Nữ|Ấp Tân Hưng, Xã Tân Hưng Đông, Huyện Cái Nước, Cà Mau|20072021"
    )
    return parse_cccd(payload)


def probes(frame: Any) -> dict[str, Callable[[], object]]:
    """Real widgets and the bindings the counter calls per frame, each as one call to repeat.

    ``frame`` is a BGR camera frame (numpy, H x W x 3). Needs a QApplication.
    """
    from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QRect, QRectF, Qt, QTimer, Signal
    from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPen, QPixmap
    from PySide6.QtWidgets import QLabel, QStackedWidget

    from kiosk.counter.enrolment import EnrolResult
    from kiosk.counter.identify import FaceCheck, KeypadAsk
    from models import Decision, FaceBox
    from ui.consent import CapturePanel, ConsentPanel
    from ui.frames import FrameSlot
    from ui.i18n import tr
    from ui.keypad import KeypadPanel
    from ui.panels import AskCardPanel, FormPanel, IdlePanel, SavedPanel
    from ui.preview import PreviewWidget
    from ui.tasks import Tasks
    from ui.widgets import Banner

    card = _record()
    record = card.record
    slot = FrameSlot()
    slot.put(frame)
    preview = PreviewWidget(slot=slot, interval_ms=1000)
    preview.resize(640, 480)
    preview._tick()
    preview.set_boxes((FaceBox(100, 300, 320, 120), FaceBox(50, 500, 120, 430)), frame.shape[:2])
    preview.set_status("Đã nhận ra công dân")
    form, keypad, consent, capture = FormPanel(), KeypadPanel(), ConsentPanel(), CapturePanel()
    form.show_card(card, known=False, face_failed=False)
    keypad.start(KeypadAsk("id", 6), 3)
    keypad.press("2")
    consent.start(record, 730)
    capture.start(record.full_name, 3, adding=False)
    saved, ask, idle, banner = SavedPanel(), AskCardPanel(), IdlePanel(), Banner()
    saved.show_enrolled(EnrolResult(1, record, 3))
    ask.start("unknown")
    banner.show_message("error", "Lỗi cơ sở dữ liệu", "the database is locked")
    stack = QStackedWidget()
    for panel in (idle, form, keypad, consent, capture, saved, ask):
        panel.resize(560, 640)
        stack.addWidget(panel)
    match = FaceCheck(Decision.MATCH, 0, 0.21, 0.4, FaceBox(100, 300, 320, 120), record)
    label = QLabel()
    image = QImage(frame.data, frame.shape[1], frame.shape[0], frame.strides[0], QImage.Format.Format_BGR888).copy()

    class Emitter(QObject):
        result = Signal(int, object)

    emitter, received = Emitter(), []
    emitter.result.connect(lambda generation, obj: received.append(generation))
    queued = Emitter()
    queued.result.connect(lambda generation, obj: received.append(generation), Qt.ConnectionType.QueuedConnection)
    tasks = Tasks()
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: received.append(0))
    keep = [preview, stack, banner, label, emitter, queued, tasks, timer]  # alive as long as the probes

    def spin() -> None:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        received.clear()

    def key() -> None:
        QCoreApplication.sendEvent(
            keypad, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
        )

    def task() -> None:
        tasks.run(lambda: 1, lambda result: received.append(result))
        deadline = time.monotonic() + 5.0
        while tasks.busy and time.monotonic() < deadline:  # until delivered: a pending task holds None itself
            tasks.wait(10)
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        spin()

    canvas = QImage(640, 480, QImage.Format.Format_RGB32)

    def painter_calls() -> None:  # the calls 6.12.0 broke, on an image as the preview makes them
        painter = QPainter(canvas)
        painter.fillRect(QRect(0, 0, 640, 480), QColor("#1d1f22"))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(QRectF(0, 0, 320, 240), image)
        painter.setPen(QPen(QColor("#f5c400"), 4))
        painter.drawRect(QRectF(10, 10, 100, 120))
        painter.setFont(QFont("DejaVu Sans", 16))
        painter.drawText(QRect(0, 400, 640, 80), Qt.AlignmentFlag.AlignLeft, "Mời nhìn vào camera")
        painter.end()

    def timer_tick() -> None:
        timer.start()
        spin()
        timer.stop()

    def new_frame() -> None:
        slot.put(frame)
        preview._tick()

    def placeholder() -> None:
        preview.set_placeholder("Không có hình từ camera.")
        preview.repaint()
        preview.set_placeholder("")

    def press_backspace() -> None:
        keypad.press("1")
        keypad.backspace()

    def capture_hint() -> None:
        capture.set_hint(lambda: "lại gần hơn", "#b26a00")
        capture.repaint()

    def paint_three() -> None:
        saved.repaint()
        ask.repaint()
        idle.repaint()

    def banner_show() -> None:
        banner.show_message("warning", "x", "y", seconds=4)
        banner.repaint()

    def switch_pages() -> None:
        stack.setCurrentWidget(form)
        stack.setCurrentWidget(keypad)

    def emit_queued() -> None:
        queued.result.emit(7, match)
        spin()

    found: dict[str, Callable[[], object]] = {
        "QPainter fillRect/drawImage/setPen/drawText": painter_calls,
        "preview paint (frame, boxes, status)": preview.repaint,
        "preview new frame (QImage from numpy)": new_frame,
        "preview placeholder paint": placeholder,
        "form panel paint (card)": form.repaint,
        "form panel fill (match)": lambda: form.show_match(match, 0.4),
        "keypad paint": keypad.repaint,
        "keypad press / backspace": press_backspace,
        "consent paint": consent.repaint,
        "capture paint + hint": capture_hint,
        "saved / ask-card / idle paint": paint_three,
        "banner show + paint": banner_show,
        "stacked setCurrentWidget": switch_pages,
        "language change event": lambda: QCoreApplication.sendEvent(form, QEvent(QEvent.Type.LanguageChange)),
        "key event to a panel": key,
        "widget grab (QPixmap)": lambda: form.grab(),
        "QImage from numpy": lambda: QImage(
            frame.data, frame.shape[1], frame.shape[0], frame.strides[0], QImage.Format.Format_BGR888
        ),
        "QPixmap.fromImage": lambda: QPixmap.fromImage(image),
        "QLabel.setText": lambda: label.setText("Hình: 30 khung/giây"),
        "tr() (QCoreApplication.translate)": lambda: tr("Mời nhìn vào camera"),
        "signal emit (int, object)": lambda: emitter.result.emit(7, match),
        "signal emit queued + delivered": emit_queued,
        "QTimer timeout to a Python slot": timer_tick,
        "task on the pool + callback": task,
    }
    found["_keep"] = lambda: keep
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the drift of every probe; exit 1 if any moved by more than ``--limit``."""
    import argparse
    import os

    parser = argparse.ArgumentParser(prog="python -m ui.refcount", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per probe (default 2000)")
    parser.add_argument("--limit", type=int, default=50, help="largest tolerated change of the count per probe")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import PySide6
    from PySide6.QtWidgets import QApplication

    from ui.testing import frame

    app = QApplication.instance() or QApplication(sys.argv[:1])
    found = probes(frame("frames/london_005/visit_2.jpg"))
    print(
        f"PySide6 {PySide6.__version__}, Python {sys.version.split()[0]}; sys.getrefcount of None, True, False: "
        f"{', '.join(map(str, _counts()))}"
    )
    bad = 0
    for name, fn in found.items():
        if name.startswith("_"):
            continue
        drift = none_drift(fn, args.calls, name=name)
        flag = "LEAK" if abs(drift.change) >= args.limit else "ok"
        bad += flag != "ok"
        print(
            f"{flag:<4} {name:<40} {drift.which:<5} {drift.change:+6d} over {drift.calls:>5} calls ({drift.per_call:+.3f} per call)"
        )
    del app
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
