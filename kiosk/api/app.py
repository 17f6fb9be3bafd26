"""The API's routes (Starlette): health, current, events (server-sent), visit done, confirm, OpenAPI.

Every route but ``/v1/health`` and ``/v1/openapi.json`` needs ``Authorization: Bearer <token>``
(``/v1/events`` also takes ``?access_token=``: a browser's ``EventSource`` cannot send headers).
A request from a web page whose ``Origin`` is not on ``api_allowed_origins`` is refused (403)
and gets no CORS grant; a ``Host`` that is not this PC is refused (DNS rebinding). Every
citizen handed out (``/v1/current``, each event carrying one) is written to the audit log.
Database calls run in Starlette's thread pool: the event loop never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.api.fields import event_json, presence_json
from kiosk.api.openapi import KEEPALIVE_S, MAX_VISIT_ID, openapi_document
from kiosk.counter.desk import Desk, DeskEvent
from kiosk.counter.service import Kiosk

__all__ = ["KEEPALIVE_S", "Streams", "build_app"]  # KEEPALIVE_S: see kiosk.api.openapi

_ID_DIGITS = re.compile(r"[0-9]{1,19}")
"""A visit id as a path may give it: ASCII digits, at most as many as 2^63-1 has (before int())."""

QUEUE_EVENTS = 100
"""Events kept for one slow event-stream client; older ones are dropped beyond this."""


class Streams:
    """The open event streams: each one's queue, fed from the reporting thread, closed on shutdown."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: set[asyncio.Queue[DeskEvent | None]] = set()

    def put(self, queue: asyncio.Queue[DeskEvent | None], event: DeskEvent | None) -> None:
        """(On the loop) add ``event``; a full queue drops its oldest event (a slow client misses, never blocks)."""
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(event)

    def close_all(self) -> None:
        """(Any thread) end every open stream."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            for queue in list(self.queues):
                loop.call_soon_threadsafe(self.put, queue, None)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


def _error(status: int, message: str, hint: str = "") -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return _json({"error": message, "hint": hint}, status, headers)


def _client(request: Request) -> str:
    """Who asked, for the audit log: the page's origin, else the caller's address."""
    origin = request.headers.get("origin")
    return origin or f"local {request.client.host if request.client else '?'}"


class HostGuard:
    """Refuse (400, JSON) a request whose ``Host`` is not this PC's (DNS rebinding: a page on
    another site pointing its own name at 127.0.0.1); ``hosts`` holds ``*`` to accept any."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self.hosts:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.hosts:
                response = _error(400, "this Host is not the kiosk's", "call the API at 127.0.0.1 or localhost")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class OriginGuard:
    """Refuse (403) a request from a web page whose ``Origin`` is not allowed (CORS preflights,
    answered by the CORS middleware outside this one, never reach it)."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app, self.origins = app, set(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            origin = dict(scope["headers"]).get(b"origin")
            if origin is not None and origin.decode("latin-1").rstrip("/") not in self.origins:
                response = _error(403, "this web page's origin may not call the kiosk", "add it to api_allowed_origins")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_app(kiosk: Kiosk, desk: Desk, token: str, *, hosts: tuple[str, ...], streams: Streams) -> Starlette:
    """The API over ``kiosk`` and ``desk``; ``token``: the bearer token; ``hosts``: the ``Host``
    names accepted (``*`` for any); ``streams``: where the open event streams are kept."""
    settings = kiosk.settings
    counter = settings.counter_name

    def authorised(request: Request, *, query: bool = False) -> bool:
        given = request.headers.get("authorization", "")
        if given[:7].lower() == "bearer ":
            given = given[7:].strip()
        elif query:
            given = request.query_params.get("access_token", "")
        else:
            given = ""
        return bool(given) and hmac.compare_digest(given.encode(), token.encode())

    def guarded(
        handler: Callable[[Request], Awaitable[Response]], *, query: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            if not authorised(request, query=query):
                return _error(401, "missing or wrong API token", "send Authorization: Bearer <kiosk admin api-token>")
            return await handler(request)

        return route

    async def health(request: Request) -> Response:
        try:
            package = version("cccd-kiosk")
        except PackageNotFoundError:  # pragma: no cover - run from a bare source tree
            package = "unknown"
        return _json(
            {
                "ok": True,
                "version": package,
                "engine": kiosk.engine,
                "counter": counter,
                "camera": desk.camera,
                "last_sync": desk.last_sync.isoformat() if desk.last_sync else None,
            }
        )

    async def current(request: Request) -> Response:
        presence = desk.current()
        if presence is None:
            return Response(status_code=204)
        await run_in_threadpool(kiosk.audit_api_read, presence.citizen, "current", _client(request))
        return _json(presence_json(presence, counter))

    async def events(request: Request) -> Response:
        loop = asyncio.get_running_loop()
        streams.loop = loop
        queue: asyncio.Queue[DeskEvent | None] = asyncio.Queue(QUEUE_EVENTS)
        streams.queues.add(queue)

        def hand_over(event: DeskEvent) -> None:  # on the reporting thread: onto this loop
            loop.call_soon_threadsafe(streams.put, queue, event)

        unsubscribe = desk.subscribe(hand_over)
        client = _client(request)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if event is None:
                        return
                    if event.presence is not None:
                        await run_in_threadpool(kiosk.audit_api_read, event.presence.citizen, event.kind.value, client)
                    data = json.dumps(event_json(event, counter), ensure_ascii=False)
                    yield f"id: {event.seq}\nevent: {event.kind.value}\ndata: {data}\n\n"
            finally:
                unsubscribe()
                streams.queues.discard(queue)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    async def visit_done(request: Request) -> Response:
        given = request.path_params["visit_id"]
        if not (_ID_DIGITS.fullmatch(given) and 1 <= int(given) <= MAX_VISIT_ID):
            return _error(
                400,
                f"the visit id must be a whole number from 1 to {MAX_VISIT_ID}",
                "use the visit_id of /v1/current or an event",
            )
        visit_id = int(given)
        if not await run_in_threadpool(kiosk.mark_visit_done, visit_id):
            return _error(404, f"no visit {visit_id} at this counter", "use the visit_id of /v1/current or an event")
        desk.visit_done(visit_id)  # the window, if any, asks the citizen's question
        return _json({"visit_id": visit_id, "done": True})

    async def confirm(request: Request) -> Response:
        if desk.confirmer is None:
            return _error(409, "this counter confirms in its window", "the clerk presses Enter on the counter app")
        presence = await run_in_threadpool(desk.confirm)
        if presence is None or presence.state != "confirmed":
            return _error(409, "nobody is recognised and awaiting confirmation", "wait for citizen_recognised")
        await run_in_threadpool(kiosk.audit_api_read, presence.citizen, "confirm", _client(request))
        return _json(presence_json(presence, counter))

    async def openapi(request: Request) -> Response:
        return _json(openapi_document())

    routes = [
        Route("/v1/health", health),
        Route("/v1/openapi.json", openapi),
        Route("/v1/current", guarded(current)),
        Route("/v1/events", guarded(events, query=True)),
        Route("/v1/visits/current/confirm", guarded(confirm), methods=["POST"]),
        Route("/v1/visits/{visit_id}/done", guarded(visit_done), methods=["POST"]),
    ]

    async def not_routed(request: Request, exc: Exception) -> Response:
        """An unknown path (404) or method (405, with ``Allow``): JSON like every other error."""
        status = getattr(exc, "status_code", 404)
        answer = _error(
            status,
            f"no {request.method} {request.url.path} in this API"
            if status == 405
            else f"no {request.url.path} in this API",
            "see /v1/openapi.json for the paths and methods",
        )
        answer.headers.update(getattr(exc, "headers", None) or {})
        return answer

    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization"],
            max_age=600,
        ),
        Middleware(OriginGuard, origins=settings.api_origins),
        Middleware(HostGuard, hosts=hosts),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        streams.loop = asyncio.get_running_loop()
        yield

    app = Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers={404: not_routed, 405: not_routed}
    )
    app.router.redirect_slashes = False  # /v1/health/ is an unknown path (404), not an undocumented redirect
    return app
