"""``kiosk doctor`` (issue 21): one named check per line, ✓/✗ with the fix, no secret, no traceback;
each failure a counter PC meets (no camera, the key file gone, the registry down, a damaged
database) fails its own check, and a real registry passes with the clock compared."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.data import ADMIN_PIN, FRAMES, SAMPLE_SET, run_cli

NAMES = [
    "camera",
    "window",
    "fonts",
    "face models",
    "data key",
    "database",
    "disk",
    "registry",
    "clock",
    "local API port",
    "chip reader",
]
CAMERA = FRAMES / "london_005"  # a folder of images stands in for the webcam


@pytest.fixture(scope="module")
def counter(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A counter with the sample day in its database: (database, environment)."""
    folder = tmp_path_factory.mktemp("doctor")
    env = {"KIOSK_KEY_FILE": str(folder / "kiosk.key"), "KIOSK_CONFIG": str(folder / "kiosk.toml")}
    (folder / "kiosk.toml").write_text('counter_name = "Quầy 1"\n', encoding="utf-8")
    result = run_cli("replay", SAMPLE_SET, "--db", folder / "day.sqlite", "--pin", ADMIN_PIN, env=env)
    assert result.exit_code == 0, result.output
    return folder / "day.sqlite", env


def doctor(db: Path, env: dict[str, str], *args: object) -> tuple[int, dict]:
    result = run_cli("doctor", "--db", db, "--json", *args, env=env)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout.splitlines()[-1])


def by_name(report: dict) -> dict[str, dict]:
    return {c["name"]: c for c in report["checks"]}


def test_a_sound_counter_passes_every_named_check(counter) -> None:
    db, env = counter
    code, report = doctor(db, env, "--camera", CAMERA)
    assert [c["name"] for c in report["checks"]] == NAMES
    assert code == 0 and report["ok"], report
    checks = by_name(report)
    assert "3 frames" in checks["camera"]["detail"] and "6 citizens" in checks["database"]["detail"]
    assert "works alone" in checks["registry"]["detail"]
    fresh = db.parent / "not-yet.sqlite"  # a new PC: no database, no key yet
    code, report = doctor(fresh, {**env, "KIOSK_KEY_FILE": str(db.parent / "not-yet.key")}, "--camera", CAMERA)
    assert code == 0 and [c["name"] for c in report["checks"]] == NAMES and not fresh.exists()
    assert "made at the first start" in by_name(report)["database"]["detail"]
    text = run_cli("doctor", "--db", db, "--camera", CAMERA, env=env)
    assert text.exit_code == 0 and text.output.splitlines()[0].startswith("✓ camera")
    assert text.output.rstrip().endswith("all checks passed")


def test_no_camera_a_missing_key_and_a_damaged_database_each_fail_with_their_fix(counter, tmp_path) -> None:
    db, env = counter
    code, report = doctor(db, {**env, "KIOSK_CAMERA_INDEX": "9"})
    checks = by_name(report)
    assert code == 1 and not checks["camera"]["ok"] and checks["camera"]["fix"]
    assert all(checks[n]["ok"] for n in NAMES if n != "camera")

    code, report = doctor(db, {**env, "KIOSK_KEY_FILE": str(tmp_path / "gone.key")}, "--camera", CAMERA)
    checks = by_name(report)
    assert code == 1 and not checks["data key"]["ok"] and "missing" in checks["data key"]["detail"]
    assert "backup" in checks["data key"]["fix"]
    assert checks["database"]["detail"] == "not checked: the data key check failed"

    damaged = tmp_path / "damaged.sqlite"
    shutil.copyfile(db, damaged)
    with damaged.open("r+b") as f:  # overwrite pages in the middle of the file: SQLite's check sees it
        f.seek(damaged.stat().st_size // 2)
        f.write(b"\xff" * 8192)
    code, report = doctor(damaged, env, "--camera", CAMERA)
    checks = by_name(report)
    assert code == 1 and checks["data key"]["ok"] and not checks["database"]["ok"]
    assert "damaged" in checks["database"]["detail"] and "backup" in checks["database"]["fix"]


def test_a_registry_that_answers_and_one_that_is_down(counter, registry_url) -> None:
    from kiosk.province.registry import Registry

    db, env = counter
    with Registry.connect(registry_url) as registry:
        registry.create_tables()
    code, report = doctor(db, {**env, "KIOSK_REGISTRY_URL": registry_url}, "--camera", CAMERA)
    checks = by_name(report)
    assert code == 0 and checks["registry"]["ok"] and checks["clock"]["ok"], report
    assert "within" in checks["clock"]["detail"]

    down = "postgresql://counter:s3cret-pass@127.0.0.1:9/registry"  # nothing listens on port 9
    result = run_cli("doctor", "--db", db, "--json", "--camera", CAMERA, env={**env, "KIOSK_REGISTRY_URL": down})
    checks = by_name(json.loads(result.stdout.splitlines()[-1]))
    assert result.exit_code == 1 and not checks["registry"]["ok"] and not checks["clock"]["ok"]
    assert checks["registry"]["fix"] and "s3cret-pass" not in result.output  # never a secret


def test_kiosk_cameras_lists_what_each_camera_gives_and_says_when_there_is_none(monkeypatch) -> None:
    import cv2

    import recognition.sources as sources
    from tests.recognition.test_sources import FakeCapture

    none = run_cli("cameras", env={"KIOSK_CONFIG": ""})
    assert none.exit_code == 1 and none.output.splitlines() == [
        "error: no camera found on this PC - plug in the USB camera, then run kiosk cameras again"
    ]
    monkeypatch.setattr(sources.sys, "platform", "win32")  # a Windows PC whose cameras only DirectShow opens
    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    listed = run_cli("cameras", "--json", env={"KIOSK_CAMERA_INDEX": "1"})
    found = [json.loads(line) for line in listed.stdout.splitlines()]
    assert listed.exit_code == 0 and len(found) == 6  # every index probed answers in the fake
    assert found[0] == {
        "index": 0,
        "name": "camera 0 (DirectShow)",
        "backend": "DirectShow",
        "picture": [1280, 720],
        "problem": "",
    }
    text = run_cli("cameras", env={"KIOSK_CAMERA_INDEX": "1"}).output.splitlines()
    assert text[0].split() == ["#", "name", "backend", "picture", "camera_index"]
    assert text[2].split()[-1] == "yes" and text[1].split()[-1] == "-"  # camera 1 is the settings' one


def test_the_chip_reader_fails_only_where_the_chip_is_required(counter) -> None:
    """No smart-card service runs here: a counter that only may read chips passes, one that must fails."""
    db, env = counter
    code, report = doctor(db, env, "--camera", CAMERA)
    assert code == 0 and "first visits use the QR alone" in by_name(report)["chip reader"]["detail"]
    code, report = doctor(db, {**env, "KIOSK_CHIP_READER": "required"}, "--camera", CAMERA)
    check = by_name(report)["chip reader"]
    assert code == 1 and not check["ok"] and check["fix"]
    code, report = doctor(db, {**env, "KIOSK_CHIP_READER": "off"}, "--camera", CAMERA)
    assert code == 0 and by_name(report)["chip reader"]["detail"].startswith("off")
