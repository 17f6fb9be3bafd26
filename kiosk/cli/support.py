"""Plumbing shared by the CLI commands: common options, opening the kiosk, output, errors."""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kiosk.settings import Settings, load_settings
from models import KioskError

if TYPE_CHECKING:  # imported late below: keeps `kiosk --help` fast
    from kiosk.counter.admin import Admin
    from kiosk.counter.service import Kiosk

F = TypeVar("F", bound=Callable[..., Any])


#: ``--config``: the settings file (every command that reads settings).
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="KIOSK_CONFIG",
    help="Settings file (TOML). Default: kiosk.toml in the user's config folder, if present.",
)
#: ``--camera``: a camera number, image folder or video instead of the settings' camera.
camera_option = click.option(
    "--camera",
    default=None,
    metavar="N|DIR|VIDEO",
    help="Camera index, image folder or video file (default: camera_index from the settings).",
)
#: ``--db``: the counter's SQLite database.
db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite database. Default: settings db_path, else kiosk.sqlite in the user's data folder.",
)


#: ``--db`` of a command that plays into a throw-away database unless told otherwise (replay, demo).
scratch_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite database to play into. Default: a fresh temporary one, with its own key and PIN.",
)


def common_options(func: F) -> F:
    """``--db``, ``--config`` and ``--json`` for a command."""
    return db_option(_config_and_json(func))


def scratch_options(func: F) -> F:
    """``--db`` (default: a throw-away database), ``--config`` and ``--json`` for a command."""
    return scratch_db_option(_config_and_json(func))


def _config_and_json(func: F) -> F:
    func = click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one JSON object per line.")(
        func
    )
    return config_option(func)


def kiosk_errors(func: F) -> F:
    """Turn a :class:`KioskError` into one line on stderr (and a JSON object with --json) and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except KioskError as exc:
            if kwargs.get("as_json"):
                emit({"ok": False, "error": exc.one_line()}, True)
            click.echo(f"error: {exc.one_line()}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps func's signature; mypy cannot see it


def settings_from(config_path: Path | None) -> Settings:
    """The settings for a command (defaults, file, ``KIOSK_*`` environment)."""
    return load_settings(config_path)


def open_kiosk(db_path: Path | None, config_path: Path | None, *, create: bool = False) -> Kiosk:
    """A :class:`kiosk.counter.service.Kiosk` over the chosen database (imported late: keeps ``--help`` fast).

    Only commands that add data pass ``create=True``: elsewhere a mistyped ``--db`` is an
    error, not a new empty kiosk. A data key made for a new database is announced (:func:`say_new_key`).
    """
    from kiosk.counter.service import Kiosk

    kiosk = Kiosk.open(settings_from(config_path), db_path, create=create)
    say_new_key(kiosk)
    return kiosk


def say_new_key(kiosk: Kiosk) -> None:
    """Once, when this run wrote a new data key file: where it is and that it must be backed up (stderr)."""
    if kiosk.key_created is not None:
        warn(
            f"a new data key was written to {kiosk.key_created}: back it up now (a USB stick kept locked away); "
            "without it the database cannot be read"
        )


def emit(obj: dict[str, Any], as_json: bool, text: str | None = None, *, err: bool = False) -> None:
    """Print one result: a JSON line on stdout with ``--json``, else ``text`` (when given;
    on stderr with ``err``, for per-item error lines)."""
    if as_json:
        click.echo(json.dumps(_jsonable(obj), ensure_ascii=False))
    elif text is not None:
        click.echo(text, err=err)


def table_lines(rows: Sequence[Sequence[object]]) -> list[str]:
    """Rows of cells as aligned text lines: each column as wide as its widest cell (the last is
    not padded), two spaces between columns, an empty or None cell shown as ``-``."""
    cells = [["-" if cell is None or cell == "" else str(cell) for cell in row] for row in rows]
    if not cells:
        return []
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(max(map(len, cells)))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in cells]


def emit_table(
    items: Sequence[dict[str, Any]],
    rows: Sequence[Sequence[object]],
    as_json: bool,
    header: Sequence[str] | None = None,
) -> None:
    """Print a listing: one JSON line per item with ``--json``, else ``rows`` as aligned columns
    (:func:`table_lines`) under ``header`` (printed only above at least one row)."""
    if as_json:
        for item in items:
            emit(item, True)
        return
    for line in table_lines([header, *rows] if header and rows else rows):
        click.echo(line)


def warn(text: str) -> None:
    """A warning on stderr (``warning: ...``), also when the result goes to stdout as JSON."""
    click.echo(f"warning: {text}", err=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isinf(value) or math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def fmt_distance(value: float, infinite: str = "-") -> str:
    """``0.312``, or ``infinite`` for infinity (nobody enrolled / no runner-up)."""
    return infinite if math.isinf(value) else f"{value:.3f}"


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file, or fail with a one-line error."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise KioskError(f"cannot write {path}: {exc.strerror}", "choose a writable path") from None


def pin_option(func: F) -> F:
    """``--pin`` (or ``KIOSK_ADMIN_PIN``) for administrator commands."""
    return click.option(
        "--pin",
        envvar="KIOSK_ADMIN_PIN",
        default=None,
        help="Administrator PIN (or KIOSK_ADMIN_PIN); asked for when omitted at a terminal.",
    )(func)


def admin_login(kiosk: Kiosk, pin: str | None) -> Admin:
    """Log in as administrator with ``pin``, prompting at a terminal; an :class:`kiosk.counter.admin.Admin`."""
    from kiosk.errors import AuthError

    if not kiosk.has_admin_pin():
        raise AuthError(
            "this is an administrator command and no administrator PIN has been set yet",
            "set one first: kiosk admin set-pin",
        )
    if pin is None:
        if not sys.stdin.isatty():
            raise AuthError(
                "this is an administrator command and no PIN was given", "pass --pin or set KIOSK_ADMIN_PIN"
            )
        pin = click.prompt("Administrator PIN", hide_input=True)
    return kiosk.login_admin(pin)
