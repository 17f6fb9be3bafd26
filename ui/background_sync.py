"""Background sync with the province registry, every ``settings.sync_interval_s`` seconds.

Runs :func:`kiosk.province.sync.sync` on the task pool (never on the UI thread) and reports one
short status line; a registry that is down is not an error at the counter, which keeps
working offline, so it only shows in the status bar until the next attempt succeeds.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.counter.service import Kiosk
from models import KioskError
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
        return self.kiosk.settings.sync_interval_s > 0 and bool(self._target())

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
        url = self._target()
        if self._busy or not url:
            return
        self._busy = True
        self.tasks.run(lambda: self.kiosk.sync(url), self._done, self._failed)

    def _target(self) -> str:
        """The registry to sync with ("" = none, or its credentials cannot be read now)."""
        try:
            return self.kiosk.registry()
        except KioskError:
            return ""

    def _done(self, report: object) -> None:
        self._busy = False
        pulled = sum(getattr(report, "pulled", {}).values())
        pushed = sum(getattr(report, "pushed", {}).values())
        held = int(getattr(report, "purges_held", 0))
        if held:
            self.status.emit(
                tr("Đồng bộ: tỉnh giữ lại {held} lệnh xoá (quá giới hạn mỗi giờ), sẽ gửi lại").format(held=held)
            )
        else:
            self.status.emit(tr("Đồng bộ: nhận {pulled}, gửi {pushed}").format(pulled=pulled, pushed=pushed))
        self.synced.emit()
        gone = int(getattr(report, "purged_here", 0))
        if gone:
            self.purged.emit(gone)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        if getattr(error, "reason", "") == "registry_revoked":
            self.status.emit(tr("Đồng bộ: tỉnh đã thu hồi quyền của quầy này; báo quản trị viên"))
        else:
            self.status.emit(tr("Đồng bộ: chưa kết nối được, sẽ thử lại"))
