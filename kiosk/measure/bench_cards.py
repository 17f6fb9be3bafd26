"""``kiosk bench``, cards section: card-reading time per frame and whether it read, per path.

On the bundled webcam photos of CCCD-like cards (``sample_images/card_photos``, made by
``scripts/make_card_photos.py``: a real QR code over a turquoise guilloche, 2.5 and 3.5 px per
module, with and without glare, 640x480 and 1280x720) and on the same frames with no card
(a face photo), each path is timed in the same run:

- ``zbar`` (before): the fast path as it was before zxing-cpp, zbar on the whole frame
  shrunk to 640 px wide (``recognition.zxing.ENABLED = False``);
- ``fast``: ``decode_qr(frame, thorough=False)``, run on every live frame;
- ``card``: what the app runs on a frame in CARD mode: the fast path, then the card path
  (:func:`kiosk.cccd.card_reading.read_codes` with ``search``);
- ``full``: ``decode_qr(frame)`` (files, and the app's periodic slow try).

A path "read" the photo when it returned the manifest's exact payload bytes. Times are
wall-clock milliseconds, the median of ``repeats`` calls after one warm-up call.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.measure.errors import BenchError
from kiosk.settings import sample_images

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

CARD_PHOTOS = sample_images() / "card_photos"
PATHS = ("zbar", "fast", "card", "full")


def _timed(call: Callable[[], list[bytes]], repeats: int) -> tuple[list[bytes], float]:
    """(the payloads of one call, median ms of ``repeats`` calls after one warm-up call)."""
    found = call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return found, statistics.median(times)


def _paths(frame: Any) -> dict[str, Callable[[], list[bytes]]]:
    from kiosk.cccd.card_reading import read_codes
    from recognition import qr, zxing

    def zbar_only() -> list[bytes]:
        saved, zxing.ENABLED = zxing.ENABLED, False
        try:
            return [r.data for r in qr.decode_qr(frame, thorough=False)]
        finally:
            zxing.ENABLED = saved

    return {
        "zbar": zbar_only,
        "fast": lambda: [r.data for r in qr.decode_qr(frame, thorough=False)],
        "card": lambda: list(read_codes(frame, search=True)[0]),
        "full": lambda: [r.data for r in qr.decode_qr(frame)],
    }


def bench_cards(folder: Path = CARD_PHOTOS, no_code: Path | None = None, repeats: int = 5) -> list[dict[str, Any]]:
    """One row per card photo (and per frame size for ``no_code``, a photo with no code).

    Each row: ``file``, ``frame`` (``WxH``), ``module_px``, ``glare``, ``blur`` (from the
    manifest; None for the no-code rows), and per path in :data:`PATHS` ``<path>_ms`` and
    ``<path>_read`` (None for the no-code rows, where any read would be wrong).

    Raises:
        BenchError: the folder has no readable manifest, or a path read a wrong payload.
    """
    from kiosk.measure.bench import fit_frame
    from recognition.images import load_image

    manifest = folder / "manifest.toml"
    try:
        photos = tomllib.loads(manifest.read_text(encoding="utf-8"))["photo"]
    except (OSError, UnicodeDecodeError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise BenchError(
            f"no card photos at {folder} ({type(exc).__name__})",
            "run from a clone of the repository, or make them: .venv/bin/python scripts/make_card_photos.py",
        ) from None
    cases: list[tuple[dict[str, Any], Any, bytes | None]] = [
        (
            {
                "file": p["file"],
                "frame": p["frame"],
                "module_px": p["module_px"],
                "glare": p["glare"],
                "blur": p["blur"],
            },
            load_image(folder / p["file"]),
            p["payload"].encode("utf-8"),
        )
        for p in photos
    ]
    if no_code is not None:
        face = load_image(no_code)
        for width, height in ((640, 480), (1280, 720)):
            blank: dict[str, Any] = {
                "file": f"no code ({no_code.name})",
                "frame": f"{width}x{height}",
                "module_px": None,
                "glare": None,
                "blur": None,
            }
            cases.append((blank, fit_frame(face, width, height), None))
    rows = []
    for row, frame, payload in cases:
        for name, call in _paths(frame).items():
            found, ms = _timed(call, repeats if name != "full" else max(1, repeats // 2))
            if any(data != payload for data in found):
                raise BenchError(
                    f"the {name} path read a wrong payload from {row['file']}", "report this: no read may be wrong"
                )
            row[f"{name}_ms"], row[f"{name}_read"] = ms, (bool(found) if payload is not None else None)
        rows.append(row)
    return rows
