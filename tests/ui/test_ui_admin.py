"""The administration area: first-run PIN, login, search, visits, purge, retention, audit, settings, statistics."""

from __future__ import annotations

import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from kiosk.counter.camera import StillSource
from kiosk.counter.stats import today_stats
from kiosk.counter.watch import FrameScan
from kiosk.settings import load_settings
from tests.support.data import ADMIN_PIN, FRAMES, analyzed
from ui.style import apply_style
from ui.testing import frame, open_window


class NoRecognition:
    def scan(self, frame, *, qr, face, thorough=False, also=()):
        return FrameScan()

    def close(self):
        pass


@pytest.fixture
def questions():
    """What the confirmation boxes asked, and the answer they get."""
    return {"asked": [], "answer": True}


@pytest.fixture
def admin_window(qtbot, qapp, tmp_path, questions):
    apply_style(qapp)
    made = []

    def ask(title, text):
        questions["asked"].append(text)
        return questions["answer"]

    def make(kiosk):
        window = open_window(
            kiosk=kiosk,
            source=StillSource([frame("frames/empty_counter.jpg")]),
            analyzer=NoRecognition(),
            config_path=tmp_path / "kiosk.toml",
            ask=ask,
            run_retention=False,
        )
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.shutdown()


def log_in(qtbot, window, pin=ADMIN_PIN, again=None):
    qtbot.keyClick(window.counter, Qt.Key.Key_F12)
    view = window.admin.pin_view
    assert window.pages.currentWidget() is window.admin
    view.pin.setText(pin)
    if view.first_run:
        view.again.setText(pin if again is None else again)
    view.submit()
    return view


def test_first_run_sets_the_pin_then_it_is_required(qtbot, admin_window, kiosk):
    window = admin_window(kiosk)
    view = log_in(qtbot, window, "246810", again="246811")
    assert view.first_run and "không giống" in view.error.text()
    assert not kiosk.has_admin_pin()
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        view.pin.setText("246810")
        view.again.setText("246810")
        view.submit()
    assert kiosk.has_admin_pin() and window.admin.stack.currentIndex() == 1
    qtbot.keyClick(window.admin, Qt.Key.Key_Escape)
    assert window.pages.currentWidget() is window.counter and window.admin.admin is None

    view = log_in(qtbot, window, "000000")
    assert not view.first_run and not view.again.isVisible()
    qtbot.waitUntil(lambda: "PIN" in view.error.text(), timeout=10000)
    assert window.admin.stack.currentIndex() == 0
    actions = [e["action"] for e in kiosk.store.audit_entries(10)]
    assert "login_failed" in actions and "pin_set" in actions


def test_search_visits_and_purge_naming_the_citizen(qtbot, admin_window, enrolled, admin, questions):
    window = admin_window(enrolled)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.tabs_list[0]
    qtbot.waitUntil(lambda: tab.table.rowCount() == 4, timeout=5000)
    tab.search.setText("tran van duc")  # accents ignored
    tab.refresh()
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=5000)
    assert tab.table.item(0, 0).text() == "Trần Văn Đức" and tab.table.item(0, 1).text() == "096*******19"

    enrolled.check_in(enrolled.identify_sample(analyzed(FRAMES / "london_043" / "visit_2.jpg").primary))
    assert tab.visits.isHidden()  # no empty box under the list until a citizen's visits are asked for
    tab.show_visits()
    qtbot.waitUntil(lambda: tab.visits.rowCount() == 2, timeout=5000)  # the check-in, then the first visit
    assert [tab.visits.item(r, 2).text() for r in (0, 1)] == ["khuôn mặt", "đăng ký lần đầu"]
    assert not tab.visits.isHidden() and "," in tab.visits.item(0, 3).text()  # 0,3xx: a decimal comma, as in Vietnamese

    questions["answer"] = False
    tab.purge(withdraw=False)
    assert "Trần Văn Đức (096*******19)" in questions["asked"][-1]
    assert enrolled.store.find_citizen("096206002219") is not None
    questions["answer"] = True
    tab.purge(withdraw=False)
    qtbot.waitUntil(lambda: enrolled.store.find_citizen("096206002219") is None, timeout=5000)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 0, timeout=5000)
    assert "Đã xoá vĩnh viễn hồ sơ của Trần Văn Đức" in window.banner.text.text()


def test_retention_dry_run_then_purge(qtbot, admin_window, enrolled, questions):
    real_clock = enrolled.store.clock
    enrolled.store.clock = lambda: (
        real_clock() + timedelta(days=enrolled.settings.retention_days + 1)
    )  # nobody came back
    window = admin_window(enrolled)
    window.tasks.wait()  # the start-up retention has not been run by this window (run_retention=False)
    assert len(enrolled.store.citizens()) == 4
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.tabs_list[2]
    window.admin.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 4, timeout=5000)
    assert len(enrolled.store.citizens()) == 4  # a dry run deletes nothing
    tab.run_retention()
    assert "4 hồ sơ" in questions["asked"][-1]
    qtbot.waitUntil(lambda: not enrolled.store.citizens(), timeout=5000)


def test_the_app_applies_retention_at_start_up(qtbot, qapp, tmp_path, enrolled):
    real_clock = enrolled.store.clock
    enrolled.store.clock = lambda: real_clock() + timedelta(days=enrolled.settings.retention_days + 1)
    window = open_window(
        kiosk=enrolled,
        source=StillSource([frame("frames/empty_counter.jpg")]),
        analyzer=NoRecognition(),
        config_path=tmp_path / "kiosk.toml",
        run_retention=True,
    )
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: not enrolled.store.citizens(), timeout=5000)
        qtbot.waitUntil(lambda: "4 hồ sơ" in window.banner.text.text(), timeout=5000)
    finally:
        window.shutdown()


def test_audit_log_and_its_verification(qtbot, admin_window, enrolled):
    window = admin_window(enrolled)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.tabs_list[3]
    window.admin.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.table.rowCount() >= 5, timeout=5000)
    actions = {tab.table.item(r, 2).text() for r in range(tab.table.rowCount())}
    assert {
        "Đăng ký công dân",
        "Đăng nhập quản trị",
        "Đặt mã PIN",
    } <= actions  # codes in words, not enrol/login/pin_set
    details = [tab.table.item(r, 4).text() for r in range(tab.table.rowCount())]
    assert "phiên bản đồng ý: 2026-11-v1; số ảnh: 3" in details and not any("{" in d for d in details)
    assert all(
        re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", tab.table.item(r, 0).text()) for r in range(tab.table.rowCount())
    )
    tab.verify()
    qtbot.waitUntil(lambda: "nguyên vẹn" in tab.result.text(), timeout=5000)


def test_settings_are_saved_with_their_bounds_and_apply_language_at_once(qtbot, admin_window, kiosk, tmp_path):
    from ui.i18n import language, set_language

    window = admin_window(kiosk)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.settings_tab
    window.admin.tabs.setCurrentWidget(tab)
    threshold = tab.editors["sface_auto_accept_distance"]
    assert (threshold.minimum(), threshold.maximum()) == (0.05, 0.8)
    threshold.setValue(0.9)  # the editor keeps it within bounds
    assert threshold.value() == 0.8
    threshold.setValue(0.25)
    tab.editors["counter_name"].setText("Quầy 3")
    tab.editors["retention_days"].setValue(365)
    language_box = tab.editors["language"]
    language_box.setCurrentIndex(language_box.findData("en"))
    try:
        with qtbot.waitSignal(window.admin.settings_saved, timeout=5000):
            tab.save()
        saved = load_settings(tmp_path / "kiosk.toml", environ={})
        assert (saved.sface_auto_accept_distance, saved.counter_name, saved.retention_days, saved.language) == (
            0.25,
            "Quầy 3",
            365,
            "en",
        )
        assert language() == "en"
        qtbot.waitUntil(lambda: window.admin.tabs.tabText(4) == "Settings", timeout=2000)  # LanguageChange is an event
        assert any(e["action"] == "settings_changed" for e in kiosk.store.audit_entries(5))
    finally:
        set_language("vi")
    qtbot.waitUntil(lambda: window.admin.tabs.tabText(4) == "Cài đặt", timeout=2000)


def test_settings_hints_never_overlap_after_a_language_switch_while_the_tab_was_hidden(qtbot, admin_window, kiosk):
    """English captions are wider, so the hints wrap to more lines: every hint must get the
    height its text needs, also when the language changed while another tab was shown."""
    from ui.i18n import set_language

    window = admin_window(kiosk)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.settings_tab
    window.admin.tabs.setCurrentWidget(tab)
    qtbot.wait(200)
    window.admin.tabs.setCurrentIndex(3)  # the audit log
    try:
        set_language("en")
        qtbot.waitUntil(lambda: window.admin.tabs.tabText(4) == "Settings", timeout=2000)
        window.admin.tabs.setCurrentWidget(tab)
        qtbot.wait(400)
        short = {
            name: (hint.height(), hint.heightForWidth(hint.width()))
            for name, (hint, _) in tab.hints.items()
            if hint.height() < hint.heightForWidth(hint.width())
        }
        assert not short, f"hints cut short (height, needed): {short}"
    finally:
        set_language("vi")


def test_camera_choice_lists_the_devices_present(qtbot, admin_window, kiosk, monkeypatch):
    from kiosk.counter.camera import CameraInfo
    from ui import admin_settings

    monkeypatch.setattr(
        admin_settings,
        "list_cameras",
        lambda: [CameraInfo(0, "USB Camera (/dev/video0)"), CameraInfo(2, "HD Webcam (/dev/video2)")],
    )
    window = admin_window(kiosk)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.settings_tab
    window.admin.tabs.setCurrentWidget(tab)
    combo = tab.editors["camera_index"]
    qtbot.waitUntil(lambda: combo.count() == 2, timeout=5000)
    assert combo.itemText(1) == "2: HD Webcam (/dev/video2)"
    combo.setCurrentIndex(1)
    assert tab.values()["camera_index"] == 2


def test_todays_statistics(qtbot, admin_window, enrolled):
    enrolled.check_in(enrolled.identify_sample(analyzed(FRAMES / "london_005" / "visit_2.jpg").primary))
    stats = today_stats(enrolled.store)
    # one definition of a visit: the four enrolments were first visits, then one return by face
    assert (stats.first_visits, stats.by_face, stats.by_keypad, stats.by_card, stats.enrolments) == (4, 1, 0, 0, 4)
    assert stats.visits == 5 and stats.returns == 1
    assert today_stats(enrolled.store, counter="Quầy 9").visits == 0
    window = admin_window(enrolled)
    with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
        log_in(qtbot, window)
    tab = window.admin.tabs_list[5]
    window.admin.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.numbers["visits"].text() == "5", timeout=5000)
    assert tab.numbers["first_visits"].text() == "4" and tab.numbers["by_face"].text() == "1"
    # the tile and the service table's "Lượt đến" today say the same number
    qtbot.waitUntil(lambda: tab.service.rowCount() > 0, timeout=5000)
    assert tab.service.item(0, 0).text() == "Lượt đến" and tab.service.item(0, 1).text() == "5"
