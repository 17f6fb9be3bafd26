"""``kiosk bench``: the figures come out with the keys other tools read; no timing is asserted.

Small sizes only (the real runs are in docs/BENCHMARKS.md): what is checked is that each
figure is measured on the right thing (the matrix the matcher reads, the rows the store
holds, the stages of a real frame).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kiosk.cli.main import main
from kiosk.counter.service import Kiosk
from kiosk.measure import bench
from kiosk.measure.errors import BenchError
from kiosk.measure.startup import bench_startup, build_database, same_rows
from kiosk.settings import Settings
from recognition.engines import EngineConfig
from tests.support.data import CARDS, FRAMES

MATCHER_KEYS = {"n", "ms_per_query", "naive_ms_per_query", "speedup", "gb_per_s"}
STAGES = {"qr_fast", "qr_card", "detect", "landmarks", "encode", "match"}


def test_matcher_figures_are_measured_on_the_index_matrix() -> None:
    rows = bench.bench_matcher([1000, 4000], repeats=1)
    assert [r["n"] for r in rows] == [1000, 4000]
    for row in rows:
        assert MATCHER_KEYS | {"gemv_ms", "ratio_to_gemv", "index_mb"} <= set(row)
        assert row["matrix_mb"] == pytest.approx(row["n"] * 512 / 1e6)
        assert row["speedup"] == pytest.approx(row["naive_ms_per_query"] / row["ms_per_query"])
        assert row["gb_per_s"] == pytest.approx(row["matrix_mb"] / 1e3 / (row["ms_per_query"] / 1e3))
        assert row["ms_per_query"] > 0 and row["gemv_ms"] > 0


def test_an_index_that_does_not_fit_in_memory_is_refused() -> None:
    with pytest.raises(BenchError, match="GB is free"):
        bench.check_memory(10**12)


def test_random_embeddings_look_like_dlib_ones() -> None:
    emb = bench.random_embeddings(2000, seed=1)
    norms = np.linalg.norm(emb, axis=1)
    assert emb.dtype == np.float32 and 0.9 < norms.mean() < 1.1
    assert np.array_equal(emb, bench.random_embeddings(2000, seed=1))


def test_startup_loads_every_row_the_store_holds(tmp_path: Path) -> None:
    first, written = build_database(tmp_path / "b.sqlite", tmp_path / "b.key", 3001)
    with Kiosk.open(Settings(key_file=str(tmp_path / "b.key")), tmp_path / "b.sqlite", create=False) as kiosk:
        assert len(kiosk.matcher) == 3001 and kiosk.matcher.citizen_count == 1001
        assert same_rows(kiosk.matcher.embeddings_of(first + 1000), written[3000:])
        assert not same_rows(kiosk.matcher.embeddings_of(first + 999), written[3000:])
    (row,) = bench_startup([1500])
    assert row["n"] == 1500 and row["seconds"] > 0 and row["db_mb"] > 1500 * 512 / 1e6


@pytest.mark.slow
def test_pipeline_times_every_stage_of_a_real_frame_against_plain_face_recognition() -> None:
    default = EngineConfig("sface", 480)
    rows = bench.bench_pipeline(
        FRAMES / "london_005" / "enrol_1.jpg",
        CARDS / "london_005.jpg",
        repeats=1,
        n_enrolled=3000,
        pipelines=(default, EngineConfig("dlib", 480)),
        default=default,
    )
    assert [(r["frame"], r["engine"], r["detector"]) for r in rows] == [
        ("640x480", "baseline", bench.BASELINE),
        ("640x480", "sface", "yunet@480px+sface"),
        ("640x480", "dlib", "hog@480px+dlib"),
        ("640x480", "fused", "sface@480px + dlib@480px"),
        ("1280x720", "baseline", bench.BASELINE),
        ("1280x720", "sface", "yunet@480px+sface"),
        ("1280x720", "dlib", "hog@480px+dlib"),
        ("1280x720", "fused", "sface@480px + dlib@480px"),
    ]
    assert [r["default"] for r in rows] == [False, True, False, False, False, False, False, False]
    fused = [rows.pop(i) for i in (7, 3)]
    for row in fused:  # both engines' face paths on the frame, one after the other (eval pairs --engine fused)
        assert row["faces_found"] == 1 and row["face_total"] > 0 and row["vs_baseline"] > 0
    for row in rows:
        assert row["faces_found"] == 1 and row["qr_card_read"]
        assert row["face_total"] == pytest.approx(row["detect"] + row["landmarks"] + row["encode"])
        assert row["vs_baseline"] == pytest.approx(
            row["face_total"]
            / next(r["face_total"] for r in rows if r["engine"] == "baseline" and r["frame"] == row["frame"])
        )
        if row["engine"] != "baseline":
            assert STAGES <= set(row) and row["frame_total"] == pytest.approx(
                row["face_total"] + row["match"] + row["qr_fast"]
            )


def test_fit_frame_keeps_the_aspect_ratio() -> None:
    frame = bench.fit_frame(np.zeros((480, 640, 3), dtype=np.uint8), 1280, 720)
    assert frame.shape == (720, 1280, 3)
    assert (frame[:, :160] == 128).all() and (frame[:, 160:1120] == 0).all()  # 960x720 picture, grey sides


def test_bench_cli_json_is_one_object_with_the_issue_keys() -> None:
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "--sizes",
            "1000",
            "--repeats",
            "1",
            "--skip-pipeline",
            "--skip-cards",
            "--startup-sizes",
            "600",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert set(out) == {"machine", "matcher", "pipeline", "cards", "startup"}
    assert (
        MATCHER_KEYS <= set(out["matcher"][0])
        and out["pipeline"] == out["cards"] == []
        and out["startup"][0]["n"] == 600
    )
    assert out["machine"]["cores"] >= 1 and out["machine"]["blas"]


def test_bench_cli_text_and_errors() -> None:
    text = CliRunner().invoke(
        main, ["bench", "--sizes", "1000", "--repeats", "1", "--skip-pipeline", "--skip-cards", "--startup-sizes", ""]
    )
    assert (
        text.exit_code == 0 and "machine: " in text.output and "x gemv" in text.output and "start-up" not in text.output
    )
    bad = CliRunner().invoke(main, ["bench", "--sizes", "many"])
    assert bad.exit_code == 2 and "comma-separated integers" in bad.output
    huge = CliRunner().invoke(main, ["bench", "--sizes", "1000000000000", "--skip-pipeline", "--startup-sizes", ""])
    assert huge.exit_code == 1 and huge.output.splitlines()[-1].startswith("error: N = 1,000,000,000,000 needs")


def test_cards_section_times_each_qr_path_on_the_bundled_card_photos(tmp_path: Path) -> None:
    from kiosk.measure.bench_cards import PATHS, bench_cards

    rows = bench_cards(no_code=FRAMES / "london_005" / "enrol_1.jpg", repeats=1)
    cards, empty = rows[:-2], rows[-2:]
    assert len(cards) == 8 and {r["frame"] for r in cards} == {"640x480", "1280x720"}
    assert {r["module_px"] for r in cards} == {2.5, 3.5} and {r["glare"] for r in cards} == {0.0, 0.9}
    for row in rows:
        assert all(row[f"{path}_ms"] > 0 for path in PATHS)
    assert all(
        r["card_read"] and r["full_read"] for r in cards
    )  # every bundled card reads, exactly (a wrong read raises)
    assert sum(r["zbar_read"] for r in cards) < sum(r["fast_read"] for r in cards)
    assert [r["frame"] for r in empty] == ["640x480", "1280x720"] and all(r["fast_read"] is None for r in empty)
    with pytest.raises(BenchError, match="no card photos"):
        bench_cards(tmp_path)


def test_bench_cli_prints_the_cards_section() -> None:
    result = CliRunner().invoke(
        main, ["bench", "--sizes", "1000", "--repeats", "1", "--skip-pipeline", "--startup-sizes", "", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert len(out["cards"]) == 10 and out["cards"][0]["file"] == "card_01.jpg"
    result = CliRunner().invoke(
        main, ["bench", "--sizes", "1000", "--repeats", "1", "--skip-pipeline", "--skip-cards", "--startup-sizes", ""]
    )
    assert result.exit_code == 0 and "cards:" not in result.output


def test_bench_sync_id_numbers_never_collide_at_province_size() -> None:
    """`kiosk bench-sync --citizens 1000000` stopped on "UNIQUE constraint failed: citizens.id_hash":
    the made-up ID numbers of the registry's citizens and of the 100 new enrolments collided."""
    from kiosk.cccd.record import id_number_info
    from kiosk.measure.bench_sync import bench_id

    citizens = 1_200_000
    numbers = {bench_id(i) for i in range(citizens + 100)}  # the registry's, then the new enrolments'
    assert len(numbers) == citizens + 100 and all(len(n) == 12 and n.isdigit() for n in numbers)
    assert id_number_info(bench_id(citizens + 7))[0] is not None  # a province the ID number's rules know


def test_bench_sync_runs_a_province_end_to_end(pg_admin) -> None:
    """`kiosk bench-sync` on a small province, pulled in small batches: the first pull leaves the
    index ready, a pull cut off half-way and resumed ends with what an uncut one has, 100 new
    enrolments reach every counter and a purge is gone everywhere; the throw-away database is dropped."""
    import psycopg

    from kiosk.measure.bench_sync import bench_sync

    def benches() -> set[str]:
        with psycopg.connect(pg_admin) as conn:
            return {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'kiosk_bench_%'")}

    before = benches()
    out = bench_sync(pg_admin, citizens=300, batch=100)
    assert out["index_rows_after_pull"] == 900 and out["resumed_same_as_uncut"] and out["purge_gone"]
    assert 450 <= out["cut_after_samples"] < 900  # cut off half-way through the samples, not at the end
    small = bench_sync(pg_admin, citizens=300)  # the default batch is larger than the whole province
    assert small["batch"] == 150 and 450 <= small["cut_after_samples"] < 900 and small["resumed_same_as_uncut"]
    assert out["registry_counts"]["citizens"] == 300 + 100 - 1 and out["registry_counts"]["purges"] == 1
    assert benches() <= before
