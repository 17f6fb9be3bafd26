"""The chip holder check's threshold (``<engine>_holder_distance``) against every pair of a photo folder.

Run from the repository root::

    .venv/bin/python scripts/holder_threshold.py ../shared/lfw-cdg [--engine sface|dlib]

Every photo of the folder (one sub-folder per person) is encoded by the engine (cached like
``kiosk eval``), and every pair of photos is compared: same person (genuine) or not
(impostor). Printed: the shipped threshold's share of genuine pairs accepted and of impostor
pairs accepted, the thresholds at measured impostor rates of 1e-3, 1e-4 and 1e-5 with their
genuine shares, and the five nearest impostor pairs. The settings' threshold was chosen at
1e-4 on ``../shared/lfw-cdg`` (development data: never shipped, absent from a clone).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--engine", choices=("sface", "dlib"), default="sface")
    args = parser.parse_args()

    from kiosk.counter.factories import engine_config, policy_for
    from kiosk.measure.datasets import scan_identities
    from kiosk.measure.encodings import encode_files
    from kiosk.settings import Settings

    settings = Settings(face_engine=args.engine)
    people = scan_identities(args.folder)
    files = [f for photos in people.values() for f in photos]
    labels = np.array([i for i, photos in enumerate(people.values()) for _ in photos])
    encoded = encode_files(files, engine_config(settings, args.engine))
    vectors = encoded.embeddings.astype(np.float64)
    if encoded.metric == "cosine":
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        distances = 1 - vectors @ vectors.T
    else:
        squares = (vectors**2).sum(1)
        distances = np.sqrt(np.maximum(squares[:, None] + squares[None] - 2 * vectors @ vectors.T, 0))
    first, second = np.triu_indices(len(files), 1)
    same = labels[first] == labels[second]
    pairs = distances[first, second]
    genuine, impostor = pairs[same], pairs[~same]
    shipped = policy_for(settings, args.engine).holder_distance
    print(
        f"{args.engine}: {len(files)} photos of {len(people)} people; {len(genuine)} genuine, {len(impostor)} impostor pairs"
    )
    print(
        f"  shipped {shipped:.3f}: genuine accepted {np.mean(genuine <= shipped):.4f}, "
        f"impostor accepted {np.mean(impostor <= shipped):.2e} ({int(np.sum(impostor <= shipped))} pairs)"
    )
    for rate in (1e-3, 1e-4, 1e-5):
        threshold = float(np.quantile(impostor, rate))
        print(
            f"  impostor rate {rate:g}: threshold {threshold:.3f}, genuine accepted {np.mean(genuine <= threshold):.4f}"
        )
    print("  nearest impostor pairs:", " ".join(f"{d:.3f}" for d in np.sort(impostor)[:5]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
