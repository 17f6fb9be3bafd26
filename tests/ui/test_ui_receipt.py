"""The consent receipt dialog fits a 1366x768 counter screen and shows local times."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QPainter, QPixmap

from kiosk.timefmt import local_time
from ui.receipt import ReceiptDialog
from ui.style import apply_style

SCREEN = QRect(0, 0, 1366, 768)
WORK_AREA = QRect(0, 0, 1366, 728)  # a 40 px taskbar at the bottom


def test_the_receipt_shows_the_consent_time_in_local_time(enrolled, admin):
    found = enrolled.store.find_citizen("096098004127")
    given = enrolled.store.latest_consent(found[0])["given_at"]
    html = admin.consent_receipt("096098004127")
    assert "+00:00" not in html and given not in html
    shown = local_time(given, "Asia/Ho_Chi_Minh")
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", shown)
    assert f"{shown} (UTC+07:00)" in html
    other = enrolled.settings.replace(display_timezone="Asia/Tokyo")
    enrolled.settings = other
    assert f"{local_time(given, 'Asia/Tokyo')} (UTC+09:00)" in admin.consent_receipt("096098004127")


def test_the_dialog_fits_a_1366x768_screen_with_its_buttons_visible(qtbot, qapp, enrolled, admin, tmp_path):
    apply_style(qapp)
    dialog = ReceiptDialog(html=admin.consent_receipt("096098004127"), name="Lê Anh Sơn")
    qtbot.addWidget(dialog)
    dialog.fit_screen(WORK_AREA)
    dialog.show()
    qtbot.waitExposed(dialog)
    frame = dialog.geometry()
    assert WORK_AREA.contains(frame), (frame, WORK_AREA)
    assert frame.height() <= 728 - 2 * 24 and frame.width() <= 760
    for widget in dialog.buttons():
        where = QRect(widget.mapTo(dialog, QPoint(0, 0)), widget.size())
        assert widget.isVisible() and dialog.rect().contains(where), (widget.text(), where, dialog.rect())
    scroll = dialog.view.verticalScrollBar()
    assert scroll.maximum() > 0  # the receipt is longer than the room: it scrolls, the buttons do not move

    shot = QPixmap(SCREEN.size())  # the dialog where it sits on a 1366x768 screen
    shot.fill(QColor("#3b4252"))
    painter = QPainter(shot)
    painter.fillRect(QRect(0, 728, 1366, 40), QColor("#222"))
    painter.drawPixmap(frame.topLeft(), dialog.grab())
    painter.end()
    target = os.environ.get("KIOSK_SCREENSHOT_DIR")
    assert shot.save(str(tmp_path / "receipt-1366x768.png"))
    if target:
        shot.save(os.path.join(target, "receipt-1366x768.png"))


def test_the_dialog_fits_the_screen_it_opens_on(qtbot, qapp, enrolled, admin):
    dialog = ReceiptDialog(html=admin.consent_receipt("096098004127"), name="Lê Anh Sơn")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    available = dialog.screen().availableGeometry()
    assert available.contains(dialog.geometry()), (dialog.geometry(), available)
