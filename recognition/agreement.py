"""Agreement over consecutive camera frames: a decision is shown only once it repeats.

One lucky frame must not fill a citizen's form. The camera worker feeds each frame's
decision; the voter answers once the last ``required`` frames agree on the same outcome
(the same matched citizen, or the same candidate list for a keypad confirmation, or
unknown). A frame without a face resets the count.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from models import Decision, Match


def _key(match: Match) -> Hashable:
    if match.decision is Decision.MATCH:
        return (Decision.MATCH, match.citizen_id)
    if match.decision is Decision.CONFIRM:
        return (Decision.CONFIRM, frozenset(c.citizen_id for c in match.candidates))
    return (Decision.UNKNOWN,)


class FrameVoter:
    """Accepts a decision after ``required`` consecutive agreeing frames (``required`` ≥ 1)."""

    def __init__(self, required: int) -> None:
        if required < 1:
            raise ValueError("required must be at least 1")
        self.required = required
        self._recent: deque[tuple[Hashable, Match]] = deque(maxlen=required)

    def feed(self, match: Match | None) -> Match | None:
        """Add one frame's decision (``None``: no face in the frame).

        Returns the agreed decision (the latest frame's, e.g. with its distance) once the
        last ``required`` frames agree, else None. After answering, the voter starts over,
        so the same person standing still is reported once per ``required`` frames.
        """
        if match is None:
            self._recent.clear()
            return None
        self._recent.append((_key(match), match))
        if len(self._recent) == self.required and len({key for key, _ in self._recent}) == 1:
            self._recent.clear()
            return match
        return None

    def reset(self) -> None:
        """Forget every frame (e.g. after the clerk confirmed or cleared the form)."""
        self._recent.clear()
