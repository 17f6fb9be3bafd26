"""Administration tabs over the whole store: retention, the audit log, today's and this month's figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout

from kiosk.counter.stats import DayStats
from kiosk.measure.report_words import fmt_num, fmt_pct, fmt_s
from kiosk.measure.visit_figures import Figures
from kiosk.measure.visit_report import today_and_month
from ui.admin_tabs import AdminTab, fill_table, make_table
from ui.audit_words import action_words, detail_words
from ui.i18n import language, tr
from ui.widgets import button, label


class RetentionTab(AdminTab):
    """Citizens past the retention period: a dry run, then the purge."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.due: list[dict[str, Any]] = []
        self.explain = label("", "sub")
        self.preview_button = button("", "secondary", self.refresh)
        self.run_button = button("", "secondary", self.run_retention)
        self.table = make_table()
        row = QHBoxLayout()
        row.addWidget(self.preview_button)
        row.addWidget(self.run_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.explain.setText(
            tr(
                "Hồ sơ không có lượt đến trong {days} ngày sẽ bị xoá (kiosk tự chạy việc này khi khởi động và "
                "mỗi ngày)."
            ).format(days=self.kiosk.settings.retention_days)
        )
        self.preview_button.setText(tr("Xem trước (không xoá)"))
        self.run_button.setText(tr("Xoá các hồ sơ quá hạn…"))

    def refresh(self) -> None:
        self.call(lambda a: a.retention_due(), self.shown(self._show))

    def _show(self, due: list[dict[str, Any]]) -> None:
        self.due = due
        fill_table(
            self.table,
            (tr("Họ và tên"), tr("Số CCCD"), tr("Hoạt động gần nhất")),
            [(d["full_name"], d["id_number"], self.when(str(d["last_activity"]))) for d in due],
        )
        self.run_button.setEnabled(bool(due))

    def run_retention(self) -> None:
        """Purge them all, after a confirmation giving the count."""
        if not self.ask(
            tr("Xoá hồ sơ quá hạn"), tr("Xoá vĩnh viễn {n} hồ sơ quá thời hạn lưu?").format(n=len(self.due))
        ):
            return

        def done(count: int) -> None:
            self.banner.show_message("success", tr("Đã xoá {n} hồ sơ quá hạn.").format(n=count))
            self.refresh()

        self.call(lambda a: a.run_retention(), done)


class AuditTab(AdminTab):
    """The append-only audit log and its integrity check."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verify_button = button("", "secondary", self.verify)
        self.result = label("", "sub")
        self.table = make_table()
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.result, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.verify_button.setText(tr("Kiểm tra tính toàn vẹn"))

    def refresh(self) -> None:
        self.call(lambda a: a.audit_entries(300), self.shown(self._show))

    def _show(self, entries: list[dict[str, Any]]) -> None:
        words = action_words()
        fill_table(
            self.table,
            (tr("Thời gian"), tr("Người thực hiện"), tr("Việc"), tr("Đối tượng"), tr("Chi tiết")),
            [
                (
                    self.when(e["at"]),
                    e["actor"],
                    words.get(e["action"], e["action"]),
                    e["subject"],
                    detail_words(e["action"], e["detail"]),
                )
                for e in entries
            ],
        )

    def verify(self) -> None:
        """Recompute the chain and say whether anything was altered."""
        self.call(lambda a: a.verify_audit(), self.shown(self._verified))

    def _verified(self, report: Any) -> None:
        if report.ok:
            self.result.setText(tr("Nhật ký nguyên vẹn ({n} mục).").format(n=report.entries))
        elif language() == "en":  # the problems are described in English by the kiosk layer
            self.result.setText(tr("Nhật ký đã bị sửa: {problems}").format(problems="; ".join(report.problems)))
        else:
            self.result.setText(
                tr("Nhật ký đã bị sửa hoặc bị xoá bớt: {n} chỗ không khớp. Chi tiết: lệnh kiosk audit verify.").format(
                    n=len(report.problems)
                )
            )
        self.result.setProperty("role", "good" if report.ok else "notice")
        self.result.style().polish(self.result)


class StatsTab(AdminTab):
    """Today's figures in large numbers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.numbers: dict[str, Any] = {}
        self.captions: dict[str, Any] = {}
        grid = QGridLayout()
        for i, key in enumerate(("visits", "first_visits", "by_face", "by_keypad", "by_card", "purges")):
            self.numbers[key] = label("0", "big", wrap=False)
            self.captions[key] = label("", "sub")
            grid.addWidget(self.numbers[key], (i // 3) * 2, i % 3)
            grid.addWidget(self.captions[key], (i // 3) * 2 + 1, i % 3)
        self.day = label("", "small")
        self.meaning = label("", "small")
        self.service_heading = label("", "sub")
        self.service = make_table()
        layout = QVBoxLayout(self)
        layout.addWidget(self.day)
        layout.addLayout(grid)
        layout.addWidget(self.meaning)
        layout.addSpacing(12)
        layout.addWidget(self.service_heading)
        layout.addWidget(self.service, 1)
        self.retranslate()

    def retranslate(self) -> None:
        captions = {
            "visits": tr("lượt đến"),
            "first_visits": tr("lần đầu (đăng ký)"),
            "by_face": tr("nhận ra bằng khuôn mặt"),
            "by_keypad": tr("khuôn mặt + bàn phím"),
            "by_card": tr("bằng thẻ CCCD"),
            "purges": tr("hồ sơ đã xoá"),
        }
        for key, text in captions.items():
            self.captions[key].setText(text)
        self.meaning.setText(
            tr(
                "Lượt đến: mỗi lần một công dân được phục vụ tại quầy, gồm lần đầu (đăng ký) và các lần đến lại "
                "(khuôn mặt, khuôn mặt + bàn phím, thẻ); báo cáo và API đếm giống như vậy."
            )
        )
        self.service_heading.setText(tr("Tốc độ và mức độ hài lòng tại quầy này"))

    def refresh(self) -> None:
        counter = self.kiosk.settings.counter_name
        zone = self.kiosk.settings.display_timezone
        self.call(lambda a: self.kiosk.counter_stats(), self.shown(self._show))
        self.call(lambda a: today_and_month(self.kiosk.store, counter, zone), self.shown(self._show_service))

    def _show_service(self, periods: tuple[tuple[date, Figures], tuple[date, Figures]]) -> None:
        """Today's and this month's visits, how identified, time to confirmation, satisfaction."""
        lang = language()
        (_, today), (month, this_month) = periods
        rows: list[tuple[str, Callable[[Figures], str]]] = [
            (tr("Lượt đến"), lambda f: fmt_num(f.visits, lang)),
            (tr("Tự động bằng khuôn mặt"), lambda f: fmt_pct(f.share("auto"), lang)),
            (tr("Khuôn mặt + bàn phím"), lambda f: fmt_pct(f.share("keypad"), lang)),
            (tr("Bằng thẻ CCCD"), lambda f: fmt_pct(f.share("card"), lang)),
            (tr("Đăng ký lần đầu"), lambda f: fmt_pct(f.share("enrolled"), lang)),
            (tr("Trung vị thời gian đến khi xác nhận"), lambda f: fmt_s(f.confirm_median_s, lang)),
            (tr("Phân vị 90 thời gian đến khi xác nhận"), lambda f: fmt_s(f.confirm_p90_s, lang)),
            (tr("Tỷ lệ hài lòng"), lambda f: fmt_pct(f.satisfaction, lang)),
            (tr("Số câu trả lời"), lambda f: fmt_num(f.answers, lang)),
        ]
        headers = [tr("Chỉ số"), tr("Hôm nay"), tr("Tháng {m}").format(m=month.strftime("%m/%Y"))]
        fill_table(self.service, headers, [[name, show(today), show(this_month)] for name, show in rows])

    def _show(self, stats: DayStats) -> None:
        day = "/".join(reversed(stats.day.split("-")))
        self.day.setText(tr("{counter}, ngày {day}").format(counter=self.kiosk.settings.counter_name, day=day))
        for key in self.numbers:
            self.numbers[key].setText(fmt_num(getattr(stats, key), language()))
