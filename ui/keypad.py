"""The confirmation keypad: the citizen types the last 4 digits of the ID number (or the birth year).

Nothing about any candidate is shown here: the screen only asks for digits. Four digits
submit by themselves; the physical number keys work too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.flow_keypad import KEYPAD_ATTEMPTS
from ui.i18n import tr
from ui.panels import Panel
from ui.widgets import button, label

DIGITS = 4


class KeypadPanel(Panel):
    """Large on-screen keypad. Emits :attr:`submitted` with the 4 typed digits."""

    submitted = Signal(str)
    use_card = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.typed = ""
        self.what = "id_last4"
        self.attempts_left = KEYPAD_ATTEMPTS
        self.missed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = label("", "heading")
        self.ask = label("", "sub")
        self.display = label("", "big", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("", "notice")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate("123456789"):
            self.keys[key] = button(key, "key", self._presser(key))
            grid.addWidget(self.keys[key], i // 3, i % 3)
        self.keys["back"] = button("⌫", "key", self.backspace)
        self.keys["0"] = button("0", "key", self._presser("0"))
        self.keys["clear"] = button("C", "key", self.clear_typed)
        for col, key in enumerate(("back", "0", "clear")):
            grid.addWidget(self.keys[key], 3, col)
        self.card = button("", "secondary", self.use_card.emit)
        pad = QHBoxLayout()
        pad.addStretch(1)
        pad.addLayout(grid)
        pad.addStretch(1)
        layout.addWidget(self.heading)
        layout.addWidget(self.ask)
        layout.addWidget(self.display)
        layout.addWidget(self.message)
        layout.addSpacing(16)  # "Chưa đúng…" never touches the keys
        layout.addLayout(pad)
        layout.addStretch(1)
        layout.addWidget(self.card, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate()

    def start(self, what: str, attempts: int) -> None:
        """A new confirmation: ``what`` is ``"id_last4"`` or ``"birth_year"``."""
        self.what, self.attempts_left, self.missed = what, attempts, False
        self.clear_typed()
        self.retranslate()

    def missed_once(self, attempts_left: int) -> None:
        """The digits fit nobody; ``attempts_left`` more tries."""
        self.attempts_left, self.missed = attempts_left, True
        self.clear_typed()
        self.retranslate()

    def _presser(self, digit: str) -> Callable[[], None]:
        """The click handler of one digit key."""
        return lambda: self.press(digit)

    def press(self, digit: str) -> None:
        """Type one digit; the fourth submits."""
        if len(self.typed) >= DIGITS or not digit.isdigit():
            return
        self.typed += digit
        self._show_typed()
        if len(self.typed) == DIGITS:
            self.submitted.emit(self.typed)

    def backspace(self) -> None:
        """Remove the last digit."""
        self.typed = self.typed[:-1]
        self._show_typed()

    def clear_typed(self) -> None:
        """Remove every digit."""
        self.typed = ""
        self._show_typed()

    def _show_typed(self) -> None:
        self.display.setText("  ".join(self.typed.ljust(DIGITS, "_")))

    def retranslate(self) -> None:
        self.heading.setText(tr("Xác nhận danh tính"))
        self.ask.setText(
            tr("Mời ông/bà nhập 4 số cuối của số CCCD")
            if self.what == "id_last4"
            else tr("Mời ông/bà nhập năm sinh (4 chữ số)")
        )
        self.message.setText(
            tr("Chưa đúng. Mời nhập lại (còn {n} lần).").format(n=self.attempts_left) if self.missed else ""
        )
        self.card.setText(tr("Dùng thẻ CCCD thay thế (Esc)"))
        self._show_typed()
