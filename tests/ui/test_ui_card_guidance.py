"""The counter's live guidance when a QR code is seen but not read: the code outlined on the
preview, and what would help (closer, tilt against glare, hold still), in both languages.

The real window and watcher; the analyzer is a stub that reports a located code (where the
card path would have found it), so what is on screen does not depend on timing."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtGui import QColor

from kiosk.counter.camera import StillSource
from kiosk.counter.watch import FrameScan
from recognition.analyzer import FrameFaces
from recognition.qr_locate import Located
from ui.counter import State
from ui.i18n import set_language
from ui.preview import CODE_COLOUR
from ui.style import apply_style
from ui.testing import frame, open_window

QUAD = np.float32([[300, 150], [420, 160], [410, 280], [290, 270]])


class SeesACode:
    """Reports the code it is told to (``code``: a Located or None) on every frame."""

    def __init__(self) -> None:
        self.code: Located | None = None

    def scan(self, frame, *, qr, face, thorough=False, also=()):
        return FrameScan(
            located=(self.code,) if self.code is not None else (), faces=FrameFaces((), None) if face else None
        )

    def close(self):
        pass


@pytest.fixture
def analyzer() -> SeesACode:
    return SeesACode()


@pytest.fixture
def window(qtbot, qapp, tmp_path, kiosk, analyzer):
    apply_style(qapp)
    window = open_window(
        kiosk=kiosk,
        source=StillSource([frame("frames/empty_counter.jpg")]),
        analyzer=analyzer,
        config_path=tmp_path / "kiosk.toml",
        run_retention=False,
    )
    qtbot.addWidget(window)
    yield window
    set_language("vi")
    window.shutdown()


def outline_pixels(preview) -> int:
    image = preview.grab().toImage()
    colour = QColor(CODE_COLOUR).rgb()
    return sum(image.pixel(x, y) == colour for x in range(0, image.width(), 2) for y in range(0, image.height(), 2))


def test_asking_for_the_card_guides_a_code_that_does_not_read(qtbot, window, analyzer):
    counter = window.counter
    counter.ask_for_card("")
    assert counter.state is State.ASK_CARD
    analyzer.code = Located(QUAD, "zxing", module_px=2.1, glare=0.0)
    qtbot.waitUntil(lambda: counter.preview.status == "Đã thấy mã QR: đưa thẻ lại gần hơn", timeout=3000)
    assert counter.preview.code_shown
    qtbot.waitUntil(lambda: outline_pixels(counter.preview) > 50, timeout=3000)  # the code is outlined on the picture
    analyzer.code = Located(QUAD, "zxing", module_px=2.1, glare=0.12)
    qtbot.waitUntil(lambda: counter.preview.status == "Đã thấy mã QR: nghiêng thẻ để tránh lóa", timeout=3000)
    analyzer.code = Located(QUAD, "texture", module_px=3.6, glare=0.0)
    qtbot.waitUntil(lambda: counter.preview.status == "Đã thấy mã QR: giữ yên thẻ", timeout=3000)
    analyzer.code = None  # the card went away: back to the request
    qtbot.waitUntil(lambda: counter.preview.status == "Mời đưa mã QR trên thẻ CCCD vào camera", timeout=3000)
    qtbot.waitUntil(lambda: not counter.preview.code_shown, timeout=3000)


def test_guidance_in_english_and_while_idle(qtbot, window, analyzer):
    counter = window.counter
    window.language_button.click()
    qtbot.waitUntil(lambda: counter.idle.heading.text() == "Please look at the camera", timeout=2000)
    analyzer.code = Located(QUAD, "zxing", module_px=2.0, glare=0.3)
    qtbot.waitUntil(lambda: counter.preview.status == "QR code seen: tilt the card to avoid the glare", timeout=3000)
    assert counter.state is State.IDLE
    analyzer.code = None
    qtbot.waitUntil(lambda: counter.preview.status == "Please look at the camera", timeout=3000)
