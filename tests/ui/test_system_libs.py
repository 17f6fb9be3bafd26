"""The window's system libraries: scripts/setup installs every one Qt's xcb plugin links, and a
missing one is reported in one line (with its package) before the window is announced."""

from __future__ import annotations

import shutil
import struct
import sys
from pathlib import Path

import pytest

from tests.support.data import run_cli
from ui import qt_libs

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the xcb plugin and scripts/setup are Linux's"
)

BASE = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libstdc++.so.6",
    "libgcc_s.so.1",
    "libz.so.1",
    "libzstd.so.1",
}
"""Libraries of every Debian/Ubuntu system that runs Python (priority required/important)."""


def needed(path: Path) -> list[str]:
    """The DT_NEEDED sonames of a 64-bit little-endian ELF file (what ``objdump -p`` lists as NEEDED)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{path} is not a 64-bit little-endian ELF"
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    dynamic = next(s for s in sections if s[1] == 6)  # SHT_DYNAMIC; its sh_link is the string table
    strtab = sections[dynamic[6]][4]
    names = []
    for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            start = strtab + value
            names.append(data[start : data.index(b"\0", start)].decode())
    return names


def qt_dir() -> Path:
    plugin = qt_libs.xcb_plugin()
    if plugin is None:
        pytest.skip("this Qt has no xcb platform plugin")
    return plugin.parents[2]


def test_setup_lists_every_system_library_of_the_xcb_plugin_and_qt():
    qt = qt_dir()
    bundled = {p.name for p in (qt / "lib").iterdir()}
    linked = [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "plugins" / "xcbglintegrations").glob("*.so"))]
    linked += [qt / "lib" / f"libQt6{name}.so.6" for name in ("XcbQpa", "Gui", "Core", "Widgets", "DBus", "OpenGL")]
    system = {name for path in linked for name in needed(path)} - bundled - BASE
    system = {name for name in system if not name.startswith("ld-linux")}
    assert "libxcb-icccm.so.4" in system and "libxcb-cursor.so.0" in system  # the reader sees what ldd sees
    listed = qt_libs.setup_packages()
    assert not sorted(system - set(listed)), "add these to NEEDED in scripts/setup (soname package)"
    assert listed["libxcb-icccm.so.4"] == "libxcb-icccm4" and listed["libxkbcommon-x11.so.0"] == "libxkbcommon-x11-0"


def test_the_xcb_plugin_resolves_every_library_here():
    plugin = qt_libs.xcb_plugin()
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("no xcb plugin or no ldd")
    assert qt_libs.unresolved_libraries(plugin) == [], "run scripts/setup: it installs the missing packages"


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Path:
    """A copy of the real xcb plugin whose NEEDED entry libxcb-icccm.so.4 reads libxcb-icccm.so.7 (not installed)."""
    qt = qt_dir()
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    (tmp_path / "Qt" / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "Qt" / "lib").symlink_to(qt / "lib")  # the plugin finds Qt through $ORIGIN/../../lib
    data = (qt / "plugins" / "platforms" / "libqxcb.so").read_bytes()
    assert data.count(b"libxcb-icccm.so.4\0") == 1
    broken = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    broken.write_bytes(data.replace(b"libxcb-icccm.so.4\0", b"libxcb-icccm.so.7\0"))
    return broken


def test_a_missing_library_is_named_with_its_package(broken_plugin, tmp_path, monkeypatch):
    assert qt_libs.unresolved_libraries(broken_plugin) == ["libxcb-icccm.so.7"]
    setup = tmp_path / "setup"
    setup.write_text('NEEDED=(\n  "libGL.so.1 libgl1"\n  "libxcb-icccm.so.7 libxcb-icccm7"\n)\n', encoding="utf-8")
    monkeypatch.setattr(qt_libs, "SETUP_SCRIPT", setup)
    qt_libs.setup_packages.cache_clear()
    try:
        with pytest.raises(qt_libs.WindowPluginError) as caught:
            qt_libs.check_window_plugin(broken_plugin)
    finally:
        qt_libs.setup_packages.cache_clear()
    line = caught.value.one_line()
    assert "libxcb-icccm.so.7" in line and "sudo apt-get install libxcb-icccm7" in line and "scripts/setup" in line
    assert "\n" not in line


def test_demo_and_app_stop_in_one_line_before_announcing_the_window(broken_plugin, monkeypatch):
    monkeypatch.setattr(qt_libs, "xcb_plugin", lambda: broken_plugin)
    env = {"DISPLAY": ":99", "QT_QPA_PLATFORM": None, "WAYLAND_DISPLAY": None}
    for args in (("demo",), ("app", "--db", "never-created.sqlite")):
        result = run_cli(*args, env=env)
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert (
            len(lines) == 1
            and lines[0].startswith("error: the counter window cannot open")
            and "libxcb-icccm.so.7" in lines[0]
        )
        assert "Demo window open" not in result.output and "Preparing" not in result.output
    assert not Path("never-created.sqlite").exists()


def test_offscreen_and_wayland_are_not_checked_for_xcb():
    assert not qt_libs.uses_xcb({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"})
    assert not qt_libs.uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"})
    assert qt_libs.uses_xcb({"QT_QPA_PLATFORM": "xcb"}) and qt_libs.uses_xcb({"DISPLAY": ":0"})
