"""Faces found in a frame, and what the quality gates say about them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

EMBEDDING_SIZE = 128
"""Length of one face embedding (both engines, SFace and dlib's ResNet, give 128 numbers)."""


@dataclass(frozen=True)
class FaceBox:
    """A face rectangle in pixels of the *original* frame.

    Order is face_recognition's ``(top, right, bottom, left)``; ``right`` and ``bottom``
    are exclusive. Origin is the top-left corner of the frame.
    """

    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        """Width in pixels."""
        return self.right - self.left

    @property
    def height(self) -> int:
        """Height in pixels."""
        return self.bottom - self.top

    @property
    def area(self) -> int:
        """Area in square pixels."""
        return max(0, self.width) * max(0, self.height)

    def as_tuple(self) -> tuple[int, int, int, int]:
        """``(top, right, bottom, left)``, the order face_recognition expects."""
        return (self.top, self.right, self.bottom, self.left)


@dataclass(frozen=True)
class Landmarks:
    """Facial points of one face in pixels of the *original* frame, ``(x, y)``, origin top-left.

    "Left" and "right" are as seen in the image (the subject's right eye is ``eye_left``).
    The SFace engine (YuNet) gives all five; the dlib engine's 5-point model has no mouth
    corners, so those are None there.
    """

    eye_left: tuple[float, float]
    eye_right: tuple[float, float]
    nose: tuple[float, float]
    mouth_left: tuple[float, float] | None = None
    mouth_right: tuple[float, float] | None = None

    def five(self) -> np.ndarray:
        """The five points as a ``(5, 2)`` float64 array in the order eye_left, eye_right,
        nose, mouth_left, mouth_right (the order of the usual 112x112 alignment template).

        Raises:
            ValueError: the mouth corners are missing (dlib's landmarks).
        """
        if self.mouth_left is None or self.mouth_right is None:
            raise ValueError("these landmarks have no mouth corners")
        return np.array([self.eye_left, self.eye_right, self.nose, self.mouth_left, self.mouth_right], dtype=np.float64)


class QualityIssue(str, Enum):
    """Why a face is not good enough to enrol. The value is a stable code."""

    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_SMALL = "too_small"
    BLURRY = "blurry"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    NOT_FRONTAL = "not_frontal"
    CUT_OFF = "cut_off"

    @property
    def message(self) -> str:
        """One human sentence in English, for logs and the CLI."""
        return _MESSAGES_EN[self]

    @property
    def message_vi(self) -> str:
        """The same hint in Vietnamese, as the counter screen shows it to the citizen."""
        return _MESSAGES_VI[self]


_MESSAGES_EN = {
    QualityIssue.NO_FACE: "no face found: look at the camera",
    QualityIssue.SEVERAL_FACES: "more than one face in view: only the citizen should be in front of the camera",
    QualityIssue.TOO_SMALL: "face too small: come closer to the camera",
    QualityIssue.BLURRY: "image blurred: hold still",
    QualityIssue.TOO_DARK: "face too dark: more light is needed",
    QualityIssue.TOO_BRIGHT: "face over-exposed: avoid direct light",
    QualityIssue.NOT_FRONTAL: "face turned away: look straight at the camera",
    QualityIssue.CUT_OFF: "face cut off by the edge of the picture: move to the centre",
}

_MESSAGES_VI = {
    QualityIssue.NO_FACE: "không thấy khuôn mặt: nhìn vào camera",
    QualityIssue.SEVERAL_FACES: "có nhiều người trong khung hình: chỉ một người đứng trước camera",
    QualityIssue.TOO_SMALL: "lại gần hơn",
    QualityIssue.BLURRY: "giữ yên",
    QualityIssue.TOO_DARK: "thiếu sáng",
    QualityIssue.TOO_BRIGHT: "quá sáng: tránh ánh đèn chiếu thẳng",
    QualityIssue.NOT_FRONTAL: "nhìn thẳng vào camera",
    QualityIssue.CUT_OFF: "đứng vào giữa khung hình",
}


@dataclass(frozen=True)
class FaceSample:
    """One encoded face: the embedding plus what was measured about it.

    Attributes:
        embedding: shape ``(128,)`` float32, made by the face engine named ``engine``.
            Embeddings of different engines live in different spaces and are never compared.
        box: where the face is in the frame, in original-frame pixels.
        sharpness: variance of the Laplacian over the face crop (grey levels²; higher is sharper).
        brightness: mean grey level of the face crop, 0–255.
        yaw: left/right turn estimated from landmarks, as a ratio in [-1, 1]
            (0 frontal; ±1 profile). Sign: positive when the nose is right of the eye midpoint in the image.
        issues: quality-gate failures; empty when the sample is good enough to enrol.
        engine: the face engine that made ``embedding`` (``"sface"`` or ``"dlib"``).
        model_version: that engine's model files, as stored beside the template.
        other_embeddings: the same face embedded by other engines, ``{engine: (128,) float32}``
            (while citizens enrolled under an older engine still need recognising).
    """

    embedding: np.ndarray
    box: FaceBox
    sharpness: float = 0.0
    brightness: float = 0.0
    yaw: float = 0.0
    issues: tuple[QualityIssue, ...] = field(default_factory=tuple)
    engine: str = "sface"
    model_version: str = ""
    other_embeddings: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def passes(self) -> bool:
        """True when no quality gate refused the sample."""
        return not self.issues
