"""CLI commands for the province registry: ``sync`` and ``bench-sync``."""

from __future__ import annotations

from pathlib import Path

import click

from kiosk.cli.support import common_options, emit, kiosk_errors


@click.command()
@click.option(
    "--registry",
    "url",
    default=None,
    help="PostgreSQL URL of the province registry (default: the one kiosk join stored, or settings registry_url).",
)
@click.option(
    "--init-registry",
    is_flag=True,
    help="Create the registry tables in this (empty) database first, owned by this URL's user: a one-machine "
    "shortcut; a province is set up with kiosk province init.",
)
@common_options
@kiosk_errors
def sync(url: str | None, init_registry: bool, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Sync with the province registry: pull what other counters recorded, push what this one did."""
    from kiosk.cli.support import open_kiosk
    from kiosk.errors import RegistryError
    from kiosk.province.registry import redact
    from kiosk.words import count, table_counts

    with open_kiosk(db_path, config_path, create=True) as kiosk:
        target = url or kiosk.registry()
        if not target:
            raise RegistryError(
                "this counter has not joined a province registry",
                "join with the bundle from the province administrator (kiosk join BUNDLE --code CODE), "
                "or pass --registry postgresql://...",
            )
        report = kiosk.sync(target, create_registry=init_registry)
    emit(
        {
            "ok": True,
            "registry": redact(target),
            "pulled": report.pulled,
            "pushed": report.pushed,
            "purged_here": report.purged_here,
            "purges_held": report.purges_held,
            "seconds": report.seconds,
        },
        as_json,
        f"synced with {redact(target)} in {report.seconds:.1f} s: pulled "
        + (table_counts(report.pulled, skip_zero=True) or "nothing")
        + "; pushed "
        + (table_counts(report.pushed, skip_zero=True) or "nothing")
        + (f"; {count(report.purged_here, 'citizen')} purged elsewhere removed here" if report.purged_here else ""),
    )
    if report.purges_held:
        raise RegistryError(
            f"the registry held back {count(report.purges_held, 'purge')} of this counter: more than its limit per hour",
            "they stay here and go out again at every sync; the province administrator sees them in "
            "kiosk province counters (everything else was synced)",
        )


@click.command(name="bench-sync")
@click.option(
    "--registry",
    "admin_url",
    default="postgresql://postgres@127.0.0.1:5432/postgres",
    show_default=True,
    help="A PostgreSQL server where a throw-away database may be created (and dropped).",
)
@click.option("--citizens", default=100_000, show_default=True, help="Citizens in the registry (3 samples each).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every figure.")
@kiosk_errors
def bench_sync(admin_url: str, citizens: int, as_json: bool) -> None:
    """Measure province sync: a new counter's first full pull, 100 new enrolments, a purge reaching every counter."""
    from kiosk.measure.bench_sync import bench_sync as run

    out = run(admin_url, citizens)
    emit(
        out,
        as_json,
        "\n".join(f"{k:<28} {v:.2f} s" if isinstance(v, float) else f"{k:<28} {v}" for k, v in out.items()),
    )
