"""``kiosk doctor``: one line per check of this PC, ✓ or ✗ with what to do; exit 0 only when all
pass. ``kiosk cameras``: the cameras this PC has, and what each gives."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli.support import (
    camera_option,
    common_options,
    config_option,
    emit,
    emit_table,
    kiosk_errors,
    settings_from,
)
from models import KioskError


@click.command()
@camera_option
@common_options
@kiosk_errors
def doctor(camera: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Check this PC for the counter: camera, window and fonts, face models, data key and database,
    disk, registry and clock, the local API's port. Prints no secret."""
    from kiosk.doctor.checks import run
    from ui.window_checks import window_checks  # late: PySide6 loads only for this command

    settings = settings_from(config_path)
    checks = run(settings, db_path, camera, window_checks())
    passed = all(c.ok for c in checks)
    if as_json:
        emit(
            {"ok": passed, "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix} for c in checks]},
            True,
        )
    else:
        width = max(len(c.name) for c in checks)
        for c in checks:
            mark = "✓" if c.ok else "✗"
            click.echo(f"{mark} {c.name:<{width}}  {c.detail}" + ("" if c.ok else f"\n  {'':<{width}}  fix: {c.fix}"))
        failed = sum(not c.ok for c in checks)
        click.echo("all checks passed" if passed else f"{failed} of {len(checks)} checks failed")
    sys.exit(0 if passed else 1)


@click.command()
@config_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='One JSON object per camera: {"index","name","backend","picture","problem"}.',
)
@kiosk_errors
def cameras(config_path: Path | None, as_json: bool) -> None:
    """List the cameras of this PC: number, name, the capture backend that opens it (Windows:
    Media Foundation, then DirectShow) and the picture it gives at the settings' size."""
    from kiosk.counter.camera import probe_cameras

    settings = settings_from(config_path)
    found = probe_cameras(settings)
    if not found:
        raise KioskError("no camera found on this PC", "plug in the USB camera, then run kiosk cameras again")
    rows = [
        [
            p.index,
            p.name,
            p.backend,
            f"{p.picture[0]}x{p.picture[1]}" if p.picture else p.problem,
            "yes" if p.index == settings.camera_index else "",
        ]
        for p in found
    ]
    items = [
        {"index": p.index, "name": p.name, "backend": p.backend, "picture": p.picture, "problem": p.problem}
        for p in found
    ]
    emit_table(items, rows, as_json, ["#", "name", "backend", "picture", "camera_index"])
