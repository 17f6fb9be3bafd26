"""The administration area behind the PIN: the PIN screen (first run: set one), then the tabs.

The PIN check (scrypt, about 0.1 s and 32 MB) runs on a worker thread. Every action goes
through :class:`kiosk.counter.admin.Admin`, which audits it; an expired session returns here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from kiosk.counter.admin import Admin
from kiosk.counter.service import Kiosk
from kiosk.errors import AuthError
from kiosk.settings import Settings
from ui.admin_logs import AuditTab, RetentionTab, StatsTab
from ui.admin_settings import SettingsTab
from ui.admin_tabs import AdminTab, CitizensTab, VisitsTab
from ui.i18n import tr
from ui.tasks import Tasks
from ui.widgets import Banner, button, label

Ask = Callable[[str, str], bool]


class PinView(QWidget):
    """Enter the PIN, or set the first one (twice)."""

    def __init__(
        self, *, kiosk: Kiosk, tasks: Tasks, on_login: Callable[[Admin], None], on_back: Callable[[], None]
    ) -> None:
        super().__init__()
        self.kiosk, self.tasks, self.on_login = kiosk, tasks, on_login
        self.first_run = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        self.heading = label("", "heading")
        self.explain = label("", "sub")
        self.pin = QLineEdit()
        self.again = QLineEdit()
        for field in (self.pin, self.again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaximumWidth(360)
            field.setStyleSheet("font-size: 22pt; padding: 6px;")
            field.returnPressed.connect(self.submit)
        self.error = label("", "notice")
        self.forgot = label("", "small")
        self.problem: BaseException | str | None = None  # what self.error says, to say it again in another language
        self.ok = button("", "primary", self.submit)
        self.back = button("", "secondary", on_back)
        row = QHBoxLayout()
        row.addWidget(self.ok)
        row.addWidget(self.back)
        row.addStretch(1)
        for widget in (self.heading, self.explain, self.pin, self.again, self.error):
            layout.addWidget(widget)
        layout.addLayout(row)
        layout.addStretch(1)
        layout.addWidget(self.forgot)

    def start(self) -> None:
        """Show the right form (set or enter the PIN)."""
        self.first_run = not self.kiosk.has_admin_pin()
        self.pin.clear()
        self.again.clear()
        self.say(None)
        self.ok.setEnabled(True)
        self.retranslate()
        self.pin.setFocus()

    def retranslate(self) -> None:
        """Texts in the current language."""
        if self.first_run:
            self.heading.setText(tr("Đặt mã PIN quản trị"))
            self.explain.setText(tr("Lần chạy đầu tiên: đặt mã PIN (ít nhất 6 chữ số hoặc chữ cái), nhập hai lần."))
        else:
            self.heading.setText(tr("Quản trị"))
            self.explain.setText(tr("Nhập mã PIN quản trị."))
        self.pin.setPlaceholderText(tr("Mã PIN"))
        self.again.setPlaceholderText(tr("Nhập lại mã PIN"))
        self.again.setVisible(self.first_run)
        self.ok.setText(tr("Lưu mã PIN") if self.first_run else tr("Đăng nhập"))
        self.back.setText(tr("Quay lại quầy (Esc)"))
        self.forgot.setText(
            tr(
                "Quên mã PIN: người giữ bản sao khoá dữ liệu chạy lệnh «kiosk admin reset-pin» trên máy này, "
                "đưa bản sao đó vào (được ghi vào nhật ký)."
            )
        )
        self.forgot.setVisible(not self.first_run)
        self.say(self.problem)

    def say(self, problem: BaseException | str | None) -> None:
        """Show a problem under the PIN field: an error, ``"mismatch"``, ``"checking"``, or nothing."""
        from ui.errors import describe_error

        self.problem = problem
        if isinstance(problem, BaseException):
            self.error.setText("\n".join(describe_error(problem)))
        else:
            self.error.setText(
                {"mismatch": tr("Hai mã PIN không giống nhau."), "checking": tr("Đang kiểm tra…")}.get(
                    problem or "", ""
                )
            )

    def submit(self) -> None:
        """Check (or set) the PIN on a worker thread."""
        pin = self.pin.text()
        if self.first_run and pin != self.again.text():
            self.say("mismatch")
            return
        self.ok.setEnabled(False)
        self.say("checking")
        first, kiosk = self.first_run, self.kiosk

        def work() -> Admin:
            if first:
                kiosk.set_first_admin_pin(pin)
            return kiosk.login_admin(pin)

        self.tasks.run(work, self._done, self._failed)

    def _done(self, admin: Admin) -> None:
        self.pin.clear()
        self.again.clear()
        self.say(None)
        self.ok.setEnabled(True)
        self.on_login(admin)

    def _failed(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        self.pin.clear()
        self.say(error)


class AdminPage(QWidget):
    """PIN screen, then the administration tabs. :attr:`closed` when the clerk goes back to the counter."""

    closed = Signal()
    logged_in = Signal()
    settings_saved = Signal(object)  # Settings

    def __init__(
        self, *, kiosk: Kiosk, tasks: Tasks, banner: Banner, config_path: Path, ask: Ask, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.kiosk, self.tasks, self.banner = kiosk, tasks, banner
        self.admin: Admin | None = None
        self.pin_view = PinView(kiosk=kiosk, tasks=tasks, on_login=self._logged_in, on_back=self.close_admin)
        common = {"kiosk": kiosk, "tasks": tasks, "banner": banner, "ask": ask, "on_expired": self.expired}
        self.tabs_list: list[AdminTab] = [
            CitizensTab(**common),
            VisitsTab(**common),
            RetentionTab(**common),
            AuditTab(**common),
        ]
        self.settings_tab = SettingsTab(config_path=config_path, **common)
        self.tabs_list += [self.settings_tab, StatsTab(**common)]
        self.settings_tab.saved.connect(self.settings_saved.emit)
        self.tabs = QTabWidget()
        for tab in self.tabs_list:
            self.tabs.addTab(tab, "")
        self.tabs.currentChanged.connect(self._tab_shown)
        self.logout = button("", "secondary", self.close_admin)
        self.who = label("", "small")
        top = QHBoxLayout()
        top.addWidget(self.who, 1)
        top.addWidget(self.logout)
        inside = QWidget()
        column = QVBoxLayout(inside)
        column.addLayout(top)
        column.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.pin_view)
        self.stack.addWidget(inside)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.stack)
        self.retranslate()

    def open(self) -> None:
        """Show the PIN screen (a new login every time the area is opened)."""
        self.admin = None
        self.stack.setCurrentIndex(0)
        self.pin_view.start()

    def _logged_in(self, admin: Admin) -> None:
        self.admin = admin
        for tab in self.tabs_list:
            tab.admin = admin
        self.who.setText(tr("Đăng nhập: {who}").format(who=admin.actor))
        self.stack.setCurrentIndex(1)
        self.tabs.setCurrentIndex(0)
        self._tab_shown(0)
        self.logged_in.emit()

    def _tab_shown(self, index: int) -> None:
        if self.admin is not None and 0 <= index < len(self.tabs_list):
            try:
                self.admin.extend()
            except AuthError:
                self.expired()
                return
            self.tabs_list[index].refresh()

    def expired(self) -> None:
        """The session ran out: back to the PIN."""
        self.banner.show_message("warning", tr("Phiên quản trị đã hết hạn: mời nhập lại mã PIN."))
        self.open()

    def close_admin(self) -> None:
        """Leave the administration area (logged out)."""
        self.admin = None
        for tab in self.tabs_list:
            tab.admin = None
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_admin()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Tab titles and buttons in the current language."""
        titles = (
            tr("Công dân"),
            tr("Lượt đến"),
            tr("Thời hạn lưu"),
            tr("Nhật ký"),
            tr("Cài đặt"),
            tr("Thống kê"),
        )
        for i, title in enumerate(titles):
            self.tabs.setTabText(i, title)
        self.logout.setText(tr("Thoát quản trị (Esc)"))
        self.who.setText(tr("Đăng nhập: {who}").format(who=self.admin.actor) if self.admin is not None else "")
        self.pin_view.retranslate()
        for tab in self.tabs_list:
            tab.retranslate()
            tab.redraw()


def apply_settings_note(old: Settings, new: Settings) -> str:
    """What takes effect now (camera, language) and what after a restart (everything else)."""
    live = {
        "camera_index",
        "camera_width_px",
        "camera_height_px",
        "language",
        "qr_serial_port",
        "privacy_clear_s",
        "idle_clear_s",
    }
    later = [name for name in new.__dataclass_fields__ if getattr(old, name) != getattr(new, name) and name not in live]
    return (
        tr("Một số thay đổi có hiệu lực sau khi khởi động lại: {names}").format(names=", ".join(later)) if later else ""
    )
