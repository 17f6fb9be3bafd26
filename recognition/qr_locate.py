"""Where a QR code is in a frame, before (or without) reading it, and what stops it reading.

A CCCD card's code is ~15 mm of black modules printed over a turquoise guilloche; a webcam
sees it at 2–4 px per module. Two ways to find it:

- a decoder's finder-pattern detection (zxing-cpp reports codes it found but could not
  decode): precise corners, few false finds;
- :func:`find_regions`, a texture detector: the code is a compact, roughly square patch
  dense with strong edges (relative to the local brightness, so glare and shadow matter
  less), where the card's pattern has only faint ones. Rough corners (about a module), and
  it also finds other dense dark texture; the card path decides by trying to read.

:func:`measure` estimates what a clerk can act on: the size of a module (bring the card
closer) and how much of the code is washed out by glare (tilt the card).

Coordinates are frame pixels, x to the right and y down; corners are ``(4, 2)`` float32,
clockwise on screen. cv2 is imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TYPICAL_MODULES = 45
"""Modules across a CCCD code, for estimates only: the payloads seen need versions 6–10 (41–57
modules); a located code's px per module is its side divided by this."""
WORK_WIDTH = 640
"""The texture detector works on the frame shrunk to at most this width (pixels)."""
#: (edge strength, edge density) thresholds of the texture detector; each pair finds
#: candidates, pooled: strong edges relative to the local maximum brightness (0..1), and
#: the share of such pixels in a 9x9 window of the working image.
_TEXTURE_THRESHOLDS = ((0.25, 0.45), (0.35, 0.3))


@dataclass(frozen=True)
class Located:
    """A code found in a frame but not (yet) read.

    Attributes:
        corners: ``(4, 2)`` float32 frame pixels, clockwise on screen.
        source: how it was found: ``"zxing"`` (finder patterns at frame resolution, the
            code not decoded), ``"texture"`` (a texture region), ``"given"`` (passed in).
        module_px: estimated pixels per module (the mean side / :data:`TYPICAL_MODULES`).
        glare: share (0..1) of the code's area washed out: no dark module left within
            ~3 modules (a specular reflection on the laminate, or overexposure).
    """

    corners: np.ndarray
    source: str
    module_px: float
    glare: float

    @property
    def side_px(self) -> float:
        """Mean side length of the quadrilateral, pixels."""
        return mean_side(self.corners)

    def box(self) -> tuple[int, int, int, int]:
        """Axis-aligned bounding box ``(left, top, right, bottom)``, whole pixels."""
        x0, y0 = np.floor(self.corners.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.corners.max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1), int(y1)


def mean_side(corners: np.ndarray) -> float:
    """Mean length of the four sides of a quadrilateral, pixels."""
    return float(np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1).mean())


def clockwise(quad: np.ndarray) -> np.ndarray:
    """The same four points ordered clockwise on screen (y down), starting nearest the top-left."""
    quad = np.asarray(quad, np.float32).reshape(4, 2)
    centre = quad.mean(axis=0)
    ordered = quad[np.argsort(np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0]))]
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two convex quadrilaterals (0..1)."""
    import cv2

    inter, _ = cv2.intersectConvexConvex(a.astype(np.float32), b.astype(np.float32))
    union = cv2.contourArea(a.astype(np.float32)) + cv2.contourArea(b.astype(np.float32)) - inter
    return float(inter / union) if union > 0 else 0.0


def find_regions(grey: np.ndarray, limit: int = 4) -> list[np.ndarray]:
    """Candidate code quadrilaterals in a grey frame by texture, most code-like first.

    Each code-like blob gives its quadrilateral, followed by two fall-backs for a code that
    glare has cut into: its rotated bounding box (when the quadrilateral lost a corner) and
    the hull of it and a neighbouring blob (when glare split the code in two).

    Args:
        grey: ``(height, width)`` uint8 frame.
        limit: at most this many candidates.

    Returns:
        Quadrilaterals (frame pixels, clockwise); ~1.5 ms on a 1280x720 frame.
    """
    import cv2

    height, width = grey.shape
    scale = min(1.0, WORK_WIDTH / width)
    small = (
        cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        if scale < 1
        else grey
    )
    k3 = np.ones((3, 3), np.uint8)
    high = cv2.dilate(small, k3).astype(np.float32)
    strength = (high - cv2.erode(small, k3).astype(np.float32)) / np.maximum(high, 16.0)
    blobs: list[np.ndarray] = []
    for edge, density in _TEXTURE_THRESHOLDS:
        dense = cv2.blur((strength > edge).astype(np.float32), (9, 9)) > density
        mask = cv2.morphologyEx(
            dense.astype(np.uint8) * 255, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
        )
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        blobs += [c for c in contours if cv2.contourArea(c) >= 100]
    blobs.sort(key=lambda c: -cv2.contourArea(c))
    found: list[np.ndarray] = []
    for i, blob in enumerate(blobs):
        shapes = _square_blob(blob, small.shape)
        if shapes is None:
            continue
        found += shapes
        for other in blobs[i + 1 : 6]:
            pair = _square_blob(
                np.concatenate([blob, other]), small.shape, cv2.contourArea(blob) + cv2.contourArea(other)
            )
            if pair is not None:
                found.append(pair[0])
    kept: list[np.ndarray] = []
    for quad in found:
        quad = quad / scale
        if all(overlap(quad, other) < 0.85 for other in kept):
            kept.append(quad)
    return kept[:limit]


def _square_blob(points: np.ndarray, shape: tuple[int, ...], area: float | None = None) -> list[np.ndarray] | None:
    """A code-like blob's quadrilateral (and its rotated bounding box when that differs):
    at least 20x20 px, at most half the frame, the box no more than 2:1 and at least 60%
    filled (``area``: the blob's, default the contour's); else None."""
    import cv2

    area = cv2.contourArea(points) if area is None else area
    if area < 400 or area > 0.5 * shape[0] * shape[1]:
        return None
    hull = cv2.convexHull(points)
    centre, (w, h), angle = cv2.minAreaRect(hull)
    if min(w, h) < 0.5 * max(w, h) or area < 0.6 * w * h:
        return None
    box = clockwise(cv2.boxPoints((centre, (w, h), angle)))
    approx = cv2.approxPolyDP(hull, 0.04 * cv2.arcLength(hull, True), True)
    if len(approx) != 4:
        return [box]
    quad = clockwise(approx.reshape(4, 2))
    return [quad] if overlap(quad, box) > 0.9 else [quad, box]


def measure(grey: np.ndarray, corners: np.ndarray, source: str) -> Located:
    """A :class:`Located` for a code at ``corners``: module size and glare share.

    Glare: inside the code, the darkest pixel within ~3 modules is normally a dark
    module; where even that is brighter than 60% of the code's bright level, the modules
    are washed out.
    """
    import cv2

    corners = clockwise(corners)
    module = mean_side(corners) / TYPICAL_MODULES
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 1
    patch = grey[y0:y1, x0:x1]
    if patch.size == 0:
        return Located(corners, source, module, 0.0)
    inside = np.zeros(patch.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(corners - (x0, y0)).astype(np.int32), 1)
    k = max(3, int(round(3 * module)) | 1)
    darkest = cv2.erode(patch, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    bright = float(np.percentile(patch[inside > 0], 95)) if inside.any() else 255.0
    washed = (darkest > 0.6 * bright) & (inside > 0)
    glare = float(washed.sum() / max(1, int(inside.sum())))
    return Located(corners, source, module, glare)
