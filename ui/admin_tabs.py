"""Administration tabs about citizens: search, a citizen's visits, consent receipt, purge; the latest visits.

Also the pieces every tab uses (:class:`AdminTab`, tables, local times via :mod:`kiosk.timefmt`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.counter.admin import Admin
from kiosk.counter.service import Kiosk
from kiosk.errors import AuthError
from kiosk.timefmt import local_time
from ui.i18n import number, tr
from ui.tasks import Tasks
from ui.widgets import Banner, button, fmt_date, label


def method_words(method: str, first_visit: object = 0) -> str:
    """How a visit was recognised, in words (the first visit: the enrolment)."""
    if first_visit:
        return tr("đăng ký lần đầu")
    return {"face": tr("khuôn mặt"), "confirm": tr("khuôn mặt + bàn phím"), "qr": tr("thẻ CCCD")}.get(method, method)


def make_table() -> QTableWidget:
    """A read-only table that selects whole rows."""
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(True)  # a long detail wraps onto a second line instead of ending in "…"
    return table


def fill_table(
    table: QTableWidget, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, stretch: int = -1
) -> None:
    """Replace a table's content. Every column fits its content but column ``stretch`` (default:
    the last), which takes the width left and wraps; rows grow to their wrapped text."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    header = table.horizontalHeader()
    wide = stretch % len(headers) if headers else 0
    header.setStretchLastSection(wide == len(headers) - 1)
    for column in range(len(headers)):
        header.setSectionResizeMode(
            column, QHeaderView.ResizeMode.Stretch if column == wide else QHeaderView.ResizeMode.ResizeToContents
        )
    table.resizeRowsToContents()


class AdminTab(QWidget):
    """A tab that runs :class:`Admin` calls on a worker thread and shows their errors in the banner."""

    def __init__(
        self,
        *,
        kiosk: Kiosk,
        tasks: Tasks,
        banner: Banner,
        ask: Callable[[str, str], bool],
        on_expired: Callable[[], None],
    ) -> None:
        super().__init__()
        self.kiosk, self.tasks, self.banner, self.ask, self.on_expired = kiosk, tasks, banner, ask, on_expired
        self.admin: Admin | None = None
        self._drawn: dict[str, tuple[Callable[[Any], None], Any]] = {}

    def shown(self, render: Callable[[Any], None]) -> Callable[[Any], None]:
        """``render`` that also remembers its data, so :meth:`redraw` can show it again in another language."""

        def show(data: Any) -> None:
            self._drawn[render.__name__] = (render, data)
            render(data)

        return show

    def redraw(self) -> None:
        """Show the last data again (after a language switch: table headers, methods, actions in words)."""
        for render, data in list(self._drawn.values()):
            render(data)

    def call(self, fn: Callable[[Admin], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``fn(admin)`` off the UI thread (extending the session), then ``on_done(result)``."""
        admin = self.admin
        if admin is None:
            return

        def work() -> Any:
            admin.extend()
            return fn(admin)

        self.tasks.run(work, on_done, self._failed)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, AuthError):
            self.on_expired()
        else:
            self.banner.show_error(error)

    def when(self, iso: str | None) -> str:
        """A stored UTC time as ``dd/mm/yyyy HH:MM`` in the ``display_timezone`` setting."""
        return local_time(iso, self.kiosk.settings.display_timezone)

    def refresh(self) -> None:
        """Reload what the tab shows."""

    def retranslate(self) -> None:
        """Texts in the current language."""


class CitizensTab(AdminTab):
    """Search by name (accents ignored) or ID digits; a citizen's visits, receipt, purge."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[dict[str, Any]] = []
        self.search = QLineEdit()
        self.search.returnPressed.connect(self.refresh)
        self.find_button = button("", "secondary", self.refresh)
        self.table = make_table()
        self.visits_button = button("", "", self.show_visits)
        self.receipt_button = button("", "", self.show_receipt)
        self.purge_button = button("", "", lambda: self.purge(withdraw=False))
        self.withdraw_button = button("", "", lambda: self.purge(withdraw=True))
        self.visits = make_table()
        self.engines = label("", "small")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.find_button)
        actions = QHBoxLayout()
        for widget in (self.visits_button, self.receipt_button, self.withdraw_button, self.purge_button):
            actions.addWidget(widget)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.engines)
        layout.addLayout(actions)
        layout.addWidget(self.visits, 2)
        self.visits.hide()  # shown with a citizen's visits ("Lượt đến của công dân"), not as an empty box
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(tr("Tìm theo họ tên (không cần dấu) hoặc số CCCD"))
        self.find_button.setText(tr("Tìm"))
        self.visits_button.setText(tr("Lượt đến của công dân"))
        self.receipt_button.setText(tr("Phiếu đồng ý"))
        self.withdraw_button.setText(tr("Rút lại đồng ý…"))
        self.purge_button.setText(tr("Xoá vĩnh viễn…"))

    def refresh(self) -> None:
        self.visits.hide()
        query = self.search.text().strip()
        self.call(lambda a: a.citizens(query), self.shown(self._show))
        self.call(lambda a: a.engine_status(), self.shown(self._show_engines))

    def _show_engines(self, status: dict[str, Any]) -> None:
        """How many citizens still lack the default engine's templates (they upgrade at their next visit)."""
        if not status["lacking"]:
            self.engines.setText("")
            return
        self.engines.setText(
            tr(
                "{n} trên {total} công dân chưa có mẫu khuôn mặt {engine}: vẫn được nhận diện bằng bộ nhận dạng cũ "
                "và được bổ sung mẫu mới khi đến lần sau"
            ).format(n=status["lacking"], total=status["citizens"], engine=status["engine"])
        )

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        headers = (
            tr("Họ và tên"),
            tr("Số CCCD"),
            tr("Ngày sinh"),
            tr("Đăng ký lúc"),
            tr("Mẫu"),
            tr("Lượt đến"),
            tr("Lần đến gần nhất"),
        )
        fill_table(
            self.table,
            headers,
            [
                (
                    r["record"].full_name,
                    r["record"].masked_id,
                    fmt_date(r["record"].date_of_birth),
                    self.when(r["enrolled_at"]),
                    f"{r['samples']} ({r['engines'] or '-'})",
                    r["visits"],
                    self.when(r["last_visit_at"]),
                )
                for r in rows
            ],
            stretch=0,  # the name: a long one gets the room, and wraps
        )
        if rows:
            self.table.selectRow(0)

    def selected(self) -> dict[str, Any] | None:
        """The highlighted citizen's row."""
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def show_visits(self) -> None:
        """The selected citizen's visits, below the list."""
        row = self.selected()
        if row is not None:
            number = row["record"].id_number
            self.call(lambda a: a.visits(200, number), self.shown(self._show_visits))

    def _show_visits(self, visits: list[dict[str, Any]]) -> None:
        fill_table(
            self.visits,
            (tr("Thời gian"), tr("Quầy"), tr("Cách nhận diện"), tr("Khoảng cách")),
            [
                (
                    self.when(v["at"]),
                    v["counter"],
                    method_words(v["method"], v.get("first_visit")),
                    "" if v["distance"] is None else number(v["distance"], 3),
                )
                for v in visits
            ],
        )
        self.visits.show()

    def show_receipt(self) -> None:
        """Open the selected citizen's consent receipt."""
        row = self.selected()
        if row is None:
            return
        number, name = row["record"].id_number, row["record"].full_name

        def opened(html: str) -> None:
            from ui.receipt import ReceiptDialog

            self.receipt = ReceiptDialog(html=html, name=name, parent=self)
            self.receipt.show()

        self.call(lambda a: a.consent_receipt(number), opened)

    def purge(self, *, withdraw: bool) -> None:
        """Delete the selected citizen for good, after a confirmation naming them."""
        row = self.selected()
        if row is None:
            return
        record = row["record"]
        question = tr(
            "Xoá vĩnh viễn hồ sơ của {name} ({id})? Hồ sơ, mọi mẫu khuôn mặt, sự đồng ý và các lượt đến sẽ bị xoá, "
            "không thể khôi phục."
        ).format(name=record.full_name, id=record.masked_id)
        title = tr("Rút lại đồng ý") if withdraw else tr("Xoá vĩnh viễn")
        if not self.ask(title, question):
            return
        number = record.id_number

        def done(_counts: object) -> None:
            self.banner.show_message("success", tr("Đã xoá vĩnh viễn hồ sơ của {name}.").format(name=record.full_name))
            self.visits.clear()
            self.refresh()

        self.call(lambda a: a.withdraw_consent(number) if withdraw else a.purge(number), done)


class VisitsTab(AdminTab):
    """The latest check-ins at this kiosk."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = make_table()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)

    def refresh(self) -> None:
        self.call(lambda a: a.visits(200), self.shown(self._show))

    def _show(self, visits: list[dict[str, Any]]) -> None:
        fill_table(
            self.table,
            (tr("Thời gian"), tr("Họ và tên"), tr("Số CCCD"), tr("Quầy"), tr("Cách nhận diện"), tr("Khoảng cách")),
            [
                (
                    self.when(v["at"]),
                    v["full_name"],
                    v["id_number"],
                    v["counter"],
                    method_words(v["method"], v.get("first_visit")),
                    "" if v["distance"] is None else number(v["distance"], 3),
                )
                for v in visits
            ],
        )
