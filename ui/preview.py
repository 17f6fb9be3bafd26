"""The live camera preview: paints the newest frame on a timer, with face boxes and a status line.

The timer (33 ms) takes the newest frame from the :class:`FrameSlot` without waiting;
when nothing new arrived it does not repaint. Painting wraps the numpy frame in a QImage
(no copy) and scales it into the widget: a few milliseconds at 640x480.
"""

from __future__ import annotations

import time
from collections import deque

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from models import FaceBox
from ui.frames import FrameSlot

BOX_TTL_S = 0.8
"""Face boxes (and a located QR code's outline) older than this (seconds) are not drawn:
the face or the card may have moved on."""
CODE_COLOUR = "#00c2ff"


class PreviewWidget(QWidget):
    """Shows the camera; counts the new frames it painted (``paints``) and their rate (``fps``)."""

    def __init__(self, *, slot: FrameSlot, interval_ms: int = 33, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slot = slot
        self.setMinimumSize(480, 360)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._seq = 0
        self._painted_seq = 0
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self._boxes: tuple[FaceBox, ...] = ()
        self._box_colour = QColor("#f5c400")
        self._boxes_at = 0.0
        self._frame_shape = (0, 0)
        self._code: tuple[tuple[float, float], ...] = ()
        self._code_at = 0.0
        self.status = ""
        self.placeholder = ""
        self.paints = 0
        self._paint_times: deque[float] = deque(maxlen=90)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start(interval_ms)

    @property
    def fps(self) -> float:
        """Frames painted per second over the last ~3 s."""
        times = [t for t in self._paint_times if t > time.monotonic() - 3.0]
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])

    def set_status(self, text: str) -> None:
        """The line drawn across the bottom of the picture."""
        if text != self.status:
            self.status = text
            self.update()

    def set_placeholder(self, text: str) -> None:
        """Text shown instead of the picture (no camera); empty to show the camera again."""
        self.placeholder = text
        if text:
            self._frame, self._image = None, None
        self.update()

    def set_boxes(self, boxes: tuple[FaceBox, ...], frame_shape: tuple[int, int], colour: str = "#f5c400") -> None:
        """Face boxes (frame pixels) to draw for a short while."""
        self._boxes, self._frame_shape, self._box_colour = boxes, frame_shape, QColor(colour)
        self._boxes_at = time.monotonic()

    def set_code(self, corners: tuple[tuple[float, float], ...], frame_shape: tuple[int, int]) -> None:
        """Outline a QR code seen but not read (its corners in frame pixels) for a short while."""
        self._code, self._frame_shape, self._code_at = corners, frame_shape, time.monotonic()

    @property
    def code_shown(self) -> bool:
        """True while a located code's outline is drawn."""
        return bool(self._code) and time.monotonic() - self._code_at <= BOX_TTL_S

    def _tick(self) -> None:
        seq, frame = self.slot.latest()
        if frame is None or seq == self._seq:
            return
        self._seq = seq
        frame = np.ascontiguousarray(frame)
        height, width = frame.shape[:2]
        self._frame = frame  # keeps the buffer alive while the QImage points at it
        self._image = QImage(frame.data, width, height, frame.strides[0], QImage.Format.Format_BGR888)
        self.update()

    def _target(self, width: int, height: int) -> QRectF:
        scale = min(self.width() / width, self.height() / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d1f22"))
        if self._image is not None and not self.placeholder:
            target = self._target(self._image.width(), self._image.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(target, self._image)
            self._draw_boxes(painter, target)
            if self._painted_seq != self._seq:
                self._painted_seq = self._seq
                self.paints += 1
                self._paint_times.append(time.monotonic())
        elif self.placeholder:
            painter.setPen(QColor("white"))
            painter.setFont(QFont(self.font().family(), 18, QFont.Weight.Bold))
            painter.drawText(
                self.rect().adjusted(30, 30, -30, -30),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.placeholder,
            )
        if self.status:
            self._draw_status(painter)
        painter.end()

    def _draw_boxes(self, painter: QPainter, target: QRectF) -> None:
        if not self._frame_shape[1]:
            return
        sx, sy = target.width() / self._frame_shape[1], target.height() / self._frame_shape[0]
        if self.code_shown:
            painter.setPen(QPen(QColor(CODE_COLOUR), 3))
            painter.drawPolygon(QPolygonF([QPointF(target.x() + x * sx, target.y() + y * sy) for x, y in self._code]))
        if not self._boxes or time.monotonic() - self._boxes_at > BOX_TTL_S:
            return
        for i, box in enumerate(self._boxes):
            colour = self._box_colour if i == 0 else QColor("#9aa0a6")
            painter.setPen(QPen(colour, 4 if i == 0 else 2))
            painter.drawRect(
                QRectF(target.x() + box.left * sx, target.y() + box.top * sy, box.width * sx, box.height * sy)
            )

    def _draw_status(self, painter: QPainter) -> None:
        font = QFont(self.font().family(), 16, QFont.Weight.Bold)
        painter.setFont(font)
        height = painter.fontMetrics().height() + 20
        band = QRect(0, self.height() - height, self.width(), height)
        painter.fillRect(band, QColor(0, 0, 0, 170))
        painter.setPen(QColor("white"))
        painter.drawText(
            band.adjusted(16, 0, -16, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.status
        )
