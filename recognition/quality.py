"""Quality gates a face must pass before it is stored as an enrolment sample.

Each gate has a measurement with a unit and a human reason (:class:`models.QualityIssue`)
when it refuses, so the counter screen can say "lại gần hơn" rather than "rejected".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import FaceBox, Landmarks, QualityIssue

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
        edge_margin_px: a box this close to the frame border counts as cut off (faces
            without mouth landmarks, whose aligned crop is not known here).
        max_outside: largest share (0–1) of the aligned 112x112 face crop that may lie
            outside the frame (faces with all five landmarks).
    """

    min_face_px: int = 80
    min_sharpness: float = 25.0
    min_brightness: float = 40.0
    max_brightness: float = 220.0
    max_yaw: float = 0.20
    edge_margin_px: int = 2
    max_outside: float = 0.05


@dataclass(frozen=True)
class FaceMeasures:
    """What the gates measured on one face (units as in :class:`QualityConfig`).

    ``outside``: share of the aligned face crop outside the frame (0–1), None when the
    landmarks cannot place the crop (no mouth corners): the box's edges decide then.
    """

    width_px: int
    sharpness: float
    brightness: float
    yaw: float
    outside: float | None = None


def measure(grey: np.ndarray, box: FaceBox, landmarks: Landmarks) -> FaceMeasures:
    """Measure size, sharpness, brightness and yaw of one face.

    Args:
        grey: the whole frame as a grey uint8 ``(H, W)`` array.
        box: the face in that frame's pixels.
        landmarks: the face engine's landmarks (eyes and nose are used), frame pixels.
    """
    import cv2

    crop = grey[box.top : box.bottom, box.left : box.right]
    if crop.size == 0:
        return FaceMeasures(box.width, 0.0, 0.0, 0.0)
    small = cv2.resize(crop, (CROP_SIDE_PX, CROP_SIDE_PX), interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(small, cv2.CV_64F).var())
    brightness = float(crop.mean())
    return FaceMeasures(box.width, sharpness, brightness, yaw_ratio(landmarks), outside_share(landmarks, grey.shape))


def outside_share(landmarks: Landmarks, frame_shape: tuple[int, ...], grid: int = 28) -> float | None:
    """Share (0–1) of the aligned face crop (:mod:`recognition.align`) that falls outside the
    frame, from a ``grid`` x ``grid`` sample of the crop; None without mouth landmarks."""
    from recognition.align import CROP_PX, TEMPLATE, similarity_transform

    if landmarks.mouth_left is None or landmarks.mouth_right is None:
        return None
    back = similarity_transform(TEMPLATE, landmarks.five())  # crop pixels -> frame pixels
    steps = (np.arange(grid) + 0.5) * CROP_PX / grid
    xs, ys = np.meshgrid(steps, steps)
    points = back[:, :2] @ np.stack([xs.ravel(), ys.ravel()]) + back[:, 2:]
    height, width = frame_shape[:2]
    inside = (points[0] >= 0) & (points[0] < width) & (points[1] >= 0) & (points[1] < height)
    return float(1.0 - inside.mean())


def yaw_ratio(landmarks: Landmarks) -> float:
    """Left/right head turn: the nose's offset from the eye midpoint along the eye line,
    divided by the inter-eye distance. About 0 frontal, ±0.3–0.6 three-quarter.
    Positive when the nose is to the image-right of the midpoint."""
    left = np.asarray(landmarks.eye_left, dtype=np.float64)
    right = np.asarray(landmarks.eye_right, dtype=np.float64)
    nose = np.asarray(landmarks.nose, dtype=np.float64)
    axis = right - left
    eye_distance = float(np.hypot(*axis))
    if eye_distance < 1e-6:
        return 1.0
    return float(np.dot(nose - (left + right) / 2.0, axis / eye_distance) / eye_distance)


def assess(
    measures: FaceMeasures, box: FaceBox, frame_shape: tuple[int, ...], face_count: int, config: QualityConfig
) -> tuple[QualityIssue, ...]:
    """Every gate the face fails, in the order a person should fix them (empty = passes).

    ``box`` is clipped to the frame, so a face the detector saw crossing the border sits
    on it and counts as cut off.
    """
    issues: list[QualityIssue] = []
    height, width = frame_shape[:2]
    m = config.edge_margin_px
    if face_count > 1:
        issues.append(QualityIssue.SEVERAL_FACES)
    if measures.outside is not None:
        cut_off = measures.outside > config.max_outside
    else:
        cut_off = box.top <= m or box.left <= m or box.bottom >= height - m or box.right >= width - m
    if cut_off:
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
