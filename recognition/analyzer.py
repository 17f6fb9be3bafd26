"""Frame → the citizen's face: detect, pick the largest, measure, embed.

This is the whole per-frame face path the kiosk uses; it knows nothing of the store.
The *primary* engine (the settings' ``face_engine``) detects, gates and embeds; each
engine asked for in ``also`` (one whose templates some citizens still only have) embeds
the same face too, so those citizens are still recognised until they are upgraded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models import FaceBox, FaceSample
from recognition import quality
from recognition.engines import FaceEngine
from recognition.engines.base import DetectedFace
from recognition.images import to_grey
from recognition.quality import QualityConfig


@dataclass(frozen=True)
class FrameFaces:
    """Faces in one frame.

    Attributes:
        boxes: every face found, largest first (original-frame pixels).
        primary: the largest face, embedded and assessed; ``None`` when no face was found.
            Smaller faces (bystanders) are never embedded or matched.
    """

    boxes: tuple[FaceBox, ...]
    primary: FaceSample | None


class FaceAnalyzer:
    """Detects and embeds the citizen's face in BGR frames.

    Stateless apart from its configuration; safe to share between threads (the engines
    serialise their model calls).

    Args:
        engine: the primary engine: detection, quality gates and the stored embedding.
        gates: the quality gates' bounds.
        others: engines that may be asked (per frame, see :meth:`analyze`) to embed the
            same face as well.
    """

    def __init__(
        self, engine: FaceEngine, gates: QualityConfig = QualityConfig(), others: Sequence[FaceEngine] = ()
    ) -> None:
        self.engine = engine
        self.gates = gates
        self.others = {e.info.name: e for e in others if e.info.name != engine.info.name}

    def analyze(self, frame: np.ndarray, also: Sequence[str] = ()) -> FrameFaces:
        """Find every face, then measure and embed only the largest one.

        Args:
            frame: BGR uint8 ``(H, W, 3)``.
            also: names of other engines (given at construction) that must embed the
                largest face too; their embeddings go to ``other_embeddings``. An engine
                that finds no face overlapping it adds nothing.
        """
        faces = self.engine.detect(frame)
        if not faces:
            return FrameFaces((), None)
        primary = faces[0]
        measures = quality.measure(to_grey(frame), primary.box, primary.landmarks)
        issues = quality.assess(measures, primary.box, frame.shape, len(faces), self.gates)
        others = {
            name: emb
            for name in also
            if name in self.others and (emb := _embed_same_face(self.others[name], frame, primary)) is not None
        }
        sample = FaceSample(
            embedding=self.engine.embed(frame, primary),
            box=primary.box,
            sharpness=measures.sharpness,
            brightness=measures.brightness,
            yaw=measures.yaw,
            issues=issues,
            engine=self.engine.info.name,
            model_version=self.engine.info.model_version,
            other_embeddings=others,
        )
        return FrameFaces(tuple(f.box for f in faces), sample)

    def warm_up(self) -> None:
        """Load every engine's models now."""
        self.engine.warm_up()
        for engine in self.others.values():
            engine.warm_up()


def _embed_same_face(engine: FaceEngine, frame: np.ndarray, face: DetectedFace) -> np.ndarray | None:
    """``engine``'s embedding of the face it finds overlapping ``face`` most (None: it finds none)."""
    best, best_overlap = None, 0.0
    for candidate in engine.detect(frame):
        overlap = iou(candidate.box, face.box)
        if overlap > best_overlap:
            best, best_overlap = candidate, overlap
    return engine.embed(frame, best) if best is not None and best_overlap >= 0.3 else None


def iou(a: FaceBox, b: FaceBox) -> float:
    """Intersection over union of two boxes, 0..1."""
    width = min(a.right, b.right) - max(a.left, b.left)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / float(a.area + b.area - inter)
