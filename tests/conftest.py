"""Shared fixtures: real face photos, the bundled sample set, fresh SQLite files."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter.service import Kiosk, analyzer_for
from kiosk.settings import Settings
from recognition.analyzer import FrameFaces
from recognition.images import load_image

ROOT = Path(__file__).resolve().parents[1]
FACES = ROOT / "sample_images" / "faces"
SAMPLE_SET = ROOT / "sample_images" / "counter_day"
FRAMES = SAMPLE_SET / "frames"
CARDS = SAMPLE_SET / "cards"


@functools.cache
def analyzed(path: Path) -> FrameFaces:
    """The real analysis (the default engine, sface) of an image file with the shipped settings, once per test session."""
    return analyzer_for(Settings()).analyze(load_image(path))


@functools.cache
def analyzed_with(engine: str, path: Path) -> FrameFaces:
    """The real analysis of an image file by one face engine (``"sface"`` or ``"dlib"``), once per session."""
    return analyzer_for(Settings(face_engine=engine)).analyze(load_image(path))


def enrol_frames(folder: str) -> list[Path]:
    """The three frontal enrolment frames of a sample-set citizen (e.g. ``london_005``)."""
    return [FRAMES / folder / f"enrol_{k}.jpg" for k in (1, 2, 3)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Shipped defaults, with the data key file in the test's own folder."""
    return Settings(key_file=str(tmp_path / "kiosk.key"))


ADMIN_PIN = "246810"


@pytest.fixture
def admin(kiosk: Kiosk):
    """An administrator session on ``kiosk`` (PIN :data:`ADMIN_PIN`)."""
    kiosk.set_first_admin_pin(ADMIN_PIN)
    return kiosk.login_admin(ADMIN_PIN, actor="admin-tester")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite path in the test's own folder."""
    return tmp_path / "kiosk.sqlite"


@pytest.fixture
def kiosk(settings: Settings, db_path: Path) -> Iterator[Kiosk]:
    """A kiosk over a fresh SQLite file."""
    with Kiosk.open(settings, db_path, actor="tester") as k:
        yield k


@pytest.fixture
def card_record():
    """Factory: the parsed record on a sample-set card (real QR image through the decoder)."""
    cache: dict[str, object] = {}

    def make(folder: str):
        if folder not in cache:
            from kiosk.cccd.record import parse_cccd
            from recognition.qr import read_qr_file

            cache[folder] = parse_cccd(read_qr_file(CARDS / f"{folder}.jpg")[0].data).record
        return cache[folder]

    return make


@pytest.fixture
def enrolled(kiosk: Kiosk, card_record) -> Kiosk:
    """A kiosk with four sample-set citizens enrolled from their real cards and frames."""
    for folder in ("london_005", "london_043", "london_099", "lisa"):
        samples = [analyzed(p).primary for p in enrol_frames(folder)]
        kiosk.enrol(card_record(folder), samples, consent=True, staff="tester")
    return kiosk


def embedding_of(path: Path) -> np.ndarray:
    """The 128-d embedding of the largest face in an image file."""
    primary = analyzed(path).primary
    assert primary is not None, f"no face in {path}"
    return primary.embedding


@pytest.fixture(scope="session")
def pg_admin():
    """An admin URL of a real PostgreSQL server (see tests/pg.py), or the test is skipped with the reason."""
    from tests import pg

    with pg.server() as url:
        if url is None:
            pytest.skip("no PostgreSQL server reachable and no PostgreSQL binaries to start one (set KIOSK_TEST_PG)")
        yield url


@pytest.fixture
def registry_url(pg_admin):
    """A fresh, empty registry database, dropped after the test."""
    from kiosk.province.registry import Registry
    from tests import pg

    url = pg.create_database(pg_admin)
    with Registry.connect(url) as registry:  # as `kiosk sync --init-registry` does once per province
        registry.create_tables()
    yield url
    pg.drop_database(pg_admin, url)


@pytest.fixture
def counters(tmp_path: Path):
    """Factory of counters by name ("A", "B"...): separate SQLite files sharing one province data key."""
    opened: dict[str, Kiosk] = {}

    def counter(name: str) -> Kiosk:
        if name not in opened:
            counter_settings = Settings(counter_name=name, key_file=str(tmp_path / "province.key"))
            opened[name] = Kiosk.open(counter_settings, tmp_path / f"{name}.sqlite", actor=f"staff-{name}")
        return opened[name]

    yield counter
    for k in opened.values():
        k.close()


def run_cli(*args: object, env: dict[str, str] | None = None):
    """Run ``kiosk ARGS`` in this process (the model loads once per session); a crash
    (traceback) fails the test at once. Returns click's ``Result``."""
    from click.testing import CliRunner

    from kiosk.cli.main import main

    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kiosk {' '.join(map(str, args))} crashed:\n{result.output}") from result.exception
    assert "Traceback" not in result.output
    return result
