"""Look of the counter app: large readable fonts that carry every Vietnamese diacritic."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

FONT_FAMILIES = ("Segoe UI", "Noto Sans", "DejaVu Sans", "Arial", "Liberation Sans")
"""First installed family wins; each renders the Vietnamese letters (ă â đ ê ô ơ ư and tones)."""

BASE_PT = 13

# Vietnamese capitals carry two stacked marks (Ẩ Ễ Ỗ Ặ) that rise above the font's ascent:
# without top padding a label clips them (Ẩ would show as Â). Each text role gets room for them.

BLUE = "#0b4f8a"
GREEN = "#1e7b34"
RED = "#b3261e"
AMBER = "#8a5a00"

STYLESHEET = f"""
QWidget {{ font-size: {BASE_PT}pt; }}
QLabel {{ padding-top: 3px; }}
QFrame#topbar {{ background: {BLUE}; }}
QFrame#topbar QLabel {{ color: white; font-size: 16pt; font-weight: 600; }}
QFrame#topbar QPushButton {{ color: white; background: transparent; border: 1px solid #ffffff88; border-radius: 6px;
                             padding: 4px 12px; font-size: 12pt; }}
QLabel[role="heading"] {{ font-size: 22pt; font-weight: 700; color: {BLUE}; padding-top: 8px; }}
QLabel[role="sub"] {{ font-size: 15pt; color: #333; padding-top: 5px; }}
QLabel[role="small"] {{ font-size: 11pt; color: #555; }}
QLabel[role="field"] {{ font-size: 12pt; color: #555; }}
QLabel[role="value"] {{ font-size: 16pt; font-weight: 600; color: #111; padding-top: 6px; }}
QLabel[role="big"] {{ font-size: 34pt; font-weight: 700; color: {BLUE}; padding-top: 14px; }}
QLabel[role="hint"] {{ font-size: 24pt; font-weight: 700; color: {AMBER}; padding-top: 9px; }}
QLabel[role="notice"] {{ font-size: 15pt; font-weight: 600; color: {AMBER}; padding-top: 5px; }}
QLabel[role="good"] {{ font-size: 15pt; font-weight: 600; color: {GREEN}; padding-top: 5px; }}
QLabel[role="warning"] {{ font-size: 12pt; color: {AMBER}; background: #fff4d6; border: 1px solid #e8c46a;
                          border-radius: 6px; padding: 9px 6px 6px 6px; }}
QPushButton {{ padding: 8px 16px; border-radius: 8px; border: 1px solid #8a8a8a; background: #f4f4f4; }}
QPushButton:disabled {{ color: #9a9a9a; background: #ececec; }}
QPushButton[role="primary"] {{ background: {BLUE}; color: white; border: none; font-size: 16pt; font-weight: 700; padding: 12px 22px; }}
QPushButton[role="primary"]:disabled {{ background: #8aa6c1; color: #eef3f8; }}
QPushButton[role="secondary"] {{ font-size: 15pt; padding: 12px 18px; }}
QPushButton[role="key"] {{ font-size: 26pt; font-weight: 700; min-height: 54px; min-width: 96px; padding: 2px; background: white; }}
QCheckBox {{ font-size: 17pt; font-weight: 600; spacing: 12px; }}
QCheckBox::indicator {{ width: 30px; height: 30px; }}
QTextBrowser {{ font-size: 15pt; }}
QTableView {{ font-size: 12pt; }}
QHeaderView::section {{ font-size: 11pt; font-weight: 600; padding: 4px; }}
QStatusBar QLabel {{ font-size: 11pt; color: #333; }}
"""


def apply_style(app: QApplication) -> None:
    """Pick a Vietnamese-capable font, then set the stylesheet."""
    installed = set(QFontDatabase.families())
    family = next((f for f in FONT_FAMILIES if f in installed), app.font().family())
    font = QFont(family, BASE_PT)
    app.setFont(font)
    app.setStyleSheet(STYLESHEET)
