"""The offline installer (issue 21): ``scripts/bundle`` makes it from the lock (PyPI the first
time, then its cache), ``install.sh`` installs it with no network at all (``unshare -n``) and the
installed ``kiosk demo`` passes; the Windows bundle resolves for CPython 3.11 and 3.12 on
Windows x86-64 from its own wheels alone (uv's resolver, offline)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "uv" / "bin" / "uv"


def offline() -> list[str]:
    """The prefix that runs a command with no network (a new, empty network namespace)."""
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -n needs root (or user namespaces) here: the no-network install was not tried")
    return ["unshare", "-n"]


def bundle(system: str, out: Path) -> Path:
    made = subprocess.run(
        [ROOT / "scripts" / "bundle", "--platform", system, "--out", out], capture_output=True, text=True, timeout=900
    )
    assert made.returncode == 0, made.stderr
    assert (out.parent / f"{out.name}.zip").is_file()
    return out


@pytest.mark.slow
def test_the_linux_bundle_installs_with_no_network_and_the_demo_passes(tmp_path: Path) -> None:
    no_network = offline()
    folder = bundle("linux", tmp_path / "bundle")
    assert {"install.sh", "requirements-cp311.txt", "requirements-cp312.txt", "README.txt"} <= {
        p.name for p in folder.iterdir()
    }
    home = tmp_path / "Nguyễn Thị Lan"  # the user's folders with Vietnamese letters and a space
    home.mkdir()
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "UV_CACHE_DIR": str(tmp_path / "uv")}
    target = tmp_path / "Quầy 1 kiosk"  # a Vietnamese letter and a space in the folder
    installed = subprocess.run(
        [*no_network, folder / "install.sh", target], capture_output=True, text=True, env=clean, timeout=600
    )
    assert installed.returncode == 0, installed.stderr
    assert f"{target}/.venv/bin/kiosk demo" in installed.stdout
    demo = subprocess.run(
        [*no_network, target / ".venv" / "bin" / "kiosk", "demo", "--console"],
        capture_output=True,
        text=True,
        env=clean,
        timeout=600,
    )
    assert demo.returncode == 0 and "44/44 steps as expected" in demo.stdout, demo.stdout + demo.stderr
    kiosk = target / ".venv" / "bin" / "kiosk"
    pin = subprocess.run(
        [*no_network, kiosk, "admin", "set-pin", "--new-pin", "123456"], capture_output=True, text=True, env=clean
    )
    assert pin.returncode == 0 and "a new data key was written to" in pin.stderr  # the user's data folders
    assert (home / ".local" / "share" / "cccd-kiosk" / "kiosk.sqlite").is_file()
    frames = target / "sample_images" / "counter_day" / "frames" / "london_005"
    doctor = subprocess.run(
        [*no_network, kiosk, "doctor", "--camera", frames], capture_output=True, text=True, env=clean, timeout=300
    )
    assert doctor.returncode == 0 and doctor.stdout.rstrip().endswith("all checks passed"), doctor.stdout
    again = subprocess.run([*no_network, folder / "install.sh", target], capture_output=True, text=True, env=clean)
    assert again.returncode == 0, again.stderr  # run again (an update): fine


@pytest.mark.slow
def test_the_windows_bundle_holds_every_wheel_windows_needs(tmp_path: Path) -> None:
    no_network = offline()
    folder = bundle("windows", tmp_path / "bundle")
    assert (folder / "uv" / "uv.exe").is_file() and (folder / "install.ps1").is_file()
    wheels = sorted(p.name for p in (folder / "wheels").iterdir())
    assert all(name.endswith(("-win_amd64.whl", "-any.whl")) for name in wheels), wheels
    for version in ("3.11", "3.12"):
        resolved = subprocess.run(
            [
                *no_network,
                UV,
                "pip",
                "install",
                "--dry-run",
                "--offline",
                "--no-index",
                "--find-links",
                folder / "wheels",
                "--require-hashes",
                "--overrides",
                folder / "overrides.txt",
                "--python-platform",
                "x86_64-pc-windows-msvc",
                "--python-version",
                version,
                "--target",
                tmp_path / f"windows-{version}",
                "-r",
                folder / f"requirements-cp{version.replace('.', '')}.txt",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv")},
            timeout=300,
        )
        assert resolved.returncode == 0, resolved.stderr
        assert "+ pyside6-essentials" in resolved.stderr and "+ cccd-kiosk" in resolved.stderr
