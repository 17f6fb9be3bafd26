"""Evaluation and calibration on the shared faces (21 people x 4 real photos), through the CLI.

The figures asserted are the ones a broken matcher or policy would move: rank-1, candidate
recall, zero wrong-person matches and zero strangers matched with the keypad, more
strangers matched by face alone, and a calibrated auto threshold that stays below every
stranger. The 84 photos are encoded once per session (both cores) into a cache file; every
command after that reads the cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from kiosk.cli.main import main
from kiosk.measure import identification, verification
from kiosk.measure.datasets import make_lfw_pairs, read_pairs, scan_identities
from kiosk.measure.encodings import EncodedSet, encode_files
from kiosk.measure.errors import DatasetError
from kiosk.measure.growth import extrapolate, gallery_sizes, wilson_upper
from kiosk.measure.identification import split_open_set
from kiosk.settings import Settings, load_settings
from models import Decision
from recognition.engines import EngineConfig
from recognition.policy import PolicyConfig
from tests.support.data import FACES, ROOT

ISSUE_KEYS = {
    "gallery",
    "genuine_probes",
    "stranger_probes",
    "rank1",
    "candidate_recall",
    "auto_rate",
    "confirm_rate",
    "fnir",
    "fpir",
    "wrong_person",
}
PAIRS_KEYS = {"pairs", "accuracy", "accuracy_std", "threshold", "tar_at_far_1e-3", "no_face"}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No KIOSK_* variable or user settings file may change the thresholds under test."""
    for key in list(os.environ):
        if key.startswith("KIOSK_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="session")
def people() -> dict[str, list[Path]]:
    return scan_identities(FACES)


@pytest.fixture(scope="session")
def cache(tmp_path_factory: pytest.TempPathFactory, people: dict[str, list[Path]]) -> Path:
    """The encodings cache with every shared face, computed once (two worker processes)."""
    path = tmp_path_factory.mktemp("eval-cache") / "encodings.sqlite"
    encoded = encode_files(
        [f for files in people.values() for f in files], EngineConfig(), cache=path, workers=2, progress=False
    )
    assert encoded.computed == 84 and encoded.no_face == 0
    return path


@pytest.fixture(scope="session")
def encoded(cache: Path, people: dict[str, list[Path]]) -> EncodedSet:
    again = encode_files([f for files in people.values() for f in files], EngineConfig(), cache=cache, progress=False)
    assert again.computed == 0, "the second run must come from the cache"
    return again


def kiosk(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kiosk {' '.join(map(str, args))} crashed:\n{result.output}") from result.exception
    return result


def one_json(result: Result) -> dict:
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, "--json prints exactly one summary object"
    return json.loads(lines[0])


# --- eval identify -------------------------------------------------------------------------


@pytest.mark.slow
def test_identify_on_the_shared_faces_catches_a_broken_matcher_or_policy(cache: Path, tmp_path: Path) -> None:
    out = one_json(
        kiosk("eval", "identify", "--images", FACES, "--cache", cache, "--json", "--plots", tmp_path / "plots")
    )
    assert ISSUE_KEYS <= set(out) and ISSUE_KEYS <= set(out["face_only"])
    assert (out["gallery"], out["genuine_probes"], out["stranger_probes"], out["stranger_mode"]) == (
        21,
        63,
        84,
        "rotate",
    )
    assert out["engine"] == "sface" and out["policy"]["auto_accept_distance"] == 0.28
    assert out["rank1"] == 1.0  # SFace ranks even the look-alike pairs right (dlib: 61 of 63)
    assert out["candidate_recall"] == 1.0
    assert out["wrong_person"] == 0 and out["fpir"] == 0.0  # the keypad turns away every stranger
    assert out["face_only"]["fpir"] > 0.05  # face alone at the candidate distance does not
    assert out["auto_rate"] + out["confirm_rate"] == pytest.approx(1.0)
    assert 0.6 <= out["auto_rate"] <= 0.9
    assert out["branches"]["auto"]["wrong_person"] == 0 and out["branches"]["auto"]["strangers"] == 0
    growth = out["growth"]["measured"]
    assert [r["enrolled"] for r in growth] == [1, 2, 5, 10, 21]
    assert growth[-1]["fpir_face_only"] > growth[0]["fpir_face_only"] and all(r["fpir"] == 0 for r in growth)
    far = out["growth"]["at_candidate_distance"]
    assert (
        far["false_matches"] > 0 and far["extrapolated"][2]["fpir_face_only"] > 0.99
    )  # 24,000 enrolled: every stranger
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "identify_sface_growth.png",
        "identify_sface_hist.png",
        "identify_sface_roc_det.png",
    ]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in (tmp_path / "plots").iterdir())


@pytest.mark.slow
def test_identify_compares_both_engines_in_one_run(cache: Path) -> None:
    """--engine all: the same split through each engine with its own thresholds; dlib's known
    look-alike confusions (london_043/082, 099/126) show, SFace's do not."""
    out = one_json(
        kiosk("eval", "identify", "--images", FACES, "--cache", cache, "--engine", "all", "--no-growth", "--json")
    )
    sface, dlib = out["engines"]["sface"], out["engines"]["dlib"]
    assert (sface["engine"], dlib["engine"]) == ("sface", "dlib")
    assert (sface["policy"]["auto_accept_distance"], dlib["policy"]["auto_accept_distance"]) == (0.28, 0.40)
    assert sface["rank1"] == 1.0 > dlib["rank1"] >= 0.95
    assert dlib["face_only"]["wrong_person"] >= 1 and sface["face_only"]["wrong_person"] == 0
    assert sface["wrong_person"] == dlib["wrong_person"] == 0 and sface["fpir"] == dlib["fpir"] == 0.0
    for run in (sface, dlib):  # each engine's own distance: a stranger near a few citizens of these 60-odd
        assert 0 < run["keypad_reach"] < 0.2 and set(run["keypad_fpir_at"]) == {"24000", "1000000"}
        assert 1.5e-5 - 1e-9 <= run["keypad_fpir_at"]["24000"] <= run["keypad_fpir_at"]["1000000"] + 1e-9 <= 1e-4
    text = kiosk(
        "eval", "identify", "--images", FACES, "--cache", cache, "--engine", "sface", "--engine", "dlib", "--no-growth"
    )
    assert "== engine sface: YuNet + SFace" in text.output and "== engine dlib: dlib HOG + ResNet" in text.output
    assert (
        "expected keypad FPIR with more citizens enrolled like these" in text.output
        and "1,000,000: 1.5e-05" in text.output
    )


def test_the_expected_keypad_fpir_follows_how_many_citizens_a_stranger_meets() -> None:
    """Nobody near: no keypad; everybody near: five candidates, six digits, three tries; in between,
    one candidate (four digits on the first try) is the riskiest case."""
    from recognition.policy import KEYPAD_TRIES, keypad_risk

    policy = PolicyConfig()
    assert identification.keypad_fpir_at(0.0, 24_000, policy) == 0.0
    assert identification.keypad_fpir_at(1.0, 24_000, policy) == pytest.approx(keypad_risk(5, KEYPAD_TRIES))
    assert identification.keypad_fpir_at(1.0, 1, policy) == pytest.approx(keypad_risk(1, KEYPAD_TRIES))
    two = identification.keypad_fpir_at(0.5, 2, policy)  # none, one of two (chance 1/2), both (1/4)
    assert two == pytest.approx(0.5 * keypad_risk(1, KEYPAD_TRIES) + 0.25 * keypad_risk(2, KEYPAD_TRIES))
    assert identification.keypad_fpir_at(1.5e-3, 24_000, policy) < 1e-4


def test_identify_options_enrol_no_keypad_strangers_sweep(cache: Path) -> None:
    three = one_json(
        kiosk("eval", "identify", "--images", FACES, "--cache", cache, "--enrol", "3", "--no-growth", "--json")
    )
    assert (three["genuine_probes"], three["rank1"], three["wrong_person"]) == (21, 1.0, 0)
    alone = one_json(
        kiosk("eval", "identify", "--images", FACES, "--cache", cache, "--no-keypad", "--no-growth", "--json")
    )
    assert alone["keypad"] is False and alone["fpir"] == alone["face_only"]["fpir"] > 0
    held = one_json(
        kiosk(
            "eval",
            "identify",
            "--images",
            FACES,
            "--cache",
            cache,
            "--strangers",
            "5",
            "--sweep",
            "--no-growth",
            "--json",
        )
    )
    assert (held["gallery"], held["stranger_probes"], held["genuine_probes"]) == (16, 20, 48)
    sweep = {(r["auto_accept_distance"], r["min_margin"], r["candidate_distance"]): r for r in held["sweep"]}
    assert all(r["wrong_person"] == 0 for r in held["sweep"])
    assert sweep[(0.18, 0.0, 0.65)]["auto_rate"] < sweep[(0.38, 0.0, 0.65)]["auto_rate"]
    assert sweep[(0.28, 0.1, 0.55)]["face_only_fpir"] <= sweep[(0.28, 0.1, 0.75)]["face_only_fpir"]


def test_singletons_are_strangers_and_distractors_join_the_gallery(
    cache: Path, tmp_path: Path, people: dict[str, list[Path]]
) -> None:
    names = sorted(people)
    main_set, extra = tmp_path / "set", tmp_path / "distractors"
    for i, name in enumerate(names):
        if i % 3 == 2:  # 7 people: one photo each in the distractor folder (loose files)
            extra.mkdir(exist_ok=True)
            (extra / f"{name}.jpg").symlink_to(people[name][0])
            continue
        (main_set / name).mkdir(parents=True)
        for f in people[name][: 1 if i % 3 == 1 else 4]:  # 7 people with a single photo: strangers
            (main_set / name / f.name).symlink_to(f)
    out = one_json(
        kiosk(
            "eval", "identify", "--images", main_set, "--distractors", extra, "--cache", cache, "--no-growth", "--json"
        )
    )
    assert (
        out["stranger_mode"],
        out["stranger_probes"],
        out["genuine_probes"],
        out["gallery"],
        out["distractors"],
    ) == ("singletons", 7, 21, 14, 7)
    assert out["wrong_person"] == 0 and out["fpir"] == 0.0


def test_mutated_matcher_or_policy_moves_the_figures(
    encoded: EncodedSet, people: dict[str, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures come from the shipped Matcher and policy: breaking either shows."""
    open_set = split_open_set(people)
    policy = PolicyConfig(0.28, 0.10, 0.65)  # SFace's shipped thresholds (cosine distance)
    good = identification.evaluate(open_set, encoded, policy)
    with monkeypatch.context() as mp:  # a matcher that ranks the farthest first
        original = identification.Matcher.search_batch
        mp.setattr(
            identification.Matcher, "search_batch", lambda self, q, k=5: [row[::-1] for row in original(self, q, 21)]
        )
        assert identification.evaluate(open_set, encoded, policy)["rank1"] < 0.2 < good["rank1"]
    with monkeypatch.context() as mp:  # a policy that always matches the nearest
        mp.setattr(
            identification,
            "decide",
            lambda cands, cfg: identification.face_alone(
                identification.Match(Decision.CONFIRM, None, tuple(cands[:1]), cands[0].distance, 0.0)
            ),
        )
        bad = identification.evaluate(open_set, encoded, policy)
        assert bad["fpir"] == 1.0 and good["fpir"] == 0.0
    with monkeypatch.context() as mp:  # a policy that auto-matches the second nearest
        mp.setattr(
            identification,
            "decide",
            lambda cands, cfg: identification.Match(
                Decision.MATCH, cands[1].citizen_id, (cands[1],), cands[1].distance, 0.0
            ),
        )
        assert identification.evaluate(open_set, encoded, policy)["wrong_person"] > 0 == good["wrong_person"]


def test_keypad_simulation_is_seeded_and_strangers_type_random_digits() -> None:
    ids = identification.make_id_numbers(500, seed=3)
    assert ids == identification.make_id_numbers(500, seed=3) and len(set(ids.values())) == 500
    assert all(len(v) == 12 and v.startswith("096") for v in ids.values())
    stranger = identification.Probe(Path("x.jpg"), "x", None)
    for digits in (4, 6):  # as many as the keypad asks for
        typed = {identification.typed_digits(stranger, i, ids, 1, digits) for i in range(200)}
        assert len(typed) > 150 and all(len(t) == digits and t.isdigit() for t in typed)
        genuine = identification.Probe(Path("y.jpg"), "y", 7)
        assert identification.typed_digits(genuine, 0, ids, 1, digits) == ids[7][-digits:]


def test_open_set_modes_and_errors(people: dict[str, list[Path]]) -> None:
    rotate = split_open_set(people, strangers="rotate")
    assert len(rotate.strangers) == 84 and all(p.exclude is not None for p in rotate.strangers)
    held = split_open_set(people, strangers="3", seed=1)
    assert (
        len(held.gallery) == 18 and len(held.strangers) == 12 and held == split_open_set(people, strangers="3", seed=1)
    )
    with pytest.raises(DatasetError, match="unknown stranger mode"):
        split_open_set(people, strangers="some")
    with pytest.raises(DatasetError, match="nobody has two"):
        split_open_set({"a": [Path("a.jpg")]})
    with pytest.raises(DatasetError, match="does not exist"):
        scan_identities(Path("/nonexistent/faces"))


# --- calibrate -----------------------------------------------------------------------------


def test_calibrate_recommends_thresholds_that_keep_every_stranger_out(cache: Path, tmp_path: Path) -> None:
    settings_file = tmp_path / "kiosk.toml"
    settings_file.write_text('counter_name = "Quầy 7"\n', encoding="utf-8")
    out = one_json(
        kiosk(
            "calibrate",
            "--images",
            FACES,
            "--cache",
            cache,
            "--target-fpir",
            "0.001",
            "--write",
            settings_file,
            "--plots",
            tmp_path / "plots",
            "--json",
        )
    )
    rec, ev = out["recommended"], out["evidence"]
    assert out["engine"] == "sface"
    bounds = {f["name"]: (f["min"], f["max"]) for f in Settings.describe()}
    for name, value in rec.items():
        assert bounds[f"sface_{name}"][0] <= value <= bounds[f"sface_{name}"][1], name
    assert out["feasible"] and rec["auto_accept_distance"] <= rec["candidate_distance"]
    # Between the farthest genuine face it accepts and the nearest stranger, minus the safety buffer.
    assert (
        ev["genuine_auto_max_distance"]
        <= rec["auto_accept_distance"]
        <= ev["nearest_stranger_distance"] - out["safety"]
    )
    assert ev["lookalikes"] == 0 and rec["min_margin"] == 0.10  # no confusion in the data: the current margin is kept
    assert ev["strangers_auto"] == 0 and ev["wrong_person_auto"] == 0
    # The fitted tail lies beyond the nearest impostor comparison and tightens the auto rule as the gallery grows.
    assert ev["impostor_comparisons"] > 2000 and rec["impostor_tail_scale"] > 0
    assert rec["impostor_tail_at_one"] > ev["nearest_impostor_distance"]
    at = [ev["auto_at_templates"][n] for n in ("21", "1000", "24000", "1000000")]
    assert at == sorted(at, reverse=True) and at[0] <= rec["auto_accept_distance"] and at[-1] < at[0]
    assert (
        out["verified"]["wrong_person"] == 0
        and out["verified"]["fpir"] == 0.0
        and out["verified"]["candidate_recall"] >= 0.99
    )
    assert out["fpir_upper_95"] == pytest.approx(3 / 84, abs=1e-4) and out["strangers_needed"] == 3000
    written = load_settings(settings_file, environ={})
    assert (written.sface_auto_accept_distance, written.sface_min_margin, written.sface_candidate_distance) == (
        rec["auto_accept_distance"],
        rec["min_margin"],
        rec["candidate_distance"],
    )
    assert written.sface_impostor_tail_scale == pytest.approx(rec["impostor_tail_scale"], abs=1e-5)
    assert (
        written.dlib_auto_accept_distance == Settings().dlib_auto_accept_distance
    )  # the other engine's are left alone
    assert written.counter_name == "Quầy 7"  # the file's other values are kept
    assert (tmp_path / "plots" / "calibrate_tradeoff.png").stat().st_size > 10_000
    stricter = one_json(kiosk("calibrate", "--images", FACES, "--cache", cache, "--safety", "0.2", "--json"))
    assert stricter["recommended"]["auto_accept_distance"] < rec["auto_accept_distance"]


def test_calibrate_refuses_a_split_without_strangers(cache: Path) -> None:
    result = kiosk("calibrate", "--images", FACES, "--cache", cache, "--strangers", "singletons")
    assert result.exit_code == 1 and result.output.startswith("error: calibration needs genuine and stranger probes")


def test_calibrate_text_shows_the_tradeoff(cache: Path) -> None:
    result = kiosk("calibrate", "--images", FACES, "--cache", cache)
    assert result.exit_code == 0, result.output
    for words in (
        "engine sface",
        "recommended  auto_accept_distance",
        "current      auto_accept_distance = 0.28",
        "trade-off at min_margin",
        "impostor tail: recommended at_one",
        "1,000,000:",
        "rule of three",
        "verified end to end",
        "all from the cache",
    ):
        assert words in result.output


# --- eval pairs ----------------------------------------------------------------------------


@pytest.fixture
def lfw(tmp_path: Path, people: dict[str, list[Path]]) -> tuple[Path, Path]:
    """The shared faces in LFW's layout, a pairs file, and one person whose photos hold no face."""
    import cv2

    pairs, images = make_lfw_pairs(people, tmp_path / "lfw")
    (images / "no_face").mkdir()
    rng = np.random.default_rng(0)
    for n in (1, 2):
        cv2.imwrite(
            str(images / "no_face" / f"no_face_{n:04d}.jpg"), rng.integers(90, 110, (250, 250, 3), dtype=np.uint8)
        )
    lines = pairs.read_text(encoding="utf-8").splitlines()
    lines[1], lines[13] = "no_face\t1\t2", "no_face\t1\tlondon_005\t1"  # fold 0: first same, first different pair
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pairs, images


def test_pairs_protocol_on_the_shared_faces(cache: Path, lfw: tuple[Path, Path], tmp_path: Path) -> None:
    pairs, images = lfw
    out = one_json(
        kiosk(
            "eval", "pairs", "--pairs", pairs, "--images", images, "--cache", cache, "--plots", tmp_path / "p", "--json"
        )
    )
    assert PAIRS_KEYS <= set(out)
    assert out["pairs"] == 240 and out["no_face"] == 2  # counted, encoded from the centre, no pair dropped
    assert len(out["fold_accuracies"]) == 10 and out["accuracy"] >= 0.97 and out["accuracy_std"] < 0.1
    assert (
        0.3 <= out["threshold"] <= 0.8 and out["tar_at_far_1e-3"] >= 0.9
    )  # cosine distance: SFace's same-person cut-off
    assert {p.name for p in (tmp_path / "p").iterdir()} == {"pairs_sface_hist.png", "pairs_sface_roc_det.png"}
    text = kiosk("eval", "pairs", "--pairs", pairs, "--images", images, "--cache", cache)
    assert "accuracy: " in text.output and "no face detected: 2 images" in text.output


@pytest.mark.slow
def test_pairs_fused_reports_both_engines_the_fusion_and_the_cascade(cache: Path, lfw: tuple[Path, Path]) -> None:
    """--engine all on pairs: sface, dlib, then the fused run from the same two encodings.
    On the shared faces every engine gets every held-out pair right, so the cascade never
    needs dlib; the two no-face images are counted per engine."""
    pairs, images = lfw
    out = one_json(
        kiosk("eval", "pairs", "--pairs", pairs, "--images", images, "--cache", cache, "--engine", "all", "--json")
    )
    sface, dlib, fused = (out["engines"][n] for n in ("sface", "dlib", "fused"))
    assert fused["engines"] == ["sface", "dlib"] and fused["pairs"] == sface["pairs"] == dlib["pairs"] == 240
    assert fused["no_face"] == {"sface": 2, "dlib": 2}
    assert fused["first_accuracy"] == sface["accuracy"]  # the same folds, the same thresholds
    assert fused["accuracy"] >= min(sface["accuracy"], dlib["accuracy"]) and fused["accuracy"] >= 0.97
    assert len(fused["fold_weights"]) == 10 and all(0.0 <= w <= 1.0 for w in fused["fold_weights"])
    assert fused["cascade_second_share"] == 0.0 and fused["cascade_accuracy"] == sface["accuracy"]
    text = kiosk("eval", "pairs", "--pairs", pairs, "--images", images, "--cache", cache, "--engine", "fused")
    assert text.exit_code == 0 and "fused accuracy: " in text.output and "dlib ran for" in text.output


def test_fused_is_refused_where_it_cannot_apply() -> None:
    result = kiosk("eval", "identify", "--images", FACES, "--engine", "fused", "--no-cache")
    assert result.exit_code == 2 and "fused is for eval pairs only" in result.output


def test_pairs_file_errors_are_one_line(tmp_path: Path, lfw: tuple[Path, Path]) -> None:
    pairs, images = lfw
    bad = tmp_path / "bad.txt"
    bad.write_text("ten folds\nx 1 2\n", encoding="utf-8")
    for args, words in (
        ((bad, images), "first line must be a header"),
        ((pairs, tmp_path), "are missing under"),
        ((tmp_path / "none.txt", images), "does not exist"),
    ):
        result = kiosk("eval", "pairs", "--pairs", args[0], "--images", args[1], "--no-cache")
        assert result.exit_code == 1 and result.output.startswith("error: ") and words in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_read_pairs_folds_follow_the_header(lfw: tuple[Path, Path]) -> None:
    pairs = read_pairs(*lfw)
    assert len(pairs) == 240 and [sum(p.fold == f for p in pairs) for f in range(10)] == [24] * 10
    assert sum(p.same for p in pairs if p.fold == 3) == 12


# --- pieces --------------------------------------------------------------------------------


def test_verification_math_on_known_distances() -> None:
    dist = np.array([0.2, 0.3, 0.4, 0.7, 0.8, 0.9])
    same = np.array([True, True, True, False, False, False])
    assert 0.4 <= verification.best_threshold(dist, same) < 0.7
    assert verification.tar_at_far(dist, same, 0.0) == (1.0, 0.7)
    assert verification.tar_at_far(np.array([0.2, 0.5, 0.45]), np.array([True, True, False]), 0.0) == (0.5, 0.45)
    far, tar = verification.roc_points(dist[same], dist[~same], np.array([0.35, 0.75]))
    assert far.tolist() == [0.0, 1 / 3] and tar.tolist() == [2 / 3, 1.0]


def test_rule_of_three_and_extrapolation() -> None:
    assert wilson_upper(0, 300) == pytest.approx(0.01) and wilson_upper(5, 100) > 0.05
    rows = extrapolate(1, 1000, (1, 10_000))
    assert rows[0]["fpir_face_only"] == pytest.approx(0.001) and rows[1]["fpir_face_only"] > 0.99
    assert gallery_sizes(21) == [1, 2, 5, 10, 21] and gallery_sizes(1) == [1]


def test_cache_is_keyed_by_file_content_stamp_and_no_face_falls_back_to_the_centre(tmp_path: Path) -> None:
    import cv2

    face = tmp_path / "face.jpg"
    face.write_bytes((FACES / "lisa" / "1.jpg").read_bytes())
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((250, 250, 3), 100, dtype=np.uint8))
    cache = tmp_path / "c.sqlite"
    first = encode_files([face, blank], cache=cache, progress=False)
    assert first.computed == 2 and first.centre.tolist() == [False, True] and np.isfinite(first.embeddings).all()
    assert encode_files([face, blank], cache=cache, progress=False).computed == 0
    os.utime(face, ns=(1, 1))  # a changed file is encoded again
    again = encode_files([face], cache=cache, progress=False)
    assert again.computed == 1 and np.allclose(again.embeddings[0], first.embeddings[0])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(DatasetError, match="could not be read"):
        encode_files([broken], cache=cache, progress=False)


def test_eval_modules_load_no_heavy_library_at_import() -> None:
    code = (
        "import sys, kiosk.cli.main, kiosk.cli.eval, kiosk.measure.bench, kiosk.measure.calibration, kiosk.measure.plots, "
        "kiosk.measure.growth, kiosk.measure.startup, kiosk.measure.report\n"
        "print(sorted({'matplotlib', 'cv2', 'face_recognition', 'dlib', 'sqlite_utils'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args", [("eval", "--help"), ("eval", "pairs", "--help"), ("eval", "identify", "--help"), ("calibrate", "--help")]
)
def test_eval_commands_have_help(args: tuple[str, ...]) -> None:
    result = kiosk(*args)
    assert result.exit_code == 0 and "Usage:" in result.output


def test_identify_as_a_province_over_visits_and_bursts(cache: Path) -> None:
    """--as-gallery decides with a province's (stricter) threshold; --sequence lets later photos
    teach the citizen, never a stranger; --burst fuses camera-like frames of each probe."""
    own = one_json(kiosk("eval", "identify", "--images", FACES, "--cache", cache, "--no-growth", "--json"))
    province = one_json(
        kiosk(
            "eval", "identify", "--images", FACES, "--cache", cache, "--no-growth", "--json",
            "--as-gallery", "4200", "--sequence", "--burst", "2",
        )
    )  # fmt: skip
    assert province["policy_gallery"] == 4200 and province["burst"] == 2
    assert province["policy"]["auto_accept_distance"] < own["policy"]["auto_accept_distance"]
    assert province["wrong_person"] == 0 and province["fpir"] == 0
    learning, none = province["sequence"]["learning"], province["sequence"]["no_learning"]
    assert learning["visits"] == none["visits"] == province["genuine_probes"] == 63
    assert learning["learnt"] > 0 and none["learnt"] == 0 and learning["auto_rate"] >= none["auto_rate"]
    assert learning["wrong_person"] == 0 and learning["strangers_learnt"] == 0 and learning["stranger_auto"] == 0
    assert learning["strangers_learnt_by_card"] == 0  # not even with the card of whom they look most like
    assert 0 < learning["retired"] < learning["learnt"]  # past 2 learnt, a new face replaces the oldest learnt
    text = kiosk(
        "eval", "identify", "--images", FACES, "--cache", cache, "--no-growth", "--as-gallery", "4200", "--burst", "2"
    ).output
    assert "the threshold of 4,200 citizens" in text and "a burst of 2 frames" in text


def test_a_data_sets_photo_is_encoded_on_its_labelled_face_and_a_burst_is_seeded() -> None:
    from kiosk.measure.burst import variants
    from kiosk.measure.encodings import labelled_face
    from models import FaceBox, Landmarks
    from recognition.engines.base import DetectedFace

    eyes = Landmarks((0.0, 0.0), (1.0, 0.0), (0.5, 0.5))  # not used to choose
    big_aside = DetectedFace(FaceBox(0, 120, 120, 0), eyes)  # larger, in the corner: somebody else
    centred = DetectedFace(FaceBox(90, 160, 160, 90), eyes)
    assert labelled_face([big_aside, centred], (250, 250, 3)) is centred
    photo = np.random.default_rng(0).integers(0, 255, (250, 250, 3), dtype=np.uint8)
    frames = variants(photo, 3, "a.jpg")
    assert len(frames) == 3 and frames[0] is photo and all(f.shape == photo.shape for f in frames)
    assert not np.array_equal(frames[1], photo) and not np.array_equal(frames[1], frames[2])
    assert all(np.array_equal(a, b) for a, b in zip(frames, variants(photo, 3, "a.jpg")))  # the same every run


def test_the_sequence_learns_at_a_visit_by_card_only_a_face_nearest_the_cards_citizen_by_the_margin() -> None:
    """The evaluation's card rule on a tiny cosine gallery: citizen 1 with two samples, citizen 2 beside."""
    from kiosk.measure.sequence import _learns_by_card
    from recognition.matcher import Matcher

    def unit(*values: float) -> np.ndarray:
        v = np.zeros(128, dtype=np.float32)
        v[: len(values)] = values
        return v / np.linalg.norm(v)

    matcher = Matcher(8, "cosine", "sface")
    matcher.add_many(np.array([1, 1, 2]), np.stack([unit(1, 0.1), unit(1, -0.1), unit(0, 1)]))
    policy = PolicyConfig(min_margin=0.10, candidate_distance=0.65)
    own_face, between = unit(1, 0.05), unit(1, 0.9)
    assert _learns_by_card(matcher, matcher.nearest(own_face, 5), own_face, 1, policy)
    assert not _learns_by_card(matcher, matcher.nearest(own_face, 5), own_face, 2, policy)  # another's card
    found = matcher.nearest(between, 5)
    assert found[0].citizen_id == 1 and found[1].distance - found[0].distance < 0.10
    assert not _learns_by_card(matcher, found, between, 1, policy)  # citizen 2 too close behind
