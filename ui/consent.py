"""First visit: the consent the citizen must accept explicitly, then guided face capture.

Consent (Law 91/2025/QH15, Decree 356/2025): the text says what is stored, why, for how
long and how to withdraw; the box starts unticked and the accept button stays disabled
until the citizen ticks it. Refusing stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QProgressBar, QTextBrowser, QVBoxLayout, QWidget

from kiosk.counter.consent import CONSENT_TEXT_EN, CONSENT_TEXT_VERSION, CONSENT_TEXT_VI
from models import CitizenRecord
from ui.i18n import pick, tr
from ui.panels import Panel
from ui.widgets import button, label


class ConsentPanel(Panel):
    """The consent text with an unticked box; :attr:`accepted` only after the box is ticked."""

    accepted = Signal()
    refused = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: CitizenRecord | None = None
        self.retention_days = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = label("", "heading")
        self.who = label("", "sub")
        self.text = QTextBrowser()
        self.text.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.facts = label("", "small")
        self.box = QCheckBox()
        self.box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.box.toggled.connect(self._toggled)
        self.accept_button = button("", "primary", self._accept)
        self.refuse_button = button("", "secondary", self.refused.emit)
        row = QHBoxLayout()
        row.addWidget(self.accept_button)
        row.addWidget(self.refuse_button)
        row.addStretch(1)
        for widget in (self.heading, self.who):
            layout.addWidget(widget)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.facts)
        layout.addWidget(self.box)
        layout.addLayout(row)
        self.retranslate()

    def start(self, record: CitizenRecord, retention_days: int) -> None:
        """Show the consent for this citizen, box unticked."""
        self.record, self.retention_days = record, retention_days
        self.box.setChecked(False)
        self._toggled(False)
        self.retranslate()

    def clear(self) -> None:
        """Forget the citizen (nothing personal stays in the hidden panel)."""
        self.record = None
        self.box.setChecked(False)
        self.retranslate()

    def toggle(self) -> None:
        """Tick or untick the box (the Space key)."""
        self.box.toggle()

    def _toggled(self, on: bool) -> None:
        self.accept_button.setEnabled(on)

    def _accept(self) -> None:
        if self.box.isChecked():
            self.accepted.emit()

    def retranslate(self) -> None:
        self.heading.setText(tr("Đồng ý lưu dữ liệu khuôn mặt"))
        self.who.setText(tr("Công dân: {name}").format(name=self.record.full_name) if self.record else "")
        self.text.setPlainText(pick(CONSENT_TEXT_VI, CONSENT_TEXT_EN))
        self.facts.setText(
            tr("Thời hạn lưu: {days} ngày kể từ lần đến gần nhất · Phiên bản văn bản: {version}").format(
                days=self.retention_days, version=CONSENT_TEXT_VERSION
            )
        )
        self.box.setText(tr("Tôi đã đọc và đồng ý (phím cách)"))
        self.accept_button.setText(tr("Đồng ý và chụp ảnh (Enter)"))
        self.refuse_button.setText(tr("Không đồng ý (Esc)"))


class CapturePanel(Panel):
    """Guided capture: how many good samples so far and what the citizen should do now."""

    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.done, self.need, self.name, self.adding = 0, 3, "", False
        self._hint: tuple[Callable[[], str], str] = (str, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = label("", "heading")
        self.who = label("", "sub")
        self.count = label("", "big", wrap=False)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMinimumHeight(24)
        self.hint = label("", "hint")
        self.cancel = button("", "secondary", self.cancelled.emit)
        for widget in (self.heading, self.who, self.count, self.bar):
            layout.addWidget(widget)
        layout.addSpacing(16)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate()

    def start(self, name: str, need: int, *, adding: bool) -> None:
        """A new capture of ``need`` good samples."""
        self.name, self.need, self.done, self.adding = name, need, 0, adding
        self._hint = (lambda: tr("Mời nhìn thẳng vào camera"), "")
        self.retranslate()

    def clear(self) -> None:
        """Forget the citizen's name and the progress."""
        self.name, self.done = "", 0
        self._hint = (str, "")
        self.retranslate()

    def progress(self, done: int) -> None:
        """``done`` good samples so far."""
        self.done = done
        self.retranslate()

    def set_hint(self, words: Callable[[], str], colour: str = "") -> None:
        """What the citizen should do now (e.g. "lại gần hơn"): ``words()`` gives it in the current language."""
        self._hint = (words, colour)
        text = words()
        self.hint.setText(text[:1].upper() + text[1:])
        self.hint.setStyleSheet(f"color: {colour};" if colour else "")

    def retranslate(self) -> None:
        self.heading.setText(tr("Cập nhật ảnh khuôn mặt") if self.adding else tr("Chụp ảnh khuôn mặt"))
        self.who.setText(tr("Công dân: {name}").format(name=self.name) if self.name else "")
        self.count.setText(tr("Ảnh đạt: {done} / {need}").format(done=self.done, need=self.need))
        self.bar.setRange(0, max(1, self.need))
        self.bar.setValue(min(self.done, self.need))
        self.cancel.setText(tr("Huỷ (Esc)"))
        self.set_hint(*self._hint)
