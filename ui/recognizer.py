"""The recognition thread: takes the newest frame, asks the watcher what it shows, reports by signal.

The UI thread only changes the *mode*; each change starts a new *generation*, and results
of an older generation are dropped by the receiver (a frame analysed before the screen
changed must not act on the new screen). The heavy work happens in the analyzer's child
process; this thread mostly waits, so it never holds the GIL for long.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QThread, Signal

from kiosk.counter.watch import FrameWatcher, Mode, WatchResult
from models import KioskError
from ui.frames import FrameSlot


class RecognitionThread(QThread):
    """Runs a :class:`FrameWatcher` over the newest frames of a :class:`FrameSlot`."""

    result = Signal(int, object)  # generation, WatchResult
    failed = Signal(int, object)  # generation, KioskError

    def __init__(self, watcher: FrameWatcher, slot: FrameSlot) -> None:
        super().__init__()
        self.watcher = watcher
        self.slot = slot
        self._lock = threading.Lock()
        self._mode = Mode.PAUSED
        self._generation = 0
        self._seen_generation = 0
        self._stop = threading.Event()
        self.analysed = 0
        self.last_ms = 0.0

    @property
    def mode(self) -> Mode:
        """The current mode."""
        return self._mode

    @property
    def generation(self) -> int:
        """The number of the current mode setting; results carry the one they were made in."""
        return self._generation

    def set_mode(self, mode: Mode) -> int:
        """Switch mode (from the UI thread); returns the new generation."""
        with self._lock:
            self._mode = mode
            self._generation += 1
            return self._generation

    def run(self) -> None:
        seen = 0
        while not self._stop.is_set():
            with self._lock:
                mode, generation = self._mode, self._generation
            if mode is Mode.PAUSED:
                self._stop.wait(0.05)
                continue
            seen, frame = self.slot.wait_newer(seen, 0.2)
            if frame is None:
                continue
            if generation != self._seen_generation:
                self.watcher.reset()
                self._seen_generation = generation
            start = time.perf_counter()
            try:
                result: WatchResult | None = self.watcher.process(frame, mode)
            except KioskError as exc:
                self.failed.emit(generation, exc)
                self._stop.wait(1.0)
                continue
            except Exception as exc:
                self.failed.emit(
                    generation, KioskError(f"recognition failed: {type(exc).__name__}: {exc}", "the kiosk keeps trying")
                )
                self._stop.wait(1.0)
                continue
            self.last_ms = (time.perf_counter() - start) * 1000
            self.analysed += 1
            if result is not None:
                self.result.emit(generation, result)

    def stop(self, wait_ms: int = 3000) -> bool:
        """End the loop (after the frame in progress) and wait for it."""
        self._stop.set()
        return self.wait(wait_ms)
