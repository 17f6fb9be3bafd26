"""F6 on a new citizen's card: the clerk corrects the name and address before enrolment.

A QR printed from mis-encoded text (U+FFFD, mojibake) reads with a warning; the clerk types
the name and address as printed on the card. The dialog only collects the text; the flow
applies it (:meth:`ui.flow.CounterFlow.correct_card`), the service checks and audits it.
"""

from __future__ import annotations

from collections.abc import Callable

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

from kiosk.cccd.record import CccdRead, correctable
from ui.i18n import pick, tr
from ui.widgets import label, warnings_text


class CorrectionDialog(QDialog):
    """The card's mis-encoded name and/or address, editable (prefilled with what they probably
    said, when known). OK calls ``apply(id_number, full_name, address)``; the dialog closes only
    when it returns True (a refused correction stays open, its error on the window's banner).
    ``typing`` is emitted on every key (it keeps the citizen's screen up)."""

    typing = Signal()

    def __init__(self, card: CccdRead, apply: Callable[[str, str, str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.id_number = card.record.id_number
        self._apply = apply
        self.setWindowTitle(tr("Sửa thông tin đọc từ thẻ"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        lines = [pick(w.message_vi, w.message) for w in card.warnings]
        intro = tr("Gõ lại trường bị lỗi mã hoá đúng như in trên thẻ. Số định danh không sửa được.")
        self.note = label(intro + ("\n" + warnings_text(lines) if lines else ""), "small")
        self.note.setMinimumWidth(520)  # a wrapped label's height follows a known width: nothing is cut
        self.note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        layout.addWidget(self.note)
        form = QFormLayout()
        guesses = correctable(card)
        self.full_name = QLineEdit(guesses.get("full_name") or card.record.full_name)
        self.address = QLineEdit(guesses.get("address") or card.record.address)
        for name, field in (("full_name", self.full_name), ("address", self.address)):
            field.setReadOnly(name not in guesses)  # only a field read mis-encoded is the clerk's to type
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
        first = self.full_name if "full_name" in guesses else self.address
        first.setFocus()
        first.selectAll()
        self.adjustSize()

    def accept(self) -> None:
        if self._apply(self.id_number, self.full_name.text(), self.address.text()):
            super().accept()
