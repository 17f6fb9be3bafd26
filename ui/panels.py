"""The right-hand panels of the counter screen: idle, citizen form, saved.

Panels only show things and emit what was pressed; :mod:`ui.flow` decides what
happens. Each panel redraws its texts in the new language on a LanguageChange event.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.cccd.record import CccdRead, correctable
from kiosk.counter.enrolment import EnrolResult
from kiosk.counter.identify import FaceCheck
from ui.i18n import number, pick, tr
from ui.widgets import CitizenForm, button, label, warnings_text


class Panel(QWidget):
    """A panel whose texts follow the language: subclasses put them in :meth:`retranslate`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._render: Callable[[], None] | None = None

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every text in the current language (and redo the last content shown)."""
        if self._render is not None:
            self._render()

    def _show(self, render: Callable[[], None]) -> None:
        self._render = render
        render()


class IdlePanel(Panel):
    """Nobody recognised yet: invites the citizen to look at the camera or show the card."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.heading = label("", "heading")
        self.sub = label("", "sub")
        self.card_button = button("", "secondary")
        self.keys = label("", "small")
        self.today = label("", "small")
        self.serving = label("", "small")
        self.done_button = button("", "")
        self.serving_visit: int | None = None
        layout.addWidget(self.heading)
        layout.addSpacing(8)
        layout.addWidget(self.sub)
        layout.addSpacing(24)
        layout.addWidget(self.card_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        layout.addWidget(self.serving)
        layout.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(12)
        layout.addWidget(self.today)
        layout.addWidget(self.keys)
        self.retranslate()

    def retranslate(self) -> None:
        self.heading.setText(tr("Xin mời nhìn vào camera"))
        self.sub.setText(
            tr("Hồ sơ sẽ tự hiện khi nhận ra khuôn mặt. Lần đầu đến quầy: đưa mã QR trên thẻ CCCD vào trước camera.")
        )
        self.card_button.setText(tr("Quét thẻ CCCD (F3)"))
        self.keys.setText(tr("Phím tắt: Enter xác nhận · Esc huỷ · F3 quét thẻ · F8 xong · F12 quản trị"))
        self.done_button.setText(tr("Xong: mời công dân đánh giá (F8)"))
        self.set_serving(self.serving_visit)
        super().retranslate()

    def set_today(self, text: str) -> None:
        """Today's figures line."""
        self.today.setText(text)

    def set_serving(self, visit_id: int | None) -> None:
        """The visit being served (its number, never the citizen's name) and its "Xong" button; None hides them."""
        self.serving_visit = visit_id
        self.serving.setText(tr("Đang giải quyết lượt số {n}").format(n=visit_id) if visit_id else "")
        self.serving.setVisible(visit_id is not None)
        self.done_button.setVisible(visit_id is not None)


def match_quality(check: FaceCheck, auto_accept: float) -> str:
    """The match quality in words (the figures follow in brackets)."""
    figures = tr("khoảng cách {d}").format(d=number(check.distance, 2))
    if check.via_keypad:
        words = tr("Khớp sau khi công dân nhập đúng số xác nhận")
    elif check.distance <= 0.75 * auto_accept:
        words = tr("Rất giống")
    else:
        words = tr("Giống")
    return f"{words} ({figures})"


class FormPanel(Panel):
    """The citizen's record with the clerk's choices: confirm (Enter), not me / cancel (Esc), add samples (F5)."""

    primary_pressed = Signal()
    secondary_pressed = Signal()
    extra_pressed = Signal()
    correct_pressed = Signal()  # F6 on a new card: the clerk corrects its name and address
    copy_pressed = Signal()  # "Sao chép": the record to the clipboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = label("", "heading")
        self.source = label("", "small")
        self.quality = label("", "good")
        self.warnings = label("", "warning")
        self.form = CitizenForm()
        self.note = label("", "small")
        self.primary = button("", "primary", self.primary_pressed.emit)
        self.secondary = button("", "secondary", self.secondary_pressed.emit)
        self.extra = button("", "secondary", self.extra_pressed.emit)
        self.correct = button("", "secondary", self.correct_pressed.emit)
        self.copy = button("", "secondary", self.copy_pressed.emit)
        row = QHBoxLayout()
        row.addWidget(self.primary)
        row.addWidget(self.secondary)
        row.addStretch(1)
        row.addWidget(self.copy)
        for widget in (self.heading, self.source, self.quality, self.warnings, self.form, self.note):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.extra, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.correct, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(row)

    def show_match(self, check: FaceCheck, auto_accept: float) -> None:
        """A recognised citizen: the form, the match quality, confirm or not me."""
        assert check.citizen is not None

        def render() -> None:
            self.heading.setText(tr("Đã nhận ra công dân"))
            self.source.setText(tr("Thông tin từ hồ sơ đã đăng ký"))
            self.quality.setText(tr("Mức độ khớp: {q}").format(q=match_quality(check, auto_accept)))
            self.quality.show()
            self.warnings.hide()
            if check.citizen is not None:  # a recognised check always names its citizen
                self.form.fill(check.citizen)
            self.note.setText(tr("Cán bộ kiểm tra thông tin rồi nhấn Enter để ghi nhận lượt đến."))
            self._buttons(tr("Xác nhận (Enter)"), tr("Không phải tôi (Esc)"), "")

        self._show(render)

    def show_card(self, card: CccdRead, *, known: bool, face_failed: bool) -> None:
        """A card read by the camera or a scanner: known (check in) or new (enrol), with its warnings."""

        def render() -> None:
            self.heading.setText(tr("Đã có hồ sơ") if known else tr("Lần đầu đến quầy"))
            self.source.setText(tr("Thông tin đọc từ thẻ CCCD"))
            self.quality.hide()
            lines = [pick(w.message_vi, w.message) for w in card.warnings]
            self.warnings.setText(tr("Cần kiểm tra với thẻ:") + "\n" + warnings_text(lines) if lines else "")
            self.warnings.setVisible(bool(lines))
            self.form.fill(card.record)
            if known:
                self.note.setText(
                    tr("Khuôn mặt không còn khớp rõ với ảnh đã lưu: nên cập nhật ảnh khuôn mặt (F5).")
                    if face_failed
                    else tr("Nhấn Enter để ghi nhận lượt đến bằng thẻ.")
                )
                self._buttons(tr("Ghi nhận lượt đến (Enter)"), tr("Huỷ (Esc)"), tr("Cập nhật ảnh khuôn mặt (F5)"))
            else:
                self.note.setText(tr("Công dân chưa đăng ký nhận diện khuôn mặt. Nhấn Enter để đọc nội dung đồng ý."))
                self._buttons(tr("Đăng ký (Enter)"), tr("Huỷ (Esc)"), "")
                self.correct.setText(tr("Sửa trường bị lỗi mã hoá (F6)"))
                self.correct.setVisible(bool(correctable(card)))

        self._show(render)

    def _buttons(self, primary: str, secondary: str, extra: str) -> None:
        self.primary.setText(primary)
        self.secondary.setText(secondary)
        self.extra.setText(extra)
        self.extra.setVisible(bool(extra))
        self.correct.hide()
        self.copy.setText(tr("Sao chép"))
        self.copy.setToolTip(tr("Sao chép hồ sơ (cách nhau bằng Tab); giữ Shift hoặc Ctrl: dạng JSON"))
        self.primary.setEnabled(True)

    def clear(self) -> None:
        """Nothing personal left on screen."""
        self._render = None
        self.form.clear()
        self.quality.clear()
        self.warnings.clear()


def chip_line(level: str) -> str:
    """What the saved screen says of the card's chip (nothing when it was not read)."""
    lines = {
        "csca": tr("Chip CCCD: đã xác thực chữ ký số tới cơ quan cấp thẻ; hồ sơ lấy theo chip."),
        "signature": tr(
            "Chip CCCD: chữ ký số hợp lệ nhưng chưa đối chiếu được với cơ quan cấp thẻ (chưa có tệp CSCA); "
            "hồ sơ lấy theo mã QR."
        ),
    }
    return "\n\n" + lines[level] if level in lines else ""


class SavedPanel(Panel):
    """Enrolment (or new samples) saved: offer the consent receipt, then done."""

    receipt_pressed = Signal()
    done_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.heading = label("", "heading")
        self.body = label("", "sub")
        self.receipt = button("", "secondary", self.receipt_pressed.emit)
        self.done = button("", "primary", self.done_pressed.emit)
        row = QHBoxLayout()
        row.addWidget(self.done)
        row.addWidget(self.receipt)
        row.addStretch(1)
        layout.addWidget(self.heading)
        layout.addSpacing(12)
        layout.addWidget(self.body)
        layout.addStretch(1)
        layout.addLayout(row)

    def show_enrolled(self, result: EnrolResult) -> None:
        """A new citizen saved."""

        def render() -> None:
            self.heading.setText(tr("Đã đăng ký"))
            self.body.setText(
                tr(
                    "Đã lưu hồ sơ và {n} mẫu khuôn mặt của {name}. Lần sau chỉ cần nhìn vào camera.\n\n"
                    "Lượt đến này đã được ghi nhận (lần đầu). Giải quyết thủ tục, rồi nhấn «Xong» (F8)."
                ).format(n=result.samples_stored, name=result.record.full_name)
                + chip_line(result.chip_level)
            )
            self.receipt.setText(tr("Xem / in phiếu đồng ý (P)"))
            self.receipt.show()
            self.done.setText(tr("Tiếp tục (Enter)"))

        self._show(render)

    def clear(self) -> None:
        """Nothing personal left in the hidden panel."""
        self._render = None
        self.heading.clear()
        self.body.clear()

    def show_samples_added(self, name: str, count: int) -> None:
        """New samples added to a known citizen."""

        def render() -> None:
            self.heading.setText(tr("Đã cập nhật ảnh khuôn mặt"))
            self.body.setText(tr("Đã thêm {n} mẫu khuôn mặt mới cho {name}.").format(n=count, name=name))
            self.receipt.hide()
            self.done.setText(tr("Đóng (Enter)"))

        self._show(render)


class AskCardPanel(Panel):
    """The face was not enough: asks for the CCCD card (camera or USB scanner)."""

    cancel_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        self.heading = label("", "heading")
        self.why = label("", "notice")
        self.sub = label("", "sub")
        self.cancel = button("", "secondary", self.cancel_pressed.emit)
        for widget in (self.heading, self.why, self.sub):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.cancel, 0, Qt.AlignmentFlag.AlignLeft)
        self.retranslate()

    def start(self, reason: str) -> None:
        """``reason``: "unknown", "not_me", "keypad", "scanner" or "" (asked for by the clerk)."""
        self.reason = reason
        self.retranslate()

    def retranslate(self) -> None:
        reasons = {
            "unknown": tr("Chưa nhận ra khuôn mặt."),
            "not_me": tr("Công dân cho biết không phải mình."),
            "keypad": tr("Số xác nhận chưa đúng."),
            "scanner": tr("Máy quét không đọc đúng chữ tiếng Việt."),
        }
        self.heading.setText(tr("Mời đưa thẻ CCCD"))
        self.why.setText(reasons.get(self.reason, ""))
        self.why.setVisible(bool(self.why.text()))
        self.sub.setText(
            tr("Đưa mã QR ở mặt trước thẻ CCCD vào trước camera, giữ yên và đủ sáng. Có thể dùng máy quét mã QR.")
        )
        self.cancel.setText(tr("Huỷ (Esc)"))
