"""Settings with their bounds and descriptions, the camera chosen from the devices present, the PIN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk.counter.camera import list_cameras
from kiosk.errors import SettingsError
from kiosk.settings import Settings
from models import KioskError
from ui.admin_tabs import AdminTab
from ui.i18n import language, pick, tr
from ui.widgets import button, label

EDITABLE = (
    "counter_name",
    "camera_index",
    "camera_width_px",
    "camera_height_px",
    "language",
    "qr_serial_port",
    "chip_reader",
    "face_engine",
    "sface_auto_accept_distance",
    "sface_min_margin",
    "sface_candidate_distance",
    "dlib_auto_accept_distance",
    "dlib_min_margin",
    "dlib_candidate_distance",
    "max_candidates",
    "confirm_with",
    "agreement_frames",
    "min_enrol_samples",
    "visit_samples",
    "retention_days",
    "min_face_px",
    "min_sharpness",
    "min_brightness",
    "max_brightness",
    "max_yaw",
    "detect_width_px",
    "detect_upsample",
    "detector_model",
    "sync_interval_s",
    "privacy_clear_s",
    "idle_clear_s",
    "rating_timeout_s",
    "citizen_screen",
)
"""Fields an administrator may change here (paths, keys and the registry URL stay in the settings file)."""


def field_names() -> dict[str, str]:
    """A caption for each editable field, in the current language."""
    return {
        "counter_name": tr("Tên quầy"),
        "camera_index": tr("Camera"),
        "camera_width_px": tr("Chiều rộng ảnh camera (px)"),
        "camera_height_px": tr("Chiều cao ảnh camera (px)"),
        "language": tr("Ngôn ngữ khi khởi động"),
        "qr_serial_port": tr("Cổng máy quét QR (serial)"),
        "chip_reader": tr("Đầu đọc chip CCCD"),
        "face_engine": tr("Bộ nhận dạng khuôn mặt"),
        "sface_auto_accept_distance": tr("SFace: ngưỡng tự nhận (khoảng cách)"),
        "sface_min_margin": tr("SFace: chênh lệch tối thiểu với người thứ hai"),
        "sface_candidate_distance": tr("SFace: ngưỡng hỏi bàn phím (khoảng cách)"),
        "dlib_auto_accept_distance": tr("dlib: ngưỡng tự nhận (khoảng cách)"),
        "dlib_min_margin": tr("dlib: chênh lệch tối thiểu với người thứ hai"),
        "dlib_candidate_distance": tr("dlib: ngưỡng hỏi bàn phím (khoảng cách)"),
        "max_candidates": tr("Số người tối đa khi hỏi bàn phím"),
        "confirm_with": tr("Công dân xác nhận bằng"),
        "agreement_frames": tr("Số khung hình phải trùng khớp"),
        "min_enrol_samples": tr("Số ảnh đạt khi đăng ký"),
        "visit_samples": tr("Số ảnh học thêm từ lượt đến"),
        "retention_days": tr("Thời hạn lưu (ngày)"),
        "min_face_px": tr("Khuôn mặt nhỏ nhất (px)"),
        "min_sharpness": tr("Độ nét tối thiểu"),
        "min_brightness": tr("Độ sáng tối thiểu"),
        "max_brightness": tr("Độ sáng tối đa"),
        "max_yaw": tr("Độ nghiêng đầu tối đa"),
        "detect_width_px": tr("Thu nhỏ ảnh trước khi tìm mặt (px)"),
        "detect_upsample": tr("Số lần phóng to khi tìm mặt"),
        "detector_model": tr("Bộ tìm khuôn mặt"),
        "sync_interval_s": tr("Chu kỳ đồng bộ với tỉnh (giây)"),
        "privacy_clear_s": tr("Tự xoá khi vắng mặt (giây)"),
        "idle_clear_s": tr("Tự xoá khi không thao tác (giây)"),
        "rating_timeout_s": tr("Thời gian chờ đánh giá hài lòng (giây)"),
        "citizen_screen": tr("Màn hình phía công dân (-1 = trên cửa sổ quầy)"),
    }


HELP_VI = {
    "db_path": "Tệp SQLite của quầy này; để trống = kiosk.sqlite trong thư mục dữ liệu của người dùng",
    "counter_name": "Tên quầy, ghi vào mỗi lượt đến, mỗi lần đồng ý và mỗi mục nhật ký",
    "detector_model": "Bộ tìm khuôn mặt: HOG (nhanh, chạy trên CPU) hoặc CNN (1–8 giây mỗi khung hình nếu không có GPU)",
    "detect_width_px": "Ảnh rộng hơn mức này được thu nhỏ trước khi tìm khuôn mặt; 0 = không bao giờ thu nhỏ",
    "detect_upsample": "Số lần phóng to ảnh để tìm khuôn mặt nhỏ; mỗi lần chậm hơn khoảng 4 lần",
    "face_engine": "Bộ nhận dạng cho mẫu mới và lần nhìn đầu tiên mỗi khuôn mặt: SFace (YuNet + SFace, khoảng 13 ms một mặt) "
    "hoặc dlib (HOG + ResNet, khoảng 100 ms)",
    "sface_auto_accept_distance": "SFace: khoảng cách cosin (1 − độ tương đồng) bằng hoặc dưới mức này thì hồ sơ tự hiện; "
    "càng thấp càng chặt",
    "sface_min_margin": "SFace: người giống thứ hai phải xa hơn ít nhất chừng này (khoảng cách cosin) thì mới tự nhận; "
    "càng cao càng chặt",
    "sface_candidate_distance": "SFace: những người trong khoảng cách cosin này được đưa vào bước xác nhận bằng bàn phím; "
    "càng thấp càng chặt",
    "sface_impostor_tail_at_one": "SFace: đuôi phân bố người lạ đã khớp, khoảng cách cosin tại đó xác suất của đuôi bằng 1 "
    "(lệnh kiosk calibrate)",
    "sface_impostor_tail_scale": "SFace: độ rộng của đuôi phân bố người lạ (khoảng cách cosin); 0 = ngưỡng tự nhận không đổi "
    "theo số người đã đăng ký",
    "dlib_auto_accept_distance": "dlib: khoảng cách Euclid bằng hoặc dưới mức này thì hồ sơ tự hiện; càng thấp càng chặt",
    "dlib_min_margin": "dlib: người giống thứ hai phải xa hơn ít nhất chừng này thì mới tự nhận; càng cao càng chặt",
    "dlib_candidate_distance": "dlib: những người trong khoảng cách này được đưa vào bước xác nhận bằng bàn phím; càng thấp càng chặt",
    "dlib_impostor_tail_at_one": "dlib: đuôi phân bố người lạ đã khớp, khoảng cách tại đó xác suất của đuôi bằng 1 "
    "(lệnh kiosk calibrate)",
    "dlib_impostor_tail_scale": "dlib: độ rộng của đuôi phân bố người lạ; 0 = ngưỡng tự nhận không đổi theo số người đã đăng ký",
    "auto_accept_fpir": "Tỉ lệ người lạ mà bước tự nhận có thể điền nhầm, với mọi số người đã đăng ký (khi đã khớp đuôi phân bố); "
    "càng thấp càng chặt",
    "max_candidates": "Số người tối đa được so khi công dân xác nhận bằng bàn phím",
    "confirm_with": "Công dân nhập gì để xác nhận: 4 số cuối của số CCCD hoặc năm sinh",
    "min_enrol_samples": "Số ảnh khuôn mặt đạt chất lượng cần có để đăng ký",
    "visit_samples": "Số ảnh khuôn mặt mà các lượt đến đã xác nhận có thể thêm vào mẫu của công dân (khuôn mặt rõ ràng, "
    "đạt chất lượng); khi đủ số này, ảnh của lượt đến mới thay ảnh học thêm cũ nhất; 0 = không học từ lượt đến",
    "min_face_px": "Chiều rộng khuôn mặt nhỏ nhất (điểm ảnh của camera) được nhận khi đăng ký",
    "min_sharpness": "Độ nét (phương sai Laplace trên ảnh mặt 160 px) dưới mức này là ảnh bị mờ",
    "min_brightness": "Độ sáng trung bình của khuôn mặt (0–255) dưới mức này là quá tối",
    "max_brightness": "Độ sáng trung bình của khuôn mặt (0–255) trên mức này là quá chói",
    "max_yaw": "Mức quay đầu cho phép: độ lệch mũi so với khoảng cách hai mắt (0 = nhìn thẳng, khoảng 0,5 = nghiêng ba phần tư)",
    "retention_days": "Hồ sơ không có lượt đến trong chừng này ngày sẽ tự động bị xoá",
    "key_file": "Tệp chứa khoá dữ liệu; để trống = kiosk.key cạnh tệp cài đặt",
    "registry_url": "Cơ sở dữ liệu dùng chung của tỉnh (PostgreSQL); để trống = quầy làm việc một mình",
    "sync_interval_s": "Số giây giữa hai lần đồng bộ nền với cơ sở dữ liệu của tỉnh; 0 = chỉ khi yêu cầu",
    "agreement_frames": "Số khung hình liên tiếp phải cho cùng kết quả trước khi hiện quyết định về khuôn mặt",
    "camera_index": "Camera của quầy: 0 = camera thứ nhất, 1 = camera thứ hai…",
    "camera_width_px": "Chiều rộng ảnh xin từ camera, tính bằng điểm ảnh (camera có thể chọn cỡ gần nhất nó có)",
    "camera_height_px": "Chiều cao ảnh xin từ camera, tính bằng điểm ảnh",
    "sface_holder_distance": "SFace: khoảng cách cosin tối đa giữa khuôn mặt đang đăng ký và ảnh trong chip để coi là chủ thẻ (so 1:1; trên dữ liệu phát triển 10.000 người lạ mới lọt 1); nhỏ hơn là chặt hơn",
    "dlib_holder_distance": "dlib: khoảng cách Euclid tối đa giữa khuôn mặt đang đăng ký và ảnh trong chip để coi là chủ thẻ (so 1:1); nhỏ hơn là chặt hơn",
    "chip_reader": "Đầu đọc chip CCCD (PC/SC) khi công dân đến lần đầu: auto (đầu đọc đầu tiên được cắm; chưa thấy đầu đọc nào từ khi mở = chỉ dùng QR), required (bắt buộc đọc chip mới được đăng ký), off (tắt), hoặc một phần tên đầu đọc",
    "chip_csca": "Tệp chứng thư CSCA (DER hoặc PEM) mà chứng thư ký của chip phải chuỗi tới; để trống = chỉ kiểm chữ ký của chính chip",
    "qr_serial_port": "Cổng nối tiếp (USB-CDC) của máy quét QR, ví dụ COM3; để trống = không có (máy quét kiểu bàn phím không cần)",
    "language": "Ngôn ngữ của ứng dụng tại quầy mỗi khi khởi động: tiếng Việt hoặc tiếng Anh (nút English / Tiếng Việt "
    "ở đầu cửa sổ chỉ đổi cho lần chạy này)",
    "display_timezone": "Múi giờ hiển thị thời gian (thời gian lưu trữ vẫn theo UTC), ví dụ Asia/Ho_Chi_Minh",
    "privacy_clear_s": "Số giây màn hình có thông tin công dân (hồ sơ, bàn phím, thẻ, đồng ý) còn hiện sau khi khuôn mặt họ "
    "rời camera (hoặc từ lần bấm phím cuối); sau đó màn hình tự xoá",
    "idle_clear_s": "Số giây không bấm phím thì mọi màn hình của công dân tự xoá, kể cả khi vẫn có khuôn mặt trước camera "
    "(cả khi chờ chụp ảnh hay chờ thẻ)",
    "rating_timeout_s": "Số giây công dân được hỏi mức độ hài lòng sau khi cán bộ bấm Xong; không trả lời thì không ghi gì",
    "citizen_screen": "Màn hình quay về phía công dân để hỏi mức độ hài lòng (số màn hình của Qt: 0 = màn hình thứ nhất, "
    "1 = thứ hai...); -1 hoặc màn hình không được cắm = hỏi ngay trên cửa sổ quầy",
    "api_port": "Cổng TCP của giao diện lập trình (API) cục bộ cho phần mềm một cửa của tỉnh; 0 = không mở API",
    "api_token": "Mã truy cập mà mọi lệnh gọi API (trừ /v1/health) phải gửi; để trống = tự tạo lần chạy đầu và lưu trong "
    "cơ sở dữ liệu (lệnh kiosk admin api-token hoặc Quản trị > Cài đặt cho xem)",
    "api_allowed_origins": "Các trang web được phép gọi API, cách nhau bằng dấu phẩy; để trống = không trang nào được gọi",
    "api_bind": "Địa chỉ API lắng nghe; khác địa chỉ nội bộ (127.0.0.1) thì cần api_allow_network = 1",
    "api_allow_network": "1 = quản trị viên cho phép API nhận lệnh gọi từ máy khác (theo api_bind)",
}
"""The Vietnamese description of each setting (kiosk/settings.py holds the English one)."""


def setting_help(name: str, english: str) -> str:
    """A setting's one-line description in the current language."""
    return pick(HELP_VI.get(name, english), english)


def choice_names() -> dict[str, str]:
    """How a setting's allowed values are shown."""
    return {
        "vi": "Tiếng Việt",
        "en": "English",
        "id_last4": tr("các số cuối của số CCCD (4 hoặc 6)"),
        "birth_year": tr("năm sinh (hoặc 6 số cuối CCCD)"),
        "hog": tr("HOG (nhanh, chạy trên CPU)"),
        "cnn": tr("CNN (cần GPU)"),
        "sface": tr("SFace (YuNet + SFace, mặc định)"),
        "dlib": tr("dlib (bản cũ, chậm hơn)"),
    }


class SettingsTab(AdminTab):
    """Every editable setting with its bounds and one-line description; saved to the settings file."""

    saved = Signal(object)  # the new Settings

    def __init__(self, *, config_path: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_path = config_path
        self.cameras: list[Any] | None = None
        self.editors: dict[str, QWidget] = {}
        self.captions: dict[str, Any] = {}
        self.hints: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.form_host = form_host = QWidget()
        form = QFormLayout(form_host)
        described = {f["name"]: f for f in Settings.describe()}
        current = self.kiosk.settings
        for name in EDITABLE:
            info = described[name]
            editor = self._editor(name, info, getattr(current, name))
            hint = label("", "small")
            self.hints[name] = (hint, info)
            field = QWidget()  # a widget, not a bare layout: the form row then grows with the wrapped hint
            column = QVBoxLayout(field)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(0)
            column.addWidget(editor)
            column.addWidget(hint)
            self.captions[name] = label("", "field", wrap=False)  # a wrapped caption was cut off by its row
            form.addRow(self.captions[name], field)
            self.editors[name] = editor
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        form_host.installEventFilter(self)
        self.refresh_cameras = button("", "", self.load_cameras)
        self.save_button = button("", "primary", self.save)
        self.where = label("", "small")
        self.api_line = label("", "small")  # the local API's address and token, for the province's developers
        try:
            self.api_token = self.kiosk.api_token()  # made here on first use (audited), while the store is open
        except KioskError as exc:
            self.api_token = f"? ({exc.message})"
        self.api_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.new_pin, self.new_pin_again = QLineEdit(), QLineEdit()
        for field in (self.new_pin, self.new_pin_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_button = button("", "", self.change_pin)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.refresh_cameras)
        row.addStretch(1)
        row.addWidget(self.new_pin)
        row.addWidget(self.new_pin_again)
        row.addWidget(self.pin_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.where)
        layout.addWidget(self.api_line)
        layout.addLayout(row)
        self.retranslate()

    def _editor(self, name: str, info: dict[str, Any], value: Any) -> QWidget:
        if name == "camera_index":
            combo = QComboBox()
            combo.addItem(f"{value}", value)
            return combo
        if info["choices"]:
            combo = QComboBox()
            names = choice_names()
            for choice in info["choices"]:
                combo.addItem(names.get(choice, choice), choice)
            combo.setCurrentIndex(list(info["choices"]).index(value))
            return combo
        if info["type"] == "int":
            spin = QSpinBox()
            spin.setRange(int(info["min"]), int(info["max"]))
            spin.setValue(int(value))
            return spin
        if info["type"] == "float":
            dspin = QDoubleSpinBox()
            dspin.setDecimals(3)
            dspin.setSingleStep(0.01 if info["max"] <= 1 else 1.0)
            dspin.setRange(float(info["min"]), float(info["max"]))
            dspin.setValue(float(value))
            return dspin
        line = QLineEdit(str(value))
        return line

    def retranslate(self) -> None:
        port = self.kiosk.settings.api_port
        self.api_line.setText(
            tr("API cục bộ (docs/API.md): http://127.0.0.1:{port} · mã truy cập: {token}").format(
                port=port, token=self.api_token
            )
            if port
            else tr("API cục bộ: tắt (api_port = 0)")
        )
        for name, text in field_names().items():
            self.captions[name].setText(text)
        names = choice_names()
        for editor in self.editors.values():
            if isinstance(editor, QComboBox) and editor is not self.editors.get("camera_index"):
                for i in range(editor.count()):
                    editor.setItemText(i, names.get(editor.itemData(i), editor.itemData(i)))
        for name, (hint, info) in self.hints.items():
            if info["choices"]:
                bounds = " | ".join(names.get(choice, choice) for choice in info["choices"])
            else:
                # U+2011, a hyphen no line breaks at: "[320‑1920]" stays whole when the hint wraps
                bounds = f"{info['min']}\u2011{info['max']}" if info["min"] is not None else ""
            text = setting_help(name, info["help"]) + (f"  [{bounds}]" if bounds else "")
            if name == "language":
                text += " " + tr("Đang hiển thị: {now}.").format(now=names[language()])
            hint.setText(text)
        self.refresh_cameras.setText(tr("Tìm lại camera"))
        self.save_button.setText(tr("Lưu cài đặt"))
        self.where.setText(tr("Tệp cài đặt: {path}").format(path=self.config_path))
        self.new_pin.setPlaceholderText(tr("Mã PIN mới"))
        self.new_pin_again.setPlaceholderText(tr("Nhập lại"))
        self.pin_button.setText(tr("Đổi mã PIN"))
        layout = self.form_host.layout()
        if layout is not None:  # new texts wrap to other heights: lay the rows out again (no overlap)
            layout.invalidate()
            layout.activate()
        if self.cameras is not None:
            self._show_cameras(self.cameras)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """The form resized (by its scroll area): lay its rows out again for that size. Texts
        changed while the tab was hidden (a language switch) were otherwise placed at the row
        heights of an earlier width, the wrapped hints over the next row."""
        if watched is self.form_host and event.type() == QEvent.Type.Resize:
            layout = self.form_host.layout()
            if layout is not None:
                layout.invalidate()
                layout.activate()
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        self.load_cameras()

    def load_cameras(self) -> None:
        """List the cameras present now (on a worker thread: probing can take a moment on Windows)."""
        self.tasks.run(list_cameras, self._show_cameras, self.banner.show_error)

    def _show_cameras(self, cameras: list[Any]) -> None:
        self.cameras = cameras
        combo = self.editors["camera_index"]
        assert isinstance(combo, QComboBox)
        current = self.kiosk.settings.camera_index if combo.currentData() is None else combo.currentData()
        combo.clear()
        for camera in cameras:
            combo.addItem(f"{camera.index}: {camera.name}", camera.index)
        if all(camera.index != current for camera in cameras):
            combo.addItem(tr("{index}: (không thấy camera này)").format(index=current), current)
        combo.setCurrentIndex(combo.findData(current))

    def values(self) -> dict[str, Any]:
        """The values in the editors."""
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                out[name] = editor.currentData()
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                out[name] = editor.value()
            elif isinstance(editor, QLineEdit):
                out[name] = editor.text().strip()
        return out

    def save(self) -> None:
        """Validate and write the settings file (audited, old → new)."""
        try:
            new = self.kiosk.settings.replace(**self.values())
        except SettingsError as exc:
            self.banner.show_error(exc)
            return

        def done(_: object) -> None:
            self.banner.show_message("success", tr("Đã lưu cài đặt vào {path}.").format(path=self.config_path))
            self.saved.emit(new)

        self.call(lambda a: a.save_settings(self.config_path, new), done)

    def change_pin(self) -> None:
        """Replace the administrator PIN (typed twice)."""
        pin = self.new_pin.text()
        if pin != self.new_pin_again.text():
            self.banner.show_message("warning", tr("Hai mã PIN không giống nhau."))
            return
        self.new_pin.clear()
        self.new_pin_again.clear()
        self.call(lambda a: a.change_pin(pin), lambda _: self.banner.show_message("success", tr("Đã đổi mã PIN.")))
