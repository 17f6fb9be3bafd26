"""The consent receipt: shown, printed, or saved as an HTML file for the citizen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QTextBrowser, QVBoxLayout, QWidget

from ui.i18n import tr
from ui.widgets import button


class ReceiptDialog(QDialog):
    """A printable receipt (HTML from ``Kiosk.consent_receipt``)."""

    def __init__(self, *, html: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.html = html
        self.setWindowTitle(tr("Phiếu đồng ý — {name}").format(name=name))
        self.resize(760, 820)
        self.view = QTextBrowser()
        self.view.setHtml(html)
        row = QHBoxLayout()
        row.addWidget(button(tr("In…"), "primary", self.print_receipt))
        row.addWidget(button(tr("Lưu thành tệp…"), "secondary", self.save_receipt))
        row.addStretch(1)
        row.addWidget(button(tr("Đóng"), "secondary", self.close))
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    def print_receipt(self) -> None:
        """Print through the system's print dialog."""
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.view.document().print_(printer)

    def save_receipt(self, path: str | None = None) -> Path | None:
        """Save the receipt as HTML (asks where, unless ``path`` is given)."""
        chosen = path or QFileDialog.getSaveFileName(self, tr("Lưu phiếu đồng ý"), "phieu-dong-y.html", "HTML (*.html)")[0]
        if not chosen:
            return None
        Path(chosen).write_text(self.html, encoding="utf-8")
        return Path(chosen)
