"""Time ``recognition.qr.decode_qr`` on webcam-sized frames, with and without a code.

Run from the repository root: ``.venv/bin/python scripts/bench_qr.py [--runs N]``.
Prints the median and 90th percentile in milliseconds per call, single thread. Frames
are a real photo (sample_images/faces/lisa/1.jpg) resized to the frame size, with a real
CCCD-like QR code (UTF-8 Vietnamese, made by ``qrcode``) pasted in where stated.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognition import qr  # noqa: E402  (imported once the repository root is on sys.path)
from tests.support.qr_images import cccd_payload, embed, make_qr, photo_frame, rotate  # noqa: E402  (imported once the repository root is on sys.path)


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, 90th percentile) of ``runs`` calls, in milliseconds, after one warm-up."""
    call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.9 * len(times)))]


def frames(width: int, height: int) -> dict[str, tuple[np.ndarray, str]]:
    """Named frames: (BGR frame, expected text or "" for none)."""
    text = cccd_payload("Lý Quốc Sơn")
    code = rotate(make_qr(text, box_px=4), 10)  # 4 px per module before scaling
    photo = photo_frame(size=(width, height))
    return {
        "no code": (photo, ""),
        "code, 5 px/module": (embed(code, photo, 40, 40, 1.25), text),
        "code, 1.6 px/module": (embed(code, photo, 40, 40, 0.4), text),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="calls per measurement")
    args = parser.parse_args()
    print(f"zbar binary mode: {qr.zbar_binary_supported()}; fast path width {qr.FAST_MAX_WIDTH} px")
    print(f"{'frame':9s} {'content':20s} {'path':9s} {'median ms':>9s} {'p90 ms':>7s}  read by")
    for width, height in ((1280, 720), (640, 480)):
        for label, (frame, text) in frames(width, height).items():
            for thorough in (False, True):
                reads = qr.decode_qr(frame, thorough=thorough)
                assert all(r.text == text for r in reads), reads
                runs = args.runs if not thorough else max(5, args.runs // 3)
                median, p90 = timed(lambda: qr.decode_qr(frame, thorough=thorough), runs)
                who = reads[0].decoder if reads else "-"
                path = "thorough" if thorough else "fast"
                print(f"{width}x{height:<4d} {label:20s} {path:9s} {median:9.1f} {p90:7.1f}  {who}")


if __name__ == "__main__":
    main()
