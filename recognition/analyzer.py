"""Frame → the citizen's face: detect, pick the largest, measure, encode.

This is the whole per-frame face path the kiosk uses; it knows nothing of the store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models import FaceBox, FaceSample
from recognition import faces, quality
from recognition.faces import DetectorConfig
from recognition.images import to_grey, to_rgb
from recognition.quality import QualityConfig


@dataclass(frozen=True)
class FrameFaces:
    """Faces in one frame.

    Attributes:
        boxes: every face found, largest first (original-frame pixels).
        primary: the largest face, encoded and assessed; ``None`` when no face was found.
            Smaller faces (bystanders) are never encoded or matched.
    """

    boxes: tuple[FaceBox, ...]
    primary: FaceSample | None


class FaceAnalyzer:
    """Detects and encodes the citizen's face in BGR frames.

    Stateless apart from its configuration; safe to share between threads (dlib's
    detectors are re-entrant for reads).
    """

    def __init__(self, detector: DetectorConfig = DetectorConfig(), gates: QualityConfig = QualityConfig()) -> None:
        self.detector = detector
        self.gates = gates

    def analyze(self, frame: np.ndarray) -> FrameFaces:
        """Find every face, then measure and encode only the largest one."""
        boxes = faces.detect_faces(frame, self.detector)
        if not boxes:
            return FrameFaces((), None)
        primary = boxes[0]
        rgb = to_rgb(frame)
        landmarks = faces.five_point_landmarks(rgb, primary)
        measures = quality.measure(to_grey(frame), primary, landmarks)
        issues = quality.assess(measures, primary, frame.shape, len(boxes), self.gates)
        embedding = faces.encode_faces(rgb, [primary])[0]
        sample = FaceSample(
            embedding=embedding,
            box=primary,
            sharpness=measures.sharpness,
            brightness=measures.brightness,
            yaw=measures.yaw,
            issues=issues,
        )
        return FrameFaces(tuple(boxes), sample)

