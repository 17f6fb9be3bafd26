"""The counter without a window (``kiosk serve``): frames in, the :class:`~kiosk.counter.desk.Desk` told.

A face decided over agreeing frames as a MATCH is *recognised*; a CCCD card in view is
*read* (audited like at the window). Nobody presses Enter here, so a recognised citizen
is confirmed (the visit logged) in one of two ways:

- by the clerk's own system: ``POST /v1/visits/current/confirm`` (:meth:`HeadlessCounter.confirm`);
- with ``auto_confirm`` (``kiosk serve --auto-confirm``, a self-service or a clerk-less
  counter): a face the policy accepts *alone* (``how`` = auto, the same threshold that fills
  the window's form by itself) and the card of an enrolled citizen are confirmed at once.

A card confirmed by the clerk's system may teach its citizen's template from the faces in
view since it was read, while a face stayed in view (:meth:`Kiosk.check_in_by_card`); a
card confirmed at once (``auto_confirm``) has none, so teaches nothing.

A face that needs the keypad (several citizens close) is never decided here: there is no
keypad, so it asks for nothing and the card is the way. Nothing is enrolled headless.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import numpy as np

from kiosk.cccd.record import CccdRead
from kiosk.counter.cards import CARD_FACES
from kiosk.counter.desk import Desk
from kiosk.counter.identify import FaceCheck
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Analyzer, FrameWatcher, Mode
from models import Decision, FaceSample, KioskError
from recognition.errors import CameraError
from recognition.sources import FrameSource

__all__ = ["HeadlessCounter"]


class HeadlessCounter:
    """One counter's frames through the watcher, reported to ``desk``. :meth:`step` from one
    thread (the camera loop); :meth:`confirm` from any (the API's)."""

    def __init__(self, kiosk: Kiosk, analyzer: Analyzer, desk: Desk, *, auto_confirm: bool = False) -> None:
        self.kiosk, self.desk, self.auto_confirm = kiosk, desk, auto_confirm
        self.watcher = FrameWatcher(kiosk, analyzer)
        self._lock = threading.Lock()
        self._pending: FaceCheck | CccdRead | None = None  # recognised, not yet confirmed
        self._card_in_view: str | None = None  # the ID number of the card read and still in view
        self._card_faces: deque[FaceSample] = deque(maxlen=CARD_FACES)
        """The faces in view since the pending card was read, while one stayed in view (live frames)."""
        desk.confirmer = self.confirm

    def step(self, frame: np.ndarray) -> None:
        """Analyse one frame (recognition runs here, on the caller's thread) and tell the desk."""
        result = self.watcher.process(frame, Mode.WATCH)
        if result is None:
            return
        if result.card is not None:
            self._card(result.card)
        else:
            self._card_in_view = None
            with self._lock:
                if result.sample is None:  # nobody in view: whoever comes next is not the card's holder
                    self._card_faces.clear()
                elif isinstance(self._pending, CccdRead):
                    self._card_faces.append(result.sample)
            check = result.decided
            if check is not None:
                self.watcher.hold(check)  # decided once until the face leaves
                if check.decision is Decision.MATCH and check.citizen is not None:
                    with self._lock:
                        self._pending = check
                    self.desk.recognised(check.citizen, "keypad" if check.via_keypad else "auto")
                    if self.auto_confirm and not check.via_keypad:
                        self.confirm()
        self.desk.seen(bool(result.boxes) or result.card is not None)

    def _card(self, card: CccdRead) -> None:
        if card.record.id_number == self._card_in_view:
            return  # the same card held up: read once
        self._card_in_view = card.record.id_number
        known = self.kiosk.check_card(card).known
        with self._lock:
            self._pending = card
            self._card_faces.clear()
        self.desk.card_read(card.record, known)
        if self.auto_confirm and known:
            self.confirm()

    def confirm(self) -> int | None:
        """Log the visit of the recognised citizen (face or enrolled card) and tell the desk; the
        visit's id, or None when nobody is awaiting confirmation (or the card's citizen is not enrolled)."""
        with self._lock:
            pending, self._pending = self._pending, None
            faces = tuple(self._card_faces)
            self._card_faces.clear()
            if isinstance(pending, FaceCheck):
                visit_id: int | None = self.kiosk.check_in(pending, learn=True)
            elif isinstance(pending, CccdRead):
                visit_id = self.kiosk.check_in_by_card(pending, faces=faces).visit_id
                if visit_id is None:
                    return None
            else:
                return None
            self.desk.confirmed(visit_id)
            return visit_id

    def run(self, source: FrameSource, stop: threading.Event, *, on_error: Callable[[KioskError], None]) -> None:
        """Read ``source`` until ``stop`` is set; a camera failure is reported (``desk.camera``,
        ``on_error``) and the camera opened again every 2 s."""
        while not stop.is_set():
            try:
                source.open()
                self.desk.camera = "running"
                while not stop.is_set():
                    frame = source.read()
                    try:
                        self.step(frame)
                    except CameraError:
                        raise
                    except KioskError as exc:  # a busy database, the analysis process restarting: next frame
                        on_error(exc)
            except CameraError as exc:
                self.desk.camera = f"failed: {exc.message}"
                on_error(exc)
                stop.wait(2.0)
            finally:
                source.close()
        self.desk.camera = "stopped"
