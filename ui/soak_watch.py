"""The soak's instruments: what counts as a crash, the UI thread's longest stall, the process's memory.

- :class:`CrashCounter`: exceptions that reach ``sys.excepthook`` (PySide6 hands it every
  exception raised in a slot, a timer callback or a virtual such as ``paintEvent``) or
  ``threading.excepthook``, Qt's critical and fatal messages, and failures of the
  recognition process (its ``failed`` signal: the child died or raised).
- :class:`StallMeter`: a 5 ms timer on the UI thread; the largest gap between two ticks is
  the longest time the window could not react (milliseconds).
- :func:`rss_mb`: the resident memory of this process (MB, 10^6 bytes).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler


def rss_mb() -> float | None:
    """Resident set size of this process in MB (10^6 bytes); None where it cannot be read."""
    try:
        if sys.platform.startswith("linux"):
            import os

            with open("/proc/self/statm", encoding="ascii") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
        if sys.platform == "win32":
            import ctypes
            from ctypes import wintypes

            class Counters(ctypes.Structure):
                _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD)] + [
                    (name, ctypes.c_size_t)
                    for name in (
                        "PeakWorkingSetSize",
                        "WorkingSetSize",
                        "QuotaPeakPagedPoolUsage",
                        "QuotaPagedPoolUsage",
                        "QuotaPeakNonPagedPoolUsage",
                        "QuotaNonPagedPoolUsage",
                        "PagefileUsage",
                        "PeakPagefileUsage",
                    )
                ]

            counters = Counters()
            counters.cb = ctypes.sizeof(counters)
            process = ctypes.windll.kernel32.GetCurrentProcess()
            if ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
                return counters.WorkingSetSize / 1e6
            return None
        import resource  # macOS: the peak, in bytes

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    except (OSError, ValueError, AttributeError):
        return None


class CrashCounter:
    """Counts crashes while installed (``with CrashCounter() as crashes:``); keeps the first few descriptions."""

    KEEP = 20

    def __init__(self) -> None:
        self.count = 0
        self.qt_warnings = 0
        self.errors: list[str] = []
        self._previous: dict[str, Any] = {}
        self._lock = threading.Lock()

    def record(self, what: str) -> None:
        """One crash (thread-safe)."""
        with self._lock:
            self.count += 1
            if len(self.errors) < self.KEEP:
                self.errors.append(what)

    def _excepthook(self, kind: type[BaseException], error: BaseException, tb: Any) -> None:
        self.record(f"exception in the UI: {kind.__name__}: {error}")
        self._previous["sys"](kind, error, tb)

    def _threadhook(self, args: threading.ExceptHookArgs) -> None:
        self.record(
            f"exception in thread {args.thread.name if args.thread else '?'}: {args.exc_type.__name__}: {args.exc_value}"
        )
        self._previous["threading"](args)

    def _qt_message(self, kind: QtMsgType, _context: object, message: str) -> None:
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.record(f"Qt {kind.name}: {message}")
        elif kind == QtMsgType.QtWarningMsg:
            self.qt_warnings += 1
        previous = self._previous.get("qt")
        if previous is not None:
            previous(kind, _context, message)

    def watch_signal(self, signal: Any, describe: Callable[..., str]) -> None:
        """Count every emission of ``signal`` as a crash (e.g. the recognition thread's ``failed``)."""
        signal.connect(lambda *args: self.record(describe(*args)))

    def __enter__(self) -> CrashCounter:
        self._previous = {"sys": sys.excepthook, "threading": threading.excepthook}
        sys.excepthook = self._excepthook
        threading.excepthook = self._threadhook
        self._previous["qt"] = qInstallMessageHandler(self._qt_message)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.excepthook = self._previous["sys"]
        threading.excepthook = self._previous["threading"]
        qInstallMessageHandler(self._previous.get("qt"))


class StallMeter:
    """The longest gap between ticks of a 5 ms timer on the UI thread (milliseconds), from :meth:`start`."""

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import Qt

        self.max_ms = 0.0
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_ms = max(self.max_ms, (now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        """Start measuring (again)."""
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Stop measuring."""
        self._timer.stop()
