"""Face alignment: five landmarks → the 112x112 crop that 5-point embedding models expect.

The template is the usual one of ArcFace-style recognisers (SFace among them): where the
eyes, the nose tip and the mouth corners of a frontal face sit in a 112x112 crop. A
similarity transform (rotation, uniform scale, translation; least squares, Umeyama 1991)
maps the detected points onto it, so every face reaches the model upright and at one size.
"""

from __future__ import annotations

import numpy as np

CROP_PX = 112
"""Side of the aligned crop, in pixels."""

TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float64,
)
"""``(x, y)`` in the 112x112 crop of: image-left eye, image-right eye, nose tip,
image-left mouth corner, image-right mouth corner."""


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity transform that best maps ``src`` points onto ``dst`` (least squares).

    Args:
        src, dst: ``(n, 2)`` arrays of ``(x, y)`` points, n ≥ 2, in the same order.
    Returns:
        A ``(2, 3)`` float64 matrix ``M`` with ``dst ≈ M @ [x, y, 1]``.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    u, s, vt = np.linalg.svd(cov)
    sign = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[-1] = -1.0
    rotation = u @ np.diag(sign) @ vt
    variance = (src_c**2).sum() / len(src)
    scale = float((s * sign).sum() / variance) if variance > 0 else 1.0
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - scale * rotation @ src_mean
    return matrix


def align_face(frame: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The ``(112, 112, 3)`` BGR uint8 crop of the face whose five points (``(5, 2)``, the
    :data:`TEMPLATE` order, frame pixels) are given."""
    import cv2

    matrix = similarity_transform(points, TEMPLATE)
    return cv2.warpAffine(frame, matrix, (CROP_PX, CROP_PX), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
