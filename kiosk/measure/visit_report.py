"""``kiosk report``: the province's figures as one self-contained HTML file (and CSV tables).

The visits come from this counter's SQLite file or, with a registry, from every counter of
the province (:func:`collect`); the figures are :mod:`kiosk.measure.visit_figures`'s. The
HTML embeds its plots as base64 PNG (matplotlib's Agg renderer, no display, no pyplot state)
and its style: it opens offline, from a USB stick or an e-mail. Labels are Vietnamese by
default (``lang="en"`` for English). No name, ID number, blind index or face goes in: the
rows carry none (:data:`kiosk.store.report_rows.REPORT_COLUMNS`).
"""

from __future__ import annotations

import csv
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from kiosk.measure.report_plots import plot_confirm, plot_counters, plot_days, plot_ratings
from kiosk.measure.report_words import WORDS, fmt_num, fmt_pct, fmt_s
from kiosk.measure.visit_figures import (
    HOWS,
    Figures,
    VisitRow,
    by_counter,
    by_day,
    day_bounds,
    figures,
    rows_from,
)
from kiosk.store.records import Store
from kiosk.store.report_rows import visit_rows
from kiosk.timefmt import SHOWN, utc_offset, zone


@dataclass(frozen=True)
class Report:
    """What a report shows: its scope, period, and the figures overall, per day and per counter."""

    scope: str  # a counter's name, or "" for the province (the registry)
    first: date | None
    last: date | None
    made_at: datetime  # aware, in the report's display timezone
    total: Figures
    days: list[tuple[date, Figures]]
    counters: list[tuple[str, Figures]]


def collect(
    *,
    store: Store | None = None,
    counter: str = "",
    registry_url: str = "",
    first: date | None = None,
    last: date | None = None,
    tz: str = "Asia/Ho_Chi_Minh",
) -> Report:
    """The report of local days ``first``..``last`` (inclusive, in ``tz``; None: open): from the
    registry at ``registry_url`` (every counter), else from ``store`` (the visits at ``counter``).

    Raises:
        RegistryError: the registry cannot be reached or read. StoreError: the file cannot be read.
    """
    start, end = day_bounds(first, last, tz)
    if registry_url:
        from kiosk.province.registry import Registry

        with Registry.connect(registry_url) as registry:
            rows = rows_from(registry.visit_rows(start, end))
        scope = ""
    else:
        assert store is not None, "a report needs a store or a registry"
        rows = rows_from(visit_rows(store, start, end, counter or None))
        scope = counter
    return make_report(rows, scope=scope, first=first, last=last, tz=tz)


def make_report(rows: Sequence[VisitRow], *, scope: str, first: date | None, last: date | None, tz: str) -> Report:
    """The report of ``rows`` (the period shown is ``first``..``last``, else the days with visits)."""
    days = by_day(rows, tz)
    return Report(
        scope,
        first or (days[0][0] if days else None),
        last or (days[-1][0] if days else None),
        datetime.now(zone(tz)),
        figures(rows),
        days,
        by_counter(rows),
    )


def today_and_month(
    store: Store, counter: str, tz: str, now: datetime | None = None
) -> tuple[tuple[date, Figures], tuple[date, Figures]]:
    """This counter's figures today and this month so far (local days in ``tz``), each with its
    first day: what the administrator's statistics tab shows.

    Raises:
        StoreError: the database cannot be read.
    """
    today = (now or datetime.now(timezone.utc)).astimezone(zone(tz)).date()
    month = today.replace(day=1)
    start, _ = day_bounds(month, None, tz)
    rows = rows_from(visit_rows(store, start, None, counter))
    day_start, _ = day_bounds(today, None, tz)
    return (today, figures(r for r in rows if day_start is None or r.at >= day_start)), (month, figures(rows))


# -- tables (the HTML's and the CSVs') ---------------------------------------------------
def tables(report: Report, lang: str = "vi") -> dict[str, tuple[list[str], list[list[str]]]]:
    """The report's tables by CSV file stem: ``summary``, ``days``, ``counters``, ``ratings``;
    each ``(header, rows)`` of display texts in ``lang``."""
    w = WORDS[lang]
    t = report.total
    summary = [
        [w["visits"], fmt_num(t.visits, lang)],
        *([w[f"share_{h}"], fmt_pct(t.share(h), lang)] for h in HOWS),
        [w["confirm_median"], fmt_s(t.confirm_median_s, lang)],
        [w["confirm_p90"], fmt_s(t.confirm_p90_s, lang)],
        [w["timed_visits"], fmt_num(len(t.confirm_s), lang)],
        [w["done_median"], fmt_s(t.done_median_s, lang)],
        [w["satisfaction"], fmt_pct(t.satisfaction, lang)],
        [w["answers"], fmt_num(t.answers, lang)],
    ]
    figure_header = [
        w["visits"],
        *(w[f"col_{h}"] for h in HOWS),
        w["col_median"],
        w["col_p90"],
        w["col_answers"],
        w["col_satisfaction"],
    ]

    def cells(f: Figures) -> list[str]:
        return [
            fmt_num(f.visits, lang),
            *(fmt_pct(f.share(h), lang) for h in HOWS),
            fmt_s(f.confirm_median_s, lang),
            fmt_s(f.confirm_p90_s, lang),
            fmt_num(f.answers, lang),
            fmt_pct(f.satisfaction, lang),
        ]

    answers = report.total.answers
    return {
        "summary": ([w["figure"], w["value"]], summary),
        "days": ([w["day"], *figure_header], [[d.strftime("%d/%m/%Y"), *cells(f)] for d, f in report.days]),
        "counters": (
            [w["rank"], w["counter"], *figure_header],
            [[str(i), name, *cells(f)] for i, (name, f) in enumerate(report.counters, start=1)],
        ),
        "ratings": (
            [w["answer"], w["count"], w["share"]],
            [
                [w[r.value], fmt_num(n, lang), fmt_pct(n / answers if answers else None, lang)]
                for r, n in report.total.ratings.items()
            ],
        ),
    }


def write_csv(report: Report, folder: Path, lang: str = "vi") -> list[Path]:
    """Write :func:`tables` as ``folder/<stem>.csv`` (UTF-8 with a BOM, so Excel reads the accents).
    ``folder`` is made if missing; its parent must exist (a typo must not scatter files elsewhere).

    Raises:
        OSError: the folder cannot be made or a file written (FileNotFoundError: no parent folder).
    """
    folder.mkdir(exist_ok=True)
    written = []
    for stem, (header, rows) in tables(report, lang).items():
        path = folder / f"{stem}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(path)
    return written


# -- the HTML -----------------------------------------------------------------------------
def render_html(report: Report, lang: str = "vi") -> str:
    """The whole report as one HTML document (plots inline as base64 PNG, no external file)."""
    w = WORDS[lang]
    title = w["title_province"] if not report.scope else w["title_counter"].format(counter=report.scope)
    period = w["period"].format(
        first=report.first.strftime("%d/%m/%Y") if report.first else "…",
        last=report.last.strftime("%d/%m/%Y") if report.last else "…",
    )
    t = report.total
    cards = [
        (fmt_num(t.visits, lang), w["card_visits"]),
        (fmt_pct(t.share("auto"), lang), w["card_auto"]),
        (fmt_s(t.confirm_median_s, lang), w["card_median"]),
        (fmt_pct(t.satisfaction, lang), w["card_satisfaction"].format(n=fmt_num(t.answers, lang))),
    ]
    parts = [
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{_e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1><p class='sub'>{_e(period)} · {_e(w['made'])} "
        f"{report.made_at.strftime(SHOWN)} ({utc_offset(report.made_at, str(report.made_at.tzinfo))})</p>",
        "<div class='cards'>"
        + "".join(f"<div class='card'><b>{_e(v)}</b><span>{_e(c)}</span></div>" for v, c in cards)
        + "</div>",
    ]
    if not t.visits:
        parts.append(f"<p class='empty'>{_e(w['no_visits'])}</p>")
    else:
        parts += [
            _section(w["h_days"], _img(plot_days(report.days, lang), w["h_days"])),
            _section(
                w["h_how_time"],
                _img(plot_confirm(t, lang), w["h_how_time"]),
                _table(tables(report, lang)["summary"]),
            ),
            _section(
                w["h_satisfaction"],
                _img(plot_ratings(t, lang), w["h_satisfaction"]),
                _table(tables(report, lang)["ratings"]),
            ),
            _section(w["h_day_table"], _table(tables(report, lang)["days"])),
            _section(
                w["h_counters"],
                _img(plot_counters(report.counters, lang), w["h_counters"]) if len(report.counters) > 1 else "",
                _table(tables(report, lang)["counters"]),
                f"<p class='note'>{_e(w['rank_rule'])}</p>",
            ),
        ]
    parts.append(f"<p class='note'>{_e(w['definitions'])}</p></body></html>")
    return "\n".join(parts)


def write_html(report: Report, path: Path, lang: str = "vi") -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8), in a folder that exists.

    Raises:
        OSError: it cannot be written (FileNotFoundError: no such folder).
    """
    path.write_text(render_html(report, lang), encoding="utf-8")
    return path


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _img(data_uri: str, alt: str) -> str:
    return f"<img src='{data_uri}' alt='{_e(alt)}'>"


def _section(heading: str, *body: str) -> str:
    return f"<section><h2>{_e(heading)}</h2>{''.join(body)}</section>"


def _table(table: tuple[list[str], list[list[str]]]) -> str:
    header, rows = table
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:"Segoe UI","DejaVu Sans",Arial,sans-serif;margin:24px 32px;color:#1d2330;background:#fff;max-width:1100px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid #e3e7ee;padding-bottom:4px}
.sub,.note{color:#5b6372;font-size:13px}.empty{font-size:16px;color:#8a5a00}
.cards{display:flex;gap:14px;margin:18px 0;flex-wrap:wrap}
.card{flex:1;min-width:200px;background:#f3f6fa;border-radius:10px;padding:14px 18px}
.card b{display:block;font-size:30px;color:#14532d}.card span{font-size:13px;color:#3b4252}
img{max-width:100%;display:block;margin:6px 0 12px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #d8dde6;padding:4px 9px;text-align:right}
th{background:#eef2f7}td:first-child,th:first-child{text-align:left}
"""
