"""CLI commands that drive whole runs: ``replay``, ``demo`` and ``bench``."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kiosk.cli.support import (
    config_option,
    emit,
    kiosk_errors,
    pin_option,
    say_new_key,
    scratch_options,
    settings_from,
)
from kiosk.errors import SampleSetError
from kiosk.settings import Settings, sample_images

BUNDLED_SET = sample_images() / "counter_day"


def _run_replay(
    set_dir: Path, db_path: Path | None, config_path: Path | None, as_json: bool, narrate: bool, pin: str | None = None
) -> bool:
    import os

    from kiosk.measure.replay import StepResult, load_manifest
    from kiosk.store.crypto import default_key_path

    info, steps = load_manifest(set_dir)  # fail fast, before opening anything
    settings = settings_from(config_path)

    def show(result: StepResult) -> None:
        mark = "PASS" if result.ok else ("WRONG PERSON" if result.wrong_person else "FAIL")
        got = result.got if result.got == result.expected else f"{result.got} (expected {result.expected})"
        branch = f" [{result.branch}]" if result.branch else ""
        emit(
            result.to_dict(),
            as_json,
            f"{mark:<4} {result.index:>3} {result.action:<5} {result.label}: {got}{branch}"
            + (f"\n           {result.detail}" if narrate or not result.ok else ""),
        )

    needs_admin = any(step["action"] == "purge" for step in steps)
    with tempfile.TemporaryDirectory(prefix="kiosk-replay-") as tmp:
        if db_path is None:  # a throw-away database gets a throw-away key and PIN
            settings = settings.replace(key_file=str(Path(tmp) / "replay.key"))
            return _replay_into(
                set_dir,
                info,
                Path(tmp) / "replay.sqlite",
                settings,
                show,
                as_json,
                needs_admin,
                pin,
                new=True,
                say_pin=False,
                throwaway=True,
            )
        # A database the replay creates is its own: it gets the --pin (or a new PIN, printed) for the
        # set's purges, and it is removed again (with a key file made for it) if the replay breaks off.
        new = not db_path.exists()
        key = (
            None
            if os.environ.get("KIOSK_DATA_KEY")
            else (Path(settings.key_file) if settings.key_file else default_key_path())
        )
        new_key = key is not None and not key.exists()
        try:
            return _replay_into(
                set_dir, info, db_path, settings, show, as_json, needs_admin, pin, new=new, say_pin=new and not pin
            )
        except BaseException:
            if new:
                for leftover in (db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal"))):
                    leftover.unlink(missing_ok=True)
                if new_key and key is not None:
                    key.unlink(missing_ok=True)
            raise


def _replay_into(
    set_dir: Path,
    info: dict[str, Any],
    path: Path,
    settings: Settings,
    show: Callable[[Any], None],
    as_json: bool,
    needs_admin: bool,
    pin: str | None,
    *,
    new: bool,
    say_pin: bool,
    throwaway: bool = False,
) -> bool:
    """Replay the set into the database at ``path`` and print the summary; True if it passed.

    A ``new`` database gets ``pin`` (or a generated one, printed when ``say_pin``) as its
    administrator PIN; a data key made for it is announced unless the database is a ``throwaway``.
    """
    import secrets

    from kiosk.cli.support import admin_login
    from kiosk.counter.service import Kiosk
    from kiosk.measure.replay import replay

    with Kiosk.open(settings, path) as kiosk:
        if new:
            pin = pin or secrets.token_hex(4)
            kiosk.set_first_admin_pin(pin)
        if not as_json:
            click.echo(
                f"Replaying {info.get('name', set_dir.name)}: {info.get('description', '')}\nDatabase: {path}"
                + (f" (new; administrator PIN: {pin})" if say_pin else "")
                + "\n"
            )
        admin = admin_login(kiosk, pin) if needs_admin else None
        summary = replay(kiosk, set_dir, show, admin)
        if not throwaway:  # said once the database is there to stay (one that breaks off goes, with its key)
            say_new_key(kiosk)
    b = summary.branches
    emit(
        {**summary.to_dict(), **({"database": str(path), "admin_pin": pin} if say_pin else {})},
        as_json,
        f"\n{summary.steps - summary.failed}/{summary.steps} steps as expected; faces: {b['auto']} recognised automatically, "
        f"{b['keypad']} confirmed on the keypad, {b['unknown']} unknown; wrong-person matches: {summary.wrong_person}\n"
        + ("PASSED" if summary.passed else "FAILED"),
    )
    return summary.passed


@click.command()
@click.argument("set_dir", type=click.Path(file_okay=False, path_type=Path))
@pin_option
@scratch_options
@kiosk_errors
def replay(set_dir: Path, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Replay a sample set (a folder with manifest.toml) and check every outcome.

    Uses a fresh temporary database (with its own key and PIN) unless --db is given.
    A --db file that does not exist yet is created for the replay, with --pin (or a new
    PIN, printed) as its administrator PIN, and removed again if the replay breaks off;
    an existing one needs its PIN for a set that purges. Exit 0 only if every
    expectation holds.
    """
    sys.exit(0 if _run_replay(set_dir, db_path, config_path, as_json, narrate=False, pin=pin) else 1)


@click.command()
@click.option(
    "--set",
    "set_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sample set to play (default: the bundled sample_images/counter_day).",
)
@click.option("--console", is_flag=True, help="Print the replay in the terminal even when a display is available.")
@pin_option
@scratch_options
@kiosk_errors
def demo(
    set_dir: Path | None, console: bool, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """The main job without a webcam: enrol citizens from their cards, recognise them later.

    With a display, opens the counter app fed by the sample set's scripted camera scenes
    (a throw-away database). Without one (or with --console, --json or --db), plays the
    set through the real pipeline (QR decoding, the face engine, the
    decision policy, an SQLite store) and prints what the counter sees.
    """
    chosen = set_dir or BUNDLED_SET
    if not (chosen / "manifest.toml").is_file():
        raise SampleSetError(
            f"sample set not found at {chosen}", "run from a clone of the repository, or pass --set DIR"
        )
    if not (console or as_json or db_path):
        from ui import app as ui_app  # late: PySide6 loads only when the window opens

        if ui_app.display_available():
            ui_app.check_window()  # a missing system library: one line naming the package, not Qt's abort
            sys.exit(ui_app.run_demo(set_dir=chosen, config_path=config_path))
        click.echo("No display found: replaying the sample set in the terminal instead of opening the window.")
    sys.exit(0 if _run_replay(chosen, db_path, config_path, as_json, narrate=True, pin=pin) else 1)


@click.command()
@click.option(
    "--minutes",
    type=click.FloatRange(min=0.05, max=24 * 60),
    default=10.0,
    show_default=True,
    help="How long to drive the window (the scene in progress finishes).",
)
@click.option(
    "--set",
    "set_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sample set to play (default: the bundled sample_images/counter_day).",
)
@config_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='One JSON object: {"minutes","scenes","frames","crashes","rss_start_mb","rss_end_mb","max_ui_stall_ms",...}.',
)
@kiosk_errors
def soak(minutes: float, set_dir: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Drive the real counter window through every flow in a loop for MINUTES; report crashes, memory, UI stalls.

    The demo's window on a throw-away database, fed by the sample set: recognised,
    keypad (wrong, then right), stranger, card, first visit with consent and capture,
    "Xong" (F8) with the satisfaction question answered or left unanswered,
    administration with the PIN, language switch, a face leaving, another face. Runs on
    the display when there is one (e.g. under xvfb-run), else offscreen. Exit 0 only when
    nothing crashed, every scene completed and memory stayed flat after the warm-up.
    """
    chosen = set_dir or BUNDLED_SET
    if not (chosen / "manifest.toml").is_file():
        raise SampleSetError(
            f"sample set not found at {chosen}", "run from a clone of the repository, or pass --set DIR"
        )
    from ui.soak import run_soak  # late: PySide6 loads only when the window opens

    sys.exit(run_soak(minutes=minutes, set_dir=chosen, config_path=config_path, as_json=as_json))


@click.command()
@click.option(
    "--sizes",
    default="1000,10000,100000,1000000",
    show_default=True,
    help="Index sizes (samples), comma-separated; 10000000 only if memory allows (~11 GB).",
)
@click.option("--repeats", default=7, show_default=True, help="Timed repeats per figure (the median is reported).")
@click.option("--skip-pipeline", is_flag=True, help="Skip the per-frame pipeline.")
@click.option("--skip-cards", is_flag=True, help="Skip the card-reading figures (QR paths on webcam photos of cards).")
@click.option("--cnn", is_flag=True, help="Also time dlib's CNN detector in the pipeline (about 8 s per frame).")
@click.option(
    "--engine",
    "engines",
    multiple=True,
    type=click.Choice(["sface", "dlib", "all"]),
    default=("all",),
    show_default=True,
    help="Face engines timed in the pipeline (repeatable); the plain face_recognition baseline always runs.",
)
@click.option(
    "--startup-sizes",
    default="100000,1000000",
    show_default=True,
    help="Samples loaded from SQLite into the index at start-up, comma-separated; empty to skip.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object: {machine, matcher: [...], pipeline: [...], cards: [...], startup: [...]}.",
)
@kiosk_errors
def bench(
    sizes: str,
    repeats: int,
    skip_pipeline: bool,
    skip_cards: bool,
    cnn: bool,
    engines: tuple[str, ...],
    startup_sizes: str,
    as_json: bool,
) -> None:
    """Measure the matcher (vs the naive face_distance and one BLAS mat-vec), the per-frame
    pipeline for each face engine setting against plain face_recognition, card reading per
    frame (fast, card and full QR paths on card photos), and the start-up load from SQLite."""
    from kiosk.counter.factories import engine_config
    from kiosk.measure.bench import CNN, PIPELINES, bench_matcher, bench_pipeline, machine_info
    from kiosk.measure.report import bench_header, bench_line
    from kiosk.measure.startup import bench_startup

    def numbers(text: str, name: str) -> list[int]:
        try:
            return [int(float(s)) for s in text.split(",") if s.strip()]
        except ValueError:
            raise click.BadParameter("use comma-separated integers, e.g. 1000,100000", param_hint=name) from None

    ns, loads = numbers(sizes, "--sizes"), numbers(startup_sizes, "--startup-sizes")
    out: dict[str, Any] = {"machine": machine_info(), "matcher": [], "pipeline": [], "cards": [], "startup": []}

    def show(section: str, row: dict[str, Any] | None = None) -> None:
        if not as_json:
            click.echo(bench_header(section) if row is None else bench_line(section, row))

    show("machine", out["machine"])
    show("matcher")
    for n in ns:
        out["matcher"].append(bench_matcher([n], repeats)[0])
        show("matcher", out["matcher"][-1])
    if not skip_pipeline:
        face, card = BUNDLED_SET / "frames" / "london_005" / "enrol_1.jpg", BUNDLED_SET / "cards" / "london_005.jpg"
        chosen = tuple(p for p in PIPELINES + ((CNN,) if cnn else ()) if "all" in engines or p.name in engines)
        out["pipeline"] = bench_pipeline(
            face, card, repeats=max(3, repeats // 2), pipelines=chosen, default=engine_config(settings_from(None))
        )
        show("pipeline")
        for row in out["pipeline"]:
            show("pipeline", row)
        default = next((r for r in out["pipeline"] if r.get("default") and "vs_baseline" in r), None)
        if default and not as_json:
            click.echo(
                f"\nshipped default ({default['detector']}, 640x480): face path {default['face_total']:.1f} ms = "
                f"{default['vs_baseline']:.2f} x plain face_recognition's HOG + encoding in the same run"
            )
    if not skip_cards:
        from kiosk.measure.bench_cards import bench_cards

        out["cards"] = bench_cards(
            no_code=BUNDLED_SET / "frames" / "london_005" / "enrol_1.jpg", repeats=max(3, repeats // 2)
        )
        show("cards")
        for row in out["cards"]:
            show("cards", row)
    if loads:
        show("startup")
    for n in loads:
        out["startup"].append(bench_startup([n])[0])
        show("startup", out["startup"][-1])
    emit(out, as_json)
