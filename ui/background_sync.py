"""Background sync with the province registry, every ``settings.sync_interval_s`` seconds.

Runs :func:`kiosk.province.sync.sync` on the task pool (never on the UI thread) and reports one
short status line; a registry that is down is not an error at the counter, which keeps
working offline, so it only shows in the status bar until the next attempt succeeds.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.counter.service import Kiosk
from ui.i18n import tr
from ui.tasks import Tasks


class BackgroundSync(QObject):
    """Periodic ``kiosk sync``; ``status`` carries the line to show, ``purged`` how many citizens a remote purge removed."""

    status = Signal(str)
    synced = Signal()
    """A sync finished without error (the window tells the local API's desk)."""
    purged = Signal(int)

    def __init__(self, *, kiosk: Kiosk, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kiosk, self.tasks = kiosk, tasks
        self._busy = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.sync_now)

    @property
    def enabled(self) -> bool:
        """True when a registry is configured and the interval is not 0."""
        s = self.kiosk.settings
        return bool(s.registry_url) and s.sync_interval_s > 0

    def start(self) -> None:
        """Sync now, then every interval (does nothing without a registry)."""
        if self.enabled:
            self.sync_now()
            self._timer.start(self.kiosk.settings.sync_interval_s * 1000)

    def stop(self) -> None:
        """Stop the timer (a sync already running finishes on its own)."""
        self._timer.stop()

    def sync_now(self) -> None:
        """Start one sync unless one is still running."""
        if self._busy or not self.kiosk.settings.registry_url:
            return
        self._busy = True
        url = self.kiosk.settings.registry_url
        self.tasks.run(lambda: self.kiosk.sync(url), self._done, self._failed)

    def _done(self, report: object) -> None:
        self._busy = False
        pulled = sum(getattr(report, "pulled", {}).values())
        pushed = sum(getattr(report, "pushed", {}).values())
        self.status.emit(tr("Đồng bộ: nhận {pulled}, gửi {pushed}").format(pulled=pulled, pushed=pushed))
        self.synced.emit()
        gone = int(getattr(report, "purged_here", 0))
        if gone:
            self.purged.emit(gone)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        self.status.emit(tr("Đồng bộ: chưa kết nối được, sẽ thử lại"))
