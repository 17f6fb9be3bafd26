"""The counter screen driven through real widgets, a fake camera showing real sample images,
and the real recognition (the analyzer process, dlib, the decision policy, SQLite)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time

import pytest
from PySide6.QtCore import Qt

from kiosk.counter.camera import StillSource
from kiosk.counter.screen_guard import Reason
from kiosk.counter.service import Kiosk
from tests.support.data import check_ins
from ui.counter import State
from ui.style import apply_style
from ui.testing import frame, open_window, shared_analyzer

pytestmark = pytest.mark.slow

EMPTY = "frames/empty_counter.jpg"
SHOTS = os.environ.get("KIOSK_TEST_SHOTS", "")
"""A folder to save screenshots of new screens into, to look at (unset: none saved)."""


def shot(window, name: str) -> None:
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, name))


@pytest.fixture
def camera() -> StillSource:
    """The fake webcam: shows whatever the test holds up, at 30 fps."""
    return StillSource([frame(EMPTY)], name="fake camera")


@pytest.fixture
def open_counter(qtbot, qapp, tmp_path, camera):
    """Factory: the main window over a kiosk, fed by the fake camera; closed after the test."""
    apply_style(qapp)
    windows = []

    def make(kiosk: Kiosk, **kwargs):
        window = open_window(
            kiosk=kiosk, source=camera, analyzer=shared_analyzer(), config_path=tmp_path / "kiosk.toml", **kwargs
        )
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def show(camera: StillSource, *names: str) -> None:
    camera.show([frame(n) for n in names])


def press(qtbot, window, key) -> None:
    qtbot.keyClick(window.counter, key)


def visible_text(widget) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget))


def test_first_visit_card_consent_capture_saved_then_recognised(qtbot, open_counter, camera, kiosk):
    window = open_counter(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000) as filled:
        show(camera, "cards/london_005.jpg")
    assert filled.args[0].full_name == "Lê Anh Sơn"
    assert counter.state is State.CARD and not counter.card_known
    assert counter.form.form.values["id_number"].text() == "096098004127"

    press(qtbot, window, Qt.Key.Key_Return)
    assert counter.state is State.CONSENT
    assert "sinh trắc học" in counter.consent.text.toPlainText()
    assert not counter.consent.accept_button.isEnabled()
    press(qtbot, window, Qt.Key.Key_Return)  # Enter alone is not consent: the box is unticked
    assert counter.state is State.CONSENT
    press(qtbot, window, Qt.Key.Key_Space)
    assert counter.consent.box.isChecked()

    with qtbot.waitSignal(counter.enrolled, timeout=30000) as saved:
        press(qtbot, window, Qt.Key.Key_Return)
        assert counter.state is State.CAPTURE
        show(camera, "frames/london_005/enrol_1.jpg", "frames/london_005/enrol_2.jpg", "frames/london_005/enrol_3.jpg")
    result = saved.args[0]
    assert result.samples_stored == kiosk.settings.min_enrol_samples
    assert counter.state is State.SAVED
    found = kiosk.store.find_citizen("096098004127")
    assert found is not None and kiosk.store.consents(found[0])
    counter.enrolment.show_receipt()
    assert "Lê Anh Sơn" in counter.receipt_dialog.view.toPlainText()
    counter.receipt_dialog.close()

    press(qtbot, window, Qt.Key.Key_Return)
    assert counter.state is State.IDLE
    show(camera, EMPTY)  # the citizen steps away, comes back another day
    qtbot.waitUntil(lambda: not window.watcher.holding, timeout=5000)  # no face seen: the hold on her is lifted
    with qtbot.waitSignal(counter.form_filled, timeout=15000) as filled:
        show(camera, "frames/london_005/visit_2.jpg")
    assert filled.args[0].id_number == "096098004127" and counter.state is State.MATCH
    with qtbot.waitSignal(counter.visit_logged, timeout=5000):
        press(qtbot, window, Qt.Key.Key_Return)
    assert [v["method"] for v in check_ins(kiosk.store, 5)] == ["face"]


def test_later_visit_recognised_confirmed_and_logged(qtbot, open_counter, camera, enrolled):
    window = open_counter(enrolled)
    counter = window.counter
    qtbot.waitUntil(lambda: counter.preview.paints > 5, timeout=5000)
    shown_at = time.perf_counter()
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "frames/london_005/visit_2.jpg")
    latency = time.perf_counter() - shown_at
    print(
        f"\nface shown -> form filled: {latency * 1000:.0f} ms; preview {counter.preview.fps:.1f} fps; "
        f"analysis {window.recognizer.last_ms:.0f} ms/frame"
    )
    assert counter.state is State.MATCH
    text = visible_text(counter.form)
    assert "Lê Anh Sơn" in text and "Rất giống" in text and "096098004127" in text
    with qtbot.waitSignal(counter.visit_logged, timeout=5000):
        press(qtbot, window, Qt.Key.Key_Return)
    assert counter.state is State.IDLE and counter.form.form.record is None
    visits = check_ins(enrolled.store, 5)
    assert [(v["full_name"], v["method"]) for v in visits] == [("Lê Anh Sơn", "face")]
    with qtbot.assertNotEmitted(counter.form_filled, wait=1200):
        pass  # the same citizen still in front of the camera is not checked in twice

    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "frames/lisa/visit_2.jpg")
    press(qtbot, window, Qt.Key.Key_Escape)  # "Không phải tôi": cleared, the card is asked for
    assert counter.state is State.ASK_CARD
    assert "Đặng Thị Phượng" not in visible_text(counter)
    assert len(check_ins(enrolled.store, 5)) == 1


@pytest.fixture
def strict_kiosk(tmp_path, enrolled):
    """The enrolled kiosk's database reopened with settings under which every face needs the keypad."""
    from kiosk.counter.service import Kiosk

    def reopen(**changes):
        settings = enrolled.settings.replace(sface_auto_accept_distance=0.05, **changes)
        return Kiosk(settings, enrolled.store)

    return reopen


def test_keypad_confirms_with_the_last_digits_and_shows_nobody_before(qtbot, open_counter, camera, strict_kiosk):
    kiosk = strict_kiosk()
    window = open_counter(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "keypad"):
        show(camera, "frames/london_005/visit_4.jpg")  # distance 0.34: above the strict 0.2, so the keypad decides
    assert counter.form.form.record is None
    assert "Lê Anh Sơn" not in visible_text(window) and "4127" not in visible_text(window)
    assert "4 số cuối" in counter.keypad.asking.text()
    for digit in "0000":
        qtbot.mouseClick(counter.keypad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: counter.keypad.missed, timeout=5000)
    assert counter.keypad.attempts_left == 2 and counter.state is State.KEYPAD
    assert "6 số cuối" in counter.keypad.asking.text()  # after a miss, six digits
    assert counter.keypad.display.text().split() == ["_"] * 6
    with qtbot.waitSignal(counter.form_filled, timeout=5000) as filled:
        qtbot.keyClicks(counter, "004127")  # the physical number keys work too
    assert filled.args[0].full_name == "Lê Anh Sơn" and counter.check.via_keypad
    assert "nhập đúng số xác nhận" in counter.form.quality.text()
    with qtbot.waitSignal(counter.visit_logged, timeout=5000):
        press(qtbot, window, Qt.Key.Key_Return)
    assert check_ins(kiosk.store, 1)[0]["method"] == "confirm"


def test_three_keypad_misses_ask_for_the_card(qtbot, open_counter, camera, strict_kiosk):
    kiosk = strict_kiosk(confirm_with="birth_year")
    window = open_counter(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "keypad"):
        show(camera, "frames/london_043/visit_4.jpg")
    assert "năm sinh" in counter.keypad.asking.text()
    for left, typed in ((2, "1111"), (1, "111111")):  # a year first, then 6 ID digits
        qtbot.keyClicks(counter, typed)
        qtbot.waitUntil(lambda n=left: counter.keypad.attempts_left == n, timeout=5000)
        assert "6 số cuối" in counter.keypad.asking.text()
    with qtbot.waitSignal(counter.state_changed, timeout=5000, check_params_cb=lambda s: s == "ask_card"):
        qtbot.keyClicks(counter, "111111")
    assert counter.state is State.ASK_CARD and counter.ask_card.reason == "keypad"
    assert not check_ins(kiosk.store, 5)


def test_unknown_face_asks_for_the_card_and_a_known_card_offers_new_samples(qtbot, open_counter, camera, enrolled):
    window = open_counter(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "ask_card"):
        show(camera, "frames/strangers/london_132_1.jpg")
    assert counter.ask_card.reason == "unknown"
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_099.jpg")
    assert counter.card_known and counter.face_failed
    assert counter.form.extra.isVisible() and "cập nhật ảnh" in counter.form.note.text()
    samples_before = enrolled.store.sample_count()
    with qtbot.waitSignal(counter.samples_added, timeout=30000) as added:
        press(qtbot, window, Qt.Key.Key_F5)
        assert counter.state is State.CAPTURE and counter.capture.adding
        show(camera, "frames/london_099/enrol_1.jpg", "frames/london_099/enrol_2.jpg", "frames/london_099/enrol_3.jpg")
    assert enrolled.store.sample_count() == samples_before + added.args[0]


def test_capture_gives_live_hints_for_a_turned_face(qtbot, open_counter, camera, kiosk):
    window = open_counter(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_045.jpg")
    press(qtbot, window, Qt.Key.Key_Return)
    press(qtbot, window, Qt.Key.Key_Space)
    press(qtbot, window, Qt.Key.Key_Return)
    show(camera, "frames/london_045/enrol_bad_3_0.jpg")
    qtbot.waitUntil(lambda: "Nhìn thẳng vào camera" in counter.capture.hint.text(), timeout=15000)
    assert counter.enrolment.samples == [] and counter.state is State.CAPTURE
    press(qtbot, window, Qt.Key.Key_Escape)
    assert counter.state is State.IDLE and kiosk.store.find_citizen("096203007742") is None


def test_a_database_error_is_one_clear_line_and_nothing_is_lost(qtbot, open_counter, camera, enrolled, monkeypatch):
    window = open_counter(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "frames/london_005/visit_2.jpg")
    real = enrolled.check_in

    def broken(check, seen_at=None, *, learn=False):
        import sqlite3

        from kiosk.store.base import _store_error

        raise _store_error(enrolled.store.path, "record the visit", sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(enrolled, "check_in", broken)
    press(qtbot, window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=5000)
    assert window.banner.text.text() == "Cơ sở dữ liệu đang bị một chương trình khác sử dụng."
    assert str(enrolled.store.path) in window.banner.detail.text() and "chưa lưu gì" in window.banner.detail.text()
    assert counter.state is State.MATCH and counter.form.form.record is not None
    monkeypatch.setattr(enrolled, "check_in", real)
    with qtbot.waitSignal(counter.visit_logged, timeout=5000):
        press(qtbot, window, Qt.Key.Key_Return)


def test_a_qr_code_that_is_not_a_card_is_said_so(qtbot, open_counter, camera, kiosk):
    window = open_counter(kiosk)
    show(camera, "cards/not_a_cccd.png")
    qtbot.waitUntil(lambda: window.banner.kind == "warning", timeout=15000)
    assert "không phải của thẻ CCCD" in window.banner.text.text()
    assert window.counter.state is State.IDLE


def test_a_mis_encoded_card_is_shown_with_its_warnings_and_corrected_with_f6(qtbot, open_counter, camera, kiosk):
    import cv2

    from tests.support.qr_images import make_qr

    def card(payload: str):
        code = cv2.cvtColor(make_qr(payload, box_px=5), cv2.COLOR_GRAY2BGR)
        return cv2.copyMakeBorder(code, 40, 40, 120, 120, cv2.BORDER_CONSTANT, value=(255, 255, 255))

    payload = "096201001234|3812345670|LÃª Anh SÆ¡n|01012001|Nam|Khóm 5, Phường 7, TP Cà Mau|15082021"
    window = open_counter(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        camera.show([card(payload)])
    warnings = counter.form.warnings.text()
    assert counter.state is State.CARD and "Số CMND cũ '3812345670' không phải 9 hay 12 chữ số" in warnings
    assert "Họ tên có vẻ bị lỗi mã hoá ký tự" in warnings and counter.form.correct.isVisible()
    press(qtbot, window, Qt.Key.Key_F6)
    dialog = counter._correction
    assert dialog is not None and dialog.isVisible() and dialog.full_name.text() == "Lê Anh Sơn"  # the likely text
    assert dialog.address.isReadOnly() and not dialog.full_name.isReadOnly()  # the address read fine
    qtbot.waitExposed(dialog)
    qtbot.wait(200)
    shot(dialog, "correction-dialog.png")
    dialog.full_name.setText("")
    dialog.accept()  # refused: the dialog stays, the reason on the banner
    assert counter._correction is dialog and dialog.isVisible() and window.banner.isVisible()
    with qtbot.waitSignal(counter.form_filled, timeout=15000):  # another citizen's card comes into view
        camera.show([card("079301009999||Trần Thị Bích|01012001|Nữ|Khóm 1, TP Cà Mau|15082021")])
    assert counter._correction is None  # the first card's dialog went with its screen
    assert counter.form.form.values["full_name"].text() == "Trần Thị Bích" and not counter.form.correct.isVisible()
    press(qtbot, window, Qt.Key.Key_F6)  # nothing on this card was read mis-encoded
    assert counter._correction is None

    show(camera, EMPTY)
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        camera.show([card(payload)])
    press(qtbot, window, Qt.Key.Key_F6)
    counter._correction.accept()  # the likely text, as offered
    assert counter._correction is None and counter.form.form.values["full_name"].text() == "Lê Anh Sơn"
    assert "lỗi mã hoá" not in counter.form.warnings.text() and "9 hay 12" in counter.form.warnings.text()
    assert not counter.form.correct.isVisible()
    shot(window, "correction-done.png")
    assert kiosk.store.audit_entries(3)[0]["action"] == "card_corrected"
    counter.flow.clear_screen(Reason.FACE_GONE)
    assert counter.state is State.IDLE


def consent_with_a_chip_reader(qtbot, open_counter, camera, kiosk, monkeypatch, card_record):
    """The window over ``kiosk`` with a reader holding london_005's simulated card, her card's QR
    shown and consent given: capture is next. Returns the window."""
    from tests.support.chip_card import plug_reader
    from tests.support.data import FACES

    plug_reader(monkeypatch, card_record("london_005"), FACES / "london_005" / "3.jpg")
    window = open_counter(kiosk)
    with qtbot.waitSignal(window.counter.form_filled, timeout=15000):
        show(camera, "cards/london_005.jpg")
    press(qtbot, window, Qt.Key.Key_Return)
    press(qtbot, window, Qt.Key.Key_Space)
    return window


def test_with_a_chip_reader_a_face_that_is_not_the_holder_is_refused_on_screen(
    qtbot, open_counter, camera, kiosk, monkeypatch, card_record
):
    window = consent_with_a_chip_reader(qtbot, open_counter, camera, kiosk, monkeypatch, card_record)
    press(qtbot, window, Qt.Key.Key_Return)
    assert window.counter.state is State.CAPTURE
    show(camera, "frames/london_030/enrol_1.jpg", "frames/london_030/enrol_2.jpg", "frames/london_030/enrol_3.jpg")
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=30000)
    assert window.banner.text.text() == "Không đăng ký: người trước camera không phải chủ thẻ CCCD này."
    assert "Chưa lưu gì" in window.banner.detail.text()
    assert window.counter.state is State.IDLE
    assert kiosk.store.find_citizen("096098004127") is None
    shot(window, "chip-not-holder.png")


def test_with_a_chip_reader_the_saved_screen_says_how_far_the_chip_was_verified(
    qtbot, open_counter, camera, kiosk, monkeypatch, card_record
):
    window = consent_with_a_chip_reader(qtbot, open_counter, camera, kiosk, monkeypatch, card_record)
    with qtbot.waitSignal(window.counter.enrolled, timeout=30000) as saved:
        press(qtbot, window, Qt.Key.Key_Return)
        show(camera, "frames/london_005/enrol_1.jpg", "frames/london_005/enrol_2.jpg", "frames/london_005/enrol_3.jpg")
    assert saved.args[0].chip_level == "signature"  # the test card's signer has no CSCA file here
    text = visible_text(window.counter)
    assert "Chip CCCD: chữ ký số hợp lệ nhưng chưa đối chiếu được" in text and "hồ sơ lấy theo mã QR" in text
    shot(window, "chip-saved.png")
