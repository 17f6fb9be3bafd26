"""The consent receipt: shown, printed, or saved as an HTML file for the citizen.

The dialog fits the screen it opens on (a counter PC is often 1366x768): the receipt
scrolls inside it and the buttons stay visible below, never cut off.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QTextBrowser, QVBoxLayout, QWidget

from ui.i18n import tr
from ui.widgets import button

PREFERRED = QSize(760, 820)
"""The receipt's natural size; smaller screens get less (the text scrolls)."""
MARGIN_PX = 24
"""Room kept free around the dialog for the window frame."""


class ReceiptDialog(QDialog):
    """A printable receipt (HTML from ``Kiosk.consent_receipt``)."""

    def __init__(self, *, html: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.html, self.name = html, name
        self.view = QTextBrowser()
        self.view.setHtml(html)
        self.view.setMinimumSize(200, 120)
        self.print_button = button("", "primary", self.print_receipt)
        self.save_button = button("", "secondary", self.save_receipt)
        self.close_button = button("", "secondary", self.close)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)  # only the receipt grows and shrinks: the buttons keep their height
        layout.addLayout(row)
        self.retranslate()
        self.fit_screen()

    def retranslate(self) -> None:
        """Title and buttons in the current language (the receipt itself is bilingual)."""
        self.setWindowTitle(tr("Phiếu đồng ý — {name}").format(name=self.name))
        self.print_button.setText(tr("In…"))
        self.save_button.setText(tr("Lưu thành tệp…"))
        self.close_button.setText(tr("Đóng"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def buttons(self) -> list[QWidget]:
        """The dialog's buttons (print, save, close)."""
        return [self.print_button, self.save_button, self.close_button]

    def fit_screen(self, available: QRect | None = None) -> None:
        """Size and place the dialog inside ``available`` (default: the free area of its screen).

        At most :data:`PREFERRED`, at least what the buttons need; centred.
        """
        if available is None:
            parent = self.parentWidget()
            screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
            available = screen.availableGeometry()
        room = available.adjusted(MARGIN_PX, MARGIN_PX, -MARGIN_PX, -MARGIN_PX)
        needed = self.minimumSizeHint()
        size = QSize(
            max(needed.width(), min(PREFERRED.width(), room.width())),
            max(needed.height(), min(PREFERRED.height(), room.height())),
        )
        self.setMaximumSize(available.size())
        self.resize(size)
        self.move(room.center().x() - size.width() // 2, room.center().y() - size.height() // 2)

    def _ask_where(self) -> str:
        """The file to save to, from a save dialog labelled in the app's language ("" if cancelled)."""
        dialog = QFileDialog(self, tr("Lưu phiếu đồng ý"), "phieu-dong-y.html", "HTML (*.html)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(
            QFileDialog.Option.DontUseNativeDialog
        )  # Qt's widgets: labelled below (no Vietnamese in Qt itself)
        for which, text in (
            (QFileDialog.DialogLabel.LookIn, tr("Thư mục:")),
            (QFileDialog.DialogLabel.FileName, tr("Tên tệp:")),
            (QFileDialog.DialogLabel.FileType, tr("Loại tệp:")),
            (QFileDialog.DialogLabel.Accept, tr("Lưu")),
            (QFileDialog.DialogLabel.Reject, tr("Huỷ")),
        ):
            dialog.setLabelText(which, text)
        return dialog.selectedFiles()[0] if dialog.exec() == QDialog.DialogCode.Accepted else ""

    def print_receipt(self) -> None:
        """Print through the system's print dialog."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.view.document().print_(printer)

    def save_receipt(self, path: str | None = None) -> Path | None:
        """Save the receipt as HTML (asks where, unless ``path`` is given)."""
        chosen = path or self._ask_where()
        if not chosen:
            return None
        Path(chosen).write_text(self.html, encoding="utf-8")
        return Path(chosen)
