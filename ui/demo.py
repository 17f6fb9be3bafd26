"""The demo's scene bar: steps the scripted camera through the bundled sample set (PgUp / PgDn);
Ctrl+Q or F10 closes the demo (Esc belongs to the counter flow)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.counter.camera import DemoScene, StillSource
from ui.i18n import pick, tr
from ui.widgets import button, label

QUIT_KEYS = ("Ctrl+Q", "F10")
"""Keys that close the demo window (and end the demo)."""


class DemoBar(QFrame):
    """Which scene the fake camera shows, what to do in it, and buttons to move on.

    ``new_person`` is called when a scene shows someone else than the last one (or nobody):
    the counter's screen must not keep the last citizen's form or keypad.
    """

    def __init__(
        self,
        *,
        scenes: Sequence[DemoScene],
        source: StillSource,
        parent: QWidget | None = None,
        new_person: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.scenes, self.source, self.index, self.new_person = list(scenes), source, 0, new_person
        self.setStyleSheet("DemoBar { background: #eef3f8; border-top: 2px solid #0b4f8a; }")
        self.title = label("", "sub")
        self.hint = label("", "small")
        self.previous = button("", "secondary", lambda: self.go(self.index - 1))
        self.next = button("", "primary", lambda: self.go(self.index + 1))
        window = parent or self
        self.quit = button("", "secondary", window.close)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 6, 16, 6)
        row.addLayout(text, 1)
        row.addWidget(self.previous)
        row.addWidget(self.next)
        row.addWidget(self.quit)
        QShortcut(QKeySequence(Qt.Key.Key_PageDown), window, lambda: self.go(self.index + 1))
        QShortcut(QKeySequence(Qt.Key.Key_PageUp), window, lambda: self.go(self.index - 1))
        for keys in QUIT_KEYS:
            QShortcut(QKeySequence(keys), window, window.close)
        self.go(0)

    def go(self, index: int) -> None:
        """Show scene ``index`` on the fake camera; someone else in it clears the counter's screen."""
        before = self.scenes[self.index].person
        self.index = max(0, min(index, len(self.scenes) - 1))
        self.source.show(self.scenes[self.index].frames)
        if self.scenes[self.index].person != before and self.new_person is not None:
            self.new_person()
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        scene = self.scenes[self.index]
        self.title.setText(
            tr("Demo — cảnh {i}/{n}: {title}").format(i=self.index + 1, n=len(self.scenes), title=pick(*scene.title))
        )
        self.hint.setText(pick(*scene.hint))
        self.previous.setText(tr("◀ Cảnh trước (PgUp)"))
        self.next.setText(tr("Cảnh tiếp (PgDn) ▶"))
        self.quit.setText(tr("Thoát (Ctrl+Q / F10)"))
        self.previous.setEnabled(self.index > 0)
        self.next.setEnabled(self.index < len(self.scenes) - 1)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
