"""`kiosk` opens the counter app; `kiosk demo` opens it on the sample set, or replays in the terminal without a display."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil

import pytest
from click.testing import CliRunner

import ui.app
from kiosk.cli.main import main
from tests.support.data import CARDS


def test_bare_kiosk_opens_the_app(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(ui.app, "display_available", lambda: True)
    monkeypatch.setattr(ui.app, "run_app", lambda **kwargs: calls.append(kwargs) or 0)
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0, result.output
    assert calls == [{"db_path": None, "config_path": None, "camera": None}]
    result = CliRunner().invoke(main, ["app", "--db", str(tmp_path / "k.sqlite"), "--camera", "1"])
    assert result.exit_code == 0 and calls[-1]["camera"] == "1" and calls[-1]["db_path"] == tmp_path / "k.sqlite"
    assert "Usage" in CliRunner().invoke(main, ["--help"]).output  # --help still helps


def test_the_app_without_a_display_says_so_in_one_line(monkeypatch):
    monkeypatch.setattr(ui.app, "display_available", lambda: False)
    result = CliRunner().invoke(main, ["app"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: no display to open the counter window on - run it on the counter PC's desktop (or set DISPLAY)"
    ]


@pytest.fixture
def tiny_set(tmp_path):
    folder = tmp_path / "tiny"
    (folder / "cards").mkdir(parents=True)
    shutil.copy(CARDS / "london_005.jpg", folder / "cards" / "london_005.jpg")
    (folder / "manifest.toml").write_text(
        '[set]\nname = "tiny"\ndescription = "one card"\n\n[[step]]\naction = "card"\nlabel = "first visit"\n'
        'card = "cards/london_005.jpg"\nexpect = "new"\nid_number = "096098004127"\n',
        encoding="utf-8",
    )
    return folder


def test_demo_without_a_display_replays_in_the_terminal(monkeypatch, tiny_set):
    monkeypatch.setattr(ui.app, "display_available", lambda: False)
    monkeypatch.setattr(ui.app, "run_demo", lambda **kwargs: pytest.fail("no window without a display"))
    result = CliRunner().invoke(main, ["demo", "--set", str(tiny_set)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "No display found: replaying the sample set in the terminal instead of opening the window."
    assert "PASS" in result.output and "PASSED" in result.output


def test_demo_with_a_display_opens_the_window(monkeypatch, tiny_set):
    calls = []
    monkeypatch.setattr(ui.app, "display_available", lambda: True)
    monkeypatch.setattr(ui.app, "run_demo", lambda **kwargs: calls.append(kwargs) or 0)
    result = CliRunner().invoke(main, ["demo", "--set", str(tiny_set)])
    assert result.exit_code == 0 and calls == [{"set_dir": tiny_set, "config_path": None}]
    result = CliRunner().invoke(main, ["demo", "--set", str(tiny_set), "--console"])
    assert result.exit_code == 0 and "PASSED" in result.output and len(calls) == 1


def test_offscreen_qt_is_not_a_display(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not ui.app.display_available()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    assert ui.app.display_available()


def test_a_database_that_cannot_be_opened_is_one_line_and_exit_1(qapp, tmp_path, capsys):
    broken = tmp_path / "kiosk.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'key_file = "{(tmp_path / "kiosk.key").as_posix()}"\n', encoding="utf-8")
    assert ui.app.run_app(db_path=broken, config_path=config) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not a kiosk database" in err and len(err.strip().splitlines()) == 1
