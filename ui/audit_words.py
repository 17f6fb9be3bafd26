"""Audit log entries in words: what was done and its details, in the screen's language.

The log stores short action codes (``qr_read``, ``login_failed``...) and a JSON detail
(``{"known": true}``); the administration tab shows them as a phrase and readable
"label: value" pairs instead.
"""

from __future__ import annotations

import json
from typing import Any

from ui.i18n import number, tr


def action_words() -> dict[str, str]:
    """Each audit action code as a short phrase."""
    return {
        "enrol": tr("Đăng ký công dân"),
        "add_samples": tr("Thêm ảnh khuôn mặt"),
        "identify": tr("Ghi nhận lượt đến"),
        "keypad": tr("Xác nhận bằng bàn phím"),
        "qr_read": tr("Đọc thẻ CCCD"),
        "purge": tr("Xoá hồ sơ"),
        "login": tr("Đăng nhập quản trị"),
        "login_failed": tr("Đăng nhập quản trị thất bại"),
        "pin_set": tr("Đặt mã PIN"),
        "pin_reset": tr("Đặt lại mã PIN bằng khoá dữ liệu"),
        "search": tr("Tìm công dân"),
        "lookup": tr("Xem hồ sơ"),
        "consent_receipt": tr("Xem phiếu đồng ý"),
        "export": tr("Xuất danh sách"),
        "retention_dry_run": tr("Xem trước hồ sơ quá hạn"),
        "audit_verify": tr("Kiểm tra nhật ký"),
        "settings_changed": tr("Đổi cài đặt"),
        "key_rotated": tr("Đổi khoá dữ liệu"),
        "sync": tr("Đồng bộ với tỉnh"),
        "upgrade_samples": tr("Bổ sung mẫu khuôn mặt cho bộ nhận dạng mới"),
        "learn_sample": tr("Thêm mẫu khuôn mặt từ lượt đến"),
        "api_token_made": tr("Tạo mã truy cập API"),
        "chip_reader_seen": tr("Quầy bắt đầu dùng đầu đọc chip CCCD (từ nay bắt buộc đọc chip khi đăng ký)"),
        "api_read": tr("Phần mềm một cửa đọc hồ sơ (API)"),
    }


def _labels() -> dict[str, str]:
    return {
        "known": tr("đã có hồ sơ"),
        "fitted": tr("khớp"),
        "candidates": tr("số người so"),
        "method": tr("cách"),
        "distance": tr("khoảng cách"),
        "samples": tr("số ảnh"),
        "consent_version": tr("phiên bản đồng ý"),
        "reason": tr("lý do"),
        "face_samples": tr("ảnh khuôn mặt"),
        "consents": tr("lần đồng ý"),
        "visits": tr("lượt đến"),
        "citizens": tr("hồ sơ"),
        "retired_samples": tr("mẫu khuôn mặt đã được thay"),
        "retired": tr("số mẫu cũ được thay"),
        "query_length": tr("độ dài từ khoá"),
        "results": tr("kết quả"),
        "what": tr("nội dung"),
        "rows": tr("số dòng"),
        "file": tr("tệp"),
        "listed": tr("số hồ sơ"),
        "ok": tr("nguyên vẹn"),
        "entries": tr("số mục"),
        "pulled": tr("đã nhận"),
        "pushed": tr("đã gửi"),
        "purged_here": tr("đã xoá tại đây"),
        "rejected": tr("bị từ chối"),
        "chain_reset": tr("chuỗi bị đặt lại"),
        "engine": tr("bộ nhận dạng"),
        "client": tr("nơi gọi"),
    }


def _values() -> dict[str, str]:
    return {
        "face": tr("khuôn mặt"),
        "confirm": tr("khuôn mặt + bàn phím"),
        "qr": tr("thẻ CCCD"),
        "request": tr("theo yêu cầu"),
        "consent withdrawn": tr("rút lại đồng ý"),
        "retention": tr("quá thời hạn lưu"),
        "visits": tr("lượt đến"),
        "purge preview": tr("xem trước khi xoá"),
        "vi": "Tiếng Việt",
        "en": "English",
        "id_last4": tr("các số cuối của số CCCD (4 hoặc 6)"),
        "birth_year": tr("năm sinh (hoặc 6 số cuối CCCD)"),
    }


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return tr("có") if value else tr("không")
    if isinstance(value, float):
        return number(value, 3)
    if isinstance(value, list) and len(value) == 2:  # a settings change: old → new
        return f"{_value(value[0])} → {_value(value[1])}"
    text = str(value)
    if text.startswith("wrong PIN") or text.startswith(
        "administrator login is locked"
    ):  # login_failed keeps the English message
        return tr("sai mã PIN") if text.startswith("wrong PIN") and "locked" not in text else tr("bị tạm khoá")
    if text.startswith("purged at "):  # a purge that came from another counter through the registry
        return tr("xoá tại quầy khác")
    return _values().get(text, text)


def detail_words(action: str, detail: str) -> str:
    """An entry's JSON detail as "label: value" pairs; settings changes name the setting."""
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return str(data)
    labels = _labels()
    if action == "settings_changed":
        from ui.admin_settings import field_names

        labels = {**labels, **field_names()}
    return "; ".join(f"{labels.get(key, key)}: {_value(value)}" for key, value in data.items())
