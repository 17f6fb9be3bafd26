"""The confirmation keypad: the citizen types the last 4 or 6 digits of the ID number (or the
birth year), as :meth:`kiosk.counter.service.Kiosk.keypad_ask` says.

Nothing about any candidate is shown here: the screen only asks for digits. The last digit
asked for submits by itself; the physical number keys work too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.counter.identify import KeypadAsk
from recognition.policy import SHORT_DIGITS
from ui.flow_keypad import KEYPAD_ATTEMPTS
from ui.i18n import tr
from ui.panels import Panel
from ui.widgets import button, label


class KeypadPanel(Panel):
    """Large on-screen keypad. Emits :attr:`submitted` with the typed digits once there are :attr:`digits`."""

    submitted = Signal(str)
    use_card = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.typed = ""
        self.ask = KeypadAsk("id", SHORT_DIGITS)
        self.attempts_left = KEYPAD_ATTEMPTS
        self.missed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = label("", "heading")
        self.asking = label("", "sub")
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
        layout.addWidget(self.asking)
        layout.addWidget(self.display)
        layout.addWidget(self.message)
        layout.addSpacing(16)  # "Chưa đúng…" never touches the keys
        layout.addLayout(pad)
        layout.addStretch(1)
        layout.addWidget(self.card, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate()

    @property
    def digits(self) -> int:
        """How many digits this try asks for."""
        return self.ask.digits

    def start(self, ask: KeypadAsk, attempts: int) -> None:
        """A new confirmation asking for ``ask`` with ``attempts`` tries."""
        self.ask, self.attempts_left, self.missed = ask, attempts, False
        self.clear_typed()
        self.retranslate()

    def missed_once(self, attempts_left: int, ask: KeypadAsk) -> None:
        """The digits fit nobody; ``attempts_left`` more tries, the next asking for ``ask``."""
        self.ask, self.attempts_left, self.missed = ask, attempts_left, True
        self.clear_typed()
        self.retranslate()

    def _presser(self, digit: str) -> Callable[[], None]:
        """The click handler of one digit key."""
        return lambda: self.press(digit)

    def press(self, digit: str) -> None:
        """Type one digit; the last one asked for submits."""
        if len(self.typed) >= self.digits or not digit.isdigit():
            return
        self.typed += digit
        self._show_typed()
        if len(self.typed) == self.digits:
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
        self.display.setText("  ".join(self.typed.ljust(self.digits, "_")))

    def retranslate(self) -> None:
        self.heading.setText(tr("Xác nhận danh tính"))
        self.asking.setText(
            tr("Mời ông/bà nhập {n} số cuối của số CCCD").format(n=self.digits)
            if self.ask.entry == "id"
            else tr("Mời ông/bà nhập năm sinh (4 chữ số)")
        )
        self.message.setText(
            tr("Chưa đúng. Mời nhập lại (còn {n} lần).").format(n=self.attempts_left) if self.missed else ""
        )
        self.card.setText(tr("Dùng thẻ CCCD thay thế (Esc)"))
        self._show_typed()
