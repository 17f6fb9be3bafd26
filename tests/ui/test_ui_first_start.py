"""The counter app's first start on a new database (issue 24): the data key it makes is announced
once, in a box beside the window, with where it was written; the next start says nothing."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


import pytest

from tests.support.data import FRAMES


@pytest.mark.slow
def test_the_first_start_says_where_the_new_data_key_is_and_the_next_does_not(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication

    import ui.app
    from ui.window import MainWindow

    key = tmp_path / "keys" / "kiosk.key"
    key.parent.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'key_file = "{key.as_posix()}"\napi_port = 0\n', encoding="utf-8")
    monkeypatch.delenv("KIOSK_DATA_KEY", raising=False)
    seen: list[str | None] = []

    def look(app) -> int:  # instead of the event loop: what the clerk sees once the window is up
        [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        notice = window.key_notice
        seen.append(notice.text() if notice is not None and notice.isVisible() else None)
        window.close()  # as the clerk closing it would end the event loop
        window.deleteLater()
        return 0

    monkeypatch.setattr(ui.app, "_exec", look)
    camera = str(FRAMES / "london_005")
    assert ui.app.run_app(db_path=tmp_path / "k.sqlite", config_path=config, camera=camera) == 0
    assert key.is_file() and seen[0] is not None and str(key) in seen[0] and "sao lưu" in seen[0]
    assert ui.app.run_app(db_path=tmp_path / "k.sqlite", config_path=config, camera=camera) == 0
    assert seen[1] is None  # the key was there already: nothing to say
