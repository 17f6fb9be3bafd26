"""Benchmarks that print figures: the matcher against the naive baseline, the frame pipeline,
and the machine they ran on. (Start-up from SQLite: :mod:`kiosk.measure.startup`.)

Times are wall-clock milliseconds, the median of several repeats (the matcher also gives
the fastest repeat: on a shared machine the least disturbed one), measured in one run so
the ratios compare like with like. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.measure.errors import BenchError
from models import Candidate
from recognition.compact import CompactMatcher
from recognition.engines import EngineConfig, engine_info
from recognition.matcher import Matcher
from recognition.policy import PolicyConfig, decide

SAMPLES_PER_CITIZEN = 3
BYTES_PER_SAMPLE = 128 * 4
MATCHER_BYTES_PER_SAMPLE = 3 * BYTES_PER_SAMPLE + 64 + 160
"""Peak memory of one matcher figure per sample: the random rows made, the float32 index row,
the naive baseline's temporary difference row, the per-row score, norm and id arrays, and
the compact index's row (bytes)."""
PIPELINES = (
    EngineConfig("sface", 320),
    EngineConfig("sface", 480),
    EngineConfig("sface", 0),
    EngineConfig("dlib", 320),
    EngineConfig("dlib", 480),
    EngineConfig("dlib", 0),
    EngineConfig("dlib", 480, dlib_upsample=1),
)
"""Engine settings the pipeline is timed with (detect width 0 = the full frame; the shipped default is sface@480)."""
CNN = EngineConfig("dlib", 480, "cnn")
BASELINE = "face_recognition (plain)"
"""The naive baseline row: face_recognition's own defaults, ``face_locations`` (HOG, full frame,
upsampled once) + ``face_encodings``, as a newcomer to the library would write it."""
FRAME_SIZES = ((640, 480), (1280, 720))


def _times_ms(func: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock ms of ``repeats`` calls after one warm-up call (page faults, BLAS threads)."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def _median_ms(func: Callable[[], object], repeats: int) -> float:
    return statistics.median(_times_ms(func, repeats))


def random_embeddings(n: int, seed: int = 0) -> np.ndarray:
    """``(n, 128)`` float32 vectors with dlib-like norms (~0.9-1.1): stand-ins for enrolled samples."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, 128), dtype=np.float32)
    step = 1 << 18
    for start in range(0, n, step):
        block = rng.standard_normal((min(step, n - start), 128), dtype=np.float32)
        block *= 1.0 / np.sqrt(128.0)
        out[start : start + len(block)] = block
    return out


def _meminfo(field: str) -> int | None:
    """A ``/proc/meminfo`` field in bytes (Linux), else None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    """Resident memory of this process now, in MB (Linux), else None."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, AttributeError):
        return None


def check_memory(n: int) -> None:
    """Refuse an index size whose figure would not fit in the free memory.

    Raises:
        BenchError: ``n`` samples need more than the memory available now.
    """
    need, free = n * MATCHER_BYTES_PER_SAMPLE, _meminfo("MemAvailable")
    if free is not None and need > 0.8 * free:
        raise BenchError(
            f"N = {n:,} needs about {need / 1e9:.1f} GB and {free / 1e9:.1f} GB is free",
            "choose smaller --sizes or close other programs",
        )


def bench_matcher(sizes: list[int], repeats: int = 7, policy: PolicyConfig = PolicyConfig()) -> list[dict[str, Any]]:
    """ms per identify (search + best per citizen + decision) at each index size ``n`` (samples).

    Also times, on the same rows in the same run: ``face_recognition.face_distance``
    + argmin (the naive baseline), one BLAS matrix-vector product over the float32 matrix
    (the memory-bandwidth floor of a float32 search), and the compact int8 index the
    counter uses for SFace (:mod:`recognition.compact`: exact rows re-scored from memory
    here, from the store at a counter), whose answers are checked against the float32
    search on ``repeats`` more probes.
    """
    from recognition.engines.dlib import face_distance_naive

    rows = []
    for n in sizes:
        check_memory(n)
        emb = random_embeddings(n)
        ids = np.arange(n, dtype=np.int64) // SAMPLES_PER_CITIZEN
        matcher = Matcher(capacity=n)
        matcher.add_many(ids, emb)
        cosine = Matcher(capacity=n, metric="cosine")  # the float32 search the compact index must equal
        cosine.add_many(ids, emb)
        raw = matcher._emb  # the rows as enrolled (the euclidean matcher keeps them unscaled), as a store gives them
        compact = CompactMatcher(
            lambda keys: {int(k): raw[int(k)] for k in keys},
            n,
            "sface",
            lambda citizens: {c: raw[c * SAMPLES_PER_CITIZEN : (c + 1) * SAMPLES_PER_CITIZEN] for c in citizens},
        )
        compact.add_many(ids, emb, np.arange(n))
        query = emb[n // 2] + np.float32(0.01)
        probes = [emb[i] + np.float32(0.02) * np.sign(emb[i]) for i in range(0, n, max(1, n // repeats))]
        del emb
        matrix = matcher._emb[:n]
        reps = max(3, repeats if n <= 100_000 else repeats // 2)
        ident = _times_ms(lambda: decide(matcher.nearest(query, policy.search_k), policy), reps)
        mat_vec = _times_ms(lambda: matrix @ query, reps)
        naive = _median_ms(lambda: int(np.argmin(face_distance_naive(matrix, query))), max(3, reps // 2))
        unit_query = cosine._prepare(query)[0]
        cosine_mat_vec = _times_ms(lambda: cosine._emb[:n] @ unit_query, reps)
        compact_ms = _times_ms(lambda: decide(compact.nearest(query, policy.search_k), policy), reps)
        same = sum(_same(compact.search(p, 5), cosine.search(p, 5)) for p in probes)
        ms, gemv = statistics.median(ident), statistics.median(mat_vec)
        rows.append(
            {
                "n": n,
                "ms_per_query": ms,
                "naive_ms_per_query": naive,
                "speedup": naive / ms,
                "gb_per_s": matrix.nbytes / (ms / 1e3) / 1e9,
                "gemv_ms": gemv,
                "gemv_gb_per_s": matrix.nbytes / (gemv / 1e3) / 1e9,
                "ratio_to_gemv": ms / gemv,
                "ms_per_query_min": min(ident),
                "gemv_ms_min": min(mat_vec),
                "ratio_to_gemv_min": min(ident) / min(mat_vec),
                "matrix_mb": matrix.nbytes / 1e6,
                "index_mb": matcher.nbytes / 1e6,
                "compact_ms": statistics.median(compact_ms),
                "compact_gemv_ms": statistics.median(cosine_mat_vec),
                "compact_vs_gemv": statistics.median(compact_ms) / statistics.median(cosine_mat_vec),
                "compact_index_mb": compact.nbytes / 1e6,
                "compact_rescored": compact.rescored,
                "compact_same": f"{same}/{len(probes)}",
                "rss_mb": rss_mb(),
            }
        )
        del matcher, matrix, cosine, compact, raw
    return rows


def _same(a: list[Candidate], b: list[Candidate]) -> bool:
    """The same citizens in the same order, at the same distances (within 1e-9)."""
    return [c.citizen_id for c in a] == [c.citizen_id for c in b] and all(
        abs(x.distance - y.distance) <= 1e-9 for x, y in zip(a, b)
    )


def fit_frame(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` scaled to fit ``width x height`` without distortion, centred on a grey border."""
    import cv2

    scale = min(width / image.shape[1], height / image.shape[0])
    w, h = round(image.shape[1] * scale), round(image.shape[0] * scale)
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    top, left = (height - h) // 2, (width - w) // 2
    frame[top : top + h, left : left + w] = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
    return frame


def bench_pipeline(
    face_frame: Path,
    card_frame: Path,
    repeats: int = 5,
    n_enrolled: int = 100_000,
    pipelines: tuple[EngineConfig, ...] = PIPELINES,
    default: EngineConfig | None = EngineConfig(),
    baseline: bool = True,
) -> list[dict[str, Any]]:
    """Per-stage ms for one face frame at 640x480 and 1280x720, for each engine setting.

    Stages: ``qr_fast`` (the per-frame QR scan, no code in view), ``qr_card`` (the same
    scan with a CCCD card in view), ``detect`` (boxes; YuNet's landmarks come with them),
    ``landmarks`` (dlib's 5 points; 0 for sface), ``encode`` (align + 128-d embedding),
    ``match`` (identify against ``n_enrolled`` templates of that engine). ``face_total`` is
    detect + landmarks + encode (the face path of one frame), ``frame_total`` adds match and
    qr_fast. The row of ``default`` at 640x480 has ``"default": true``; with ``baseline``
    each frame size also gets the :data:`BASELINE` row, and every row its ``vs_baseline``
    (face_total / the baseline's, same frame size, same run).
    """
    from recognition.engines import load_engine
    from recognition.engines.dlib import DlibEngine
    from recognition.images import load_image, to_rgb
    from recognition.qr import decode_qr

    face, card = load_image(face_frame), load_image(card_frame)
    matchers: dict[str, Matcher] = {}
    policy = PolicyConfig()
    rows = []
    for width, height in FRAME_SIZES:
        frame, card_view = fit_frame(face, width, height), fit_frame(card, width, height)
        qr_fast = _median_ms(lambda: decode_qr(frame, thorough=False), repeats)
        qr_card = _median_ms(lambda: decode_qr(card_view, thorough=False), repeats)
        common = {
            "frame": f"{width}x{height}",
            "qr_fast": qr_fast,
            "qr_card": qr_card,
            "qr_card_read": bool(decode_qr(card_view, thorough=False)),
        }
        size_rows = [_baseline_row(frame, repeats, common)] if baseline else []
        for config in pipelines:
            engine = load_engine(config)
            engine.warm_up()
            if config.name not in matchers:
                info = engine_info(config.name)
                matchers[config.name] = Matcher(n_enrolled, info.metric, info.name)
                matchers[config.name].add_many(
                    np.arange(n_enrolled) // SAMPLES_PER_CITIZEN, random_embeddings(n_enrolled)
                )
            reps = 1 if config.dlib_detector == "cnn" else repeats
            row: dict[str, Any] = {**common, "engine": config.name, "detector": _name(config)}
            if isinstance(engine, DlibEngine):  # boxes, then landmarks, separately (the dlib engine's own steps)
                dlib_engine = engine
                boxes = dlib_engine.detect_boxes(frame)
                row["detect"] = _median_ms(lambda: dlib_engine.detect_boxes(frame), reps)
                faces = engine.detect(frame)
                rgb = to_rgb(frame)
                row["landmarks"] = _median_ms(lambda: dlib_engine.landmarks(rgb, boxes[0]), repeats) if boxes else 0.0
            else:
                faces = engine.detect(frame)
                row["detect"] = _median_ms(lambda: engine.detect(frame), reps)
                row["landmarks"] = 0.0
            row["faces_found"] = len(faces)
            if faces:
                embedding = engine.embed(frame, faces[0])
                row["encode"] = _median_ms(lambda: engine.embed(frame, faces[0]), repeats)
                row["match"] = _median_ms(
                    lambda: decide(matchers[config.name].nearest(embedding, policy.search_k), policy), repeats
                )
                row["face_total"] = row["detect"] + row["landmarks"] + row["encode"]
                row["frame_total"] = row["face_total"] + row["match"] + qr_fast
            row["matched_against"] = n_enrolled
            row["default"] = config == default and width == 640
            size_rows.append(row)
        size_rows += _fused_row(frame, pipelines, repeats, common)
        if baseline:
            for row in size_rows:
                if "face_total" in row and size_rows[0].get("face_total"):
                    row["vs_baseline"] = row["face_total"] / size_rows[0]["face_total"]
        rows += size_rows
    return rows


def _fused_row(
    frame: np.ndarray, pipelines: tuple[EngineConfig, ...], repeats: int, common: dict[str, Any]
) -> list[dict[str, Any]]:
    """The face path of both engines on one frame, one after the other (what ``eval pairs --engine
    fused`` scores): sface@480 then dlib@480, each detecting on its own; ``faces_found`` is 1 when
    both found the face. Empty unless both are timed."""
    from recognition.engines import load_engine

    configs = [
        next(
            (
                c
                for c in pipelines
                if c.name == n and c.detect_width == 480 and not c.dlib_upsample and c.dlib_detector == "hog"
            ),
            None,
        )
        for n in ("sface", "dlib")
    ]
    if None in configs:
        return []
    engines = [load_engine(c) for c in configs if c is not None]

    def both() -> bool:
        found = True
        for engine in engines:
            faces = engine.detect(frame)
            if faces:
                engine.embed(frame, faces[0])
            found = found and bool(faces)
        return found

    row: dict[str, Any] = {**common, "engine": "fused", "detector": "sface@480px + dlib@480px", "default": False}
    row["faces_found"] = int(both())  # 1: both engines found the face
    row["face_total"] = _median_ms(both, repeats)
    return [row]


def _baseline_row(frame: np.ndarray, repeats: int, common: dict[str, Any]) -> dict[str, Any]:
    """:data:`BASELINE` on one frame: face_recognition with its defaults, nothing of ours."""
    from recognition.engines.dlib import face_recognition_module
    from recognition.images import to_rgb

    fr = face_recognition_module()
    rgb = to_rgb(frame)
    boxes = fr.face_locations(rgb)
    row: dict[str, Any] = {
        **common,
        "engine": "baseline",
        "detector": BASELINE,
        "faces_found": len(boxes),
        "default": False,
        "detect": _median_ms(lambda: fr.face_locations(rgb), repeats),
        "landmarks": 0.0,
    }
    if boxes:
        row["encode"] = _median_ms(lambda: fr.face_encodings(rgb, boxes[:1]), repeats)
        row["face_total"] = row["detect"] + row["encode"]
    return row


def _name(config: EngineConfig) -> str:
    width = f"@{config.detect_width}px" if config.detect_width else "@full"
    if config.name == "sface":
        return f"yunet{width}+sface"
    return f"{config.dlib_detector}{width}" + (f"+up{config.dlib_upsample}" if config.dlib_upsample else "") + "+dlib"


def machine_info() -> dict[str, Any]:
    """Where the figures come from: cores, CPU model, RAM, load, numpy's BLAS, versions."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        cpu = platform.processor() or cpu
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")  # numpy >= 1.26
        info = config["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}".strip()
    except Exception:
        pass
    try:
        load = os.getloadavg()
    except (OSError, AttributeError):
        load = None
    ram = _meminfo("MemTotal")
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(ram / 2**30, 1) if ram else None,
        "load_avg": load,
        "numpy": np.__version__,
        "blas": blas,
        "python": platform.python_version(),
        "system": platform.platform(),
    }
