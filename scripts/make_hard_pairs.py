"""A harder verification set made from the bundled faces: LFW-like crops, degraded.

Run from the repository root::

    .venv/bin/python scripts/make_hard_pairs.py OUT [--variants 4] [--seed 0]
    .venv/bin/kiosk eval pairs --pairs OUT/pairs.txt --images OUT/images --engine all

The 21 consented people of ``sample_images/faces`` are too easy for either engine (every
pair right), so fusion and the cascade show nothing there. This script makes a set where
both engines err: each photo is cropped around its face (YuNet's box) to a 250x250
LFW-like picture, then each of ``--variants`` copies gets seeded, random degradations of
a webcam at a distance: the face shrunk to 18–40 px wide and blown back up, Gaussian blur
(sigma 0–2.5 px), JPEG quality 8–40, gamma 0.5–2.0, a dark band over the eyes or mouth on
a third of the copies, and a tilt of up to ±15°. Nothing is downloaded.

These are development faces (used in the tests), degraded: a check that fusion helps on
real embeddings with real errors, **not** a held-out accuracy figure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CROP = 250
"""Side of the LFW-like crop (pixels)."""
FACE_IN_CROP = 0.45
"""The face box's width as a share of the crop, before degradation (LFW: about 0.45)."""


def crop_face(image: np.ndarray) -> np.ndarray | None:
    """A CROP x CROP picture centred on the largest face YuNet finds, or None without a face."""
    import cv2

    from recognition.engines import EngineConfig, load_engine

    faces = load_engine(EngineConfig("sface")).detect(image)
    if not faces:
        return None
    box = faces[0].box
    scale = CROP * FACE_IN_CROP / max(1, box.width)
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    matrix = np.array([[scale, 0, CROP / 2 - scale * cx], [0, scale, CROP / 2 - scale * cy]])
    return cv2.warpAffine(image, matrix, (CROP, CROP), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT)


def degrade(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One seeded, random degradation of a crop (see the module's docstring)."""
    import cv2

    out = crop.copy()
    angle = rng.uniform(-15, 15)
    out = cv2.warpAffine(
        out, cv2.getRotationMatrix2D((CROP / 2, CROP / 2), angle, 1.0), (CROP, CROP), borderMode=cv2.BORDER_REFLECT
    )
    face_px = rng.uniform(18, 40)
    small = max(8, round(CROP * face_px / (CROP * FACE_IN_CROP)))
    out = cv2.resize(cv2.resize(out, (small, small), interpolation=cv2.INTER_AREA), (CROP, CROP))
    sigma = rng.uniform(0, 2.5)
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    gamma = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    out = np.clip(255.0 * (out / 255.0) ** gamma, 0, 255).astype(np.uint8)
    if rng.random() < 1 / 3:
        top = round(CROP * (0.38 if rng.random() < 0.5 else 0.58))
        out[top : top + round(CROP * 0.08), round(CROP * 0.3) : round(CROP * 0.7)] = 20
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(8, 41))])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="Folder to write pairs.txt and images/ into.")
    parser.add_argument("--variants", type=int, default=4, help="Degraded copies per photo.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the degradations and the pairs.")
    args = parser.parse_args()

    import cv2

    from kiosk.measure.datasets import make_lfw_pairs, scan_identities

    rng = np.random.default_rng(args.seed)
    staged = args.out / "degraded"
    people: dict[str, list[Path]] = {}
    for name, files in scan_identities(ROOT / "sample_images" / "faces").items():
        for file in files:
            image = cv2.imread(str(file), cv2.IMREAD_COLOR)
            crop = None if image is None else crop_face(image)
            if crop is None:
                print(f"skipped {file}: no face found", file=sys.stderr)
                continue
            for v in range(args.variants):
                dest = staged / name / f"{file.stem}_{v}.jpg"
                dest.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(dest), degrade(crop, rng))
                people.setdefault(name, []).append(dest)
    pairs, images = make_lfw_pairs({k: v for k, v in people.items() if len(v) >= 2}, args.out, seed=args.seed)
    print(f"{sum(map(len, people.values()))} images of {len(people)} people; pairs: {pairs}; images: {images}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
