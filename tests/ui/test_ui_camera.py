"""The preview stays smooth whatever recognition does, and camera trouble never freezes or closes the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
import time

import pytest

from kiosk.counter.camera import CameraError, StillSource
from kiosk.counter.watch import FrameScan
from ui import window as window_module
from ui.counter import State
from ui.frames import FrameSlot
from ui.style import apply_style
from ui.testing import frame, open_window


class SlowAnalyzer:
    """Recognition that takes ``seconds`` per frame (as on a slow PC), finding nothing."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.busy = threading.Event()
        self.calls = 0

    def scan(self, frame, *, qr, face, thorough=False, also=()):
        self.calls += 1
        self.busy.set()
        time.sleep(self.seconds)
        self.busy.clear()
        return FrameScan(ms=self.seconds * 1000)

    def close(self):
        pass


@pytest.fixture
def make_window(qtbot, qapp, tmp_path):
    apply_style(qapp)
    windows = []

    def make(kiosk, source, analyzer):
        window = open_window(kiosk=kiosk, source=source, analyzer=analyzer, config_path=tmp_path / "kiosk.toml")
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def test_the_preview_keeps_painting_while_recognition_is_slow(qtbot, make_window, kiosk):
    analyzer = SlowAnalyzer(1.5)
    window = make_window(kiosk, StillSource([frame("frames/london_005/visit_2.jpg")], fps=30), analyzer)
    preview = window.counter.preview
    qtbot.waitUntil(analyzer.busy.is_set, timeout=3000)
    started, paints = time.perf_counter(), preview.paints
    qtbot.waitUntil(lambda: preview.paints - paints >= 20, timeout=1500)
    elapsed = time.perf_counter() - started
    assert analyzer.busy.is_set() and analyzer.calls == 1, "all those frames were painted during one slow analysis"
    assert (preview.paints - paints) / elapsed >= 15
    with qtbot.waitSignal(window.recognizer.result, timeout=3000):
        pass  # the slow frame's result arrives; the frames shown meanwhile were dropped, not queued
    assert analyzer.calls <= 2


def test_the_frame_slot_keeps_only_the_newest_frame():
    import numpy as np

    slot = FrameSlot()
    for value in range(5):
        slot.put(np.full((2, 2, 3), value, np.uint8))
    seq, newest = slot.latest()
    assert seq == 5 and newest[0, 0, 0] == 4
    assert slot.wait_newer(5, 0.01) == (5, None)


def test_no_camera_is_a_clear_message_with_retry(qtbot, make_window, kiosk):
    missing = StillSource(
        open_error=CameraError("no camera 0: /dev/video0 does not exist", "plug in the USB camera"), name="camera 0"
    )
    window = make_window(kiosk, missing, SlowAnalyzer(0.01))
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=3000)
    assert window.banner.text.text() == "Không có hình từ camera."
    assert "camera 0" in window.banner.detail.text() and window.banner.action.isVisible()
    assert "Không có hình" in window.counter.preview.placeholder
    assert window.counter.state is State.IDLE
    missing.open_error = None  # plugged in
    with qtbot.waitSignal(window.camera_opened, timeout=3000):
        window.banner.action.click()
    assert not window.banner.isVisible() and not window.counter.preview.placeholder
    qtbot.waitUntil(lambda: window.counter.preview.paints > 3, timeout=3000)


def test_a_camera_unplugged_mid_session_is_retried_by_itself(qtbot, make_window, kiosk, monkeypatch):
    monkeypatch.setattr(window_module, "CAMERA_RETRY_MS", 300)
    camera = StillSource([frame("frames/empty_counter.jpg")])
    window = make_window(kiosk, camera, SlowAnalyzer(0.01))
    qtbot.waitUntil(lambda: window.counter.preview.paints > 3, timeout=3000)
    with qtbot.waitSignal(window.camera_failed, timeout=3000) as failed:
        camera.fail()
    assert "unplugged" in failed.args[0].message
    with qtbot.waitSignal(window.camera_opened, timeout=3000):
        pass  # retried after CAMERA_RETRY_MS, the camera is back
    paints = window.counter.preview.paints
    qtbot.waitUntil(lambda: window.counter.preview.paints > paints + 3, timeout=3000)


def test_a_real_missing_webcam_fails_with_its_own_message(qtbot, make_window, kiosk):
    from kiosk.counter.camera import camera_from_settings

    window = make_window(kiosk, camera_from_settings(kiosk.settings.replace(camera_index=15)), SlowAnalyzer(0.01))
    with qtbot.waitSignal(window.camera_failed, timeout=10000) as failed:
        pass
    assert "camera 15" in failed.args[0].message and failed.args[0].hint


def test_a_stalled_camera_is_noticed(qtbot, make_window, kiosk, monkeypatch):
    monkeypatch.setattr(window_module, "CAMERA_STALL_S", 0.5)
    monkeypatch.setattr(window_module, "CAMERA_RETRY_MS", 60000)
    camera = StillSource([frame("frames/empty_counter.jpg")], fps=30)
    window = make_window(kiosk, camera, SlowAnalyzer(0.01))
    qtbot.waitUntil(lambda: window.counter.preview.paints > 3, timeout=3000)
    camera.fps = 0.2
    camera._pacer.period = 2.5  # the driver stops delivering without an error
    with qtbot.waitSignal(window.camera_failed, timeout=4000) as failed:
        pass
    assert "no picture" in failed.args[0].message
