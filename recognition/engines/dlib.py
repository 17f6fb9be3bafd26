"""The ``dlib`` engine: HOG (or CNN) detection, dlib's 5-point landmarks, dlib's ResNet embedding.

This is the engine every template was made with before ``sface`` became the default;
it stays for citizens enrolled then (recognised through it until they are upgraded) and
for comparisons. face_recognition loads its four dlib models when first imported (about
0.7 s), so it is imported inside the functions, never when this module is imported.
Encoding one face costs ~60-100 ms here (dlib-bin is built without BLAS) and holds the GIL.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

import numpy as np

from models import FaceBox, Landmarks
from recognition.engines.base import DetectedFace, EngineInfo, clip_box, downscale
from recognition.engines.weights import ModelFile, ModelFileError, verified_path
from recognition.images import to_rgb

INFO = EngineInfo("dlib", "dlib_face_recognition_resnet_model_v1", "euclidean", "dlib HOG + ResNet (face_recognition)")

DetectorModel = Literal["hog", "cnn"]

RESNET = ModelFile(
    "face_recognition_models",
    "models/dlib_face_recognition_resnet_model_v1.dat",
    22_466_066,
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
)
FIVE_POINT = ModelFile(
    "face_recognition_models",
    "models/shape_predictor_5_face_landmarks.dat",
    9_150_489,
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
)

_IMPORT_LOCK = threading.Lock()


def face_recognition_module() -> Any:
    """``import face_recognition`` (loads the dlib models, ~0.7 s), after checking the files we use.

    Raises:
        ModelFileError: a model file is missing or damaged, or dlib cannot load one.
    """
    import warnings

    with _IMPORT_LOCK:
        verified_path(RESNET)
        verified_path(FIVE_POINT)
        with warnings.catch_warnings():
            # face_recognition_models imports pkg_resources, which warns it is deprecated.
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            try:
                import face_recognition
            except RuntimeError as exc:  # dlib: "Unable to open ... .dat" / "Error deserializing"
                raise ModelFileError(
                    f"dlib cannot load its face models ({exc})".splitlines()[0],
                    "reinstall the kiosk's packages (scripts/setup)",
                ) from None
    return face_recognition


class DlibEngine:
    """HOG/CNN + dlib ResNet through face_recognition.

    Args:
        model: ``"hog"`` (CPU, ~6–25 ms per frame) or ``"cnn"`` (dlib's MMOD CNN: about
            8 s per frame without a GPU).
        detect_width: frames wider than this many pixels are downscaled to it before
            detection (boxes are scaled back); 0 disables downscaling.
        upsample: how many times dlib upsamples the (downscaled) frame to find small
            faces; each step costs about 4x.
    """

    info = INFO

    def __init__(self, model: DetectorModel = "hog", detect_width: int = 480, upsample: int = 0) -> None:
        self.model = model
        self.detect_width = detect_width
        self.upsample = upsample

    def warm_up(self) -> None:
        """Verify the model files and import face_recognition."""
        face_recognition_module()

    def detect_boxes(self, frame: np.ndarray) -> list[FaceBox]:
        """The detector's boxes alone (no landmarks), largest first, frame pixels."""
        fr = face_recognition_module()
        small, scale = downscale(frame, self.detect_width)
        raw = fr.face_locations(to_rgb(small), number_of_times_to_upsample=self.upsample, model=self.model)
        boxes = [
            clip_box(left * scale, top * scale, right * scale, bottom * scale, frame.shape)
            for (top, right, bottom, left) in raw
        ]
        return sorted((b for b in boxes if b.width > 0 and b.height > 0), key=lambda b: b.area, reverse=True)

    def detect(self, frame: np.ndarray) -> list[DetectedFace]:
        """Every face, largest first, with dlib's 5-point landmarks (eye centres and the nose base)."""
        rgb = to_rgb(frame)
        return [DetectedFace(box, self.landmarks(rgb, box)) for box in self.detect_boxes(frame)]

    @staticmethod
    def landmarks(rgb: np.ndarray, box: FaceBox) -> Landmarks:
        """dlib's 5-point landmarks of one face in an RGB image: each eye's two corners averaged,
        and the point under the nose. No mouth corners."""
        marks = face_recognition_module().face_landmarks(rgb, [box.as_tuple()], model="small")[0]
        eyes = sorted(
            tuple(np.asarray(marks[name], dtype=np.float64).mean(axis=0)) for name in ("left_eye", "right_eye")
        )
        nose = tuple(np.asarray(marks["nose_tip"], dtype=np.float64)[0])
        return Landmarks(eye_left=eyes[0], eye_right=eyes[1], nose=nose)

    def embed(self, frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        """dlib's ``(128,)`` float32 descriptor of the face (Euclidean space; same person typically < 0.6)."""
        descriptor: np.ndarray = self.embed_boxes(to_rgb(frame), [face.box])[0]
        return descriptor

    @staticmethod
    def embed_boxes(rgb: np.ndarray, boxes: list[FaceBox], num_jitters: int = 1) -> np.ndarray:
        """``(len(boxes), 128)`` float32 descriptors of faces of an RGB image, rows in box order."""
        if not boxes:
            return np.zeros((0, 128), dtype=np.float32)
        fr = face_recognition_module()
        encodings = fr.face_encodings(rgb, [b.as_tuple() for b in boxes], num_jitters=num_jitters, model="small")
        return np.asarray(encodings, dtype=np.float32).reshape(len(boxes), 128)


def face_distance_naive(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """face_recognition's own ``face_distance`` (a norm of differences): the baseline benchmarks compare against."""
    return np.asarray(face_recognition_module().face_distance(matrix, query))
