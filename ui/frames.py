"""Camera capture off the UI thread, through a one-frame slot that always holds the newest frame.

The capture thread overwrites the slot at the camera's rate; the preview (a timer on the
UI thread) and the recognition thread each take the newest frame when they are ready, so
a slow reader never makes a queue grow: stale frames are dropped, not queued.
"""

from __future__ import annotations

import threading
import time

import numpy as np
from PySide6.QtCore import QThread, Signal

from kiosk.counter.camera import CameraError, FrameSource


class FrameSlot:
    """A bounded queue of one frame: :meth:`put` replaces, readers get the newest and its number."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._seq = 0
        self._at = 0.0

    def put(self, frame: np.ndarray) -> None:
        """Replace the frame (the previous one is dropped if nobody took it)."""
        with self._cond:
            self._frame, self._seq, self._at = frame, self._seq + 1, time.monotonic()
            self._cond.notify_all()

    def latest(self) -> tuple[int, np.ndarray | None]:
        """``(number, frame)`` of the newest frame, without waiting (``(0, None)`` before the first)."""
        with self._cond:
            return self._seq, self._frame

    def wait_newer(self, seen: int, timeout: float) -> tuple[int, np.ndarray | None]:
        """Wait up to ``timeout`` s for a frame newer than number ``seen``; ``(seen, None)`` on time-out."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > seen, timeout):
                return seen, None
            return self._seq, self._frame

    def age(self) -> float:
        """Seconds since the last frame arrived (infinity before the first)."""
        with self._cond:
            return time.monotonic() - self._at if self._seq else float("inf")

    def clear(self) -> None:
        """Forget the frame (the camera went away)."""
        with self._cond:
            self._frame, self._at = None, 0.0


class CaptureThread(QThread):
    """Reads a :class:`FrameSource` into a :class:`FrameSlot` until stopped or the camera fails."""

    opened = Signal(str)
    failed = Signal(object)  # the CameraError

    def __init__(self, source: FrameSource, slot: FrameSlot) -> None:
        super().__init__()
        self.source = source
        self.slot = slot
        self._stop = threading.Event()
        self.frames = 0

    def run(self) -> None:
        try:
            self.source.open()
            self.opened.emit(self.source.name)
            while not self._stop.is_set():
                frame = self.source.read()
                if self._stop.is_set():
                    break
                self.slot.put(frame)
                self.frames += 1
        except CameraError as exc:
            if not self._stop.is_set():
                self.failed.emit(exc)
        except Exception as exc:
            if not self._stop.is_set():
                self.failed.emit(CameraError(f"{self.source.name} failed: {exc}", "press Retry"))
        finally:
            try:
                self.source.close()
            except Exception:
                pass

    def stop(self, wait_ms: int = 100) -> bool:
        """Ask the loop to end and wait for it (briefly: this runs on the UI thread); False if a read is still in progress."""
        self._stop.set()
        return self.wait(wait_ms)
