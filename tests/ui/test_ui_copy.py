"""The window's "Sao chép": the record on the form to the clipboard, tab-separated or (Shift/Ctrl) JSON,
with the names of ``kiosk qr --json``; the window's desk (what the local API reads) follows the screen."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from kiosk.counter.camera import StillSource
from ui.counter import State
from ui.style import apply_style
from ui.testing import frame, open_window, shared_analyzer

pytestmark = pytest.mark.slow

TSV = "096098004127\t381726354\tLê Anh Sơn\t1998-03-14\tNam\tKhóm 5, Phường 7, Thành phố Cà Mau, Cà Mau\t2021-08-15"


def test_copy_puts_the_record_on_the_clipboard_as_tsv_and_json(qtbot, qapp, tmp_path, kiosk):
    apply_style(qapp)
    camera = StillSource([frame("frames/empty_counter.jpg")], name="fake camera")
    window = open_window(kiosk=kiosk, source=camera, analyzer=shared_analyzer(), config_path=tmp_path / "kiosk.toml")
    qtbot.addWidget(window)
    try:
        counter = window.counter
        with qtbot.waitSignal(counter.form_filled, timeout=15000):
            camera.show([frame("cards/london_005.jpg")])
        assert counter.state is State.CARD
        desk = counter.flow.desk.current()
        assert desk is not None and (desk.state, desk.how, desk.citizen.full_name) == (
            "recognised",
            "card",
            "Lê Anh Sơn",
        )
        assert counter.form.copy.isVisible() and counter.form.copy.text() == "Sao chép"

        QGuiApplication.clipboard().clear()
        qtbot.mouseClick(counter.form.copy, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == TSV
        assert "Đã sao chép" in window.banner.text.text()

        qtbot.mouseClick(counter.form.copy, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier)
        copied = json.loads(QGuiApplication.clipboard().text())
        assert list(copied)[:7] == [
            "id_number",
            "old_id_number",
            "full_name",
            "date_of_birth",
            "gender",
            "address",
            "issue_date",
        ]
        assert copied["full_name"] == "Lê Anh Sơn" and copied["date_of_birth"] == "1998-03-14"
        window.grab().save(str(tmp_path / "copied.png"))

        qtbot.keyClick(counter, Qt.Key.Key_Escape)  # cancel: the recognised citizen is no longer current
        assert counter.state is State.IDLE and counter.flow.desk.current() is None
    finally:
        window.shutdown()
