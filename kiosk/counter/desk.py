"""Who is at the counter now, and what just happened there: the feed of the local API.

The counter's flow (:mod:`ui.flow`, the window) or the headless counter
(:mod:`kiosk.counter.headless`, ``kiosk serve``) reports to a :class:`Desk`; the local API
(:mod:`kiosk.api`) reads :meth:`Desk.current` and subscribes to its events. Thread-safe: the
reporters and the API's thread call it at once. No Qt, no I/O: listeners are called on the
reporting thread and must only hand the event over (the API puts it on its event loop).

The presence of a citizen:

- ``recognised``: the face matched (``how`` = auto or keypad) or the card was read (card);
  the clerk has not confirmed yet. It goes when the screen goes back without a visit (not
  me, cancel) or clears itself.
- ``confirmed``: a visit was logged (Enter, a card check-in, ``kiosk serve``'s confirmation),
  or the citizen was just enrolled (``how`` = enrolled; their first visit, logged with it). It stays while the citizen is at the
  counter, for the clerk's system to read, and goes ``privacy_clear_s`` after their face left
  the camera, ``idle_clear_s`` after it was confirmed, or when the screen clears itself.

Those two limits hold for any presence whose frames are reported by :meth:`Desk.seen`
(``kiosk serve`` reports every frame; the window only its idle screen's, its screen guard
clearing the others).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from models import CitizenRecord

__all__ = ["Desk", "DeskEvent", "Kind", "Presence"]


class Kind(str, Enum):
    """The API's event names (``event:`` of the server-sent events)."""

    RECOGNISED = "citizen_recognised"
    CONFIRMED = "citizen_confirmed"
    CLEARED = "citizen_cleared"
    CARD_READ = "card_read"
    ENROLLED = "enrolled"


@dataclass(frozen=True)
class Presence:
    """The citizen now at the counter.

    Attributes:
        citizen: their CCCD record.
        state: ``recognised`` (awaiting the clerk) or ``confirmed``.
        how: ``auto`` (face alone), ``keypad`` (face + typed digits), ``card`` or ``enrolled``.
        visit_id: the logged visit (confirmed by a check-in), else None.
        since: when this state began (UTC).
    """

    citizen: CitizenRecord
    state: str
    how: str
    visit_id: int | None
    since: datetime


@dataclass(frozen=True)
class DeskEvent:
    """One event: its number (1, 2... for this run), kind, time (UTC), the presence after it
    (None for ``citizen_cleared``), and the reason of a clear or whether a card's citizen is enrolled."""

    seq: int
    kind: Kind
    at: datetime
    presence: Presence | None
    reason: str = ""
    known: bool | None = None


Listener = Callable[[DeskEvent], None]


class Desk:
    """The counter's presence and its event feed.

    ``face_gone_s``, ``idle_s``: the clearing limits of a confirmed presence (seconds);
    ``clock``: monotonic seconds (for those limits); ``now``: the wall clock of the events.
    """

    def __init__(
        self,
        *,
        face_gone_s: float = 8.0,
        idle_s: float = 90.0,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.face_gone_s, self.idle_s, self.clock, self.now = face_gone_s, idle_s, clock, now
        self._lock = threading.RLock()
        self._presence: Presence | None = None
        self._since = 0.0  # monotonic time of the current presence
        self._gone_since: float | None = None  # monotonic time the face was last seen leaving
        self._listeners: list[Listener] = []
        self._seq = itertools.count(1)
        self.camera = "starting"
        """The camera's state for ``/v1/health``: starting, running, failed: <why>, stopped."""
        self.last_sync: datetime | None = None
        """When the last sync with the province registry finished (None: not this run)."""
        self.confirmer: Callable[[], int | None] | None = None
        """Logs the visit of a recognised citizen without a window (``kiosk serve``); None in the window."""
        self.on_visit_done: Callable[[int], None] | None = None
        """Told a visit's id when the local API marked it done (called on the API's thread): the
        window asks the citizen's question; None without a window."""

    # -- reading ------------------------------------------------------------------------------
    def current(self) -> Presence | None:
        """The citizen at the counter now, or None (a confirmed presence past its limits is cleared first)."""
        with self._lock:
            self._expire()
            return self._presence

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` on every event from now on (on the reporting thread); returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    # -- what the counter reports ----------------------------------------------------------------
    def synced(self, at: datetime | None = None) -> None:
        """A sync with the province registry finished at ``at`` (default: now), for ``/v1/health``."""
        self.last_sync = at or self.now()

    def recognised(self, citizen: CitizenRecord, how: str) -> None:
        """A face matched (``how``: auto or keypad); the clerk has not confirmed yet."""
        self._set(Kind.RECOGNISED, Presence(citizen, "recognised", how, None, self.now()))

    def card_read(self, citizen: CitizenRecord, known: bool) -> None:
        """A CCCD card was read (``known``: its citizen is enrolled); awaiting the clerk."""
        self._set(Kind.CARD_READ, Presence(citizen, "recognised", "card", None, self.now()), known=known)

    def confirmed(self, visit_id: int | None) -> None:
        """The recognised citizen's visit was logged (``visit_id``; None when unknown)."""
        with self._lock:
            presence = self._presence
            if presence is None:
                return
            self._set(Kind.CONFIRMED, Presence(presence.citizen, "confirmed", presence.how, visit_id, self.now()))

    def enrolled(self, citizen: CitizenRecord, visit_id: int | None) -> None:
        """A new citizen was enrolled (consent given, face stored): confirmed, with their first
        visit (``visit_id``, logged with the enrolment; None when unknown)."""
        self._set(Kind.ENROLLED, Presence(citizen, "confirmed", "enrolled", visit_id, self.now()))

    def withdrawn(self, reason: str) -> None:
        """The screen went back without a visit (not me, cancel, another step): clears a *recognised*
        presence only; a confirmed citizen stays until they leave."""
        with self._lock:
            if self._presence is not None and self._presence.state == "recognised":
                self.cleared(reason)

    def cleared(self, reason: str) -> None:
        """The citizen left or the screen cleared itself (``reason``: face_gone, idle, other_face...)."""
        with self._lock:
            if self._presence is not None:
                self._presence = None
                self._emit(DeskEvent(next(self._seq), Kind.CLEARED, self.now(), None, reason))

    def seen(self, face_in_view: bool) -> None:
        """A frame with nobody's screen up (the window's idle screen after a confirmation, every
        frame of ``kiosk serve``): whether a face is in view."""
        with self._lock:
            if face_in_view:
                self._gone_since = None
            elif self._gone_since is None:
                self._gone_since = self.clock()
            self._expire()

    def visit_done(self, visit_id: int) -> None:
        """The local API marked visit ``visit_id`` done: tell :attr:`on_visit_done`, if anyone listens."""
        listener = self.on_visit_done
        if listener is not None:
            listener(visit_id)

    def confirm(self) -> Presence | None:
        """Log the visit of the recognised citizen through :attr:`confirmer` (``kiosk serve``); the presence
        after it, or None when nobody is recognised or nothing can confirm here."""
        confirmer = self.confirmer
        if confirmer is None or self.current() is None:
            return None
        if confirmer() is None:  # nobody awaiting confirmation (already confirmed, or a card not enrolled)
            return None
        return self.current()

    # -- inside ----------------------------------------------------------------------------------
    def _set(self, kind: Kind, presence: Presence, known: bool | None = None) -> None:
        with self._lock:
            self._presence, self._since, self._gone_since = presence, self.clock(), None
            self._emit(DeskEvent(next(self._seq), kind, presence.since, presence, known=known))

    def _expire(self) -> None:
        if self._presence is None:
            return
        now = self.clock()
        if self._gone_since is not None and now - self._gone_since >= self.face_gone_s:
            self.cleared("face_gone")
        elif now - self._since >= self.idle_s:
            self.cleared("idle")

    def _emit(self, event: DeskEvent) -> None:
        for listener in list(self._listeners):
            listener(event)
