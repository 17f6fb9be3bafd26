"""A visit's life beside the counter's states, without Qt: when the citizen came into view, the
visit the clerk is serving, the clerk's "Xong" and the citizen's satisfaction answer.

In order: a visit's ``seen_at`` is when a face (or card) first came into view on the idle (or
card-asking) screen, kept until the screen is idle again with nobody in view; once the visit is
logged (:meth:`VisitLifecycle.serve`) the clerk serves it until "Xong" (F8,
:meth:`VisitLifecycle.finish`); :meth:`VisitLifecycle.done` (the one place "Xong" and the local
API's ``done`` both end in) asks the citizen how satisfied they were for ``rating_timeout_s``;
one answer (:meth:`VisitLifecycle.rate`) is recorded on the visit, no answer records nothing.
It runs beside the states (:class:`ui.flow.CounterFlow` owns one as ``visits``): the next
citizen may already be at the counter while the last one answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.counter.service import Kiosk
from models import Rating
from ui.screens import CounterView, Event, Runner, State


class VisitLifecycle:
    """The first-seen clock, the visit being served and the question asked. Call from the flow's thread.

    ``kiosk``: the services (the store's clock, ``rating_timeout_s``, marking and rating visits);
    ``view``: shows the "Xong" button and the question; ``run``: runs the service calls that write
    (:data:`ui.screens.Runner`); ``clock``: seconds, monotonic (the flow's).
    """

    def __init__(self, *, kiosk: Kiosk, view: CounterView, run: Runner, clock: Callable[[], float]) -> None:
        self.kiosk, self.view, self.run, self.clock = kiosk, view, run, clock
        self.seen_since: float | None = None  # (clock) when the current citizen's face or card came into view
        self.serving: int | None = None  # the visit logged last and not marked done yet (the clerk's "Xong")
        self.rating_visit: int | None = None  # the visit the citizen-facing side asks about
        self.rating_until = 0.0  # (clock) when the question goes away unanswered

    # -- when the citizen came into view ----------------------------------------------------------
    def note_seen(self, in_view: bool, state: State, *, deciding: bool) -> None:
        """A frame (or a scan) on screen ``state``: start the first-seen clock when a face or card comes
        into view on the idle (or card-asking) screen; an idle screen with nobody in view and no face
        check on it (``deciding`` False) forgets it."""
        if state not in (State.IDLE, State.ASK_CARD):
            return
        if in_view and self.seen_since is None:
            self.seen_since = self.clock()
        elif not in_view and state is State.IDLE and not deciding:
            self.seen_since = None

    def seen_at(self) -> datetime | None:
        """When the current citizen's face or card came into view (aware UTC, on the store's clock); None: unknown."""
        if self.seen_since is None:
            return None
        return self.kiosk.store.clock() - timedelta(seconds=max(0.0, self.clock() - self.seen_since))

    # -- the visit served, the clerk's "Xong" -----------------------------------------------------
    def serve(self, visit_id: int | None) -> None:
        """A visit was logged (``visit_id``; None or 0: no id): the clerk serves it until "Xong"; the
        next citizen gets a new first-seen time."""
        self.seen_since = None
        if visit_id:
            self.serving = visit_id
            self.view.show_serving(visit_id)

    def finish(self) -> None:
        """The clerk's "Xong" (F8): mark the visit being served done, then ask the citizen (:meth:`done`)."""
        visit_id = self.serving
        if visit_id is None:
            return

        def marked(found: bool) -> None:
            if found:
                self.done(visit_id)
            elif self.serving == visit_id:  # purged meanwhile: nothing to finish
                self.serving = None
                self.view.show_serving(None)

        self.run(lambda: self.kiosk.mark_visit_done(visit_id), marked, self.view.show_error)

    def done_by_api(self, visit_id: int) -> None:
        """The local API marked visit ``visit_id`` done (call on the UI thread): ask the citizen
        (:meth:`done`) only when it is the visit being served here. Not after "Xong" already asked
        (one question per visit), nor for an old visit or another counter's."""
        if visit_id == self.serving:
            self.done(visit_id)

    # -- the citizen's answer ---------------------------------------------------------------------
    def done(self, visit_id: int) -> None:
        """Visit ``visit_id`` was marked done (by :meth:`finish` or :meth:`done_by_api`; call on
        the UI thread): the citizen-facing side asks how satisfied the citizen was, for
        ``rating_timeout_s``."""
        if self.serving == visit_id:
            self.serving = None
            self.view.show_serving(None)
        self.rating_visit = visit_id
        self.rating_until = self.clock() + self.kiosk.settings.rating_timeout_s
        self.view.show_rating(visit_id)
        self.view.report(Event.VISIT_DONE, visit_id)

    def rate(self, rating: Rating) -> None:
        """The citizen's answer (a tap, or keys 1-4): recorded on the visit asked about; later taps are ignored."""
        visit_id = self.rating_visit
        if visit_id is None:
            return
        self.rating_visit = None
        self.view.end_rating(rating)

        def recorded(found: bool) -> None:
            if found:
                self.view.report(Event.VISIT_RATED, (visit_id, rating))

        self.run(lambda: self.kiosk.rate_visit(visit_id, rating), recorded, self.view.show_error)

    def until_due(self) -> float | None:
        """Seconds (≥ 0) until the unanswered question goes away; None while nothing is asked."""
        if self.rating_visit is None:
            return None
        return max(0.0, self.rating_until - self.clock())

    def expire(self) -> None:
        """Put the question away once its time is up (no answer: nothing recorded)."""
        if self.rating_visit is not None and self.clock() >= self.rating_until:
            self.rating_visit = None
            self.view.end_rating(None)
