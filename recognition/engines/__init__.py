"""Face engines: which exist, which is the default, and loading one (lazily, once per process).

- ``sface`` (the default): YuNet + SFace through OpenCV, cosine distance. ~13 ms per face.
- ``dlib``: HOG + dlib's ResNet through face_recognition, Euclidean distance. ~80-120 ms.

Templates of different engines are never compared (DESIGN.md). Nothing is loaded when
this package is imported; :func:`load_engine` builds an engine and :func:`check_engine`
verifies its model files (a one-line :class:`ModelFileError` when they are missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from recognition.engines.base import DetectedFace, EngineInfo, FaceEngine, Metric
from recognition.engines.weights import ModelFileError

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "DetectedFace",
    "EngineConfig",
    "EngineInfo",
    "FaceEngine",
    "Metric",
    "ModelFileError",
    "check_engine",
    "engine_info",
    "load_engine",
]

ENGINE_NAMES = ("sface", "dlib")
"""Every engine this release knows, newest first."""

DEFAULT_ENGINE = "sface"


@dataclass(frozen=True)
class EngineConfig:
    """How to build an engine.

    Attributes:
        name: one of :data:`ENGINE_NAMES`.
        detect_width: frames wider than this many pixels are downscaled before detection; 0 = never.
        dlib_detector: the dlib engine's detector, ``"hog"`` or ``"cnn"``.
        dlib_upsample: how many times the dlib detector upsamples (each ~4x the time).
    """

    name: str = DEFAULT_ENGINE
    detect_width: int = 480
    dlib_detector: str = "hog"
    dlib_upsample: int = 0


def engine_info(name: str) -> EngineInfo:
    """An engine's name, model version and metric, without loading anything.

    Raises:
        ValueError: unknown engine name.
    """
    if name == "sface":
        from recognition.engines.sface import INFO
    elif name == "dlib":
        from recognition.engines.dlib import INFO
    else:
        raise ValueError(f"unknown face engine {name!r} (known: {', '.join(ENGINE_NAMES)})")
    return INFO


@cache
def load_engine(config: EngineConfig) -> FaceEngine:
    """The engine ``config`` describes, one instance per config and process (models load on first use).

    Raises:
        ValueError: unknown engine name.
    """
    engine_info(config.name)
    if config.name == "sface":
        from recognition.engines.sface import SFaceEngine

        return SFaceEngine(config.detect_width)
    from recognition.engines.dlib import DlibEngine

    if config.dlib_detector not in ("hog", "cnn"):
        raise ValueError(f"dlib_detector must be 'hog' or 'cnn', not {config.dlib_detector!r}")
    return DlibEngine("cnn" if config.dlib_detector == "cnn" else "hog", config.detect_width, config.dlib_upsample)


def check_engine(name: str) -> None:
    """Verify an engine's model files (size and SHA-256) without loading the models.

    Raises:
        ModelFileError: a file is missing or damaged (one line, with what to do).
        ValueError: unknown engine name.
    """
    engine_info(name)
    from recognition.engines import weights

    if name == "sface":
        weights.verified_path(weights.YUNET)
        weights.verified_path(weights.SFACE)
    else:
        from recognition.engines.dlib import FIVE_POINT, RESNET

        weights.verified_path(RESNET)
        weights.verified_path(FIVE_POINT)
