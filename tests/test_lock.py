"""The lock serves every counter PC without a compiler (issue 21): for Windows and Linux x86-64,
CPython 3.11 and 3.12, every package the kiosk needs has a locked wheel for that platform or a
pure-Python one, read from ``uv.lock`` alone (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.install.lock import TARGETS, Target, lacking, needed, read_lock

ROOT = Path(__file__).resolve().parents[1]
LOCK = read_lock(ROOT / "uv.lock")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_every_package_a_counter_needs_has_a_wheel_for_its_platform(target: Target) -> None:
    picks = needed(LOCK, target)
    assert lacking(picks) == [], f"{target.name} would compile {lacking(picks)}: lock a version with wheels"
    names = {p.name for p in picks}
    assert {"numpy", "opencv-python-headless", "pyside6-essentials", "dlib-bin", "psycopg-binary"} <= names
    assert "pytest" not in names and "dlib" not in names  # test tools stay out; dlib is never built
    for pick in picks:
        if pick.wheel is not None:
            expected = "win_amd64.whl" if target.system == "windows" else "x86_64.whl"
            assert pick.wheel.filename.endswith(("-any.whl", expected)), f"{pick.wheel.filename} on {target.name}"


def test_a_package_with_only_a_source_archive_is_named(tmp_path: Path) -> None:
    """What the check says when someone adds a dependency that would compile on the counter PC."""
    text = (ROOT / "uv.lock").read_text(encoding="utf-8")
    text = text.replace('    { name = "click" },\n', '    { name = "click" },\n    { name = "cnative" },\n', 1)
    text += (
        '\n[[package]]\nname = "cnative"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'sdist = { url = "https://example.invalid/cnative-1.0.tar.gz", hash = "sha256:00", size = 1 }\n'
        "wheels = [\n"
        '    { url = "https://example.invalid/cnative-1.0-cp311-cp311-macosx_11_0_arm64.whl", hash = "sha256:00" },\n'
        "]\n"
    )
    (tmp_path / "uv.lock").write_text(text, encoding="utf-8")
    lock = read_lock(tmp_path / "uv.lock")
    assert all(lacking(needed(lock, target)) == ["cnative 1.0"] for target in TARGETS)


def test_markers_choose_per_platform_and_python() -> None:
    picks = {t.name: {p.name: p for p in needed(LOCK, t)} for t in TARGETS}
    assert picks["windows-cp311"]["numpy"].version != picks["windows-cp312"]["numpy"].version  # per Python
    assert "pywin32-ctypes" in picks["windows-cp311"] and "pywin32-ctypes" not in picks["linux-cp311"]  # keyring
    assert picks["windows-cp311"]["face-recognition-models"].builds_here  # models and Python: built once, here
