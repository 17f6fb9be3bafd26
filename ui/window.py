"""The main window: top bar, banner, the counter screen or the administration area, status bar.

It owns the threads: camera capture (:class:`CaptureThread`), recognition
(:class:`RecognitionThread`, whose heavy work runs in the analyzer's child process) and
the task pool. A camera that is missing, busy or unplugged shows a banner with Retry and
is retried every few seconds; the window never freezes or closes because of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.counter.camera import CameraError, FrameSource
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Analyzer, FrameWatcher
from kiosk.settings import Settings
from ui.admin import AdminPage, apply_settings_note
from ui.background_sync import BackgroundSync
from ui.counter import CounterPage, State
from ui.errors import describe_error
from ui.frames import CaptureThread, FrameSlot
from ui.i18n import language, set_language, tr
from ui.recognizer import RecognitionThread
from ui.scanner import SerialScanner, WedgeScanner
from ui.tasks import Tasks
from ui.widgets import Banner, button

CAMERA_RETRY_MS = 5000
CAMERA_STALL_S = 3.0
RETENTION_EVERY_MS = 24 * 3600 * 1000


def ask_yes_no(parent: QWidget) -> Callable[[str, str], bool]:
    """A confirmation box with Có / Không in the app's language (Không is the default: Qt has no Vietnamese of its own)."""

    def ask(title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
        yes = box.addButton(tr("Có"), QMessageBox.ButtonRole.YesRole)
        box.setDefaultButton(box.addButton(tr("Không"), QMessageBox.ButtonRole.NoRole))
        box.exec()
        return box.clickedButton() is yes

    return ask


class MainWindow(QMainWindow):
    """The counter app's window. Services come in as keyword arguments."""

    camera_failed = Signal(object)
    camera_opened = Signal(str)
    closed = Signal()  # the window was closed (its threads are stopped)
    visit_done_by_api = Signal(int)  # emitted on the local API's thread; handled on the UI thread

    def __init__(
        self,
        *,
        kiosk: Kiosk,
        source: FrameSource,
        analyzer: Analyzer,
        config_path: Path,
        camera_factory: Callable[[Settings], FrameSource] | None = None,
        ask: Callable[[str, str], bool] | None = None,
        capture_interval_s: float = 0.4,
        run_retention: bool = True,
    ) -> None:
        super().__init__()
        self.kiosk, self.source, self.analyzer, self.camera_factory = kiosk, source, analyzer, camera_factory
        self.applied = kiosk.settings
        self._forwarding = False
        self.key_notice: QMessageBox | None = None  # the "back up the new data key" box (first start only)
        self.slot = FrameSlot()
        self.tasks = Tasks(self)
        self.banner = Banner()
        self.watcher = FrameWatcher(kiosk, analyzer)
        self.recognizer = RecognitionThread(self.watcher, self.slot)
        self.capture: CaptureThread | None = None
        self._stuck: list[CaptureThread] = []
        self.counter = CounterPage(
            kiosk=kiosk,
            slot=self.slot,
            recognizer=self.recognizer,
            tasks=self.tasks,
            banner=self.banner,
            capture_interval_s=capture_interval_s,
        )
        self.admin = AdminPage(
            kiosk=kiosk, tasks=self.tasks, banner=self.banner, config_path=config_path, ask=ask or ask_yes_no(self)
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.counter)
        self.pages.addWidget(self.admin)
        self.title = QLabel()
        self.language_button = button("", "", self.toggle_language)
        self.admin_button = button("", "", self.open_admin)
        bar = QFrame()
        bar.setObjectName("topbar")
        top = QHBoxLayout(bar)
        top.setContentsMargins(16, 8, 16, 8)
        top.addWidget(self.title, 1)
        top.addWidget(self.language_button)
        top.addWidget(self.admin_button)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(bar)
        column.addWidget(self.banner)
        column.addWidget(self.pages, 1)
        self.central_column = column
        self.setCentralWidget(central)
        self.status_camera, self.status_fps, self.status_sync = QLabel(), QLabel(), QLabel()
        self.statusBar().addWidget(self.status_camera, 1)
        self.statusBar().addPermanentWidget(self.status_sync)
        self.statusBar().addPermanentWidget(self.status_fps)
        self.sync = BackgroundSync(kiosk=kiosk, tasks=self.tasks, parent=self)
        self.sync.status.connect(self.status_sync.setText)
        self.sync.synced.connect(lambda: self.counter.flow.desk.synced())  # /v1/health's last_sync
        self.visit_done_by_api.connect(self._visit_done_by_api, Qt.ConnectionType.QueuedConnection)
        self.counter.flow.desk.on_visit_done = self.visit_done_by_api.emit
        self.wedge = WedgeScanner(self)
        self.counter.installEventFilter(self.wedge)
        self.wedge.scanned.connect(self.counter.on_scanned)
        self.serial: SerialScanner | None = None
        if kiosk.settings.qr_serial_port:
            self.start_serial(kiosk.settings.qr_serial_port)
        self.counter.admin_requested.connect(self.open_admin)
        self.admin.closed.connect(self.close_admin)
        self.admin.settings_saved.connect(self.apply_settings)
        QShortcut(QKeySequence(Qt.Key.Key_F9), self, self.retry_camera)
        QShortcut(QKeySequence(Qt.Key.Key_F12), self, self.open_admin)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.retry_camera)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._every_second)
        self._tick.start(1000)
        self._retention = QTimer(self)
        self._retention.timeout.connect(self.apply_retention)
        self.resize(1280, 740)  # fits a 1366x768 counter screen; run_app shows it maximised
        self.retranslate()
        self.recognizer.start()
        self.start_camera()
        self.counter.go_idle()
        if run_retention:
            self.apply_retention()
            self._retention.start(RETENTION_EVERY_MS)
        self.sync.start()

    # -- camera ---------------------------------------------------------------------------
    def start_camera(self) -> None:
        """Start (or restart) capture from the current source."""
        self.stop_camera()
        self._stuck = [thread for thread in self._stuck if thread.isRunning()]
        if self._stuck:  # an old read has not returned yet: opening the device again now would fight it
            self._retry.start(500)
            return
        self._camera_shown = ("opening", "")
        self.counter.preview.set_placeholder(tr("Đang mở camera…"))
        self.capture = CaptureThread(self.source, self.slot)
        self.capture.opened.connect(self._camera_opened)
        self.capture.failed.connect(self._camera_failed)
        self.capture.start()

    def stop_camera(self) -> None:
        """Stop capture; a driver stuck in a read is left to finish on its own."""
        if self.capture is not None:
            if not self.capture.stop():
                self._stuck.append(self.capture)
            self.capture = None

    def retry_camera(self) -> None:
        """Try the camera again (F9, the Retry button, or every few seconds after a failure)."""
        self._retry.stop()
        if self.banner.kind == "error" and self.banner.action.isVisible():
            self.banner.clear()
        self.start_camera()

    def _visit_done_by_api(self, visit_id: int) -> None:
        """POST /v1/visits/{id}/done marked a visit done: the citizen's question, as after "Xong",
        if it is the visit being served (UI thread)."""
        self.counter.flow.visits.done_by_api(visit_id)

    def _camera_opened(self, name: str) -> None:
        self._camera_shown = ("open", name)
        self.counter.flow.desk.camera = "running"  # the local API's /v1/health
        self.counter.preview.set_placeholder("")
        self.status_camera.setText(tr("Camera: {name}").format(name=name))
        if self.banner.kind == "error" and self.banner.action.isVisible():
            self.banner.clear()
        self.camera_opened.emit(name)

    def _camera_failed(self, error: CameraError) -> None:
        self.slot.clear()
        self._camera_shown = ("failed", "")
        self.counter.flow.desk.camera = f"failed: {error.message}"
        self.counter.preview.set_placeholder(tr("Không có hình từ camera.\nĐang thử lại…"))
        self.status_camera.setText(tr("Camera: lỗi"))
        named = CameraError(error.message, error.hint, reason="camera_failed", facts={"camera": self.source.name})
        self.banner.show_error(named, action=(tr("Thử lại (F9)"), self.retry_camera))
        self._retry.start(CAMERA_RETRY_MS)
        self.camera_failed.emit(error)

    def _every_second(self) -> None:
        capture = self.capture
        if capture is not None and capture.isRunning() and capture.frames and self.slot.age() > CAMERA_STALL_S:
            self.stop_camera()
            self._camera_failed(
                CameraError(
                    f"{self.source.name} sent no picture for {CAMERA_STALL_S:.0f} s (unplugged?)",
                    "check the USB cable; the kiosk retries by itself",
                )
            )
            return
        self._show_rates()

    def _show_rates(self) -> None:
        self.status_fps.setText(
            tr("Hình: {fps:.0f} khung/giây · Nhận diện: {ms:.0f} ms/khung").format(
                fps=self.counter.preview.fps, ms=self.recognizer.last_ms
            )
        )

    def start_serial(self, port: str) -> None:
        """Listen to a QR scanner on a serial (USB-CDC) port; an empty port stops listening."""
        if self.serial is not None:
            self.serial.stop()
            self.serial = None
        if port:
            self.serial = SerialScanner(port)
            self.serial.scanned.connect(self.counter.on_scanned)
            self.serial.failed.connect(
                lambda error: self.banner.show_message("warning", *describe_error(error), seconds=8)
            )
            self.serial.start()

    # -- administration, settings, language --------------------------------------------
    def open_admin(self) -> None:
        """Show the PIN screen (recognition pauses meanwhile)."""
        if self.pages.currentWidget() is self.admin or self.counter.state is State.SAVING:
            return  # an enrolment being saved is never left half-way
        from kiosk.counter.watch import Mode

        self.counter.go_idle()  # nothing of the citizen stays behind the administration area
        self.recognizer.set_mode(Mode.PAUSED)
        self.pages.setCurrentWidget(self.admin)
        self.admin.open()

    def next_person(self) -> None:
        """Someone else is in front of the camera (the demo moved to another scene): nothing of the
        last citizen stays on the counter screen. An enrolment being saved finishes first; the
        administration area is left as it is (the counter behind it is idle already)."""
        if self.pages.currentWidget() is self.counter and self.counter.state is not State.SAVING:
            self.counter.go_idle()

    def close_admin(self) -> None:
        """Back to the counter."""
        self.pages.setCurrentWidget(self.counter)
        self.counter.go_idle()

    def apply_settings(self, new: Settings) -> None:
        """Apply what can change at once (camera, language); the rest after a restart."""
        old, self.applied = self.applied, new
        if self.camera_factory is not None and (new.camera_index, new.camera_width_px, new.camera_height_px) != (
            old.camera_index,
            old.camera_width_px,
            old.camera_height_px,
        ):
            self.source = self.camera_factory(new)
            self.start_camera()
        if new.qr_serial_port != old.qr_serial_port:
            self.start_serial(new.qr_serial_port)
        if new.language != language():
            set_language(new.language)
        self.counter.guard.set_limits(new.privacy_clear_s, new.idle_clear_s)
        note = apply_settings_note(self.kiosk.settings, new)
        if note:
            self.banner.show_message("info", tr("Đã lưu cài đặt."), note, seconds=10)

    def toggle_language(self) -> None:
        """Vietnamese ⇄ English."""
        if not set_language("en" if language() == "vi" else "vi"):
            self.banner.show_message("warning", tr("Không tìm thấy tệp bản dịch tiếng Anh."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        focus = QApplication.focusWidget()
        counter_has_focus = focus is self.counter or (focus is not None and self.counter.isAncestorOf(focus))
        if self.pages.currentWidget() is self.counter and not counter_has_focus and not self._forwarding:
            # focus was lost (a click elsewhere): the counter's keys, and the scanner, still work
            self._forwarding = True
            try:
                self.counter.setFocus()
                QCoreApplication.sendEvent(
                    self.counter, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
                )
            finally:
                self._forwarding = False
            return
        super().keyPressEvent(event)

    def retranslate(self) -> None:
        """Texts of the window itself."""
        self.setWindowTitle(tr("Tiếp nhận hồ sơ một cửa — {counter}").format(counter=self.kiosk.settings.counter_name))
        self.title.setText(tr("Bộ phận Một cửa · {counter}").format(counter=self.kiosk.settings.counter_name))
        self.language_button.setText("English" if language() == "vi" else "Tiếng Việt")
        self.admin_button.setText(tr("Quản trị (F12)"))
        state, name = getattr(self, "_camera_shown", ("", ""))
        if state == "open":
            self.status_camera.setText(tr("Camera: {name}").format(name=name))
        elif state == "failed":
            self.counter.preview.set_placeholder(tr("Không có hình từ camera.\nĐang thử lại…"))
            self.status_camera.setText(tr("Camera: lỗi"))
            if self.banner.action.isVisible():
                self.banner.action.setText(tr("Thử lại (F9)"))
        elif state == "opening":
            self.counter.preview.set_placeholder(tr("Đang mở camera…"))
        if hasattr(self, "status_fps"):
            self._show_rates()

    def come_forward(self) -> None:
        """Another start of the app asked for this window: show it, in front, with the keyboard."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def announce_new_key(self, path: Path) -> None:
        """Say once, in a box beside the window, that a new data key was written at ``path`` and must be backed up."""
        box = QMessageBox(
            QMessageBox.Icon.Information,
            tr("Đã tạo khoá dữ liệu mới"),
            tr(
                "Khoá dữ liệu của kiosk vừa được tạo tại:\n{path}\n\nHãy sao lưu tệp này ngay (ví dụ vào USB cất "
                "giữ an toàn). Không có khoá này, không thể đọc được cơ sở dữ liệu."
            ).format(path=path),
            parent=self,
        )
        box.addButton(tr("Đã hiểu"), QMessageBox.ButtonRole.AcceptRole)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.key_notice = box

    def apply_retention(self) -> None:
        """Purge citizens past the retention period (at start-up and daily)."""

        def done(count: int) -> None:
            if count:
                self.banner.show_message("info", tr("Đã xoá {n} hồ sơ quá thời hạn lưu.").format(n=count))

        self.tasks.run(lambda: self.kiosk.apply_retention("retention"), done, self.banner.show_error)

    # -- shutdown ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
        self.closed.emit()

    def shutdown(self) -> None:
        """Stop every thread and the analyzer process (idempotent)."""
        self.counter.flow.desk.on_visit_done = None  # the API thread must not emit into a closing window
        self._tick.stop()
        self._retry.stop()
        self._retention.stop()
        self.sync.stop()
        self.counter.preview.timer.stop()
        self.counter.rating.close()  # the citizen's monitor, if it has a window there
        self.stop_camera()
        for thread in self._stuck:
            thread.wait(2000)
        self.recognizer.stop()
        if self.serial is not None:
            self.serial.stop()
        self.tasks.wait(5000)
        self.analyzer.close()
