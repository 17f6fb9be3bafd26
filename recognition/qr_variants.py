"""Preprocessed copies of a grey frame for the thorough QR chain (:mod:`recognition.qr`):
grey uint8 ``(height, width)`` → list of grey uint8 images. cv2 is imported inside.
"""

from __future__ import annotations

import numpy as np


def unsharp(grey: np.ndarray, sigma: float, amount: float) -> list[np.ndarray]:
    """(1 + amount) × image − amount × Gaussian(sigma px): undoes some focus blur."""
    import cv2

    soft = cv2.GaussianBlur(grey, (0, 0), sigma)
    return [cv2.addWeighted(grey, 1.0 + amount, soft, -amount, 0)]


def upscale(grey: np.ndarray) -> list[np.ndarray]:
    """Twice the size (cubic): codes whose modules are under ~2 pixels."""
    import cv2

    return [cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)]


def rectify(grey: np.ndarray, per_scale: int = 4, max_side: int = 1000) -> list[np.ndarray]:
    """Square, upright copies of the largest solid quadrilateral blobs: a code on a card
    tilted away from the camera, too skewed for the decoders' own corner finding.

    Adaptive threshold; morphological closing with kernels of 1/120, 1/60 and 1/30 of the
    short side so a code's modules merge into one blob; per kernel, the ``per_scale``
    largest contours whose convex hull is a quadrilateral they fill to >= 85%, each warped
    onto a square (side = its longest edge, at most ``max_side`` px) with a white 10%
    margin as quiet zone.
    """
    import cv2

    height, width = grey.shape
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 10)
    warped = []
    for k in sorted({max(3, min(height, width) // d) for d in (120, 60, 30)}):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        contours, _ = cv2.findContours(
            cv2.morphologyEx(ink, cv2.MORPH_CLOSE, kernel), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE
        )
        quads = []
        for contour in contours:
            area = cv2.contourArea(contour)
            if not 900 <= area <= 0.8 * height * width:
                continue
            hull = cv2.convexHull(contour)
            if area < 0.85 * cv2.contourArea(hull):
                continue
            corners = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
            if len(corners) == 4:
                quads.append((area, corners.reshape(4, 2).astype(np.float32)))
        for _, quad in sorted(quads, key=lambda q: -q[0])[:per_scale]:
            total, diff = quad.sum(axis=1), np.diff(quad, axis=1).ravel()
            src = quad[[np.argmin(total), np.argmin(diff), np.argmax(total), np.argmax(diff)]]
            side = min(max_side, int(max(np.linalg.norm(src - np.roll(src, 1, axis=0), axis=1))))
            margin = max(8, side // 10)
            dst = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32) + margin
            matrix = cv2.getPerspectiveTransform(src.astype(np.float32), dst)
            warped.append(
                cv2.warpPerspective(grey, matrix, (side + 2 * margin,) * 2, flags=cv2.INTER_CUBIC, borderValue=255)
            )
    return warped
