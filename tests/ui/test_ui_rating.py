"""The satisfaction question as the citizen sees it: the clerk's "Xong" (F8) after a real check-in
(fake camera, real sample images, real recognition, real SQLite), four large faces over the
window or on the citizen's own monitor, one key or tap recorded, no answer recorded as none."""

from __future__ import annotations

import json
import os
import threading
import urllib.request

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPoint, Qt

from kiosk.api.server import ApiServer
from kiosk.counter.camera import StillSource
from kiosk.counter.service import Kiosk
from models import Rating
from tests.support.data import check_ins
from ui.counter import State
from ui.rating import ANSWERS
from ui.style import apply_style
from ui.testing import frame, open_window, shared_analyzer

pytestmark = pytest.mark.slow


@pytest.fixture
def camera() -> StillSource:
    return StillSource([frame("frames/empty_counter.jpg")], name="fake camera")


@pytest.fixture
def open_counter(qtbot, qapp, tmp_path, camera):
    apply_style(qapp)
    windows = []

    def make(kiosk: Kiosk):
        window = open_window(
            kiosk=kiosk, source=camera, analyzer=shared_analyzer(), config_path=tmp_path / "kiosk.toml"
        )
        window.resize(1280, 720)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def check_in_son(qtbot, window, camera) -> int:
    """Lê Anh Sơn looks at the camera; the clerk presses Enter. Returns the visit id."""
    counter = window.counter
    with qtbot.waitSignal(counter.form_filled, timeout=15000):
        camera.show([frame("frames/london_005/visit_2.jpg")])
    with qtbot.waitSignal(counter.visit_logged, timeout=5000) as logged:
        qtbot.keyClick(counter, Qt.Key.Key_Return)
    return int(logged.args[0])


def test_done_asks_the_citizen_and_one_key_records_the_answer(qtbot, open_counter, camera, enrolled, tmp_path):
    window = open_counter(enrolled)
    counter = window.counter
    visit_id = check_in_son(qtbot, window, camera)
    [visit] = check_ins(enrolled.store, 1)
    assert visit["id"] == visit_id and visit["seen_at"] is not None and visit["seen_at"] <= visit["at"]
    assert counter.idle.done_button.isVisibleTo(counter) and str(visit_id) in counter.idle.serving.text()
    assert not counter.rating.visible

    with qtbot.waitSignal(counter.visit_done, timeout=5000):
        qtbot.keyClick(counter, Qt.Key.Key_F8)
    assert counter.rating.visible and not counter.rating.on_citizen_screen  # no second monitor: over the window
    assert counter.rating.panel.geometry() == counter.rect()
    assert not counter.idle.done_button.isVisibleTo(counter)
    texts = [b.text() for b in counter.rating.panel.buttons.values()]
    assert [t.split("\n")[0] for t in texts] == ["Rất hài lòng", "Hài lòng", "Chưa hài lòng", "Không hài lòng"]
    shot = window.grab()  # looked at (docs/screenshots/15-rating.png is the same scene): four faces over the window
    assert shot.save(str(tmp_path / "rating.png")) and shot.width() >= 1200
    image = shot.toImage()
    taps = counter.rating.panel.buttons
    cheeks = {face: taps[face].mapTo(window, QPoint(taps[face].width() // 2 - 40, 80)) for face in ANSWERS}
    colours = [image.pixelColor(cheeks[face]).name() for face in ANSWERS]
    assert colours == ["#1b7f3b", "#6aa83a", "#d08b12", "#b3261e"]  # four faces, green to red, left to right
    with qtbot.waitSignal(counter.visit_rated, timeout=5000) as rated:
        qtbot.keyClick(counter, Qt.Key.Key_2)
    assert rated.args[0] == (visit_id, Rating.SATISFIED)
    [visit] = check_ins(enrolled.store, 1)
    assert visit["rating"] == "satisfied" and visit["done_at"] >= visit["at"]
    qtbot.keyClick(counter, Qt.Key.Key_4)  # a second key does not change the answer
    assert check_ins(enrolled.store, 1)[0]["rating"] == "satisfied"
    qtbot.waitUntil(lambda: not counter.rating.visible, timeout=4000)
    assert counter.state is State.IDLE


def test_no_answer_records_none_and_the_question_goes_away(qtbot, open_counter, camera, enrolled):
    enrolled.settings = enrolled.settings.replace(rating_timeout_s=3)
    window = open_counter(enrolled)
    counter = window.counter
    visit_id = check_in_son(qtbot, window, camera)
    counter.idle.done_button.click()  # the clerk's button, like F8
    qtbot.waitUntil(lambda: counter.rating.visible, timeout=5000)
    qtbot.waitUntil(lambda: not counter.rating.visible, timeout=6000)  # 3 s, nobody answered
    [visit] = [v for v in enrolled.store.visits(10) if v["id"] == visit_id]
    assert visit["done_at"] is not None and visit["rating"] is None  # none, never a default score
    counter.flow.visits.rate(Rating.VERY_SATISFIED)  # too late: nothing is asked any more
    assert enrolled.store.visits(10)[0]["rating"] is None


def test_the_local_api_done_and_a_tap_on_the_citizens_monitor(qtbot, open_counter, camera, enrolled, tmp_path):
    enrolled.settings = enrolled.settings.replace(citizen_screen=0)  # the first (only) screen is "attached"
    window = open_counter(enrolled)
    counter = window.counter
    visit_id = check_in_son(qtbot, window, camera)
    told, asked = [], []
    visits = counter.flow.visits
    done_by_api, done = visits.done_by_api, visits.done
    visits.done_by_api = lambda v: (told.append(threading.get_ident()), done_by_api(v))
    visits.done = lambda v: (asked.append(v), done(v))
    server = ApiServer(enrolled, counter.flow.desk, port=0)
    server.start()

    def post_done() -> None:  # the counter's own software says the visit is over, through the real HTTP API
        request = urllib.request.Request(
            f"{server.url}/v1/visits/{visit_id}/done",
            method="POST",
            headers={"Authorization": f"Bearer {enrolled.api_token()}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read()) == {"visit_id": visit_id, "done": True}

    try:
        post_done()
        qtbot.waitUntil(lambda: counter.rating.visible, timeout=5000)
        post_done()  # told twice (say the clerk's system retried): asked once
        qtbot.waitUntil(lambda: len(told) == 2, timeout=5000)
    finally:
        server.stop()
    assert told == [threading.get_ident()] * 2 and asked == [visit_id]  # on the window's (UI) thread
    assert counter.rating.on_citizen_screen and counter.rating.window is not None
    qtbot.waitUntil(lambda: counter.rating.window.isVisible(), timeout=3000)
    face = counter.rating.panel.buttons[ANSWERS[0]]
    with qtbot.waitSignal(counter.visit_rated, timeout=5000) as rated:
        qtbot.mouseClick(face, Qt.MouseButton.LeftButton)
    assert rated.args[0] == (visit_id, Rating.VERY_SATISFIED)
    assert check_ins(enrolled.store, 1)[0]["rating"] == "very_satisfied"
    assert "Cảm ơn" in counter.rating.panel.thanks.text()
