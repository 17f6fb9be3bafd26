"""``kiosk doctor``'s checks of the window: Qt's platform plugin can load, and a font draws Vietnamese.

Run without a display (Qt's offscreen platform reads the same fonts); on Linux the X11 plugin's
libraries are checked whether or not a display is there now (the clerk's desktop will have one).
"""

from __future__ import annotations

import sys

from kiosk.doctor.checks import Check, guarded

SAMPLE = "ạ ệ ữ Đ"
"""Letters a font must draw for Vietnamese names and addresses."""


def window_checks() -> list[Check]:
    """The window plugin's check and the font's, each a :class:`Check`."""
    return [guarded("window", plugin), guarded("fonts", fonts)]


def plugin() -> Check:
    """Qt's X11 plugin finds every library it links (Linux); elsewhere Qt's wheel brings its own."""
    from ui.qt_libs import check_window_plugin, xcb_plugin

    if not sys.platform.startswith("linux"):
        return Check("window", True, "Qt's platform plugin comes inside its wheel on this system")
    found = xcb_plugin()
    if found is None:
        return Check(
            "window", False, "Qt's X11 plugin is not installed", "reinstall the kiosk (install.sh, or scripts/setup)"
        )
    check_window_plugin(found)
    return Check("window", True, "Qt's X11 plugin finds every library it needs")


def fonts() -> Check:
    """At least one installed font covers Vietnamese, and the window's default font draws the sample letters."""
    from PySide6.QtGui import QFontDatabase, QFontMetrics, QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QGuiApplication.instance() is None:  # a QApplication: a later window in this process can use it
        QApplication([sys.argv[0], "-platform", "offscreen"])
    families = QFontDatabase.families(QFontDatabase.WritingSystem.Vietnamese)
    default = QGuiApplication.font()
    missing = [ch for ch in SAMPLE.split() if not QFontMetrics(default).inFontUcs4(ord(ch))]
    if not families or missing:
        return Check(
            "fonts",
            False,
            f"no installed font draws {' '.join(missing) or SAMPLE}",
            "install a font with Vietnamese letters (Debian/Ubuntu: sudo apt-get install fonts-dejavu-core)",
        )
    return Check("fonts", True, f"{default.family()} draws {SAMPLE} ({len(families)} fonts with Vietnamese)")
