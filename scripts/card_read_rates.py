"""Read rates and time per frame on webcam photos of CCCD-like cards (tests/support/card_photos.py).

Run from the repository root::

    .venv/bin/python scripts/card_read_rates.py                  # this checkout
    .venv/bin/python scripts/card_read_rates.py --code DIR       # another checkout's recognition/
                                                                 # (e.g. an older release: "before")

Photos are made from seeds (nothing is downloaded): the 30 held-out photos of the read-rate
test (seeds 1000-1029) and ``--photos`` more (seeds 2000 and up) for the figures per
condition (module size, glare, blur), all drawn from the ranges documented in
tests/support/card_photos.py. A photo counts as read when a path returns the card's exact payload
bytes; a wrong payload would be reported (and stops the run). Paths: ``fast`` =
``decode_qr(frame, thorough=False)`` (every live frame); ``full`` = ``decode_qr(frame)``
(files, and the app's periodic slow try); ``card`` = the fast path's ``scan_qr`` then
``read_card_qr`` on what it located (what the app runs on a frame where a code is seen but
not read; only in checkouts that have it). Times: median and 90th percentile per photo,
single thread, one pass each; ``no code`` = the fast path on webcam frames with no code.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONDITION_SEEDS = 2000
MODULE_BINS = ((2.0, 2.5), (2.5, 3.0), (3.0, 3.5), (3.5, 4.01))
BLUR_BINS = ((0.3, 0.6), (0.6, 0.9), (0.9, 1.21))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _timed(call):  # -> (result, ms)
    start = time.perf_counter()
    out = call()
    return out, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="checkout whose recognition/ is measured (default: this one)"
    )
    parser.add_argument("--photos", type=int, default=120, help="photos for the per-condition figures (seeds 2000...)")
    parser.add_argument("--no-full", action="store_true", help="skip the full path (the slowest)")
    args = parser.parse_args()
    sys.path[:0] = [str(args.code.resolve()), str(ROOT)]
    qr = importlib.import_module("recognition.qr")
    from tests.support.card_photos import HELD_OUT_SEEDS, card_photo, random_conditions
    from tests.support.qr_images import LISA, LONDON, photo_frame

    has_card = hasattr(qr, "scan_qr")
    print(f"recognition from {Path(qr.__file__).resolve().parent}; card path: {'yes' if has_card else 'no'}")
    paths = ["fast"] + ([] if args.no_full else ["full"]) + (["card"] if has_card else [])
    times: dict[str, list[float]] = defaultdict(list)

    def read(photo) -> dict[str, bool]:
        want = photo.payload.encode("utf-8")
        outcome = {}
        for path in paths:
            if path == "fast":
                reads, ms = _timed(lambda: qr.decode_qr(photo.frame, thorough=False))
            elif path == "full":
                reads, ms = _timed(lambda: qr.decode_qr(photo.frame))
            else:
                from recognition.qr_card import read_card_qr

                def card():
                    scan = qr.scan_qr(photo.frame)
                    return list(scan.reads) or list(read_card_qr(photo.frame, [c.corners for c in scan.located]).reads)

                reads, ms = _timed(card)
            wrong = [r for r in reads if r.data != want]
            if wrong:
                raise SystemExit(
                    f"seed {photo.conditions.seed}: {path} path read a WRONG payload {wrong[0].data[:60]!r}"
                )
            outcome[path] = bool(reads)
            times[path].append(ms)
        return outcome

    held = [read(card_photo(random_conditions(seed))) for seed in HELD_OUT_SEEDS]
    print(
        f"\nheld-out photos (seeds {HELD_OUT_SEEDS.start}-{HELD_OUT_SEEDS.stop - 1}), read to the exact payload from one photo:"
    )
    for path in paths:
        print(f"  {path:5s} {sum(o[path] for o in held):2d}/{len(held)}")

    groups: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for seed in range(CONDITION_SEEDS, CONDITION_SEEDS + args.photos):
        photo = card_photo(random_conditions(seed))
        c, outcome = photo.conditions, read(photo)
        groups["all"].append(outcome)
        groups[f"frame {c.frame}"].append(outcome)
        for low, high in MODULE_BINS:
            if low <= photo.module_px < high:
                groups[f"module {low:.1f}-{min(high, 4.0):.1f} px"].append(outcome)
        groups["glare yes" if c.glare else "glare no"].append(outcome)
        for low, high in BLUR_BINS:
            if low <= c.blur < high:
                groups[f"blur sigma {low:.1f}-{min(high, 1.2):.1f} px"].append(outcome)
        groups["motion blur yes" if c.motion else "motion blur no"].append(outcome)
    print(
        f"\nper condition ({args.photos} photos, seeds {CONDITION_SEEDS}-{CONDITION_SEEDS + args.photos - 1}; read rate per path):"
    )
    print(f"  {'condition':26s} {'photos':>6s} " + " ".join(f"{p:>6s}" for p in paths))
    for name in sorted(groups, key=lambda n: (n != "all", n)):
        rows = groups[name]
        print(
            f"  {name:26s} {len(rows):6d} "
            + " ".join(f"{100 * sum(o[p] for o in rows) / len(rows):5.0f}%" for p in paths)
        )

    print("\ntime per photo, ms (median / 90th percentile):")
    for path in paths:
        print(f"  {path:5s} {statistics.median(times[path]):7.1f} / {_percentile(times[path], 0.9):7.1f}")
    for size in ((640, 480), (1280, 720)):
        frames = [photo_frame(p, size) for p in (LISA, LONDON)]
        runs = [_timed(lambda f=f: qr.decode_qr(f, thorough=False))[1] for _ in range(40) for f in frames]
        print(f"  fast path, no code, {size[0]}x{size[1]}: {statistics.median(runs):.2f} ms median")


if __name__ == "__main__":
    main()
