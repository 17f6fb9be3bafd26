"""A burst: several camera-like frames made from one photo, for ``kiosk eval identify --burst N``.

At the counter a citizen's approach gives many frames; a data set gives one photo. A burst
stands in for the frames of one approach: the photo itself, then ``N - 1`` seeded variants,
each a small change a webcam brings between frames: the face shifted by up to 3 % of the
image and scaled by ±4 %, turned by up to 3°, exposure ×0.85–1.15, a blur of up to 1 px,
and JPEG at quality 70–95. Each frame is embedded like any image
(:func:`kiosk.measure.encodings.encode_image`) and the burst's embedding is the unit mean of
the frames' (:func:`recognition.templates.template`): the fusion measured for issue #22.
"""

from __future__ import annotations

import zlib

import numpy as np


def variants(image: np.ndarray, count: int, seed: str) -> list[np.ndarray]:
    """``count`` frames: ``image`` (BGR uint8) first, then ``count - 1`` variants seeded by ``seed``."""
    import cv2

    frames = [image]
    height, width = image.shape[:2]
    for k in range(1, count):
        rng = np.random.default_rng(zlib.crc32(f"{seed}:{k}".encode()))
        angle, scale = rng.uniform(-3, 3), rng.uniform(0.96, 1.04)
        matrix = np.asarray(cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale), dtype=np.float64)
        matrix[:, 2] += rng.uniform(-0.03, 0.03, 2) * np.array([width, height], dtype=np.float64)
        frame = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
        frame = cv2.convertScaleAbs(frame, alpha=rng.uniform(0.85, 1.15))
        sigma = rng.uniform(0.0, 1.0)
        if sigma > 0.3:
            frame = cv2.GaussianBlur(frame, (0, 0), sigma)
        ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 96))])
        decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
        frames.append(np.asarray(decoded if decoded is not None else frame, dtype=np.uint8))
    return frames
