"""What a face engine is: detect faces with 5 landmarks, embed one, and the distance it uses.

An engine turns a BGR frame (see :mod:`recognition.images`) into :class:`DetectedFace`
objects and a detected face into a 128-number embedding. Everything above
``recognition/`` sees only these plain types and an engine *name*; the matcher learns
the engine's :attr:`EngineInfo.metric` and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from models import FaceBox, Landmarks

Metric = Literal["cosine", "euclidean"]
"""How an engine's embeddings are compared: ``cosine`` (distance = 1 - cosine similarity,
0..2) or ``euclidean`` (distance = |a - b|)."""


@dataclass(frozen=True)
class EngineInfo:
    """What identifies an engine's embeddings, known without loading any model.

    Attributes:
        name: the setting's value, stored beside every template (``"sface"``, ``"dlib"``).
        model_version: the model files that made the embeddings (stored beside them too).
        metric: how two embeddings are compared (see :data:`Metric`).
        title: a human name for listings.
    """

    name: str
    model_version: str
    metric: Metric
    title: str


@dataclass(frozen=True)
class DetectedFace:
    """One face found in a frame.

    Attributes:
        box: the face rectangle in original-frame pixels, clipped to the frame.
        landmarks: eyes, nose (and mouth corners where the engine has them), frame pixels.
        score: the detector's confidence, 0..1 (1.0 for detectors without a score).
    """

    box: FaceBox
    landmarks: Landmarks
    score: float = 1.0


class FaceEngine(Protocol):
    """A face engine: a detector with landmarks and an embedding model.

    Implementations load their models lazily (never at import) and are safe to call from
    several threads (they serialise the model calls themselves).
    """

    info: EngineInfo

    def detect(self, frame: np.ndarray) -> list[DetectedFace]:
        """Every face in a BGR frame, **largest first** (the citizen nearest the counter)."""

    def embed(self, frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        """The ``(128,)`` float32 embedding of one detected face of this frame."""

    def warm_up(self) -> None:
        """Load the models now (ahead of the first frame)."""


def clip_box(left: float, top: float, right: float, bottom: float, frame_shape: tuple[int, ...]) -> FaceBox:
    """A detector's box (float pixels, any side possibly outside the frame) → a :class:`FaceBox`
    clipped to the frame (a face crossing the border then lies on it: the cut-off gate)."""
    height, width = frame_shape[:2]
    return FaceBox(
        top=max(0, round(top)),
        right=min(width, round(right)),
        bottom=min(height, round(bottom)),
        left=max(0, round(left)),
    )


def downscale(frame: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """``(frame shrunk to at most width pixels wide, factor back to frame pixels)``; frames
    no wider than ``width`` (or ``width`` 0) come back as they are, with factor 1."""
    import cv2

    height, frame_width = frame.shape[:2]
    if not width or frame_width <= width:
        return frame, 1.0
    scale = frame_width / width
    return cv2.resize(frame, (width, round(height / scale)), interpolation=cv2.INTER_AREA), scale
