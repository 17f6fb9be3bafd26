"""The words and number formats of ``kiosk report`` (Vietnamese by default, English).

Vietnamese writes ``1.234`` and ``12,5%``; English ``1,234`` and ``12.5%``. A missing figure
(no visits, no answers) is shown as an em dash, never as 0.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "title_province": "Báo cáo bộ phận một cửa: toàn tỉnh theo từng quầy",
        "title_counter": "Báo cáo bộ phận một cửa: {counter}",
        "period": "Từ {first} đến {last}",
        "made": "lập lúc",
        "no_visits": "Không có lượt đến nào trong khoảng thời gian này.",
        "card_visits": "lượt đến",
        "card_auto": "nhận diện tự động bằng khuôn mặt",
        "card_median": "trung vị thời gian đến khi xác nhận",
        "card_satisfaction": "hài lòng ({n} câu trả lời)",
        "h_days": "Lượt đến theo ngày",
        "h_how_time": "Cách nhận diện và thời gian xác nhận",
        "h_satisfaction": "Mức độ hài lòng",
        "h_day_table": "Số liệu từng ngày",
        "h_counters": "Xếp hạng các quầy",
        "figure": "Chỉ số",
        "value": "Giá trị",
        "visits": "Lượt đến",
        "share_auto": "Tự động (khuôn mặt)",
        "share_keypad": "Khuôn mặt + bàn phím",
        "share_card": "Thẻ CCCD",
        "share_enrolled": "Đăng ký lần đầu",
        "col_auto": "Tự động",
        "col_keypad": "Bàn phím",
        "col_card": "Thẻ",
        "col_enrolled": "Đăng ký",
        "col_median": "Trung vị (giây)",
        "col_p90": "P90 (giây)",
        "col_answers": "Câu trả lời",
        "col_satisfaction": "Hài lòng",
        "confirm_median": "Trung vị thời gian đến khi xác nhận",
        "confirm_p90": "Phân vị 90 thời gian đến khi xác nhận",
        "timed_visits": "Lượt có đo thời gian",
        "done_median": "Trung vị thời gian xử lý (xác nhận → xong)",
        "satisfaction": "Tỷ lệ hài lòng",
        "answers": "Số câu trả lời",
        "day": "Ngày",
        "rank": "Hạng",
        "counter": "Quầy",
        "answer": "Câu trả lời",
        "count": "Số lượt",
        "share": "Tỷ lệ",
        "very_satisfied": "Rất hài lòng",
        "satisfied": "Hài lòng",
        "unsatisfied": "Chưa hài lòng",
        "very_unsatisfied": "Không hài lòng",
        "how_auto": "Tự động (khuôn mặt)",
        "how_keypad": "Khuôn mặt + bàn phím",
        "how_card": "Thẻ CCCD",
        "how_enrolled": "Đăng ký lần đầu",
        "axis_visits": "lượt đến",
        "axis_seconds": "giây từ lúc thấy mặt đến khi xác nhận",
        "axis_count": "số lượt",
        "axis_answers": "số câu trả lời",
        "axis_satisfaction": "tỷ lệ hài lòng (%)",
        "median": "trung vị",
        "p90": "P90",
        "target": "mục tiêu 99%",
        "rank_rule": "Xếp hạng: tỷ lệ hài lòng cao trước (quầy chưa có câu trả lời xếp cuối), "
        "rồi thời gian xác nhận ngắn hơn, rồi nhiều lượt hơn.",
        "definitions": "Lượt đến: mỗi lần một công dân được phục vụ tại quầy, gồm lần đầu (đăng ký) và các lần "
        "đến lại (nhận ra bằng khuôn mặt, khuôn mặt + bàn phím, hoặc thẻ); màn hình quầy, trang quản trị và API "
        "đếm giống như vậy. Thời gian đến khi xác nhận: từ lúc khuôn mặt (hoặc thẻ) xuất hiện trước camera đến lúc "
        "xác nhận hồ sơ, chỉ tính lượt đến lại. Tỷ lệ hài lòng: số câu trả lời «Rất hài lòng» hoặc «Hài lòng» "
        "trên tổng số câu trả lời; lượt không trả lời không được tính. Báo cáo không chứa họ tên, số định danh "
        "hay ảnh khuôn mặt.",
    },
    "en": {
        "title_province": "One-stop service report: the province, counter by counter",
        "title_counter": "One-stop service report: {counter}",
        "period": "From {first} to {last}",
        "made": "made",
        "no_visits": "No visits in this period.",
        "card_visits": "visits",
        "card_auto": "identified automatically by face",
        "card_median": "median time to confirmation",
        "card_satisfaction": "satisfied ({n} answers)",
        "h_days": "Visits per day",
        "h_how_time": "How citizens were identified, and time to confirmation",
        "h_satisfaction": "Satisfaction",
        "h_day_table": "Day by day",
        "h_counters": "Counters ranked",
        "figure": "Figure",
        "value": "Value",
        "visits": "Visits",
        "share_auto": "Automatic (face)",
        "share_keypad": "Face + keypad",
        "share_card": "CCCD card",
        "share_enrolled": "First visit (enrolled)",
        "col_auto": "Auto",
        "col_keypad": "Keypad",
        "col_card": "Card",
        "col_enrolled": "Enrolled",
        "col_median": "Median (s)",
        "col_p90": "P90 (s)",
        "col_answers": "Answers",
        "col_satisfaction": "Satisfied",
        "confirm_median": "Median time to confirmation",
        "confirm_p90": "90th percentile time to confirmation",
        "timed_visits": "Visits timed",
        "done_median": "Median service time (confirmation to done)",
        "satisfaction": "Satisfaction rate",
        "answers": "Answers",
        "day": "Day",
        "rank": "Rank",
        "counter": "Counter",
        "answer": "Answer",
        "count": "Visits",
        "share": "Share",
        "very_satisfied": "Very satisfied",
        "satisfied": "Satisfied",
        "unsatisfied": "Not yet satisfied",
        "very_unsatisfied": "Unsatisfied",
        "how_auto": "Automatic (face)",
        "how_keypad": "Face + keypad",
        "how_card": "CCCD card",
        "how_enrolled": "First visit (enrolled)",
        "axis_visits": "visits",
        "axis_seconds": "seconds from face in view to confirmation",
        "axis_count": "visits",
        "axis_answers": "answers",
        "axis_satisfaction": "satisfaction rate (%)",
        "median": "median",
        "p90": "P90",
        "target": "target 99%",
        "rank_rule": "Ranking: highest satisfaction rate first (counters without answers last), then the "
        "shorter time to confirmation, then more visits.",
        "definitions": "Visit: each time a citizen is served at a counter, the first one (enrolment) and every "
        "return (identified by face, face + keypad, or card); the counter's screen, the administration pages "
        "and the API count the same. Time to confirmation: from the face (or card) first in view of the camera to the record "
        "confirmed, returning visits only. Satisfaction rate: answers 'very satisfied' or 'satisfied' over all "
        "answers; visits without an answer are not counted. The report holds no name, ID number or face.",
    },
}


def fmt_num(value: float, lang: str, decimals: int = 0) -> str:
    """A number with the language's separators (``1.234,5`` in Vietnamese, ``1,234.5`` in English)."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "vi" else text


def fmt_pct(share: float | None, lang: str) -> str:
    """A share 0..1 as a percentage with one decimal; ``—`` when there is none."""
    return "—" if share is None else fmt_num(100 * share, lang, 1) + "%"


def fmt_s(seconds: float | None, lang: str) -> str:
    """Seconds with one decimal; ``—`` when there are none."""
    return "—" if seconds is None else fmt_num(seconds, lang, 1) + " s"
