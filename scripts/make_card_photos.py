"""Write the bundled card photos (sample_images/card_photos/) that ``kiosk bench`` times.

Run from the repository root: ``.venv/bin/python scripts/make_card_photos.py``. The photos
are made by tests/support/card_photos.py (seeded, nothing downloaded; the scenes are the CC0 ``lisa``
photo at 1280x720 and ``london_005`` (CC BY 4.0) at 640x480) and written as the exact JPEG
bytes the tests decode, with a manifest of the payload and the conditions of each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.card_photos import card_photo, random_conditions  # noqa: E402  (imported once the repository root is on sys.path)

OUT = ROOT / "sample_images" / "card_photos"
#: (frame, module px, glare strength, blur sigma px): the corners of the ranges the bench covers.
SET = [
    (frame, module, glare, blur)
    for frame in ("640x480", "1280x720")
    for module, glare, blur in ((2.5, 0.0, 0.5), (2.5, 0.9, 0.8), (3.5, 0.0, 0.8), (3.5, 0.9, 0.5))
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Webcam photos of CCCD-like cards (made-up citizens), written by scripts/make_card_photos.py",
        "# from tests/support/card_photos.py; read by `kiosk bench` (cards section). Do not edit by hand.",
        "",
    ]
    for number, (frame, module, glare, blur) in enumerate(SET, 1):
        conditions = random_conditions(3000 + number, frame=frame, module_px=module, glare=glare, blur=blur, motion=0.0)
        photo = card_photo(conditions)
        name = f"card_{number:02d}.jpg"
        (OUT / name).write_bytes(photo.jpeg_bytes)
        lines += [
            "[[photo]]",
            f'file = "{name}"',
            f"payload = {json.dumps(photo.payload, ensure_ascii=False)}",
            f"seed = {conditions.seed}",
            f'frame = "{frame}"',
            f"module_px = {photo.module_px:.2f}",
            f"glare = {glare}",
            f"blur = {blur}",
            "",
        ]
        print(name, frame, f"{photo.module_px:.2f} px/module", f"glare {glare}", f"blur {blur}")
    (OUT / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
