"""One counter app per user and database (issue 21): a second start brings the first window
forward and ends; another database is another app; a crashed app's socket does not block."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest

from tests.support.data import FRAMES
from ui.single import SingleInstance, instance_key


def test_a_second_start_asks_the_first_forward_and_another_database_is_another_app(qapp, qtbot, tmp_path):
    key = instance_key(tmp_path / "kiosk.sqlite")
    assert key == instance_key(tmp_path / "." / "kiosk.sqlite") != instance_key(tmp_path / "other.sqlite")
    first = SingleInstance(key)
    assert first.claim()
    with qtbot.waitSignal(first.raised, timeout=5000):
        assert not SingleInstance(key).claim()
    other = SingleInstance(instance_key(tmp_path / "other.sqlite"))
    assert other.claim()
    first.release()
    other.release()
    again = SingleInstance(key)
    assert again.claim()  # the first one closed: the place is free
    again.release()


@pytest.mark.slow
def test_run_app_twice_on_one_database_opens_one_window(qapp, tmp_path, monkeypatch, capsys):
    import ui.app
    from ui.window import MainWindow

    config = tmp_path / "kiosk.toml"
    config.write_text(f'key_file = "{(tmp_path / "k.key").as_posix()}"\napi_port = 0\n', encoding="utf-8")
    seen: list[object] = []

    def second_start(app) -> int:  # while the first window is open, the clerk starts the app again
        from PySide6.QtWidgets import QApplication

        [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        window.showMinimized()
        seen.append(ui.app.run_app(db_path=tmp_path / "k.sqlite", config_path=config, camera=str(FRAMES / "lisa")))
        for _ in range(50):  # the request arrives through the event loop
            app.processEvents()
            if not window.isMinimized():
                break
        seen.append(window.isMinimized())
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(ui.app, "_exec", second_start)
    assert ui.app.run_app(db_path=tmp_path / "k.sqlite", config_path=config, camera=str(FRAMES / "lisa")) == 0
    assert seen == [0, False]  # the second start ended at once; the first window came back from the taskbar
    assert "already open on this database" in capsys.readouterr().out
