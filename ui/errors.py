"""Named exceptions as one line on screen, in the current language.

The kiosk layer's messages are English (they also go to logs and the CLI); the banner
leads with a short sentence in the screen's language, chosen by the exception's class,
and shows the original ``message - hint`` underneath for staff and support.
"""

from __future__ import annotations

from models import KioskError
from ui.i18n import tr


def _headlines() -> dict[str, str]:
    return {
        "CameraError": tr("Không có hình từ camera."),
        "AnalyzerError": tr("Bộ nhận diện khuôn mặt đang khởi động lại."),
        "StoreError": tr("Lỗi cơ sở dữ liệu: chưa lưu được gì, dữ liệu đã có vẫn còn nguyên."),
        "DataKeyError": tr("Khoá dữ liệu không đúng: không mở được cơ sở dữ liệu."),
        "CccdError": tr("Mã QR không phải của thẻ CCCD."),
        "ScannerMangledError": tr("Máy quét làm hỏng chữ tiếng Việt: mời đưa mã QR trên thẻ vào camera."),
        "QrNotFoundError": tr("Chưa đọc được mã QR."),
        "AuthError": tr("Mã PIN không đúng."),
        "LockedOutError": tr("Đã nhập sai mã PIN quá nhiều lần: tạm khoá."),
        "SettingsError": tr("Giá trị cài đặt không hợp lệ."),
        "NotEnrolledError": tr("Công dân chưa có hồ sơ."),
        "AlreadyEnrolledError": tr("Công dân đã có hồ sơ."),
        "ConsentRequiredError": tr("Cần sự đồng ý của công dân trước khi lưu khuôn mặt."),
        "NotEnoughSamplesError": tr("Chưa đủ ảnh khuôn mặt đạt chất lượng."),
        "InconsistentSamplesError": tr("Các ảnh chụp không giống cùng một người: mời chụp lại."),
        "FaceAlreadyEnrolledError": tr("Khuôn mặt này đã được đăng ký cho một hồ sơ khác: cần quản trị viên kiểm tra."),
        "ImageError": tr("Không đọc được ảnh."),
        "RegistryError": tr("Không kết nối được cơ sở dữ liệu của tỉnh."),
    }


def describe_error(error: BaseException) -> tuple[str, str]:
    """``(headline in the screen's language, original one-line message)`` for a banner."""
    table = _headlines()
    for cls in type(error).__mro__:
        if cls.__name__ in table:
            headline = table[cls.__name__]
            break
    else:
        headline = tr("Đã xảy ra lỗi.")
    detail = error.one_line() if isinstance(error, KioskError) else f"{type(error).__name__}: {error}"
    return headline, detail
