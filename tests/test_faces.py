"""Detection, quality gates and encoding on real photos through the real dlib model."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from models import QualityIssue
from recognition.analyzer import FaceAnalyzer
from recognition.faces import DetectorConfig, detect_faces
from recognition.images import load_image
from tests.conftest import FACES, FRAMES, analyzed

ANALYZER = FaceAnalyzer()


def test_frontal_webcam_frames_pass_every_gate():
    for folder in ("london_005", "lisa"):
        sample = analyzed(FRAMES / folder / "enrol_1.jpg").primary
        assert sample is not None and sample.passes, sample.issues if sample else None
        assert sample.embedding.shape == (128,) and sample.embedding.dtype == np.float32


def test_turned_head_is_refused_with_a_reason():
    sample = analyzed(FACES / "london_005" / "3.jpg").primary
    assert QualityIssue.NOT_FRONTAL in sample.issues
    assert abs(sample.yaw) > 0.3
    assert "look straight" in QualityIssue.NOT_FRONTAL.message
    assert QualityIssue.NOT_FRONTAL.message_vi == "nhìn thẳng vào camera"


def test_two_faces_largest_is_the_citizen_and_enrolment_is_refused():
    faces = analyzed(FRAMES / "london_005" / "visit_with_bystander.jpg")
    assert len(faces.boxes) == 2
    assert faces.primary.box == faces.boxes[0]
    assert faces.boxes[0].area > 2 * faces.boxes[1].area
    assert faces.primary.box.left < 400  # the citizen is left, the bystander top-right
    assert QualityIssue.SEVERAL_FACES in faces.primary.issues


def test_no_face():
    faces = analyzed(FRAMES / "empty_counter.jpg")
    assert faces.primary is None and faces.boxes == ()


def test_small_face_dark_face_and_blur_are_named():
    frame = load_image(FRAMES / "london_005" / "enrol_1.jpg")
    small = cv2.resize(frame, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    small = cv2.copyMakeBorder(small, 150, 150, 200, 200, cv2.BORDER_REPLICATE)
    gates = FaceAnalyzer(DetectorConfig(detect_width=0, upsample=1))
    assert QualityIssue.TOO_SMALL in gates.analyze(small).primary.issues
    dark = (frame * 0.2).astype(np.uint8)
    assert QualityIssue.TOO_DARK in ANALYZER.analyze(dark).primary.issues
    bright = cv2.convertScaleAbs(frame, alpha=1.0, beta=130)
    assert QualityIssue.TOO_BRIGHT in ANALYZER.analyze(bright).primary.issues
    blurred = cv2.GaussianBlur(frame, (0, 0), 6)
    assert QualityIssue.BLURRY in ANALYZER.analyze(blurred).primary.issues


def test_face_cut_by_the_frame_edge():
    frame = load_image(FRAMES / "london_005" / "enrol_1.jpg")
    box = analyzed(FRAMES / "london_005" / "enrol_1.jpg").primary.box
    cut = np.ascontiguousarray(frame[:, box.left + box.width // 5 :])
    primary = ANALYZER.analyze(cut).primary
    assert primary is not None and QualityIssue.CUT_OFF in primary.issues


def test_boxes_are_in_original_pixels_whatever_the_downscale():
    frame = load_image(FACES / "london_010" / "1.jpg")  # 1350x1350
    small = detect_faces(frame, DetectorConfig(detect_width=320))[0]
    full = detect_faces(frame, DetectorConfig(detect_width=0))[0]
    for a, b in zip(small.as_tuple(), full.as_tuple()):
        assert abs(a - b) < 0.12 * full.width


@pytest.mark.parametrize("person", ["london_005", "london_030", "lisa"])
def test_same_person_is_closer_than_the_lookalike(person):
    a = analyzed(FACES / person / "1.jpg").primary.embedding
    b = analyzed(FACES / person / "2.jpg").primary.embedding
    stranger = analyzed(FACES / "london_132" / "1.jpg").primary.embedding
    assert np.linalg.norm(a - b) < 0.45 < np.linalg.norm(a - stranger)
