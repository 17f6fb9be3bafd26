"""F6 on a new citizen's card: the clerk corrects the name and address before enrolment.

A QR printed from mis-encoded text (U+FFFD, mojibake) reads with a warning; the clerk types
the name and address as printed on the card. The dialog only collects the text; the flow
applies it (:meth:`ui.flow.CounterFlow.correct_card`), the service checks and audits it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.cccd.record import CccdRead
from ui.i18n import pick, tr
from ui.widgets import label, warnings_text


class CorrectionDialog(QDialog):
    """The card's name and address, editable; ``corrected(full_name, address)`` on OK, ``typing`` on every key."""

    corrected = Signal(str, str)
    typing = Signal()

    def __init__(self, card: CccdRead, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Sửa thông tin đọc từ thẻ"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        lines = [pick(w.message_vi, w.message) for w in card.warnings]
        intro = tr("Gõ lại họ tên và nơi thường trú đúng như in trên thẻ. Số định danh không sửa được.")
        self.note = label(intro + ("\n" + warnings_text(lines) if lines else ""), "small")
        self.note.setMinimumWidth(520)  # a wrapped label's height follows a known width: nothing is cut
        self.note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.note)
        form = QFormLayout()
        self.full_name = QLineEdit(card.record.full_name)
        self.address = QLineEdit(card.record.address)
        for field in (self.full_name, self.address):
            field.textEdited.connect(lambda _text: self.typing.emit())
        form.addRow(tr("Họ và tên"), self.full_name)
        form.addRow(tr("Nơi thường trú"), self.address)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Lưu sửa đổi"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Huỷ"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.full_name.setFocus()
        self.full_name.selectAll()
        self.adjustSize()

    def accept(self) -> None:
        self.corrected.emit(self.full_name.text(), self.address.text())
        super().accept()
