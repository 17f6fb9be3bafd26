"""`kiosk soak`: the real window driven through the flows, offscreen, for a few seconds; the scenes of the
clerk's "Xong" and the satisfaction question, and a scene that fails; and what it counts as a crash."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import multiprocessing

import pytest
from PySide6.QtCore import QTimer

from tests.support.data import check_ins, run_cli
from ui.testing import SAMPLE_SET

pytestmark = pytest.mark.slow

KEYS = {"minutes", "scenes", "frames", "crashes", "rss_start_mb", "rss_end_mb", "max_ui_stall_ms"}


def test_a_short_soak_offscreen_plays_scenes_and_reports_every_figure(qapp, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run_cli("soak", "--minutes", "0.25", "--json")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.output  # one JSON object on stdout; progress went to stderr
    report = json.loads(lines[0])
    assert KEYS <= set(report)
    assert report["scenes"] > 0 and report["frames"] > 0 and report["analysed"] > 0, report
    assert report["crashes"] == 0 and report["failures"] == 0 and report["errors"] == [], report
    assert report["rss_start_mb"] > 50 and report["rss_end_mb"] > 50 and report["max_ui_stall_ms"] > 0
    assert report["flows"].get("enrol", 0) >= 1  # the first visit (card, consent, capture) ran
    assert result.exit_code == 0 and report["passed"]
    assert not list(tmp_path.glob("kiosk-demo-*"))  # the throw-away database is gone


def test_the_xong_and_rating_scenes_are_counted_and_a_failing_one_is_a_failed_scene(qapp, tmp_path, monkeypatch):
    import tempfile

    from ui.app import demo_window
    from ui.soak import SoakReport, play_scene
    from ui.soak_scenes import Soak
    from ui.testing import wait_until

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with demo_window(set_dir=SAMPLE_SET, say=lambda _text: None) as demo:
        demo.window.show()
        wait_until(lambda: demo.window.counter.preview.paints > 5, 60)
        demo.kiosk.settings = demo.kiosk.settings.replace(rating_timeout_s=3)
        report = SoakReport()
        soak = Soak(demo, SAMPLE_SET, report)
        card = soak.known_cards[0]
        assert play_scene(soak, "done, rated", lambda: soak.done_and_rated(card, 1, keys=True)), report.errors
        assert play_scene(soak, "done, rated", lambda: soak.done_and_rated(card, 3, keys=False)), report.errors
        assert play_scene(soak, "done, no answer", lambda: soak.done_unanswered(card, keys=False)), report.errors
        assert report.scenes == 3 and report.failures == 0 and report.errors == []
        assert dict(report.flows) == {"visit_done": 3, "rated": 2, "rating_unanswered": 1}
        visits = check_ins(demo.kiosk.store, 3)  # newest first
        assert [v["rating"] for v in visits] == [None, "very_unsatisfied", "satisfied"]
        assert all(v["done_at"] is not None and v["method"] == "qr" for v in visits)

        monkeypatch.setattr(demo.kiosk, "rate_visit", lambda visit_id, rating: False)  # the answer is lost
        soak.step_timeout_s = 3
        assert not play_scene(soak, "done, rated", lambda: soak.done_and_rated(card, 0, keys=True))
        assert report.failures == 1 and report.scenes == 3
        assert report.errors[-1].startswith("done, rated: cycle 0: answer very_satisfied recorded on visit")
        assert demo.window.counter.state.value == "idle"  # brought back for the next scene
        assert not play_scene(soak, "done, no answer", lambda: soak.done_unanswered("cards/nobody.jpg", keys=True))
        assert report.failures == 2 and report.errors[-1].startswith("done, no answer: cycle 0: ImageError: ")
    assert not list(tmp_path.glob("kiosk-demo-*"))


@pytest.mark.qt_no_exception_capture  # the soak's own hook must see it, as in a real run
def test_an_exception_in_a_slot_and_a_dead_recognition_process_are_counted_as_crashes(
    qapp, qtbot, tmp_path, monkeypatch, capsys
):
    import tempfile

    from ui.soak import run_soak

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = {p.pid for p in multiprocessing.active_children()}
    faults = []

    def break_things(soak) -> None:
        if faults:
            return
        faults.append("slot")
        QTimer.singleShot(0, lambda: 1 / 0)  # an exception in a slot
        children = [p for p in multiprocessing.active_children() if p.pid not in before]
        assert children, "the soak's recognition process should be running"
        for child in children:
            child.kill()  # the recognition process crashes
        faults.append("child")
        qtbot.wait(3000)  # both reach the soak's counters even when its time is up after this cycle

    code = run_soak(minutes=0.4, set_dir=SAMPLE_SET, as_json=True, on_cycle=break_things)
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert faults == ["slot", "child"]
    assert code == 1 and not report["passed"] and report["crashes"] >= 2, report
    assert any("ZeroDivisionError" in e for e in report["errors"]), report["errors"]
    assert any("recognition" in e for e in report["errors"]), report["errors"]


def test_soak_rejects_a_bad_duration_in_one_line():
    result = run_cli("soak", "--minutes", "0")
    assert result.exit_code == 2 and "--minutes" in result.output
    result = run_cli("soak", "--set", str(SAMPLE_SET.parent / "nope"))
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].startswith("error: sample set not found")
