"""USB QR scanners: keyboard-wedge bursts and serial ports, and refusing text whose Vietnamese was mangled."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from kiosk.counter.camera import StillSource
from kiosk.counter.watch import FrameScan, ScannerMangledError, card_from_scanner
from ui.counter import State
from ui.scanner import SerialScanner, WedgeScanner
from ui.testing import frame, open_window

GOOD = "096302011835||Nguyễn Thị Kim Thư|02112002|Nữ|Ấp 3, Xã Tân Lộc, Huyện Thới Bình, Cà Mau|01092021"


class NoRecognition:
    def scan(self, frame, *, qr, face, thorough=False, also=()):
        return FrameScan()

    def close(self):
        pass


def test_a_clean_payload_is_read_with_its_warnings():
    card = card_from_scanner(GOOD + "\r\n")
    assert card.record.full_name == "Nguyễn Thị Kim Thư" and not card.warnings
    mismatched = card_from_scanner(GOOD.replace("02112002", "02111999"))  # ID digits 5-6 say 2002
    assert any(w.code == "birth_year_digits" for w in mismatched.warnings)
    assert card_from_scanner(GOOD.encode("utf-8")).record.gender.value == "Nữ"


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (GOOD.replace("ễ", "?").replace("ư", "?"), "'?'"),
        ("096302011835||Nguyen Thi Kim Thu|02112002|Nu|Ap 3, Xa Tan Loc, Huyen Thoi Binh, Ca Mau|01092021", "accents"),
        (GOOD.encode("utf-8").decode("latin-1"), "garbled"),
        (GOOD.encode("utf-8").decode("cp1252", errors="replace"), "garbled"),
        ("&(^é)'((àà(&é||...", "not a readable CCCD"),
        (GOOD.encode("utf-16"), "not UTF-8"),
    ],
)
def test_mangled_scanner_text_is_refused(payload, fragment):
    with pytest.raises(ScannerMangledError) as info:
        card_from_scanner(payload)
    assert fragment in info.value.message and "camera" in info.value.hint


@pytest.fixture
def window(qtbot, qapp, tmp_path, kiosk):
    window = open_window(
        kiosk=kiosk,
        source=StillSource([frame("frames/empty_counter.jpg")]),
        analyzer=NoRecognition(),
        config_path=tmp_path / "kiosk.toml",
        run_retention=False,
    )
    qtbot.addWidget(window)
    yield window
    window.shutdown()


def scanner_types(widget, text: str) -> None:
    """What a wedge scanner does: one key press per character, microseconds apart, then Enter.

    (QTest.keyClicks only knows ASCII keys; the scanner's text events carry any character.)
    """
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QKeyEvent

    for char in text:
        key = ord(char.upper()) if char.isascii() and char.isalnum() else 0
        QCoreApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier, char))
    QCoreApplication.sendEvent(
        widget, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
    )


def test_a_wedge_scanner_burst_fills_the_form(qtbot, window):
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=3000) as filled:
        scanner_types(counter, GOOD)
    assert filled.args[0].full_name == "Nguyễn Thị Kim Thư"
    assert counter.state is State.CARD and not counter.card_known


def test_a_wedge_scanner_that_lost_the_accents_asks_for_the_camera(qtbot, window):
    counter = window.counter
    scanner_types(counter, GOOD.replace("ễ", "?"))
    qtbot.waitUntil(lambda: counter.state is State.ASK_CARD, timeout=3000)
    assert counter.ask_card.reason == "scanner" and window.banner.kind == "error"
    assert "Máy quét làm hỏng chữ tiếng Việt" in window.banner.text.text()
    assert counter.form.form.record is None


def test_a_person_typing_is_not_taken_for_a_scanner(qtbot):
    field = QLineEdit()
    qtbot.addWidget(field)
    wedge = WedgeScanner()
    field.installEventFilter(wedge)
    with qtbot.assertNotEmitted(wedge.scanned):
        qtbot.keyClicks(field, "0961|2", delay=80)  # a person: keys ~80 ms apart
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "0961|2"
    with qtbot.assertNotEmitted(wedge.scanned):
        qtbot.keyClicks(field, "abc")  # a fast burst that is no payload is handed back in order
        qtbot.waitUntil(lambda: field.text() == "0961|2abc", timeout=1000)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal stands in for the scanner's port")
def test_a_serial_scanner_port(qtbot):
    import pty

    master, slave = pty.openpty()
    scanner = SerialScanner(os.ttyname(slave))
    try:
        with qtbot.waitSignal(scanner.opened, timeout=5000):
            scanner.start()
        with qtbot.waitSignal(scanner.scanned, timeout=5000) as got:
            os.write(master, GOOD.encode("utf-8") + b"\r\n")
        assert card_from_scanner(got.args[0]).record.full_name == "Nguyễn Thị Kim Thư"
    finally:
        scanner.stop()
        os.close(master)
        os.close(slave)


def test_a_missing_serial_port_is_reported_once(qtbot):
    scanner = SerialScanner("/dev/does-not-exist-kiosk" if os.name != "nt" else "COM97")
    try:
        with qtbot.waitSignal(scanner.failed, timeout=5000) as failed:
            scanner.start()
        assert "not available" in failed.args[0].message
    finally:
        scanner.stop()
