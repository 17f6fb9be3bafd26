"""Face detection, landmarks and 128-d encodings through face_recognition (dlib).

This module is the edge where dlib types become ours: boxes come back as
:class:`models.FaceBox` in original-frame pixels, embeddings as float32 numpy arrays.
face_recognition loads its four dlib models when first imported (about 0.7 s), so it
is imported inside the functions, never when this module is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from models import FaceBox
from recognition.images import to_rgb

DetectorModel = Literal["hog", "cnn"]


@dataclass(frozen=True)
class DetectorConfig:
    """How faces are found.

    Attributes:
        model: ``"hog"`` (CPU, ~6–25 ms per frame) or ``"cnn"`` (dlib's MMOD CNN: more
            robust to pose, about 8 s per frame without a GPU).
        detect_width: frames wider than this many pixels are downscaled to this width
            before detection (boxes are scaled back); 0 disables downscaling.
        upsample: how many times dlib upsamples the (downscaled) frame to find small
            faces; each step costs about 4x.
    """

    model: DetectorModel = "hog"
    detect_width: int = 480
    upsample: int = 0


def _face_recognition() -> Any:
    import warnings

    with warnings.catch_warnings():
        # face_recognition_models imports pkg_resources, which warns it is deprecated.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import face_recognition  # noqa: PLC0415  (heavy: loads the dlib models)

    return face_recognition


def detect_faces(frame: np.ndarray, config: DetectorConfig = DetectorConfig()) -> list[FaceBox]:
    """Find faces in a BGR frame.

    Returns boxes in original-frame pixels, clipped to the frame, **largest first**
    (the largest face is the citizen nearest the counter).
    """
    import cv2

    fr = _face_recognition()
    height, width = frame.shape[:2]
    scale = 1.0
    small = frame
    if config.detect_width and width > config.detect_width:
        scale = width / config.detect_width
        small = cv2.resize(frame, (config.detect_width, round(height / scale)), interpolation=cv2.INTER_AREA)
    raw = fr.face_locations(to_rgb(small), number_of_times_to_upsample=config.upsample, model=config.model)
    boxes = [
        FaceBox(
            top=max(0, round(t * scale)),
            right=min(width, round(r * scale)),
            bottom=min(height, round(b * scale)),
            left=max(0, round(l * scale)),
        )
        for (t, r, b, l) in raw
    ]
    boxes = [b for b in boxes if b.width > 0 and b.height > 0]
    return sorted(boxes, key=lambda b: b.area, reverse=True)


def raw_boxes_touch_edge(box: FaceBox, frame_shape: tuple[int, ...], margin_px: int = 2) -> bool:
    """True when the box lies within ``margin_px`` of the frame border (face probably cut off)."""
    height, width = frame_shape[:2]
    return box.top <= margin_px or box.left <= margin_px or box.bottom >= height - margin_px or box.right >= width - margin_px


def five_point_landmarks(rgb: np.ndarray, box: FaceBox) -> dict[str, np.ndarray]:
    """dlib's 5-point landmarks for one face in an RGB image.

    Returns ``{"left_eye": (2,2), "right_eye": (2,2), "nose_tip": (1,2)}`` arrays of
    ``(x, y)`` pixel coordinates. "left"/"right" are as seen in the image (dlib's naming).
    """
    fr = _face_recognition()
    marks = fr.face_landmarks(rgb, [box.as_tuple()], model="small")[0]
    return {name: np.asarray(points, dtype=np.float64) for name, points in marks.items()}


def encode_faces(rgb: np.ndarray, boxes: list[FaceBox], num_jitters: int = 1) -> np.ndarray:
    """128-d dlib encodings of the given faces in an RGB image.

    Returns an ``(len(boxes), 128)`` float32 array, rows in the order of ``boxes``.
    """
    if not boxes:
        return np.zeros((0, 128), dtype=np.float32)
    fr = _face_recognition()
    encodings = fr.face_encodings(rgb, [b.as_tuple() for b in boxes], num_jitters=num_jitters, model="small")
    return np.asarray(encodings, dtype=np.float32).reshape(len(boxes), 128)


def face_distance_naive(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """face_recognition's own ``face_distance`` (a norm of differences): the baseline benchmarks compare against."""
    return np.asarray(_face_recognition().face_distance(matrix, query))


def warm_up() -> None:
    """Import face_recognition (loads the dlib models, ~0.7 s) ahead of the first frame."""
    _face_recognition()
