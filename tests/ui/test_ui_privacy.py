"""Screen privacy in the real window (issue 10): a citizen's screen clears itself once the face has gone,
another card or face replaces it, the keypad clears for an empty counter, a capture never half-saves.

Real widgets, the fake camera showing real sample images, the real recognition process. Time
limits run on a clock the test moves (the guard's injected clock), so nothing waits for them.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from kiosk.counter.camera import StillSource
from kiosk.counter.screen_guard import MISMATCH_FRAMES
from tests.support.data import check_ins
from ui.counter import State
from ui.style import apply_style
from ui.testing import frame, open_window, shared_analyzer

pytestmark = pytest.mark.slow

EMPTY = "frames/empty_counter.jpg"


class Clock:
    """The guard's clock, in seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def camera() -> StillSource:
    return StillSource([frame(EMPTY)], name="fake camera")


@pytest.fixture
def counter_window(qtbot, qapp, tmp_path, camera):
    """Factory: the main window over a kiosk with its privacy guard on a test clock; closed after the test."""
    apply_style(qapp)
    windows = []

    def make(kiosk):
        window = open_window(
            kiosk=kiosk,
            source=camera,
            analyzer=shared_analyzer(),
            config_path=tmp_path / "kiosk.toml",
            run_retention=False,
        )
        qtbot.addWidget(window)
        windows.append(window)
        clock = Clock()
        window.counter.guard.clock = clock
        return window, clock

    yield make
    for window in windows:
        window.shutdown()


def show(camera: StillSource, *names: str) -> None:
    camera.show([frame(n) for n in names])


def frames_pass(qtbot, window, count: int = 3) -> None:
    """Wait until the recognition has analysed ``count`` more frames of what the camera shows now."""
    start = window.recognizer.analysed
    qtbot.waitUntil(lambda: window.recognizer.analysed >= start + count, timeout=15000)


def shown_text(widget) -> str:
    from PySide6.QtWidgets import QLabel

    return "\n".join(label.text() for label in widget.findChildren(QLabel) if label.isVisibleTo(widget))


def test_a_recognised_form_stays_with_the_face_and_clears_once_it_has_gone(qtbot, counter_window, camera, enrolled):
    window, clock = counter_window(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "frames/london_005/visit_2.jpg")
    limit = enrolled.settings.privacy_clear_s
    for _ in range(3):  # 3 x (limit - 1) seconds in front of the camera: each frame of her face keeps the form
        clock.now += limit - 1
        frames_pass(qtbot, window)
    assert counter.state is State.MATCH and "Lê Anh Sơn" in shown_text(counter)
    show(camera, EMPTY)  # she leaves
    frames_pass(qtbot, window)
    assert counter.state is State.MATCH  # not yet: no time has passed on the guard's clock
    with qtbot.waitSignal(counter.screen_cleared, timeout=5000) as cleared:
        clock.now += limit
    assert cleared.args == ["face_gone"] and counter.state is State.IDLE
    assert (
        counter.form.form.record is None
        and "Lê Anh Sơn" not in shown_text(window)
        and "096098004127" not in shown_text(window)
    )
    assert not check_ins(enrolled.store, 5)  # nothing was logged for her


def test_another_face_replaces_a_recognised_citizen_within_two_frames(qtbot, counter_window, camera, enrolled):
    window, _clock = counter_window(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "frames/london_005/visit_2.jpg")
    states = []
    counter.state_changed.connect(states.append)
    before = window.recognizer.analysed
    with qtbot.waitSignal(counter.screen_cleared, timeout=15000) as cleared:
        show(camera, "frames/lisa/visit_2.jpg")
    assert cleared.args == ["other_face"]
    assert window.recognizer.analysed - before <= MISMATCH_FRAMES + 1  # at most one frame of his still in flight
    assert "Lê Anh Sơn" not in shown_text(window)
    with qtbot.waitSignal(counter.form_filled, timeout=15000) as filled:
        pass  # the new face is recognised from scratch, over agreeing frames
    assert filled.args[0].full_name == "Đặng Thị Phượng" and states[:2] == ["idle", "match"]


def test_another_card_replaces_a_shown_card_and_the_same_card_is_not_read_again(
    qtbot, counter_window, camera, enrolled
):
    window, clock = counter_window(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_045.jpg")  # a first visit: Lý Quốc Sơn is not enrolled here
    assert counter.state is State.CARD and not counter.card_known
    with qtbot.assertNotEmitted(counter.form_filled, wait=1500):
        clock.now += enrolled.settings.privacy_clear_s - 1  # his card still in view: it is him, the form stays
    qtbot.waitUntil(lambda: counter.state is State.CARD and window.recognizer.analysed > 3, timeout=5000)
    clock.now += enrolled.settings.privacy_clear_s - 1
    frames_pass(qtbot, window)
    assert counter.state is State.CARD
    with qtbot.waitSignal(counter.form_filled, timeout=15000) as filled:
        show(camera, "cards/london_099.jpg")  # someone else's card while his data is up
    assert filled.args[0].full_name == "Phạm Thị Hương" and counter.card_known
    text = shown_text(counter.form)
    assert "096302009958" in text and "Lý Quốc Sơn" not in text and "096203007742" not in text


def test_a_new_citizens_card_form_clears_when_strangers_pass_instead_of_the_holder(
    qtbot, counter_window, camera, enrolled
):
    window, _clock = counter_window(enrolled)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_045.jpg")
    show(camera, "frames/london_045/visit_2.jpg")  # he lowers the card: his face is the one the form follows
    frames_pass(qtbot, window)
    assert counter.state is State.CARD
    with qtbot.waitSignal(counter.screen_cleared, timeout=15000) as cleared:
        show(camera, "frames/strangers/london_082_1.jpg")  # he left; a stranger walks past
    assert cleared.args == ["other_face"] and "Lý Quốc Sơn" not in shown_text(window)


def test_the_keypad_clears_for_an_empty_counter(qtbot, counter_window, camera, enrolled):
    from kiosk.counter.service import Kiosk

    strict = Kiosk(
        enrolled.settings.replace(sface_auto_accept_distance=0.05), enrolled.store
    )  # every face needs the keypad
    window, clock = counter_window(strict)
    counter = window.counter
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "keypad"):
        show(camera, "frames/london_043/visit_4.jpg")
    qtbot.keyClicks(counter, "22")
    qtbot.waitUntil(lambda: counter.keypad.typed == "22", timeout=5000)  # the scanner detector hands typed keys on
    show(camera, EMPTY)
    frames_pass(qtbot, window)
    clock.now += strict.settings.privacy_clear_s - 1  # the last key press was just now: still up
    qtbot.wait(2 * 250)
    assert counter.state is State.KEYPAD
    with qtbot.waitSignal(counter.screen_cleared, timeout=5000) as cleared:
        clock.now += 2
    assert cleared.args == ["face_gone"] and counter.state is State.IDLE and counter.keypad.typed == ""


def test_a_capture_is_never_cleared_half_saved_and_an_empty_one_times_out(qtbot, counter_window, camera, kiosk):
    window, clock = counter_window(kiosk)
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_005.jpg")
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Return):  # consent given: capture starts
        qtbot.keyClick(counter, key)
    assert counter.state is State.CAPTURE
    show(camera, EMPTY)  # the citizen stepped aside: the capture waits, then gives up; nothing is stored
    frames_pass(qtbot, window)
    clock.now += kiosk.settings.privacy_clear_s + 1
    frames_pass(qtbot, window)
    assert counter.state is State.CAPTURE
    with qtbot.waitSignal(counter.screen_cleared, timeout=5000):
        clock.now += kiosk.settings.idle_clear_s
    assert counter.state is State.IDLE and kiosk.store.find_citizen("096098004127") is None

    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        show(camera, "cards/london_005.jpg")
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Return):
        qtbot.keyClick(counter, key)
    saving = []
    counter.state_changed.connect(lambda s: saving.append(s) if s == "saving" else None)
    counter.state_changed.connect(lambda s: setattr(clock, "now", clock.now + 10_000) if s == "saving" else None)
    with qtbot.waitSignal(counter.enrolled, timeout=30000):  # all limits long past while saving: it still completes
        show(camera, "frames/london_005/enrol_1.jpg", "frames/london_005/enrol_2.jpg", "frames/london_005/enrol_3.jpg")
    assert saving == ["saving"] and counter.state is State.SAVED
    assert kiosk.store.find_citizen("096098004127") is not None


def test_another_face_at_the_keypad_replaces_it_even_at_once(qtbot, counter_window, camera, enrolled):
    from kiosk.counter.service import Kiosk

    strict = Kiosk(
        enrolled.settings.replace(sface_auto_accept_distance=0.05), enrolled.store
    )  # every face needs the keypad
    window, _clock = counter_window(strict)
    counter = window.counter
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "keypad"):
        show(camera, "frames/london_043/visit_4.jpg")
    with qtbot.waitSignal(counter.screen_cleared, timeout=15000) as cleared:
        show(camera, "frames/lisa/visit_2.jpg")  # before a single frame of him was checked on the keypad screen
    assert cleared.args == ["other_face"]
    with qtbot.waitSignal(counter.state_changed, timeout=15000, check_params_cb=lambda s: s == "keypad"):
        pass  # her face gets its own keypad
