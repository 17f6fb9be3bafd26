"""No English on the Vietnamese screens, no Vietnamese on the English ones.

The real window (offscreen, no camera) is walked through every screen a clerk and an
administrator see: each state of the counter, the PIN screens and their errors, every
administration tab with real data, the error banner and the damaged-database dialog.
Every visible text is collected; in Vietnamese none may hold an English telltale word,
a snake_case code, JSON or an ISO timestamp; in English none may hold a Vietnamese
letter, except the citizens' own data (names, addresses, the counter's name) and the
name of the language "Tiếng Việt" on the switch.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
from datetime import timedelta

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from kiosk.counter.camera import StillSource, demo_scenes
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.watch import FrameScan
from kiosk.errors import StoreError
from recognition.qr import read_qr_file
from tests.support.data import CARDS, FRAMES, SAMPLE_SET, analyzed, enrol_frames
from ui.i18n import set_language
from ui.preview import PreviewWidget
from ui.style import apply_style
from ui.testing import frame, open_window

ENGLISH_TELLTALES = {
    "the",
    "and",
    "not",
    "is",
    "are",
    "was",
    "be",
    "with",
    "from",
    "for",
    "of",
    "this",
    "that",
    "must",
    "wrong",
    "error",
    "failed",
    "file",
    "setting",
    "settings",
    "database",
    "citizen",
    "citizens",
    "login",
    "enrol",
    "enrolled",
    "purge",
    "purged",
    "identify",
    "samples",
    "sample",
    "visit",
    "visits",
    "lower",
    "higher",
    "stricter",
    "empty",
    "seconds",
    "pixels",
    "days",
    "when",
    "locked",
    "tries",
    "left",
    "key",
    "true",
    "false",
    "null",
    "none",
    "try",
    "again",
    "set",
    "yet",
    "run",
    "check",
    "back",
    "cannot",
    "damaged",
    "restore",
    "backup",
    "times",
    "frame",
    "frames",
    "width",
    "height",
    "faces",
    "detector",
    "search",
    "lookup",
    "export",
    "rows",
    "query",
    "results",
    "reason",
    "request",
    "retention",
    "counter",
    "camera_index",
    "language",
    "registry",
    "sync",
    "pulled",
    "pushed",
    "what",
    "which",
    "how",
    "here",
}
"""English words that never appear in Vietnamese text (ASCII Vietnamese words such as "in", "to", "do", "con" are left out)."""

VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|[{}]|\"\w+\":|\d{4}-\d\d-\d\dT\d\d")
PATHS = re.compile(r"\S*[/\\]\S*")
SECRETS = re.compile(r"[A-Za-z0-9_-]{24,}")
"""Random tokens (the local API's access token): their letters are neither language ("...6wxOq--f3OF4e..." reads "of")."""


def widget_texts(root: QWidget) -> list[str]:
    """Every text shown by a visible widget under ``root`` (labels, buttons, fields, tabs, tables, lists, documents)."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QLineEdit):
            texts += [widget.placeholderText(), widget.text() if widget.isReadOnly() else ""]
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
        elif isinstance(widget, QTableWidget):
            for column in range(widget.columnCount()):
                header = widget.horizontalHeaderItem(column)
                texts.append(header.text() if header else "")
                texts += [
                    widget.item(row, column).text() for row in range(widget.rowCount()) if widget.item(row, column)
                ]
        elif isinstance(widget, QTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QAbstractSpinBox):
            texts += [getattr(widget, "prefix", lambda: "")(), getattr(widget, "suffix", lambda: "")()]
        elif isinstance(widget, PreviewWidget):  # painted, not a child widget: the status line and the placeholder
            texts += [widget.status, widget.placeholder]
    return [t for t in texts if t and t.strip()]


def leaks(texts: list[str], language: str, data: list[str]) -> list[str]:
    """The texts that speak the other language (``data``: citizens' own words, allowed in both)."""
    found = []
    for text in texts:
        plain = SECRETS.sub(" ", PATHS.sub(" ", text))
        for word in sorted(data, key=len, reverse=True):
            plain = plain.replace(word, " ")
        if language == "vi":
            words = {w.lower() for w in re.findall(r"[A-Za-z]+", plain)}
            if words & ENGLISH_TELLTALES or CODE.search(plain):
                found.append(text)
        elif VIETNAMESE.search(plain.replace("Tiếng Việt", "")):
            found.append(text)
    return found


def test_a_random_token_is_neither_language():
    """The local API's access token is random letters: a run of them must not read as an English word."""
    token = "RYHFtEngUi56MHYhipp6wxOq--f3OF4eBcrc8AR6hZQ"
    assert leaks([f"API cục bộ: http://127.0.0.1:47615 · mã truy cập: {token}"], "vi", []) == []
    assert leaks([f"API cục bộ: the access token {token}"], "vi", []) != []


class NoRecognition:
    def scan(self, frame, *, qr, face, thorough=False, also=()):
        return FrameScan()

    def close(self):
        pass


def card_payload(folder: str) -> str:
    """What a USB scanner types for a sample-set card (the real QR text)."""
    return read_qr_file(CARDS / f"{folder}.jpg")[0].text


@pytest.mark.slow
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_screen_speaks_one_language(qtbot, qapp, tmp_path, enrolled, card_record, language):
    apply_style(qapp)
    for folder in ("london_005", "london_043"):  # visits, a keypad miss, and a purge in the audit log
        enrolled.check_in(enrolled.identify_sample(analyzed(FRAMES / folder / "visit_2.jpg").primary))
    confirm = enrolled.identify_sample(analyzed(FRAMES / "london_043" / "visit_4.jpg").primary)
    enrolled.confirm(confirm, "0000")
    real_clock = enrolled.store.clock
    enrolled.store.clock = lambda: (
        real_clock() - timedelta(days=enrolled.settings.retention_days + 5)
    )  # unseen since: due
    enrolled.enrol(
        card_record("london_115"),
        [analyzed(p).primary for p in enrol_frames("london_115")],
        consent=True,
        staff="tester",
    )
    enrolled.store.clock = real_clock
    people = ("london_005", "london_043", "london_099", "lisa", "london_030", "london_115")
    data = [card_record(f).full_name for f in people] + [card_record(f).address for f in people]
    data += [
        enrolled.settings.counter_name,
        enrolled.actor,
        "tester",
        "still frames",
    ]  # the webcam's own name is data too
    window = open_window(
        kiosk=enrolled,
        source=StillSource([frame("frames/empty_counter.jpg")]),
        analyzer=NoRecognition(),
        config_path=tmp_path / "kiosk.toml",
        run_retention=False,
    )
    qtbot.addWidget(window)
    seen: dict[str, list[str]] = {}

    other = "en" if language == "vi" else "vi"

    def look(name: str, root: QWidget | None = None) -> None:
        """Check the screen as it is, then again after switching to the other language on it (and back)."""
        for shown, label in ((language, name), (other, f"{name}, switched to {other}")):
            set_language(shown)
            qtbot.wait(20)  # LanguageChange is an event
            texts = widget_texts(root or window)
            if os.environ.get("KIOSK_SHOW_TEXTS"):
                print(f"== {label}", *texts, sep="\n")
            seen[label] = leaks(texts, shown, data)
        set_language(language)
        qtbot.wait(20)

    try:
        set_language(language)
        qtbot.waitUntil(
            lambda: window.admin_button.text() == ("Quản trị (F12)" if language == "vi" else "Administration (F12)")
        )
        counter = window.counter
        qtbot.waitUntil(lambda: counter.preview.paints > 0)
        window.stop_camera()  # no more frames: nothing redraws a text in the right language by chance
        look("idle")
        counter.on_scanned(card_payload("london_030"))
        look("first-visit card")
        counter.primary()
        look("consent")
        counter.consent.toggle()
        counter.primary()
        look("capture")
        counter.secondary()
        counter.on_scanned(card_payload("london_005"))
        look("known card")
        counter.secondary()
        counter.show_match(enrolled.identify_sample(analyzed(FRAMES / "london_005" / "visit_2.jpg").primary))
        look("recognised")
        counter.secondary()
        look("ask card (not me)")
        counter.show_keypad(confirm)
        for digit in "0000":
            counter.keypad.press(digit)
        counter.keypad.submitted.emit("0000")
        qtbot.waitUntil(lambda: bool(counter.keypad.message.text()))
        look("keypad, one miss")
        counter.ask_for_card("scanner")
        look("ask card (scanner)")
        counter.saved.show_enrolled(EnrolResult(1, card_record("london_005"), 3))
        counter.panels.setCurrentWidget(counter.saved)
        look("saved")
        counter.go_idle()
        window.banner.show_error(
            StoreError(
                f"cannot open: {tmp_path}/x.sqlite is not a kiosk database or is damaged",
                "restore it from a backup or pass --db with another file",
                reason="db_damaged",
                facts={"path": str(tmp_path / "x.sqlite")},
            )
        )
        look("database error banner")
        window.banner.clear()

        window.open_admin()
        view = window.admin.pin_view
        look("first PIN")
        view.pin.setText("123")
        view.again.setText("123")
        view.submit()
        qtbot.waitUntil(lambda: view.ok.isEnabled() and bool(view.error.text()), timeout=10000)
        look("PIN too short")
        with qtbot.waitSignal(window.admin.logged_in, timeout=10000):
            view.pin.setText("246810")
            view.again.setText("246810")
            view.submit()
        admin = window.admin.admin
        admin.save_settings(
            tmp_path / "kiosk.toml", enrolled.settings.replace(retention_days=365, confirm_with="birth_year")
        )
        admin.purge(card_record("lisa").id_number)
        for index, tab in enumerate(window.admin.tabs_list):
            window.admin.tabs.setCurrentIndex(index)
            window.admin._tab_shown(index)
            window.tasks.wait()
            qtbot.wait(50)
            if index == 0:
                tab.show_visits()
                window.tasks.wait()
                qtbot.wait(50)
            look(f"admin tab {index}")
        assert window.admin.tabs_list[2].table.rowCount() == 1  # the citizen past the retention period
        window.admin.tabs_list[3].verify()
        window.tasks.wait()
        qtbot.waitUntil(lambda: bool(window.admin.tabs_list[3].result.text()))
        look("audit verified")
        window.admin.close_admin()
        window.open_admin()
        view.pin.setText("000000")
        view.submit()
        qtbot.waitUntil(lambda: view.ok.isEnabled() and bool(view.error.text()), timeout=10000)
        look("wrong PIN")
        window.admin.close_admin()

        from ui.app import fatal_text
        from ui.demo import DemoBar
        from ui.receipt import ReceiptDialog

        damaged = tmp_path / "damaged.sqlite"
        damaged.write_bytes(b"this is not a database" * 100)
        from kiosk.counter.service import Kiosk

        with pytest.raises(StoreError) as caught:
            Kiosk.open(enrolled.settings, damaged)
        title, text = fatal_text(caught.value)
        seen["damaged-database dialog"] = leaks([title, text], language, data)
        receipt = ReceiptDialog(html="<p>receipt</p>", name="Lê Anh Sơn", parent=window)
        receipt.show()
        look("receipt dialog buttons", receipt)
        receipt.close()
        bar = DemoBar(scenes=demo_scenes(SAMPLE_SET), source=StillSource(), parent=window)
        window.central_column.addWidget(bar)
        look("demo bar")
    finally:
        set_language("vi")
        window.shutdown()
    bad = {name: texts for name, texts in seen.items() if texts}
    assert not bad, f"{language} screens with the other language: {bad}"
    assert len(seen) >= 40


@pytest.mark.parametrize(("language", "yes", "no"), [("vi", "Có", "Không"), ("en", "Yes", "No")])
def test_confirmation_boxes_answer_in_the_app_language(qtbot, qapp, language, yes, no):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.window import ask_yes_no

    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[list[str]] = []

    def answer(label: str) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text() == label).click()

    set_language(language)
    try:
        for label, expected in ((yes, True), (no, False)):
            QTimer.singleShot(50, lambda label=label: answer(label))
            assert ask_yes_no(parent)("title", "question") is expected
    finally:
        set_language("vi")
    assert seen == [[yes, no], [yes, no]]
