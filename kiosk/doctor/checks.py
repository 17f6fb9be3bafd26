"""What ``kiosk doctor`` checks on a counter PC, each as a :class:`Check` (never an exception).

In order: the camera delivers frames; the face engines' model files pass their hashes; the
data key is there and opens this database, which passes SQLite's own check; the disk has room;
the province registry answers with this counter's credentials and is sealed with its key; the
PC's clock agrees with the registry's within :data:`CLOCK_LIMIT_S`; the local API's port is
free; the CCCD chip reader is attached (a failure only with ``chip_reader = required``). The window's checks (Qt's platform plugin, a font with Vietnamese letters) are Qt's and
come from :mod:`ui.qt_libs`. No check prints a secret: a registry address is shown redacted.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from kiosk.settings import Settings, default_db_path
from models import KioskError

CLOCK_LIMIT_S = 60.0
"""Largest difference (seconds) between this PC's clock and the registry's: visits, consents
and the audit log carry times that other counters compare."""
MIN_FREE_BYTES = 1 << 30
"""Free disk below this (1 GiB) fails: a province's templates and a day's visits need room."""
CAMERA_FRAMES = 3
"""Frames the camera must deliver (within :data:`CAMERA_WAIT_S` seconds)."""
CAMERA_WAIT_S = 10.0


@dataclass(frozen=True)
class Check:
    """One check: its ``name``, whether it passed, what was found (``detail``) and, when it
    failed, what to do (``fix``)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def guarded(name: str, run: Callable[[], Check]) -> Check:
    """``run()``, with any failure turned into a failed :class:`Check` (one line, no traceback)."""
    try:
        return run()
    except KioskError as exc:
        return Check(name, False, exc.message, exc.hint)
    except Exception as exc:  # noqa: BLE001 - a doctor reports every failure as a line, never a traceback
        return Check(name, False, f"{type(exc).__name__}: {exc}", "report this line to the kiosk's maintainers")


def camera(settings: Settings, spec: str | None = None) -> Check:
    """The camera of the settings (or ``spec``: a number, image folder or video) opens and delivers frames."""
    from kiosk.counter.camera import camera_from_settings, source_for

    source = source_for(spec, settings) if spec else camera_from_settings(settings)
    started = time.monotonic()
    source.open()
    try:
        shapes: list[tuple[int, ...]] = []
        while len(shapes) < CAMERA_FRAMES and time.monotonic() - started < CAMERA_WAIT_S:
            shapes.append(source.read().shape)
    finally:
        source.close()
    if len(shapes) < CAMERA_FRAMES:
        return Check(
            "camera",
            False,
            f"{source.name} opened but sent {len(shapes)} frames in {CAMERA_WAIT_S:.0f} s",
            "close other programs that use the camera, or plug it into another USB port",
        )
    height, width = shapes[-1][:2]
    spent = time.monotonic() - started
    return Check("camera", True, f"{source.name}: {width}x{height}, {CAMERA_FRAMES} frames in {spent:.1f} s")


def face_models(settings: Settings) -> Check:
    """The model files of the default engine (and of the others kept) pass their size and SHA-256."""
    from recognition.engines import ENGINE_NAMES, check_engine

    names = [settings.face_engine, *(n for n in ENGINE_NAMES if n != settings.face_engine)]
    for name in names:
        check_engine(name)
    return Check("face models", True, f"{', '.join(names)}: every model file matches its SHA-256")


def database(settings: Settings, db_path: Path | None) -> Iterator[Check]:
    """The data key, the database it opens and SQLite's check of it; then the free disk beside it."""
    from kiosk.counter.factories import key_path
    from kiosk.counter.service import Kiosk
    from kiosk.store.crypto import ENV_KEY
    from kiosk.store.keystore import POINTER

    path = Path(db_path or settings.db_path or default_db_path()).resolve()
    key = key_path(settings)
    if not path.exists():
        where = (
            ENV_KEY if os.environ.get(ENV_KEY) else (str(key) if key.exists() else "none yet, made with the database")
        )
        yield Check("data key", True, where)
        yield Check("database", True, f"none yet at {path}: made at the first start")
    else:
        with Kiosk.open(settings, path, create=False) as kiosk:
            held = (
                ENV_KEY
                if os.environ.get(ENV_KEY)
                else ("the OS keystore" if key.read_text(encoding="utf-8").startswith(POINTER) else str(key))
            )
            yield Check("data key", True, f"opens {path} (key in {held})")
            problems = kiosk.store.integrity()
            citizens = kiosk.store.engine_coverage().get("citizens", 0)
        yield (
            Check("database", True, f"{path}: SQLite's check passed, {citizens} citizens")
            if not problems
            else Check("database", False, f"{path}: {problems[0]}", "restore the database from its backup, then sync")
        )
    yield disk(path)


def disk(path: Path) -> Check:
    """Free space on the drive that holds ``path`` (or its nearest existing folder)."""
    folder = path
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    shown = f"{free / 2**30:.1f} GB free on the drive of {folder}"
    if free < MIN_FREE_BYTES:
        return Check("disk", False, shown, "free some space (at least 1 GB) on that drive")
    return Check("disk", True, shown)


def registry(settings: Settings, db_path: Path | None) -> Iterator[Check]:
    """The registry answers with this counter's credentials and holds this counter's data key;
    then the clock agrees with the registry's. A counter that works alone passes both."""
    from kiosk.counter.factories import registry_target
    from kiosk.counter.service import Kiosk
    from kiosk.province.registry import Registry, redact

    target = registry_target(settings)
    if not target:
        yield Check("registry", True, "none set: this counter works alone (kiosk join connects it)")
        yield Check("clock", True, f"{datetime.now().astimezone():%d/%m/%Y %H:%M %Z} (no registry to compare with)")
        return
    with Registry.connect(target, timeout_s=5) as connection:
        sealed, server = connection.probe()
    path = Path(db_path or settings.db_path or default_db_path())
    if sealed is not None and path.exists():
        with Kiosk.open(settings, path, create=False) as kiosk:
            mine = kiosk.store.key.check_value().hex()
        if sealed != mine:
            yield Check(
                "registry",
                False,
                f"{redact(target)} holds data sealed with another data key",
                "join the province again with a bundle from its administrator (kiosk join)",
            )
            return
    yield Check("registry", True, f"{redact(target)} answers with this counter's login")
    offset = (datetime.now(timezone.utc) - server).total_seconds()
    if abs(offset) > CLOCK_LIMIT_S:
        yield Check(
            "clock",
            False,
            f"this PC's clock is {abs(offset):.0f} s {'ahead of' if offset > 0 else 'behind'} the registry's",
            "set the date and time (and time zone) right, or turn on automatic time",
        )
    else:
        yield Check("clock", True, f"within {abs(offset):.1f} s of the registry's")


def api_port(settings: Settings) -> Check:
    """The local API's port is free on its address (or the API is off)."""
    if settings.api_port == 0:
        return Check("local API port", True, "the local API is off (api_port = 0)")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((settings.api_bind, settings.api_port))
        except OSError:
            return Check(
                "local API port",
                False,
                f"{settings.api_bind}:{settings.api_port} is in use",
                "close the program that uses it (a kiosk already running?), or set another api_port",
            )
    return Check("local API port", True, f"{settings.api_bind}:{settings.api_port} is free")


def chip_reader(settings: Settings) -> Check:
    """The CCCD chip reader ``chip_reader`` asks for is attached; only ``required`` fails without it."""
    from kiosk.chip import pcsc
    from kiosk.counter.chip import chip_off, chip_required, wanted_reader

    name = "chip reader"
    required = chip_required(settings)
    if chip_off(settings):
        return Check(name, True, "off (chip_reader = off): first visits use the QR alone")
    try:
        attached = pcsc.reader_names()
    except KioskError as exc:
        if required:
            return Check(name, False, exc.message, exc.hint)
        return Check(name, True, f"none usable ({exc.message}): first visits use the QR alone")
    wanted = wanted_reader(settings).lower()
    found = [reader for reader in attached if wanted in reader.lower()]
    if found:
        return Check(name, True, f"{found[0]}: first visits read the card's chip")
    if required:
        return Check(
            name,
            False,
            "no chip reader attached, and chip_reader = required: no first visit can be enrolled",
            "plug in the USB reader (PC/SC, contactless)",
        )
    return Check(name, True, "none attached: first visits use the QR alone")


def run(settings: Settings, db_path: Path | None, camera_spec: str | None, window: list[Check]) -> list[Check]:
    """Every check, in the order the module docstring gives (``window``: the Qt checks, made by the caller)."""
    found = [guarded("camera", lambda: camera(settings, camera_spec)), *window]
    found.append(guarded("face models", lambda: face_models(settings)))
    found += _all(("data key", "database", "disk"), lambda: database(settings, db_path))
    found += _all(("registry", "clock"), lambda: registry(settings, db_path))
    found.append(guarded("local API port", lambda: api_port(settings)))
    found.append(guarded("chip reader", lambda: chip_reader(settings)))
    return found


def _all(names: tuple[str, ...], checks: Callable[[], Iterator[Check]]) -> list[Check]:
    """The checks a generator yields (named ``names``, in order) until one raises: that one
    failed, and the rest could not be made."""
    done: list[Check] = []
    failed = guarded(names[0], lambda: _drain(checks(), done))
    if not failed.ok:
        step = names[min(len(done), len(names) - 1)]
        done.append(Check(step, False, failed.detail, failed.fix))
        done += [Check(name, False, f"not checked: the {step} check failed", failed.fix) for name in names[len(done) :]]
    return done


def _drain(checks: Iterator[Check], into: list[Check]) -> Check:
    for check in checks:
        into.append(check)
    return Check("", True, "")
