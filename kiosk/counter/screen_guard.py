"""When the counter screen must clear itself: the privacy rules, without Qt.

DESIGN.md: a screen showing a citizen's data clears itself once the citizen is gone, and
one citizen's data is never shown next to another's face. The counter page tells the
guard what is on screen and what each analysed camera frame showed; the guard answers with
a :class:`Reason` to go back to idle, or None. Time comes from an injected clock (seconds,
monotonic), so the rules are tested without a display and without sleeping.

Per kind of screen:

- **a citizen's screen** (:meth:`ScreenGuard.citizen`: recognised form, keypad, card form,
  consent, saved):
  FACE_GONE when neither a face that fits the citizen nor their card was seen, and no key
  was pressed, for ``face_gone_s``; IDLE when no key was pressed for ``idle_s`` whatever the
  camera sees (strangers passing in front of a new citizen's card form are "a face" too);
  OTHER_FACE when ``mismatch_frames`` analysed frames in a row show someone else; OTHER_CARD
  as soon as a card with another ID number is in view.
  *Strict* screens (a face recognised the citizen) count any face that does not fit the
  citizen as someone else. *Lenient* ones (a card: the holder's face may no longer match
  their photos, or was never enrolled; the keypad: a short list of candidates that other
  people's faces may share) count a face recognised automatically as a citizen who is not
  on screen as someone else, and compare any other face with the first one seen on the
  screen (the *anchor*: the citizen who showed the card or faces the keypad): strangers
  passing by do not keep a new citizen's card form up.
- **a capture** (:meth:`ScreenGuard.capture`): FACE_GONE after ``idle_s`` with no face at
  all and no key pressed. Saving is never guarded (:meth:`ScreenGuard.release`).
- **waiting for a card** (:meth:`ScreenGuard.waiting`): IDLE after ``idle_s`` without a key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from models import Decision

if TYPE_CHECKING:
    from kiosk.counter.identify import FaceCheck
    from kiosk.counter.service import Kiosk
    from models import FaceSample

SameFace = Callable[["FaceSample", "FaceSample"], bool]

MISMATCH_FRAMES = 2
"""Analysed frames in a row (~0.15 s each) showing someone else before a citizen's screen clears:
one frame can be a blur or a turned head."""


class Reason(str, Enum):
    """Why a screen cleared itself."""

    FACE_GONE = "face_gone"
    IDLE = "idle"
    OTHER_FACE = "other_face"
    OTHER_CARD = "other_card"


def citizens_of(check: FaceCheck) -> frozenset[int]:
    """Internal ids of the citizens a face fits: the match, or the keypad candidates (empty when unknown)."""
    match = check._match
    return frozenset(c.citizen_id for c in match.candidates)


def same_face_for(kiosk: Kiosk) -> SameFace:
    """True when two face samples are close enough to be one person: within their engine's
    ``candidate_distance``, measured as that engine's matcher measures distances. Samples of
    different engines cannot be compared (never the case at one counter): they count as one."""
    from recognition.engines import engine_info
    from recognition.matcher import Matcher

    def same(a: FaceSample, b: FaceSample) -> bool:
        if a.engine != b.engine:
            return True
        one = Matcher(capacity=1, metric=engine_info(a.engine).metric, engine=a.engine)
        one.add(0, a.embedding[None, :])
        limit = kiosk.policies.get(a.engine, kiosk.policy).candidate_distance
        return one.search(b.embedding, 1)[0].distance <= limit

    return same


@dataclass(frozen=True)
class _Screen:
    citizens: frozenset[int]
    id_number: str
    strict: bool
    face_s: float | None  # FACE_GONE after this long without a fitting face (None: never)
    idle_s: float | None  # IDLE after this long without a key (None: never)
    by_face: bool  # frames' faces are compared with the citizens (else any face counts as presence)


class ScreenGuard:
    """The clearing rules for one counter screen. Call from one thread (the UI thread)."""

    def __init__(
        self,
        *,
        face_gone_s: float,
        idle_s: float,
        same_face: SameFace | None = None,
        mismatch_frames: int = MISMATCH_FRAMES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.face_gone_s, self.idle_s, self.mismatch_frames, self.clock = face_gone_s, idle_s, mismatch_frames, clock
        self.same_face = same_face
        self._screen: _Screen | None = None
        self._seen = self._touched = 0.0
        self._mismatches = 0
        self._fitted = False
        self._anchor: FaceSample | None = None

    def set_limits(self, face_gone_s: float, idle_s: float) -> None:
        """New limits (seconds), from the next screen on."""
        self.face_gone_s, self.idle_s = face_gone_s, idle_s

    @property
    def active(self) -> bool:
        """True while a screen is guarded."""
        return self._screen is not None

    @property
    def face_fitted(self) -> bool:
        """True when the last face :meth:`face` was given fitted the screen (False after a face
        that did not, even before it counts as somebody else, and while nothing is guarded)."""
        return self._screen is not None and self._fitted

    def _start(self, screen: _Screen) -> None:
        previous = self._screen
        if previous is None or not screen.id_number or screen.id_number != previous.id_number:
            self._anchor = None  # the same card's next step (card form → consent) keeps its anchor
        self._screen = screen
        self._seen = self._touched = self.clock()
        self._mismatches = 0

    def citizen(
        self,
        *,
        citizens: frozenset[int] = frozenset(),
        id_number: str = "",
        strict: bool = False,
        anchor: FaceSample | None = None,
    ) -> None:
        """A citizen's data (or the keypad for their candidates) is now on screen.

        ``citizens``: internal ids the face should fit (empty for a card not enrolled yet);
        ``id_number``: the 12 digits of the card or record shown ("" when none: any card replaces);
        ``anchor``: the face that brought this screen up, when known (else the first face seen on it).
        """
        self._start(_Screen(citizens, id_number, strict, self.face_gone_s, self.idle_s, by_face=True))
        if anchor is not None:
            self._anchor = anchor

    def capture(self) -> None:
        """A guided capture is on screen: only a long absence of any face clears it."""
        self._start(_Screen(frozenset(), "", False, self.idle_s, None, by_face=False))

    def waiting(self) -> None:
        """The screen asks for a card (nothing personal): only a long wait without a key clears it."""
        self._start(_Screen(frozenset(), "", False, None, self.idle_s, by_face=False))

    def release(self) -> None:
        """Nothing to guard (idle, saving, the administration area)."""
        self._screen = None

    def activity(self) -> None:
        """The clerk or the citizen pressed a key or a button (or a scanner typed a card)."""
        self._touched = self.clock()

    def face(self, check: FaceCheck | None, sample: FaceSample | None = None) -> Reason | None:
        """One analysed frame's largest face, identified on that frame alone (None: no face in view),
        with its encoded ``sample`` for the comparison with the anchor."""
        screen, self._fitted = self._screen, False
        if screen is None:
            return None
        if check is None:
            self._mismatches = 0
            return None
        if not screen.by_face or self._fits(screen, check, sample):
            self._seen = self.clock()
            self._mismatches, self._fitted = 0, True
            return None
        self._mismatches += 1
        return Reason.OTHER_FACE if self._mismatches >= self.mismatch_frames else None

    def present(self) -> None:
        """A face is in view, not identified (a capture): counts as presence."""
        if self._screen is not None:
            self._seen = self.clock()

    def _fits(self, screen: _Screen, check: FaceCheck, sample: FaceSample | None) -> bool:
        shown = bool(citizens_of(check) & screen.citizens)
        if screen.strict or check.decision is Decision.MATCH:
            return shown  # the citizen on screen, or (recognised) somebody else
        if sample is None or self.same_face is None:
            return True  # a lenient screen with nothing to compare: somebody is there
        if self._anchor is None:
            self._anchor = sample
            return True
        return self.same_face(self._anchor, sample)

    def card(self, id_number: str) -> Reason | None:
        """A CCCD card in view: the citizen's own card counts as presence; another one replaces the screen."""
        screen = self._screen
        if screen is None:
            return None
        if screen.id_number and id_number == screen.id_number:
            self._seen = self.clock()
            return None
        return Reason.OTHER_CARD

    def until_due(self) -> float | None:
        """Seconds (0 or more) until the earliest time limit of the screen on guard could pass, or None
        when no limit runs (nothing guarded). Frames and key presses only push the limits later."""
        screen = self._screen
        if screen is None:
            return None
        now = self.clock()
        waits = []
        if screen.face_s is not None:
            waits.append(max(self._seen, self._touched) + screen.face_s - now)
        if screen.idle_s is not None:
            waits.append(self._touched + screen.idle_s - now)
        return max(0.0, min(waits)) if waits else None

    def due(self) -> Reason | None:
        """FACE_GONE or IDLE when a time limit has passed (call a few times a second)."""
        screen = self._screen
        if screen is None:
            return None
        now = self.clock()
        if screen.face_s is not None and now - max(self._seen, self._touched) >= screen.face_s:
            return Reason.FACE_GONE
        if screen.idle_s is not None and now - self._touched >= screen.idle_s:
            return Reason.IDLE
        return None
