"""``kiosk report``: the province's figures as one HTML file (and CSV tables)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from kiosk.cli.support import common_options, emit, kiosk_errors, settings_from
from models import KioskError


def parse_day(text: str | None, option: str) -> date | None:
    """A day given as ``YYYY-MM-DD`` or ``DD/MM/YYYY``; None when not given.

    Raises:
        KioskError: the text is not such a date (one line, with the option's name).
    """
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    raise KioskError(f"{option} {text!r} is not a date", "write it as 2026-11-30 or 30/11/2026")


@click.command()
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The report to write: one self-contained HTML file (plots inside; opens offline).",
)
@click.option("--from", "first", default=None, metavar="DATE", help="First day (YYYY-MM-DD or DD/MM/YYYY), local.")
@click.option("--to", "last", default=None, metavar="DATE", help="Last day (inclusive), local.")
@click.option(
    "--registry",
    "url",
    default=None,
    help="PostgreSQL URL of the province registry: report every counter of the province (else this counter).",
)
@click.option(
    "--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write the tables as CSV here."
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Labels (default: the settings' language).")
@common_options
@kiosk_errors
def report(
    html_path: Path,
    first: str | None,
    last: str | None,
    url: str | None,
    csv_dir: Path | None,
    lang: str | None,
    db_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Write the satisfaction and speed report (visits per day, how citizens were identified,
    time to confirmation, satisfaction, counters ranked): this counter's, or with --registry
    the province's. No name, ID number or face goes in."""
    from kiosk.cli.support import open_kiosk
    from kiosk.measure.visit_report import collect, write_csv, write_html

    for option, folder in (("--html", html_path.parent), ("--csv", csv_dir.parent if csv_dir else None)):
        if folder is not None and not folder.is_dir():  # before any query: a typo must not cost a registry read
            raise KioskError(
                f"{option}: the folder {folder} does not exist", f"create it first, or give another {option} path"
            )
    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if start and end and start > end:
        raise KioskError(f"--from {first} is after --to {last}", "give the earlier day first")
    settings = settings_from(config_path)
    words = lang or settings.language
    if url:
        made = collect(registry_url=url, first=start, last=end, tz=settings.display_timezone)
    else:
        with open_kiosk(db_path, config_path) as kiosk:
            made = collect(
                store=kiosk.store,
                counter=settings.counter_name,
                first=start,
                last=end,
                tz=settings.display_timezone,
            )
    try:
        write_html(made, html_path, words)
        csvs = write_csv(made, csv_dir, words) if csv_dir else []
    except OSError as exc:
        raise KioskError(
            f"cannot write the report: {exc.strerror} ({exc.filename})", "choose a writable path"
        ) from None
    t = made.total
    emit(
        {
            "ok": True,
            "html": str(html_path),
            "csv": [str(p) for p in csvs],
            "scope": made.scope or "province",
            "visits": t.visits,
            "by_how": t.by_how,
            "confirm_median_s": t.confirm_median_s,
            "confirm_p90_s": t.confirm_p90_s,
            "done_median_s": t.done_median_s,
            "answers": t.answers,
            "satisfaction": t.satisfaction,
            "counters": [name for name, _ in made.counters],
        },
        as_json,
        f"Report written: {html_path} ({t.visits} visits"
        + (f", {len(made.counters)} counters" if not made.scope else f", counter {made.scope}")
        + ")"
        + (f"; CSV: {', '.join(p.name for p in csvs)} in {csv_dir}" if csvs else ""),
    )
