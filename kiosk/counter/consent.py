"""The consent a citizen gives before their face is stored.

Law 91/2025/QH15 and Decree 356/2025 treat face templates as sensitive personal data:
consent must be explicit, per purpose, and recorded with the text version shown, the
time, the counter and the staff member. Changing the text means a new version.
"""

from __future__ import annotations

PURPOSE_FACE_CHECKIN = "face_checkin"
"""Purpose code: recognise the citizen's face at any one-stop counter of the province."""

CONSENT_TEXT_VERSION = "2026-11-v1"

CONSENT_TEXT_VI = (
    "Tôi đồng ý để Bộ phận Một cửa lưu mẫu khuôn mặt (dữ liệu sinh trắc học, là dữ liệu cá nhân nhạy cảm) "
    "và thông tin trên thẻ CCCD của tôi (số định danh, họ tên, ngày sinh, giới tính, nơi thường trú, ngày cấp) "
    "chỉ để nhận diện tôi khi tôi đến làm thủ tục tại các quầy một cửa trong tỉnh, thay cho việc xuất trình giấy tờ. "
    "Ảnh thẻ CCCD không được lưu. Dữ liệu được lưu đến khi tôi rút lại sự đồng ý, hoặc tự động xoá sau thời hạn "
    "lưu trữ kể từ lần đến gần nhất. Tôi có thể rút lại sự đồng ý bất cứ lúc nào tại quầy; khi đó toàn bộ dữ liệu "
    "khuôn mặt và hồ sơ của tôi bị xoá vĩnh viễn."
)

CONSENT_TEXT_EN = (
    "I agree that the One-Stop-Shop may store a template of my face (biometric data, which is sensitive personal "
    "data) and the details on my CCCD card (ID number, full name, birth date, gender, residence, issue date) only "
    "to recognise me when I come to any one-stop counter in the province, instead of showing papers. No photo of "
    "the card is kept. The data is kept until I withdraw this consent, or deleted automatically after the retention "
    "period since my last visit. I may withdraw at any time at a counter; my face data and record are then deleted "
    "for good."
)
