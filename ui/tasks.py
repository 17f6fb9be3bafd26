"""Service calls off the UI thread: database writes, enrolment, PIN checks, admin queries.

``tasks.run(fn, on_done, on_error)`` runs ``fn()`` on a worker thread and calls
``on_done(result)`` or ``on_error(exception)`` back on the UI thread, by a queued signal
(napari's worker style). The store is thread-safe (one connection under a lock).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Job(QRunnable):
    def __init__(self, token: int, fn: Callable[[], Any], relay: Tasks) -> None:
        super().__init__()
        self.token, self.fn, self.relay = token, fn, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:
            self.relay.finished.emit(self.token, None, exc)
        else:
            self.relay.finished.emit(self.token, result, None)


class Tasks(QObject):
    """A small pool (2 threads) with callbacks delivered on the UI thread."""

    finished = Signal(int, object, object)  # token, result, exception
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._tokens = itertools.count(1)
        self._pending: dict[int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]] = {}
        self.finished.connect(self._deliver)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Run ``fn()`` on a worker thread; returns a token."""
        token = next(self._tokens)
        self._pending[token] = (on_done, on_error)
        self.pool.start(_Job(token, fn, self))
        return token

    @property
    def busy(self) -> bool:
        """True while some task has not reported back."""
        return bool(self._pending)

    @Slot(int, object, object)
    def _deliver(self, token: int, result: object, error: BaseException | None) -> None:
        on_done, on_error = self._pending.pop(token, (None, None))
        try:
            if error is not None:
                if on_error is None:
                    raise error
                on_error(error)
            elif on_done is not None:
                on_done(result)
        finally:
            if not self._pending:
                self.idle.emit()

    def wait(self, ms: int = 5000) -> bool:
        """Block until the workers are done (shutdown and tests only)."""
        return self.pool.waitForDone(ms)
