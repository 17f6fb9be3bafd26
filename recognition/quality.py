"""Quality gates a face must pass before it is stored as an enrolment sample.

Each gate has a measurement with a unit and a human reason (:class:`models.QualityIssue`)
when it refuses, so the counter screen can say "lại gần hơn" rather than "rejected".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import FaceBox, QualityIssue

CROP_SIDE_PX = 160
"""Face crops are resized to this square before measuring sharpness, so the measure does
not depend on the camera's resolution."""


@dataclass(frozen=True)
class QualityConfig:
    """Bounds of the gates.

    Attributes:
        min_face_px: smallest face-box width, in pixels of the original frame.
        min_sharpness: smallest variance of the Laplacian on the 160x160 grey face crop.
        min_brightness / max_brightness: allowed mean grey level (0–255) of the face crop.
        max_yaw: largest |nose offset from the eye midpoint| / inter-eye distance (0 frontal).
        edge_margin_px: a box this close to the frame border counts as cut off.
    """

    min_face_px: int = 80
    min_sharpness: float = 25.0
    min_brightness: float = 40.0
    max_brightness: float = 220.0
    max_yaw: float = 0.20
    edge_margin_px: int = 2


@dataclass(frozen=True)
class FaceMeasures:
    """What the gates measured on one face (units as in :class:`QualityConfig`)."""

    width_px: int
    sharpness: float
    brightness: float
    yaw: float


def measure(grey: np.ndarray, box: FaceBox, landmarks: dict[str, np.ndarray]) -> FaceMeasures:
    """Measure size, sharpness, brightness and yaw of one face.

    Args:
        grey: the whole frame as a grey uint8 ``(H, W)`` array.
        box: the face in that frame's pixels.
        landmarks: dlib 5-point landmarks (``left_eye``, ``right_eye``, ``nose_tip``;
            ``(x, y)`` pixels) as :func:`recognition.faces.five_point_landmarks` returns.
    """
    import cv2

    crop = grey[box.top : box.bottom, box.left : box.right]
    if crop.size == 0:
        return FaceMeasures(box.width, 0.0, 0.0, 0.0)
    small = cv2.resize(crop, (CROP_SIDE_PX, CROP_SIDE_PX), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(small, cv2.CV_64F).var())
    brightness = float(crop.mean())
    return FaceMeasures(box.width, sharpness, brightness, yaw_ratio(landmarks))


def yaw_ratio(landmarks: dict[str, np.ndarray]) -> float:
    """Left/right head turn: the nose tip's offset from the eye midpoint along the eye
    line, divided by the inter-eye distance. About 0 frontal, ±0.3–0.6 three-quarter.
    Positive when the nose is to the image-right of the midpoint."""
    left = landmarks["left_eye"].mean(axis=0)
    right = landmarks["right_eye"].mean(axis=0)
    nose = landmarks["nose_tip"][0]
    axis = right - left
    eye_distance = float(np.hypot(*axis))
    if eye_distance < 1e-6:
        return 1.0
    return float(np.dot(nose - (left + right) / 2.0, axis / eye_distance) / eye_distance)


def assess(measures: FaceMeasures, box: FaceBox, frame_shape: tuple[int, ...], face_count: int, config: QualityConfig) -> tuple[QualityIssue, ...]:
    """Every gate the face fails, in the order a person should fix them (empty = passes)."""
    issues: list[QualityIssue] = []
    height, width = frame_shape[:2]
    m = config.edge_margin_px
    if face_count > 1:
        issues.append(QualityIssue.SEVERAL_FACES)
    if box.top <= m or box.left <= m or box.bottom >= height - m or box.right >= width - m:
        issues.append(QualityIssue.CUT_OFF)
    if measures.width_px < config.min_face_px:
        issues.append(QualityIssue.TOO_SMALL)
    if measures.brightness < config.min_brightness:
        issues.append(QualityIssue.TOO_DARK)
    elif measures.brightness > config.max_brightness:
        issues.append(QualityIssue.TOO_BRIGHT)
    if abs(measures.yaw) > config.max_yaw:
        issues.append(QualityIssue.NOT_FRONTAL)
    if measures.sharpness < config.min_sharpness:
        issues.append(QualityIssue.BLURRY)
    return tuple(issues)
