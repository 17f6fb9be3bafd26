"""Watching the counter camera: what each frame shows, decided over agreeing frames.

The desktop app runs this off its UI thread. Per frame, by mode:

- ``WATCH`` (idle): the CCCD QR fast path first; when no card is in view, the largest
  face is encoded and identified, and a decision is reported only after
  ``settings.agreement_frames`` consecutive frames agree (:class:`FrameVoter`); their faces
  are then fused and decided once more, which may turn an agreed keypad confirmation into
  the automatic match of one of its candidates (:func:`kiosk.counter.identify.identify_frames`).
- ``CARD``: only QR codes (the fast path, and the thorough chain every few frames, on the
  best of the last few frames where a code was seen but not read).
- ``CAPTURE``: the largest face with its quality assessment, for enrolment.
- ``GUARD`` (a citizen's data on screen): the QR fast path, then the largest face
  identified on that frame alone (no agreement, no hold), so the screen can tell whether
  the citizen is still there (:mod:`kiosk.counter.screen_guard`).
- ``PAUSED``: nothing.

In WATCH and CARD, a frame where the fast path sees a code but cannot read it also gets the
card path (:mod:`recognition.qr_card`: the code warped upright, upscaled, read through the
card's pattern; in CARD mode every frame, to find codes too small for the fast path), and
the result says where the code is and what would help
(:func:`kiosk.cccd.card_reading.card_hint`).

Face analysis holds Python's GIL for long stretches (dlib's encoder ~110 ms per face;
OpenCV's DNN less, but still), which would stall the UI thread of the same process.
:class:`AnalyzerProcess` therefore runs detection, embedding and QR decoding in a child
process; :class:`LocalAnalyzer` does the same work in-process (tools).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from enum import Enum
from typing import Protocol

import numpy as np

from kiosk.cccd.card_reading import CardHint, card_hint, promise, read_codes
from kiosk.cccd.record import CccdRead, parse_cccd
from kiosk.counter.factories import analyzer_for
from kiosk.counter.identify import FaceCheck
from kiosk.counter.service import Kiosk
from kiosk.errors import CccdError
from kiosk.settings import Settings
from models import Decision, FaceBox, FaceSample, KioskError
from recognition.agreement import FrameVoter
from recognition.analyzer import FaceAnalyzer, FrameFaces
from recognition.qr import is_vietnamese_text
from recognition.qr_locate import Located

__all__ = [
    "Analyzer",
    "AnalyzerError",
    "AnalyzerProcess",
    "CardHint",
    "FrameScan",
    "FrameWatcher",
    "LocalAnalyzer",
    "Mode",
    "ScannerMangledError",
    "WatchResult",
    "card_from_scanner",
    "decision_key",
    "read_codes",
]


class Mode(str, Enum):
    """What the watcher looks for in each frame."""

    WATCH = "watch"
    CARD = "card"
    CAPTURE = "capture"
    GUARD = "guard"
    PAUSED = "paused"


class AnalyzerError(KioskError):
    """The face-analysis process stopped or could not start."""


class ScannerMangledError(CccdError):
    """A USB scanner's text is not a clean CCCD payload (keyboard emulation lost the Vietnamese letters)."""


@dataclass(frozen=True)
class FrameScan:
    """What one frame holds: QR payloads (raw bytes), codes seen but not read (``located``),
    and the faces (None when not looked for)."""

    qr: tuple[bytes, ...] = ()
    faces: FrameFaces | None = None
    ms: float = 0.0
    located: tuple[Located, ...] = ()


class Analyzer(Protocol):
    """Anything that scans frames: :class:`AnalyzerProcess`, :class:`LocalAnalyzer`, a test stub."""

    def scan(
        self, frame: np.ndarray, *, qr: bool, face: bool, thorough: bool = False, also: Sequence[str] = ()
    ) -> FrameScan:
        """QR codes first (when ``qr``); the faces only when ``face`` and no QR code was read;
        the largest face also embedded by the engines named in ``also``."""

    def close(self) -> None:
        """Release what the analyzer holds."""


def _scan(
    analyzer: FaceAnalyzer, frame: np.ndarray, qr: bool, face: bool, thorough: bool, also: Sequence[str]
) -> FrameScan:
    """QR codes first (searched for with the card path when only codes are wanted: CARD mode),
    then the faces when no code was read."""
    start = time.perf_counter()
    payloads, located = read_codes(frame, thorough=thorough, search=not face) if qr else ((), ())
    faces = analyzer.analyze(frame, also) if face and not payloads else None
    return FrameScan(payloads, faces, (time.perf_counter() - start) * 1000, located)


class LocalAnalyzer:
    """Scans frames in the calling thread (command-line tools, seeding the demo)."""

    def __init__(self, settings: Settings) -> None:
        self._analyzer = analyzer_for(settings)

    def scan(
        self, frame: np.ndarray, *, qr: bool, face: bool, thorough: bool = False, also: Sequence[str] = ()
    ) -> FrameScan:
        """See :class:`Analyzer`."""
        return _scan(self._analyzer, frame, qr, face, thorough, also)

    def close(self) -> None:
        """Nothing to release."""


_CHILD: FaceAnalyzer | None = None


def _child_init(settings: Settings) -> None:
    global _CHILD
    _end_with_parent()
    _CHILD = analyzer_for(settings)
    _CHILD.engine.warm_up()  # older engines load on the first frame that needs them


def _end_with_parent() -> None:
    """Exit this child when its parent process ends, even by a crash or a kill (no orphan left running)."""
    import multiprocessing
    import os
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent's sentinel closes: it exited, crashed or was killed
        os._exit(0)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def _child_scan(frame: np.ndarray, qr: bool, face: bool, thorough: bool, also: Sequence[str]) -> FrameScan:
    assert _CHILD is not None
    return _scan(_CHILD, frame, qr, face, thorough, also)


def _child_ready() -> bool:
    return _CHILD is not None


class AnalyzerProcess:
    """Scans frames in one child process (spawned, so it is the same on Windows and Linux).

    The child loads the face models once (about 1 s after :meth:`start`). A crashed
    child is replaced on the next call, which raises :class:`AnalyzerError` once.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Spawn the child and start loading the models (returns at once)."""
        import multiprocessing

        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_child_init, initargs=(self._settings,)
            )
            self._pool.submit(_child_ready)

    def scan(
        self, frame: np.ndarray, *, qr: bool, face: bool, thorough: bool = False, also: Sequence[str] = ()
    ) -> FrameScan:
        """See :class:`Analyzer`. Blocks the calling thread (never the UI thread) until done.

        Raises:
            AnalyzerError: the child process died or is shut down.
        """
        self.start()
        assert self._pool is not None
        try:
            return self._pool.submit(_child_scan, frame, qr, face, thorough, tuple(also)).result()
        except (BrokenProcessPool, RuntimeError) as exc:
            self._pool = None
            raise AnalyzerError(
                f"the face recognition process stopped ({type(exc).__name__})",
                "it restarts by itself; if this repeats, restart the kiosk",
            ) from None

    def close(self) -> None:
        """Stop the child (waits for the frame it is on, at most a few hundred ms)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def decision_key(check: FaceCheck) -> Hashable:
    """Two checks with the same key are the same outcome (citizen, candidate list, or unknown)."""
    match = check._match
    if match.decision is Decision.MATCH:
        return (Decision.MATCH, match.citizen_id)
    if match.decision is Decision.CONFIRM:
        return (Decision.CONFIRM, frozenset(c.citizen_id for c in match.candidates))
    return (Decision.UNKNOWN,)


@dataclass(frozen=True)
class WatchResult:
    """What one frame showed, for the screen.

    Attributes:
        mode: the mode the frame was processed in.
        frame_shape: ``(height, width)`` of the frame the boxes refer to.
        boxes: every face found, largest first (frame pixels).
        card: a CCCD card read from a QR code in view.
        card_error: a QR code was read but is not a CCCD card.
        decided: (WATCH) a face decision the last ``agreement_frames`` frames agreed on.
        sample: (CAPTURE, GUARD, WATCH) the largest face, measured and encoded, with its quality issues.
        seen: (GUARD) the largest face, identified on this frame alone; None when no face was found.
        analysis_ms: time the analysis of this frame took.
        code: the corners (frame pixels, clockwise) of a QR code seen but not read, to
            outline on the preview; ``()`` when none.
        hint: what would help that code read (None when there is none).
        held: (WATCH) the frames agreed on a decision already handled and held back until the
            face leaves (:meth:`FrameWatcher.hold`): the citizen just served, or a face not
            recognised whose card was asked for. None otherwise.
    """

    mode: Mode
    frame_shape: tuple[int, int] = (0, 0)
    boxes: tuple[FaceBox, ...] = ()
    card: CccdRead | None = None
    card_error: KioskError | None = None
    decided: FaceCheck | None = None
    sample: FaceSample | None = None
    seen: FaceCheck | None = None
    analysis_ms: float = 0.0
    code: tuple[tuple[float, float], ...] = ()
    hint: CardHint | None = None
    held: FaceCheck | None = None


def _located(result: WatchResult, scan: FrameScan) -> WatchResult:
    """``result`` with the most readable-looking code ``scan`` saw but did not read."""
    if scan.qr or not scan.located:
        return result
    best = max(scan.located, key=promise)
    corners = tuple((float(x), float(y)) for x, y in best.corners)
    return replace(result, code=corners, hint=card_hint(best))


class FrameWatcher:
    """Turns frames into :class:`WatchResult` for one counter. Used from one thread at a time."""

    THOROUGH_EVERY = 4
    """In CARD mode, every this many frames the slow QR chain runs instead of the fast path,
    on the most promising of the last :attr:`RECENT_CARDS` frames where a code was seen."""
    RECENT_CARDS = 4

    def __init__(self, kiosk: Kiosk, analyzer: Analyzer, *, hold_s: float = 120.0) -> None:
        self.kiosk = kiosk
        self.analyzer = analyzer
        self.voter = FrameVoter(kiosk.settings.agreement_frames)
        self._recent: deque[FaceSample] = deque(maxlen=kiosk.settings.agreement_frames)  # the voted frames' faces
        self.hold_s = hold_s
        self._held: tuple[Hashable, float] | None = None
        self._card_frames = 0
        self._seen_codes: deque[tuple[float, np.ndarray]] = deque(maxlen=self.RECENT_CARDS)

    def reset(self) -> None:
        """Forget the frames seen so far (the screen changed)."""
        self.voter.reset()
        self._recent.clear()
        self._card_frames = 0
        self._seen_codes.clear()

    def hold(self, check: FaceCheck) -> None:
        """Do not report this same outcome again until the face leaves (or ``hold_s`` passes)."""
        self._held = (decision_key(check), time.monotonic() + self.hold_s)

    @property
    def holding(self) -> bool:
        """True while an outcome is held back (until the face leaves the camera)."""
        return self._held is not None

    def hold_citizen(self, citizen_id: int) -> None:
        """Do not report a match of this citizen until the face leaves (just enrolled or checked in by card)."""
        self._held = ((Decision.MATCH, citizen_id), time.monotonic() + self.hold_s)

    def process(self, frame: np.ndarray, mode: Mode) -> WatchResult | None:
        """Analyse one frame in ``mode``; None in PAUSED mode."""
        shape = (int(frame.shape[0]), int(frame.shape[1]))
        if mode is Mode.PAUSED:
            return None
        if mode is Mode.CARD:
            self._card_frames += 1
            thorough = self._card_frames % self.THOROUGH_EVERY == 0
            best = None
            if thorough and self._seen_codes:
                index = max(range(len(self._seen_codes)), key=lambda i: self._seen_codes[i][0])
                best = self._seen_codes[index]
                del self._seen_codes[index]  # it gets its slow try now, and only once
            chosen = frame if best is None else best[1]
            scan = self.analyzer.scan(chosen, qr=True, face=False, thorough=thorough)
            if scan.qr:
                self._seen_codes.clear()
            elif scan.located and best is None:
                self._seen_codes.append((max(promise(code) for code in scan.located), chosen))
            return _located(self._with_card(WatchResult(mode, shape, analysis_ms=scan.ms), scan), scan)
        if mode is Mode.CAPTURE:
            scan = self.analyzer.scan(frame, qr=False, face=True)
            faces = scan.faces or FrameFaces((), None)
            return WatchResult(mode, shape, faces.boxes, sample=faces.primary, analysis_ms=scan.ms)
        scan = self.analyzer.scan(frame, qr=True, face=True, also=self.kiosk.legacy_engines)
        result = WatchResult(mode, shape, analysis_ms=scan.ms)
        if mode is Mode.GUARD:
            if scan.qr:
                return self._with_card(result, scan)
            faces = scan.faces or FrameFaces((), None)
            seen = self.kiosk.identify_sample(faces.primary) if faces.primary is not None else None
            return WatchResult(mode, shape, faces.boxes, sample=faces.primary, seen=seen, analysis_ms=scan.ms)
        if scan.qr:
            self.voter.feed(None)
            self._recent.clear()
            return self._with_card(result, scan)
        result = _located(result, scan)
        faces = scan.faces or FrameFaces((), None)
        if faces.primary is None:
            self.voter.feed(None)
            self._recent.clear()
            self._held = None  # the face left: the next citizen may be the same person again
            return result
        check = self.kiosk.identify_sample(faces.primary)
        self._recent.append(faces.primary)
        agreed = self.voter.feed(check._match) is not None
        if agreed:  # the agreeing frames' faces fused may spare the keypad
            check = self.kiosk.identify_frames(tuple(self._recent), check)
        held = agreed and self._is_held(check)
        decided = replace(check, samples=tuple(self._recent)) if agreed and not held else None
        if agreed:
            self._recent.clear()
        return replace(result, boxes=faces.boxes, decided=decided, sample=faces.primary, held=check if held else None)

    def _is_held(self, check: FaceCheck) -> bool:
        if self._held is None:
            return False
        key, until = self._held
        if time.monotonic() > until:
            self._held = None
            return False
        return key == decision_key(check)

    @staticmethod
    def _with_card(result: WatchResult, scan: FrameScan) -> WatchResult:
        first_error: KioskError | None = None
        for payload in scan.qr:
            try:
                return WatchResult(result.mode, result.frame_shape, card=parse_cccd(payload), analysis_ms=scan.ms)
            except CccdError as exc:
                first_error = first_error or exc
        return WatchResult(result.mode, result.frame_shape, card_error=first_error, analysis_ms=scan.ms)


_HINT_CAMERA = "hold the card's QR code to the camera instead"


def card_from_scanner(payload: str | bytes) -> CccdRead:
    """Parse the text a USB QR scanner typed (keyboard wedge) or sent (serial port).

    A keyboard-wedge scanner types the payload through the PC's keyboard layout, which
    often cannot type Vietnamese: letters arrive as ``?``, without their accents, or as
    mojibake. Such text is refused rather than saving a wrong name.

    Raises:
        ScannerMangledError: the text is mangled or is not a CCCD payload.
    """
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise ScannerMangledError("the scanner sent text that is not UTF-8", _HINT_CAMERA) from None
    text = payload.strip("\ufeff\r\n ")
    if "?" in text or "\ufffd" in text:
        raise ScannerMangledError("the scanner replaced Vietnamese letters with '?' (keyboard emulation)", _HINT_CAMERA)
    if not is_vietnamese_text(text):
        raise ScannerMangledError(
            "the scanner garbled the Vietnamese letters (wrong keyboard layout or code page)", _HINT_CAMERA
        )
    try:
        card = parse_cccd(text)
    except CccdError as exc:
        raise ScannerMangledError(
            f"the scanner's text is not a readable CCCD card ({exc.message})", _HINT_CAMERA
        ) from None
    record = card.record
    if any(w.code == "unaccented_gender" for w in card.warnings) or (
        record.full_name.isascii() and record.address.isascii()
    ):
        raise ScannerMangledError(
            "the scanner dropped the accents of the Vietnamese letters (keyboard emulation)", _HINT_CAMERA
        )
    return card
