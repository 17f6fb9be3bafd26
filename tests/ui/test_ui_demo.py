"""The demo's life cycle (issue 10): a key quits it, closing its window ends the process and the
recognition process, and no ``kiosk-demo-*`` folder is left behind, also after a kill."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import multiprocessing
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.counter.scratch import LOCK_NAME, clean_stale, scratch_dir
from ui.testing import SAMPLE_SET

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def test_a_scratch_folder_is_removed_when_its_block_ends_even_by_an_exception(tmp_path):
    with pytest.raises(RuntimeError), scratch_dir("kiosk-demo-", tmp_path) as folder:
        (folder / "demo.sqlite").write_bytes(b"x" * 100)
        assert (folder / LOCK_NAME).is_file()
        raise RuntimeError("the demo crashed")
    assert not list(tmp_path.glob("kiosk-demo-*"))


HOLDER = """
import sys, time
from contextlib import contextmanager
from pathlib import Path
from kiosk.counter.scratch import scratch_dir
with scratch_dir("kiosk-demo-", Path(sys.argv[1])) as folder:
    print(folder, flush=True)
    if sys.argv[2] == "die":
        import os
        os._exit(3)  # like a crash: no clean-up runs
    time.sleep(60)
"""


@posix_only
def test_folders_of_dead_processes_are_cleaned_at_the_next_start_and_live_ones_kept(tmp_path):
    live = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "live"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        running = Path(live.stdout.readline().strip())
        dead = subprocess.run(
            [sys.executable, "-c", HOLDER, str(tmp_path), "die"], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        left = Path(dead.stdout.strip())
        assert dead.returncode == 3 and left.is_dir() and running.is_dir()  # the crash left its folder behind
        legacy_new, legacy_old = tmp_path / "kiosk-demo-oldversion1", tmp_path / "kiosk-demo-oldversion2"
        for folder in (legacy_new, legacy_old):
            folder.mkdir()
            (folder / "demo.sqlite").write_bytes(b"x")
        day_ago = time.time() - 25 * 3600
        for item in (legacy_old / "demo.sqlite", legacy_old):
            os.utime(item, (day_ago, day_ago))
        assert clean_stale("kiosk-demo-", tmp_path) == 2
        assert not left.exists() and not legacy_old.exists()
        assert running.is_dir() and legacy_new.is_dir()  # a live demo's folder, and an old version's recent one
    finally:
        live.terminate()
        live.wait(10)


def _demo_windows():
    from ui.window import MainWindow

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


@pytest.mark.slow
def test_f10_and_closing_the_window_close_the_demo(qapp, qtbot, tmp_path, monkeypatch):
    from ui.app import demo_window

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with demo_window(set_dir=SAMPLE_SET, say=lambda _text: None) as demo:
        demo.window.show()
        demo.window.windowHandle().requestActivate()
        qtbot.waitUntil(demo.window.isActiveWindow, timeout=5000)
        with qtbot.waitSignal(demo.window.closed, timeout=10000):
            qtbot.keyClick(demo.window, Qt.Key.Key_F10)
        assert not demo.window.isVisible() and demo.analyzer._pool is None
        demo.window.show()
        with qtbot.waitSignal(demo.window.closed, timeout=10000):
            demo.window.close()  # the title bar's close button
        folder = next(tmp_path.glob("kiosk-demo-*"))
    assert not folder.exists()


@pytest.mark.slow
def test_ctrl_q_ends_the_demo_with_a_dialog_open_and_leaves_nothing_behind(qapp, qtbot, tmp_path, monkeypatch):
    from ui.app import run_demo
    from ui.receipt import ReceiptDialog

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    children_before = {p.pid for p in multiprocessing.active_children()}
    seen = {}

    def act() -> None:
        windows = _demo_windows()
        if not windows or not windows[0].counter.preview.paints:
            QTimer.singleShot(200, act)
            return
        window = seen["window"] = windows[0]
        seen["folders"] = [p.name for p in tmp_path.glob("kiosk-demo-*")]
        dialog = seen["dialog"] = ReceiptDialog(html="<p>phiếu</p>", name="Lê Anh Sơn", parent=window)
        dialog.show()  # a second top-level window: must not keep the demo alive
        seen["quit_text"] = " ".join(b.text() for b in window.findChildren(QPushButton) if "Ctrl+Q" in b.text())
        window.activateWindow()
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)

    QTimer.singleShot(0, act)
    started = time.monotonic()
    code = run_demo(set_dir=SAMPLE_SET)
    assert code == 0 and time.monotonic() - started < 120
    assert len(seen["folders"]) == 1 and not list(tmp_path.glob("kiosk-demo-*"))
    assert "Ctrl+Q" in seen["quit_text"] and "F10" in seen["quit_text"]  # the demo bar says how to quit
    assert not shiboken6.isValid(seen["window"]) and not shiboken6.isValid(
        seen["dialog"]
    )  # destroyed, with the receipt
    new_children = [p for p in multiprocessing.active_children() if p.pid not in children_before]
    assert new_children == []  # the recognition process ended with the window


SIGNALLED = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from contextlib import contextmanager
from pathlib import Path
from ui.app import run_demo
sys.exit(run_demo(set_dir=Path(sys.argv[1])))
"""


def _start_demo_process(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    log = tmp_path / f"demo-{time.monotonic_ns()}.out"
    with open(log, "w", encoding="utf-8") as out:  # a file, not a pipe nobody reads: the demo never blocks on a write
        process = subprocess.Popen(
            [sys.executable, "-c", SIGNALLED, str(SAMPLE_SET)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = time.monotonic() + 120
    while "Demo window open" not in log.read_text(encoding="utf-8"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the demo did not start (exit {process.wait()}): {log.read_text(encoding='utf-8')}")
        time.sleep(0.1)
    return process


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@posix_only
@pytest.mark.slow
def test_sigterm_ends_the_demo_cleanly_and_a_killed_demo_leaves_no_process_and_is_cleaned_next_time(tmp_path):
    process = _start_demo_process(tmp_path)
    try:
        children = _children_of(process.pid)
        assert children, "the recognition process should be running"
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert not list(tmp_path.glob("kiosk-demo-*"))
    deadline = time.monotonic() + 20
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(c) for c in children)

    process = _start_demo_process(tmp_path)
    children = _children_of(process.pid)
    process.kill()  # like the "none_dealloc" abort: no clean-up at all
    process.wait(30)
    deadline = time.monotonic() + 20
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(c) for c in children), "the recognition process outlived a killed demo"
    assert len(list(tmp_path.glob("kiosk-demo-*"))) == 1  # left behind...
    assert clean_stale("kiosk-demo-", tmp_path) == 1  # ...and removed by the next demo's start
    assert not list(tmp_path.glob("kiosk-demo-*"))


@pytest.mark.slow
def test_a_keypad_survives_neither_the_administration_pages_nor_a_scene_with_someone_else(
    qapp, qtbot, tmp_path, monkeypatch
):
    from kiosk.counter.watch import Mode
    from tests.support.data import FRAMES, analyzed
    from ui.counter import State

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with demo_window_for_test() as demo:
        window, counter, bar = demo.window, demo.window.counter, demo.bar
        duc = next(i for i, scene in enumerate(bar.scenes) if scene.person == "london_043")

        def keypad_up() -> None:
            """Trần Văn Đức's face put the keypad up (as his scene does when the face alone is not sure)."""
            face = analyzed(FRAMES / "london_043" / "visit_4.jpg").primary
            check = demo.kiosk.identify_sample(face)
            counter.flow.keypad.show(check, face)
            assert counter.state is State.KEYPAD and counter.panels.currentWidget() is counter.keypad

        bar.go(duc)
        keypad_up()
        qtbot.keyClick(window, Qt.Key.Key_F12)  # the administration pages
        assert counter.state is State.IDLE and window.recognizer.mode is Mode.PAUSED
        window.close_admin()
        assert counter.state is State.IDLE and counter.panels.currentWidget() is counter.idle

        keypad_up()
        bar.go(duc + 1)  # the next scene: nobody in front
        assert counter.state is State.IDLE and counter.panels.currentWidget() is counter.idle
        bar.go(duc)
        keypad_up()
        bar.go(duc)  # the same scene again (same person): the keypad stays
        assert counter.state is State.KEYPAD


@contextmanager
def demo_window_for_test():
    from ui.app import demo_window

    with demo_window(set_dir=SAMPLE_SET, say=lambda _text: None) as demo:
        demo.window.show()
        yield demo
