"""CLI commands that drive whole runs: ``replay``, ``demo`` and ``bench``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from kiosk.cli_support import common_options, emit, kiosk_errors, pin_option, settings_from
from kiosk.errors import SampleSetError

BUNDLED_SET = Path(__file__).resolve().parents[1] / "sample_images" / "counter_day"


def _run_replay(set_dir: Path, db_path: Path | None, config_path: Path | None, as_json: bool, narrate: bool,
                pin: str | None = None) -> bool:
    import secrets

    from kiosk.cli_support import admin_login
    from kiosk.replay import StepResult, load_manifest, replay
    from kiosk.service import Kiosk

    info, _ = load_manifest(set_dir)  # fail fast, before opening anything
    settings = settings_from(config_path)

    def show(result: StepResult) -> None:
        mark = "PASS" if result.ok else ("WRONG PERSON" if result.wrong_person else "FAIL")
        got = result.got if result.got == result.expected else f"{result.got} (expected {result.expected})"
        branch = f" [{result.branch}]" if result.branch else ""
        emit(result.to_dict(), as_json, f"{mark:<4} {result.index:>3} {result.action:<5} {result.label}: {got}{branch}"
                                        + (f"\n           {result.detail}" if narrate or not result.ok else ""))

    with tempfile.TemporaryDirectory(prefix="kiosk-replay-") as tmp:
        path = db_path or Path(tmp) / "replay.sqlite"
        if db_path is None:  # a throw-away database gets a throw-away key and PIN
            settings = settings.replace(key_file=str(Path(tmp) / "replay.key"))
        if not as_json:
            click.echo(f"Replaying {info.get('name', set_dir.name)}: {info.get('description', '')}\nDatabase: {path}\n")
        with Kiosk.open(settings, path) as kiosk:
            if db_path is None:
                pin = secrets.token_hex(8)
                kiosk.set_first_admin_pin(pin)
            needs_admin = any(step["action"] == "purge" for step in load_manifest(set_dir)[1])
            admin = admin_login(kiosk, pin) if needs_admin else None
            summary = replay(kiosk, set_dir, show, admin)
    b = summary.branches
    emit(summary.to_dict(), as_json,
         f"\n{summary.steps - summary.failed}/{summary.steps} steps as expected; faces: {b['auto']} recognised automatically, "
         f"{b['keypad']} confirmed on the keypad, {b['unknown']} unknown; wrong-person matches: {summary.wrong_person}\n"
         + ("PASSED" if summary.passed else "FAILED"))
    return summary.passed


@click.command()
@click.argument("set_dir", type=click.Path(file_okay=False, path_type=Path))
@pin_option
@common_options
@kiosk_errors
def replay(set_dir: Path, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Replay a sample set (a folder with manifest.toml) and check every outcome.

    Uses a fresh temporary database (with its own key and PIN) unless --db is given;
    with --db, a set that purges needs the administrator PIN. Exit 0 only if every
    expectation holds.
    """
    sys.exit(0 if _run_replay(set_dir, db_path, config_path, as_json, narrate=False, pin=pin) else 1)


@click.command()
@click.option("--set", "set_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sample set to play (default: the bundled sample_images/counter_day).")
@pin_option
@common_options
@kiosk_errors
def demo(set_dir: Path | None, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """The main job without a webcam: enrol citizens from their cards, recognise them later.

    Plays the bundled sample set through the real pipeline (QR decoding, face detection,
    the dlib model, the decision policy, an SQLite store) and prints what the counter sees.
    """
    chosen = set_dir or BUNDLED_SET
    if not (chosen / "manifest.toml").is_file():
        raise SampleSetError(f"sample set not found at {chosen}", "run from a clone of the repository, or pass --set DIR")
    sys.exit(0 if _run_replay(chosen, db_path, config_path, as_json, narrate=True, pin=pin) else 1)


@click.command()
@click.option("--sizes", default="1000,10000,100000,1000000", show_default=True, help="Index sizes (samples), comma-separated.")
@click.option("--repeats", default=7, show_default=True, help="Timed repeats per figure (the median is reported).")
@click.option("--skip-pipeline", is_flag=True, help="Only the matcher.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {matcher: [...], pipeline: [...]}.")
def bench(sizes: str, repeats: int, skip_pipeline: bool, as_json: bool) -> None:
    """Measure the matcher (vs the naive face_distance) and the per-frame pipeline."""
    from kiosk.bench import bench_matcher, bench_pipeline

    try:
        ns = [int(float(s)) for s in sizes.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter("use comma-separated integers, e.g. 1000,100000", param_hint="--sizes") from None
    matcher_rows = []
    if not as_json:
        click.echo("matcher: ms per identify (search + best per citizen + decision), 3 samples per citizen")
        click.echo(f"{'N samples':>10} {'ms/query':>9} {'naive ms':>9} {'speedup':>8} {'gemv ms':>8} {'x gemv':>7} {'GB/s':>6} {'index MB':>9}")
    for n in ns:
        row = bench_matcher([n], repeats)[0]
        matcher_rows.append(row)
        if not as_json:
            click.echo(f"{row['n']:>10} {row['ms_per_query']:>9.3f} {row['naive_ms_per_query']:>9.2f} {row['speedup']:>7.1f}x "
                       f"{row['gemv_ms']:>8.3f} {row['ratio_to_gemv']:>7.2f} {row['gb_per_s']:>6.1f} {row['index_mb']:>9.1f}")
    pipeline_rows = []
    if not skip_pipeline:
        frame = BUNDLED_SET / "frames" / "london_005" / "enrol_1.jpg"
        pipeline_rows = bench_pipeline(frame, repeats=max(3, repeats))
        if not as_json:
            click.echo("\npipeline: ms per frame (one face, HOG on the frame downscaled to 480 px wide)")
            for row in pipeline_rows:
                click.echo(f"{row['frame']:>9}: " + ", ".join(f"{k} {v:.1f}" for k, v in row.items() if isinstance(v, float)))
    emit({"matcher": matcher_rows, "pipeline": pipeline_rows}, as_json)


@click.command()
@click.option("--registry", "url", default=None, help="PostgreSQL URL of the province registry (default: settings registry_url).")
@common_options
@kiosk_errors
def sync(url: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Sync with the province registry: pull what other counters recorded, push what this one did."""
    from kiosk.cli_support import open_kiosk
    from kiosk.errors import RegistryError
    from kiosk.registry import redact
    from kiosk.sync import sync as run_sync

    with open_kiosk(db_path, config_path, create=True) as kiosk:
        target = url or kiosk.settings.registry_url
        if not target:
            raise RegistryError("no registry configured", "pass --registry postgresql://... or set registry_url in the settings")
        report = run_sync(kiosk, target)
    emit({"ok": True, "registry": redact(target), "pulled": report.pulled, "pushed": report.pushed,
          "purged_here": report.purged_here, "seconds": report.seconds}, as_json,
         f"synced with {redact(target)} in {report.seconds:.1f} s: pulled " + ", ".join(f"{v} {k}" for k, v in report.pulled.items() if v)
         + "; pushed " + (", ".join(f"{v} {k}" for k, v in report.pushed.items() if v) or "nothing")
         + (f"; {report.purged_here} citizen(s) purged elsewhere removed here" if report.purged_here else ""))
