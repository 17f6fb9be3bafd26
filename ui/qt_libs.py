"""Can Qt's window plugin load here? Checked before the window is announced, not after Qt aborts.

On Linux the ``xcb`` platform plugin links a dozen X11/xcb system libraries that PySide6's
wheel does not bundle (``libxcb-cursor0``, ``libxcb-icccm4``...). When one is missing Qt
aborts the whole process with "no Qt platform plugin could be initialized". This module
asks ``ldd`` which of the plugin's libraries do not resolve and names the Debian/Ubuntu
package of each, from the ``NEEDED`` list in ``scripts/setup`` (the one place that list
is kept). Windows and macOS wheels bundle everything: nothing to check there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from models import KioskError

SETUP_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "setup"
_PAIR = re.compile(r'^\s*"(\S+\.so[.\d]*) (\S+)"\s*$')


class WindowPluginError(KioskError):
    """Qt's platform plugin cannot load: a system library it needs is missing."""


def xcb_plugin() -> Path | None:
    """The ``libqxcb.so`` platform plugin of the installed Qt, or None (not Linux, or no xcb plugin)."""
    if not sys.platform.startswith("linux"):
        return None
    from PySide6.QtCore import QLibraryInfo

    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def unresolved_libraries(library: Path) -> list[str]:
    """Sonames ``ldd`` reports as "not found" for ``library`` (and what it pulls in), in order, once each.

    An empty list when everything resolves, or when ``ldd`` is not available (nothing to say).
    """
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    missing: list[str] = []
    for line in out.splitlines():
        name, _, where = line.strip().partition("=>")
        if where.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


@cache
def setup_packages() -> dict[str, str]:
    """``{soname: Debian package}`` from the ``NEEDED`` list in ``scripts/setup`` (empty outside a clone)."""
    try:
        text = SETUP_SCRIPT.read_text(encoding="utf-8")
    except OSError:
        return {}
    pairs = (_PAIR.match(line) for line in text.split("NEEDED=(", 1)[-1].split(")", 1)[0].splitlines())
    return {m.group(1): m.group(2) for m in pairs if m}


def uses_xcb(environ: dict[str, str] | None = None) -> bool:
    """True when Qt will pick the xcb plugin: Linux, X11 (``DISPLAY``), no other platform asked for."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return sys.platform.startswith("linux") and bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def check_window_plugin(plugin: Path | None = None) -> None:
    """Raise :class:`WindowPluginError` naming what to install when the xcb plugin cannot load.

    ``plugin`` defaults to the installed Qt's ``libqxcb.so``; nothing is checked when Qt will
    not use xcb (offscreen, Wayland, Windows, macOS).
    """
    if plugin is None:
        if not uses_xcb():
            return
        plugin = xcb_plugin()
        if plugin is None:
            return
    missing = unresolved_libraries(plugin)
    if not missing:
        return
    known = setup_packages()
    packages = [known[name] for name in missing if name in known]
    install = f"sudo apt-get install {' '.join(packages)}" if packages else "install the packages that provide them"
    raise WindowPluginError(
        f"the counter window cannot open: Qt's xcb plugin needs {', '.join(missing)}, not installed",
        f"run scripts/setup (or {install}), then try again",
    )
