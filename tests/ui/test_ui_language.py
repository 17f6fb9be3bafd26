"""Vietnamese by default with every diacritic drawable; English switchable from Qt translation files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ast
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QFont, QFontMetrics

from kiosk.counter.camera import StillSource
from kiosk.counter.consent import CONSENT_TEXT_EN
from kiosk.counter.watch import FrameScan
from ui.i18n import CONTEXT, TRANSLATIONS, _TsTranslator, language, set_language, tr
from ui.style import apply_style
from ui.testing import frame, open_window

UI = Path(__file__).resolve().parents[2] / "ui"


def tr_literals() -> set[str]:
    """Every string literal passed to ``tr(...)`` in ui/."""
    found = set()
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_screen_text_has_an_english_translation_and_the_qm_is_current():
    ts = _TsTranslator(TRANSLATIONS / "kiosk_en.ts")
    qm = QTranslator()
    assert qm.load(str(TRANSLATIONS / "kiosk_en.qm")), "run: python -m ui.i18n"
    texts = tr_literals()
    assert len(texts) > 150
    untranslated = sorted(t for t in texts if not ts.translate(CONTEXT, t))
    assert not untranslated, f"add English for these to ui/translations/kiosk_en.ts: {untranslated}"
    stale = sorted(t for t in texts if qm.translate(CONTEXT, t) != ts.translate(CONTEXT, t))
    assert not stale, f"kiosk_en.qm is older than kiosk_en.ts (python -m ui.i18n): {stale[:5]}"


def test_placeholders_survive_translation():
    ts = _TsTranslator(TRANSLATIONS / "kiosk_en.ts")
    for text in tr_literals():
        english = ts.translate(CONTEXT, text)
        names = {part.split("}")[0].split(":")[0] for part in text.split("{")[1:]}
        assert names == {part.split("}")[0].split(":")[0] for part in english.split("{")[1:]}, text


def test_the_chosen_font_draws_every_vietnamese_letter(qapp):
    apply_style(qapp)
    metrics = QFontMetrics(QFont(qapp.font().family(), 14))
    letters = (
        "ĂÂĐÊÔƠƯăâđêôơư"
        + "ÀÁẢÃẠàáảãạ"
        + "ẰẮẲẴẶằắẳẵặ"
        + "ỀẾỂỄỆềếểễệ"
        + "ỒỐỔỖỘồốổỗộ"
        + "ỜỚỞỠỢờớởỡợ"
        + "ỪỨỬỮỰừứửữự"
        + "ỲÝỶỸỴỳýỷỹỵ"
    )
    missing = [ch for ch in letters if not metrics.inFontUcs4(ord(ch))]
    assert not missing, f"{qapp.font().family()} lacks {''.join(missing)}"


class NoRecognition:
    def scan(self, frame, *, qr, face, thorough=False, also=()):
        return FrameScan()

    def close(self):
        pass


@pytest.fixture
def window(qtbot, qapp, tmp_path, kiosk):
    apply_style(qapp)
    window = open_window(
        kiosk=kiosk,
        source=StillSource([frame("frames/empty_counter.jpg")]),
        analyzer=NoRecognition(),
        config_path=tmp_path / "kiosk.toml",
        run_retention=False,
    )
    qtbot.addWidget(window)
    yield window
    set_language("vi")
    window.shutdown()


def test_vietnamese_by_default_english_on_one_click(qtbot, window, card_record):
    assert language() == "vi"
    counter = window.counter
    assert counter.idle.heading.text() == "Xin mời nhìn vào camera"
    assert window.language_button.text() == "English"
    window.language_button.click()
    qtbot.waitUntil(lambda: counter.idle.heading.text() == "Please look at the camera", timeout=2000)
    assert window.admin_button.text() == "Administration (F12)" and window.language_button.text() == "Tiếng Việt"
    counter.consent.start(card_record("london_005"), 730)
    assert counter.consent.text.toPlainText() == CONSENT_TEXT_EN
    counter.form.form.fill(card_record("london_030"))
    assert counter.form.form.values["gender"].text() == "Female"
    window.language_button.click()
    qtbot.waitUntil(lambda: counter.idle.heading.text() == "Xin mời nhìn vào camera", timeout=2000)
    assert counter.form.form.values["gender"].text() == "Nữ" and tr("Nữ") == "Nữ"
