"""Benchmarks that print figures: the matcher against the naive baseline, and the frame pipeline.

Times are wall-clock milliseconds, the median of several repeats, measured in one run so
the ratios compare like with like. Nothing here is a pass/fail test.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from recognition.matcher import Matcher
from recognition.policy import PolicyConfig, decide

SAMPLES_PER_CITIZEN = 3


def _median_ms(func: Callable[[], object], repeats: int) -> float:
    func()  # warm-up (page faults, BLAS threads)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


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


def bench_matcher(sizes: list[int], repeats: int = 7, policy: PolicyConfig = PolicyConfig()) -> list[dict[str, Any]]:
    """ms per identify (search + best per citizen + decision) at each index size ``n`` (samples).

    Also times, on the same matrix in the same run: ``face_recognition.face_distance``
    + argmin (the naive baseline), and one BLAS matrix-vector product (the memory-bandwidth floor).
    """
    from recognition.faces import face_distance_naive

    rows = []
    for n in sizes:
        emb = random_embeddings(n)
        matcher = Matcher(capacity=n)
        matcher.add_many(np.arange(n, dtype=np.int64) // SAMPLES_PER_CITIZEN, emb)
        query = emb[n // 2] + np.float32(0.01)
        del emb
        matrix = matcher._emb[:n]  # noqa: SLF001 - the same memory the matcher reads
        reps = max(3, repeats if n <= 100_000 else repeats // 2)
        ms = _median_ms(lambda: decide(matcher.search(query, policy.search_k), policy), reps)
        gemv = _median_ms(lambda: matrix @ query, reps)
        naive = _median_ms(lambda: int(np.argmin(face_distance_naive(matrix, query))), max(3, reps // 2))
        rows.append({
            "n": n,
            "ms_per_query": ms,
            "naive_ms_per_query": naive,
            "speedup": naive / ms,
            "gemv_ms": gemv,
            "ratio_to_gemv": ms / gemv,
            "gb_per_s": matrix.nbytes / (ms / 1e3) / 1e9,
            "index_mb": matcher.nbytes / 1e6,
        })
        del matcher, matrix
    return rows


def bench_pipeline(frame_640: Path, repeats: int = 5, n_enrolled: int = 10_000) -> list[dict[str, Any]]:
    """Per-stage ms for one face frame at 640x480 and 1280x720 (HOG): QR scan, detect, landmarks, encode, match."""
    import cv2

    from recognition import faces
    from recognition.faces import DetectorConfig
    from recognition.images import load_image, to_rgb
    from recognition.qr import decode_qr

    base = load_image(frame_640)
    matcher = Matcher()
    matcher.add_many(np.arange(n_enrolled) // SAMPLES_PER_CITIZEN, random_embeddings(n_enrolled))
    faces.warm_up()
    rows = []
    for width, height in ((640, 480), (1280, 720)):
        frame = cv2.resize(base, (width, height), interpolation=cv2.INTER_LINEAR)
        config = DetectorConfig("hog", 480, 0)
        boxes = faces.detect_faces(frame, config)
        if not boxes:
            continue
        rgb = to_rgb(frame)
        encoding = faces.encode_faces(rgb, boxes[:1])[0]
        stages = {
            "qr_fast": _median_ms(lambda: decode_qr(frame, thorough=False), repeats),
            "detect": _median_ms(lambda: faces.detect_faces(frame, config), repeats),
            "landmarks": _median_ms(lambda: faces.five_point_landmarks(rgb, boxes[0]), repeats),
            "encode": _median_ms(lambda: faces.encode_faces(rgb, boxes[:1]), repeats),
            "match": _median_ms(lambda: matcher.search(encoding, 5), repeats),
        }
        stages["detect_plus_encode"] = stages["detect"] + stages["landmarks"] + stages["encode"]
        rows.append({"frame": f"{width}x{height}", "detector": f"hog@{config.detect_width}px", "matched_against": n_enrolled, **stages})
    return rows
