"""Small building blocks: styled labels and buttons, the message banner, the citizen form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from models import CitizenRecord
from ui.errors import describe_error
from ui.i18n import tr
from ui.style import AMBER, BLUE, GREEN, RED


def label(text: str = "", role: str = "", *, wrap: bool = True) -> QLabel:
    """A label with a style role (see :data:`ui.style.STYLESHEET`).

    Never selectable: a selectable QLabel paints through a text document clipped to the
    line box, which cuts the upper mark of Ấ Ễ Ỗ; a plain one draws into its top padding.
    """
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return widget


def button(text: str = "", role: str = "", on_click: Callable[[], object] | None = None) -> QPushButton:
    """A button that never takes keyboard focus (the counter's keys are handled by the page).

    ``on_click`` is called with no argument; what it returns is ignored.
    """
    widget = QPushButton(text)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # never narrower than its text
    if role:
        widget.setProperty("role", role)
    if on_click is not None:
        widget.clicked.connect(lambda _checked=False: on_click())
    return widget


class Banner(QFrame):
    """One line across the window: an error (red), a warning (amber), a success (green) or info (blue).

    An optional action button (e.g. "Retry"); success and info banners hide by themselves.
    """

    COLOURS = {"error": RED, "warning": AMBER, "success": GREEN, "info": BLUE}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = ""
        self.error: BaseException | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setStyleSheet("color: white; font-size: 14pt; font-weight: 600;")
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("color: #ffffffdd; font-size: 10pt;")
        self.action = button("", "secondary")
        self.action.hide()
        self._action_fn: Callable[[], None] | None = None
        self.action.clicked.connect(self._act)
        column = QGridLayout()
        column.addWidget(self.text, 0, 0)
        column.addWidget(self.detail, 1, 0)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 8, 16, 8)
        row.addLayout(column, 1)
        row.addWidget(self.action)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.hide()

    def show_message(
        self,
        kind: str,
        text: str,
        detail: str = "",
        *,
        action: tuple[str, Callable[[], None]] | None = None,
        seconds: float | None = None,
    ) -> None:
        """Show ``text`` (one line) with an optional smaller ``detail`` and action button."""
        self.kind = kind
        self.error = None
        self.setStyleSheet(f"Banner {{ background: {self.COLOURS.get(kind, BLUE)}; }}")
        self.text.setText(text)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        self._action_fn = action[1] if action else None
        self.action.setText(action[0] if action else "")
        self.action.setVisible(action is not None)
        self.show()
        hide_after = seconds if seconds is not None else (6.0 if kind in ("success", "info") else None)
        if hide_after:
            self._timer.start(int(hide_after * 1000))
        else:
            self._timer.stop()

    def show_error(self, error: BaseException, *, action: tuple[str, Callable[[], None]] | None = None) -> None:
        """A named exception as a headline and what to do, in the current language (again after a language switch)."""
        headline, detail = describe_error(error)
        self.show_message("error", headline, detail, action=action)
        self.error = error

    def clear(self) -> None:
        """Hide the banner."""
        self.kind = ""
        self.error = None
        self._timer.stop()
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange and self.error is not None and self.kind == "error":
            headline, detail = describe_error(self.error)
            self.text.setText(headline)
            self.detail.setText(detail)
        super().changeEvent(event)

    def _act(self) -> None:
        if self._action_fn is not None:
            self._action_fn()


def fmt_date(day: date | None) -> str:
    """``dd/mm/yyyy`` as printed on the card, or a dash."""
    return day.strftime("%d/%m/%Y") if day else "—"


class CitizenForm(QWidget):
    """The citizen's card data, large and read-only (full name, 12-digit ID, old ID, dates, gender, address)."""

    FIELDS = ("full_name", "id_number", "old_id_number", "date_of_birth", "gender", "address", "issue_date")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(2)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for row, name in enumerate(self.FIELDS):
            self.captions[name] = label("", "field")
            self.values[name] = label("—", "value")
            # never squeezed below its height: a squeezed label clips the stacked marks of Ấ Ễ Ỗ
            self.values[name].setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
            grid.addWidget(self.captions[name], row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(self.values[name], row, 1)
        grid.setColumnStretch(1, 1)
        self.record: CitizenRecord | None = None
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Captions in the current language."""
        captions = {
            "full_name": tr("Họ và tên"),
            "id_number": tr("Số định danh (CCCD)"),
            "old_id_number": tr("Số CMND cũ"),
            "date_of_birth": tr("Ngày sinh"),
            "gender": tr("Giới tính"),
            "address": tr("Nơi thường trú"),
            "issue_date": tr("Ngày cấp"),
        }
        for name, text in captions.items():
            self.captions[name].setText(text)
        if self.record is not None:
            self.fill(self.record)

    def fill(self, record: CitizenRecord) -> None:
        """Show a citizen's data."""
        self.record = record
        gender = {"Nam": tr("Nam"), "Nữ": tr("Nữ")}.get(record.gender.value, record.gender.value)
        shown = {
            "full_name": record.full_name,
            "id_number": record.id_number,
            "old_id_number": record.old_id_number or "—",
            "date_of_birth": fmt_date(record.date_of_birth),
            "gender": gender,
            "address": record.address or "—",
            "issue_date": fmt_date(record.issue_date),
        }
        for name, text in shown.items():
            self.values[name].setText(text)

    def clear(self) -> None:
        """Empty every field (nothing personal stays on screen)."""
        self.record = None
        for value in self.values.values():
            value.setText("—")


def warnings_text(lines: Sequence[str]) -> str:
    """Card warnings as one block, each on its own line with a warning sign."""
    return "\n".join(f"⚠ {line}" for line in lines)
