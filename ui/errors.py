"""Named exceptions as one line on screen, in the screen's language only.

The kiosk layer's messages are English (they also go to logs and the CLI). On screen an
error is a headline and a line saying what to do, both in the current language: chosen
by the error's ``reason`` (with its ``facts``, e.g. how many PIN tries are left) when the
kiosk layer gives one, else by the exception's class. In English the original ``message -
hint`` is shown under the headline; in Vietnamese it goes to the log (for support) and a
Vietnamese line takes its place.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from models import KioskError
from ui.i18n import language, tr

log = logging.getLogger("cccd_kiosk.ui")


def _reasons() -> dict[str, tuple[str, str]]:
    """``reason: (headline, what to do)``; the second may use the error's ``facts`` as ``{name}``.

    ``reason/1`` is the wording for a count of one (English needs the singular).
    """
    return {
        "wrong_pin": (tr("Mã PIN không đúng."), tr("Còn {left} lần thử trước khi bị tạm khoá.")),
        "wrong_pin/1": (tr("Mã PIN không đúng."), tr("Còn 1 lần thử trước khi bị tạm khoá.")),
        "locked": (tr("Đã nhập sai mã PIN quá nhiều lần: tạm khoá."), tr("Mời chờ {minutes} phút rồi thử lại.")),
        "locked/1": (tr("Đã nhập sai mã PIN quá nhiều lần: tạm khoá."), tr("Mời chờ 1 phút rồi thử lại.")),
        "pin_too_short": (tr("Mã PIN quá ngắn."), tr("Mã PIN cần ít nhất {min} chữ số hoặc chữ cái.")),
        "pin_not_alnum": (
            tr("Mã PIN chỉ gồm chữ cái và chữ số."),
            tr("Bỏ dấu cách và các ký hiệu khác."),
        ),
        "pin_already_set": (
            tr("Mã PIN quản trị đã được đặt."),
            tr("Đăng nhập bằng mã PIN hiện có; có thể đổi mã trong thẻ Cài đặt."),
        ),
        "pin_not_set": (tr("Chưa đặt mã PIN quản trị."), tr("Mở phần Quản trị (F12) để đặt mã PIN lần đầu.")),
        "session_expired": (tr("Phiên quản trị đã hết hạn."), tr("Mời nhập lại mã PIN.")),
        "db_damaged": (
            tr("Tệp cơ sở dữ liệu bị hỏng hoặc không phải của kiosk."),
            tr("Tệp: {path}. Khôi phục tệp từ bản sao lưu, hoặc dùng tệp khác."),
        ),
        "db_locked": (
            tr("Cơ sở dữ liệu đang bị một chương trình khác sử dụng."),
            tr("Đóng kiosk hoặc công cụ khác đang mở tệp {path} rồi thử lại; chưa lưu gì."),
        ),
        "db_read_only": (
            tr("Không ghi được vào cơ sở dữ liệu (chỉ đọc)."),
            tr("Cấp quyền ghi cho tệp {path} và thư mục của nó; chưa lưu gì."),
        ),
        "db_open": (tr("Không mở được cơ sở dữ liệu."), tr("Kiểm tra đường dẫn {path} và quyền của thư mục.")),
        "db_missing": (
            tr("Không tìm thấy cơ sở dữ liệu."),
            tr("Không có tệp {path}: kiểm tra đường dẫn trong cài đặt."),
        ),
        "db_folder": (tr("Không tạo được thư mục cho cơ sở dữ liệu."), tr("Chọn nơi khác cho tệp {path}.")),
        "db_newer": (
            tr("Cơ sở dữ liệu được ghi bởi phiên bản kiosk mới hơn."),
            tr("Cập nhật phần mềm kiosk để mở tệp {path}."),
        ),
        "disk_full": (tr("Ổ đĩa đã đầy."), tr("Giải phóng dung lượng cho tệp {path}; chưa lưu gì.")),
        "key_mismatch": (
            tr("Khoá dữ liệu không đúng: không mở được cơ sở dữ liệu."),
            tr("Dùng tệp khoá đã dùng khi ghi tệp {path}."),
        ),
        "key_missing": (
            tr("Thiếu tệp khoá dữ liệu."),
            tr("Khôi phục tệp khoá {path} từ bản sao lưu: không có nó thì không đọc được cơ sở dữ liệu."),
        ),
        "key_unreadable": (tr("Không đọc được tệp khoá dữ liệu."), tr("Kiểm tra quyền đọc của tệp {path}.")),
        "key_in_keystore": (
            tr("Khoá dữ liệu nằm trong kho khoá của hệ điều hành nhưng không đọc được."),
            tr("Đăng nhập đúng tài khoản của quầy; nếu vẫn lỗi, tham gia lại bằng gói của tỉnh (kiosk join)."),
        ),
        "camera_failed": (tr("Không có hình từ camera."), tr("Kiểm tra {camera} và dây USB; kiosk tự thử lại.")),
        "no_pcsc": (
            tr("Máy này chưa sẵn sàng đọc chip CCCD."),
            tr("Cài phần đọc chip (PC/SC) hoặc bật dịch vụ Smart Card; quản trị viên có thể tắt đọc chip."),
        ),
        "no_reader": (tr("Không thấy đầu đọc chip CCCD."), tr("Cắm lại đầu đọc USB rồi bấm Lưu lại.")),
        "no_card": (tr("Chưa có thẻ CCCD trên đầu đọc chip."), tr("Đặt thẻ nằm yên trên đầu đọc rồi bấm Lưu lại.")),
        "card_lost": (tr("Thẻ bị nhấc ra khi đang đọc chip."), tr("Đặt thẻ nằm yên trên đầu đọc rồi bấm Lưu lại.")),
        "read_failed": (tr("Đọc chip CCCD không thành công."), tr("Đặt thẻ nằm yên trên đầu đọc rồi bấm Lưu lại.")),
        "access_denied": (
            tr("Không đăng ký: chip từ chối mã QR này, thẻ trên đầu đọc không phải thẻ vừa quét."),
            tr("Quét mã QR và đặt lên đầu đọc cùng một thẻ của chính công dân."),
        ),
        "not_an_id_chip": (
            tr("Thẻ trên đầu đọc không phải thẻ CCCD có chip."),
            tr("Đặt thẻ CCCD của công dân lên đầu đọc."),
        ),
        "disagree": (
            tr("Không đăng ký: thông tin trong chip khác với mã QR (mã QR sao chép hoặc giả?)."),
            tr("Chưa lưu gì. Mời công dân đưa thẻ CCCD của chính mình."),
        ),
        "not_holder": (
            tr("Không đăng ký: người trước camera không phải chủ thẻ CCCD này."),
            tr("Chưa lưu gì. Khuôn mặt khác ảnh trong chip; mời đưa thẻ của chính công dân hoặc gọi cán bộ phụ trách."),
        ),
        "group_tampered": (
            tr("Không đăng ký: dữ liệu trong chip đã bị sửa đổi."),
            tr("Chưa lưu gì. Không dùng thẻ này; báo cơ quan công an."),
        ),
        "signature_failed": (
            tr("Không đăng ký: chữ ký số của chip không hợp lệ."),
            tr("Chưa lưu gì. Không dùng thẻ này; báo cơ quan công an."),
        ),
        "csca_mismatch": (
            tr("Không đăng ký: chip không do cơ quan cấp thẻ đã cấu hình ký."),
            tr("Chưa lưu gì. Quản trị viên kiểm tra tệp CSCA; nếu tệp đúng, không dùng thẻ này."),
        ),
        "csca_unreadable": (tr("Không đọc được tệp CSCA."), tr("Quản trị viên sửa cài đặt chip_csca.")),
        "sod_malformed": (tr("Dữ liệu bảo mật của chip không đọc được."), tr("Đặt lại thẻ rồi bấm Lưu lại.")),
        "chip_photo": (
            tr("Ảnh trong chip không có khuôn mặt để so sánh."),
            tr("Chưa lưu gì. Cán bộ đối chiếu ảnh in trên thẻ rồi đăng ký lại."),
        ),
    }


def _classes() -> dict[str, tuple[str, str]]:
    """``class name: (headline, what to do)`` for errors without a known reason."""
    return {
        "CameraError": (tr("Không có hình từ camera."), tr("Kiểm tra dây USB của camera; kiosk tự thử lại.")),
        "AnalyzerError": (tr("Bộ nhận diện khuôn mặt đang khởi động lại."), tr("Chờ vài giây rồi thử lại.")),
        "StoreError": (
            tr("Lỗi cơ sở dữ liệu: chưa lưu được gì, dữ liệu đã có vẫn còn nguyên."),
            tr("Thử lại; nếu vẫn lỗi, báo cho quản trị viên."),
        ),
        "DataKeyError": (
            tr("Khoá dữ liệu không đúng: không mở được cơ sở dữ liệu."),
            tr("Dùng đúng tệp khoá dữ liệu của cơ sở dữ liệu này."),
        ),
        "CccdError": (tr("Mã QR không phải của thẻ CCCD."), tr("Mời đưa mã QR ở mặt trước thẻ CCCD.")),
        "ScannerMangledError": (
            tr("Máy quét làm hỏng chữ tiếng Việt: mời đưa mã QR trên thẻ vào camera."),
            tr("Camera đọc được đúng chữ tiếng Việt trên thẻ."),
        ),
        "QrNotFoundError": (tr("Chưa đọc được mã QR."), tr("Giữ mã QR phẳng, gần camera và đủ sáng.")),
        "AuthError": (tr("Mã PIN không đúng."), tr("Mời thử lại.")),
        "LockedOutError": (tr("Đã nhập sai mã PIN quá nhiều lần: tạm khoá."), tr("Mời chờ rồi thử lại.")),
        "SettingsError": (tr("Giá trị cài đặt không hợp lệ."), tr("Kiểm tra lại các giá trị vừa nhập.")),
        "NotEnrolledError": (tr("Công dân chưa có hồ sơ."), tr("Kiểm tra lại số CCCD.")),
        "AlreadyEnrolledError": (
            tr("Công dân đã có hồ sơ."),
            tr("Không cần đăng ký lại; có thể cập nhật ảnh khuôn mặt (F5)."),
        ),
        "ConsentRequiredError": (
            tr("Cần sự đồng ý của công dân trước khi lưu khuôn mặt."),
            tr("Mời công dân đọc nội dung và đánh dấu đồng ý."),
        ),
        "NotEnoughSamplesError": (
            tr("Chưa đủ ảnh khuôn mặt đạt chất lượng."),
            tr("Mời công dân nhìn thẳng vào camera để chụp thêm."),
        ),
        "InconsistentSamplesError": (
            tr("Các ảnh chụp không giống cùng một người: mời chụp lại."),
            tr("Chỉ một người đứng trước camera khi chụp."),
        ),
        "FaceAlreadyEnrolledError": (
            tr("Khuôn mặt này đã được đăng ký cho một hồ sơ khác: cần quản trị viên kiểm tra."),
            tr("Quản trị viên so sánh hai hồ sơ trước khi đăng ký."),
        ),
        "ImageError": (tr("Không đọc được ảnh."), tr("Kiểm tra tệp ảnh.")),
        "ChipError": (tr("Đọc chip CCCD không thành công."), tr("Đặt thẻ nằm yên trên đầu đọc rồi thử lại.")),
        "RegistryError": (
            tr("Không kết nối được cơ sở dữ liệu của tỉnh."),
            tr("Kiosk vẫn làm việc bình thường và sẽ đồng bộ lại sau."),
        ),
    }


def describe_error(error: BaseException) -> tuple[str, str]:
    """``(headline, detail)`` in the screen's language for a banner, a dialog or a form.

    The detail says what to do; in English it is the original one-line message.
    """
    reason = getattr(error, "reason", "") if isinstance(error, KioskError) else ""
    facts: defaultdict[str, object] = defaultdict(lambda: "?", getattr(error, "facts", {}))
    reasons = _reasons()
    # the original names the device (/dev/video0...)
    if isinstance(error, KioskError) and language() == "en" and reason == "camera_failed":
        return reasons[reason][0], error.one_line()
    singular = f"{reason}/1" if 1 in facts.values() and f"{reason}/1" in reasons else ""
    by_reason = reasons.get(singular or reason)
    if by_reason is not None:
        return by_reason[0], by_reason[1].format_map(facts)
    classes = _classes()
    headline, todo = next(
        (classes[c.__name__] for c in type(error).__mro__ if c.__name__ in classes),
        (tr("Đã xảy ra lỗi."), tr("Thử lại; nếu vẫn lỗi, báo cho quản trị viên.")),
    )
    original = error.one_line() if isinstance(error, KioskError) else f"{type(error).__name__}: {error}"
    if language() == "en":
        return headline, original
    log.warning("%s", original)  # the English original, for support
    return headline, todo
