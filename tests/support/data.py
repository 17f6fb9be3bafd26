"""Paths of the bundled data, real analyses of photos (cached per session), the CLI runner."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from kiosk.counter.factories import analyzer_for
from kiosk.settings import Settings
from recognition.analyzer import FrameFaces
from recognition.images import load_image

ROOT = Path(__file__).resolve().parents[2]
FACES = ROOT / "sample_images" / "faces"
SAMPLE_SET = ROOT / "sample_images" / "counter_day"
FRAMES = SAMPLE_SET / "frames"
CARDS = SAMPLE_SET / "cards"
#: A schema-3 database of dlib templates (tests/data/README.md) and its data key.
LEGACY = ROOT / "tests" / "data" / "legacy_v3_dlib.sqlite"
LEGACY_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#: The administrator PIN the ``admin`` fixture sets.
ADMIN_PIN = "246810"


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


def embedding_of(path: Path) -> np.ndarray:
    """The 128-d embedding of the largest face in an image file."""
    primary = analyzed(path).primary
    assert primary is not None, f"no face in {path}"
    return primary.embedding


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


def check_ins(store, limit: int = 5) -> list[dict]:
    """The latest visits that are check-ins (newest first): the first visit logged at enrolment left out."""
    return [v for v in store.visits(100) if not v["first_visit"]][:limit]
