"""Languages of the counter app: Vietnamese (the source text) and English (a Qt translation).

Every visible string goes through :func:`tr`, written in Vietnamese in the code, so the
app is Vietnamese even if no translation file is found. English comes from
``ui/translations/kiosk_en.qm``, compiled from ``kiosk_en.ts`` (the file translators edit)
by ``python -m ui.i18n``, which runs ``pyside6-lupdate`` then ``pyside6-lrelease``. If the
``.qm`` is missing the ``.ts`` is read directly.

Text that comes from the kiosk layer in both languages (quality hints, card warnings)
is picked with :func:`pick`.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
CONTEXT = ""
LANGUAGES = ("vi", "en")

_state: dict[str, object] = {"language": "vi", "translator": None}


def tr(text: str) -> str:
    """The Vietnamese ``text`` in the current language (lupdate files a bare ``tr(...)`` under the empty context)."""
    return QCoreApplication.translate(CONTEXT, text)


def language() -> str:
    """``"vi"`` or ``"en"``."""
    return str(_state["language"])


def number(value: float, decimals: int = 0) -> str:
    """A number as the current language writes it, as the report does: ``0,327`` and ``1.234`` in
    Vietnamese, ``0.327`` and ``1,234`` in English."""
    from kiosk.measure.report_words import fmt_num

    return fmt_num(value, language(), decimals)


def pick(vi: str, en: str) -> str:
    """One of two texts the kiosk layer gives in both languages."""
    return en if language() == "en" else vi


class _TsTranslator(QTranslator):
    """Reads a ``.ts`` file directly (when its compiled ``.qm`` is absent)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._table: dict[tuple[str, str], str] = {}
        for context in ET.parse(path).getroot().iter("context"):
            name = context.findtext("name") or ""
            for message in context.iter("message"):
                source, translation = message.findtext("source"), message.find("translation")
                if source and translation is not None and translation.text and translation.get("type") != "obsolete":
                    self._table[(name, source)] = translation.text

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str:
        return self._table.get((context, source), "")

    def isEmpty(self) -> bool:
        return not self._table


def set_language(code: str) -> bool:
    """Switch the app to ``code`` ("vi" or "en"); widgets retranslate on the LanguageChange event.

    Returns False when English was asked for and no translation file was found (the app stays Vietnamese).
    """
    app = QCoreApplication.instance()
    old = _state["translator"]
    if isinstance(old, QTranslator) and app is not None:
        app.removeTranslator(old)
    _state.update(language="vi", translator=None)
    if code != "en" or app is None:
        return code == "vi"
    translator: QTranslator = QTranslator()
    if not translator.load(str(TRANSLATIONS / "kiosk_en.qm")):
        ts = TRANSLATIONS / "kiosk_en.ts"
        if not ts.is_file():
            return False
        translator = _TsTranslator(ts)
    app.installTranslator(translator)
    _state.update(language="en", translator=translator)
    return True


def update_translations() -> None:
    """Refresh ``kiosk_en.ts`` from the source (new strings) and compile ``kiosk_en.qm``."""
    bin_dir = Path(sys.executable).parent
    sources = sorted(str(p) for p in Path(__file__).resolve().parent.rglob("*.py"))
    ts, qm = TRANSLATIONS / "kiosk_en.ts", TRANSLATIONS / "kiosk_en.qm"
    subprocess.run(
        [
            str(bin_dir / "pyside6-lupdate"),
            *sources,
            "-ts",
            str(ts),
            "-source-language",
            "vi",
            "-target-language",
            "en",
            "-no-obsolete",
            "-locations",
            "none",
        ],
        check=True,
    )
    subprocess.run([str(bin_dir / "pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True)


if __name__ == "__main__":
    update_translations()
