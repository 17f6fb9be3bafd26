"""The citizen's satisfaction question: four large faces, one tap (or key 1-4) answers.

:class:`RatingPanel` draws the faces itself (QPainter: no emoji font needed) and says which
was tapped; :class:`RatingHost` shows the panel on the citizen-facing monitor when the
``citizen_screen`` setting names an attached one, else over the counter window. The flow
(:mod:`ui.flow_visit`) decides when to ask and records the answer; this module only shows it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QToolButton, QVBoxLayout, QWidget

from models import Rating
from ui.i18n import tr
from ui.widgets import label

ANSWERS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.UNSATISFIED, Rating.VERY_UNSATISFIED)
"""The faces left to right, and keys 1-4."""

_COLOURS = {
    Rating.VERY_SATISFIED: "#1b7f3b",
    Rating.SATISFIED: "#6aa83a",
    Rating.UNSATISFIED: "#d08b12",
    Rating.VERY_UNSATISFIED: "#b3261e",
}
_MOUTH = {
    Rating.VERY_SATISFIED: 0.32,
    Rating.SATISFIED: 0.16,
    Rating.UNSATISFIED: -0.10,
    Rating.VERY_UNSATISFIED: -0.28,
}
"""How far the mouth's middle bends down (a smile, > 0) or up (a frown), in face radii."""


def answer_words(rating: Rating) -> str:
    """The answer under its face, in the current language."""
    return {
        Rating.VERY_SATISFIED: tr("Rất hài lòng"),
        Rating.SATISFIED: tr("Hài lòng"),
        Rating.UNSATISFIED: tr("Chưa hài lòng"),
        Rating.VERY_UNSATISFIED: tr("Không hài lòng"),
    }[rating]


def face_pixmap(rating: Rating, size: int) -> QPixmap:
    """A round face of ``size`` pixels in the answer's colour, its mouth from a broad smile to a frown."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = size / 2 - 3
    centre = QPointF(size / 2, size / 2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(_COLOURS[rating]))
    painter.drawEllipse(centre, r, r)
    painter.setBrush(QColor("white"))
    for dx in (-0.35, 0.35):
        painter.drawEllipse(QPointF(centre.x() + dx * r, centre.y() - 0.25 * r), 0.11 * r, 0.13 * r)
    pen = QPen(QColor("white"), max(3.0, 0.09 * r))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    bend = _MOUTH[rating] * r
    mouth_y = centre.y() + 0.35 * r - bend / 2
    path = QPainterPath(QPointF(centre.x() - 0.45 * r, mouth_y))
    path.quadTo(QPointF(centre.x(), mouth_y + 2 * bend), QPointF(centre.x() + 0.45 * r, mouth_y))
    painter.drawPath(path)
    painter.end()
    return pixmap


class RatingPanel(QWidget):
    """ "How satisfied were you?" with four large faces; ``rated`` says which was tapped."""

    rated = Signal(object)  # Rating

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ratingPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#ratingPanel { background: rgba(250, 251, 253, 245); }")
        self.question = label("", "heading")
        self.question.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks = label("", "good")
        self.thanks.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons: dict[Rating, QToolButton] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        for column, rating in enumerate(ANSWERS):
            tap = QToolButton()
            tap.setIcon(QIcon(face_pixmap(rating, 160)))
            tap.setIconSize(QSize(140, 140))
            tap.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            tap.setCursor(Qt.CursorShape.PointingHandCursor)
            tap.setStyleSheet(
                "QToolButton { font-size: 17pt; font-weight: 600; border: none; padding: 10px; border-radius: 14px; }"
                "QToolButton:hover, QToolButton:pressed { background: #e6ecf3; }"
            )
            tap.clicked.connect(lambda _=False, answer=rating: self.rated.emit(answer))
            self.buttons[rating] = tap
            grid.addWidget(tap, 0, column, Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(1)
        layout.addWidget(self.question)
        layout.addSpacing(28)
        layout.addLayout(grid)
        layout.addSpacing(18)
        layout.addWidget(self.thanks)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.question.setText(tr("Ông/Bà có hài lòng với việc giải quyết thủ tục hôm nay không?"))
        for rating, tap in self.buttons.items():
            tap.setText(f"{answer_words(rating)}\n({ANSWERS.index(rating) + 1})")

    def ask(self) -> None:
        """Show the question afresh (every face enabled, no thanks yet)."""
        self.thanks.setText("")
        for tap in self.buttons.values():
            tap.setEnabled(True)

    def answered(self, rating: Rating) -> None:
        """Thank the citizen and keep the chosen face lit."""
        self.thanks.setText(tr("Cảm ơn Ông/Bà đã đánh giá!"))
        for answer, tap in self.buttons.items():
            tap.setEnabled(answer is rating)


class RatingHost:
    """Where the question is shown: a full-screen window on the citizen's monitor (the setting
    ``citizen_screen`` names an attached screen), else an overlay covering ``main``."""

    def __init__(self, main: QWidget, screen_number: int) -> None:
        screens = QGuiApplication.screens()
        self.window: QWidget | None = None
        if 0 <= screen_number < len(screens):
            self.window = QWidget(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
            self.window.setWindowTitle(tr("Đánh giá mức độ hài lòng"))
            self.panel = RatingPanel(self.window)
            QVBoxLayout(self.window).addWidget(self.panel)
            self.window.setGeometry(screens[screen_number].geometry())
        else:
            self.panel = RatingPanel(main)
            self.panel.hide()
        self.main = main

    @property
    def on_citizen_screen(self) -> bool:
        """True when the question goes to a monitor of its own."""
        return self.window is not None

    def show(self) -> None:
        """Ask: full screen on the citizen's monitor, or over the whole counter window."""
        self.panel.ask()
        if self.window is not None:
            self.window.showFullScreen()
            return
        self.panel.setGeometry(QRectF(self.main.rect()).toRect())
        self.panel.show()
        self.panel.raise_()

    def hide(self) -> None:
        """Put the question away."""
        (self.window or self.panel).hide()

    @property
    def visible(self) -> bool:
        """True while the question is up."""
        return (self.window or self.panel).isVisible()

    def fit(self) -> None:
        """Follow the counter window's size (the overlay covers it)."""
        if self.window is None:
            self.panel.setGeometry(self.main.rect())

    def close(self) -> None:
        """Close the citizen's window (the app is closing)."""
        if self.window is not None:
            self.window.close()
