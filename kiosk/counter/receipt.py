"""A printable consent receipt (HTML) for the citizen: what they agreed to, when, where."""

from __future__ import annotations

from html import escape
from typing import Any

from kiosk.counter.consent import CONSENT_TEXT_EN, CONSENT_TEXT_VI
from kiosk.timefmt import DEFAULT_TIMEZONE, local_time, utc_offset
from models import CitizenRecord


def render_receipt(
    record: CitizenRecord, consent: dict[str, Any], retention_days: int, timezone: str = DEFAULT_TIMEZONE
) -> str:
    """The receipt as a self-contained HTML page (print it from any browser).

    Shows the citizen's name and masked ID number, the consent text version and its full
    Vietnamese and English text, when (local time in ``timezone``, e.g. ``30/11/2026 06:25``),
    at which counter and by which staff member it was recorded, the retention period, and
    how to withdraw. Never the full ID number.
    """
    rows = [
        ("Họ và tên / Name", record.full_name),
        ("Số định danh / ID number", record.masked_id),
        ("Mục đích / Purpose", "Nhận diện khuôn mặt tại quầy một cửa / face check-in at one-stop counters"),
        ("Phiên bản văn bản / Text version", consent["text_version"]),
        (
            "Thời điểm đồng ý / Given at",
            f"{local_time(consent['given_at'], timezone)} ({utc_offset(consent['given_at'], timezone)})",
        ),
        ("Quầy / Counter", consent["counter"]),
        ("Cán bộ / Staff", consent["staff"]),
        ("Thời hạn lưu / Retention", f"{retention_days} ngày kể từ lần đến gần nhất / days after the last visit"),
    ]
    table = "\n".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Phiếu xác nhận đồng ý / Consent receipt</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; max-width: 46em; margin: 2em auto; color: #111; }}
h1 {{ font-size: 1.4em; }} th {{ text-align: left; padding-right: 1em; vertical-align: top; }}
p.text {{ border-left: 3px solid #555; padding-left: 1em; }} @media print {{ body {{ margin: 1cm; }} }}
</style></head><body>
<h1>Phiếu xác nhận đồng ý xử lý dữ liệu sinh trắc học<br><small>Consent receipt: biometric data</small></h1>
<table>{table}</table>
<h2>Nội dung đã đồng ý</h2><p class="text">{escape(CONSENT_TEXT_VI)}</p>
<h2>What was agreed (English)</h2><p class="text">{escape(CONSENT_TEXT_EN)}</p>
<h2>Rút lại sự đồng ý / Withdrawing</h2>
<p>Công dân có thể rút lại sự đồng ý bất cứ lúc nào tại bất kỳ quầy một cửa nào; dữ liệu khuôn mặt và hồ sơ
sẽ bị xoá vĩnh viễn. / You may withdraw at any time at any one-stop counter; your face data and record are
then deleted for good.</p>
</body></html>
"""
