"""A small client of the kiosk's local API for the tests: plain requests and a server-sent events reader."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Client:
    """Requests to ``url`` with ``token`` (None: no Authorization header); every body is kept in ``bodies``."""

    url: str
    token: str | None
    bodies: list[bytes] = field(default_factory=list)

    def call(self, method: str, path: str, *, token: str | None | bool = True, headers: dict[str, str] | None = None):
        request = urllib.request.Request(self.url + path, method=method, headers=headers or {})
        bearer = self.token if token is True else token
        if bearer:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
        except urllib.error.HTTPError as exc:
            answer = Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())
        self.bodies.append(answer.body)
        return answer

    def get(self, path: str, **kw):
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.call("POST", path, **kw)


@dataclass
class Event:
    name: str
    data: dict
    received: float  # time.time() when the event's last line arrived


class EventReader:
    """Reads ``/v1/events`` on a thread; :meth:`next` waits for the next event. Raw bytes kept in ``raw``."""

    def __init__(self, url: str, path: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.conn.request("GET", path, headers=headers or {})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.headers = {k.lower(): v for k, v in self.response.getheaders()}
        self.events: queue.Queue[Event] = queue.Queue()
        self.raw = bytearray()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        name, data = "message", ""
        try:
            for line in self.response:
                self.raw += line
                text = line.decode("utf-8").rstrip("\r\n")
                if text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    data += text[5:].strip()
                elif text == "" and data:
                    self.events.put(Event(name, json.loads(data), time.time()))
                    name, data = "message", ""
        except (OSError, ValueError, AttributeError):  # closed by close(): http.client drops its file
            return

    def next(self, timeout: float = 1.0) -> Event:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        """Hang up at once (the reading thread holds the response's buffer until data comes: shut the socket first)."""
        if self.conn.sock is not None:
            with contextlib.suppress(OSError):
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()


ORIGIN = "https://dichvucong.camau.gov.vn"
"""The web origin the served counters allow (the province's form)."""


class QuietView:
    """The counter flow's view, rendering nothing (the API is what is looked at)."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class Holds:
    def hold(self, check) -> None: ...

    def hold_citizen(self, citizen_id) -> None: ...


def run_now(work, on_done, on_error) -> None:
    """The flow's task runner, inline."""
    try:
        result = work()
    except Exception as exc:  # pragma: no cover - shown by the test that hits it
        on_error(exc)
    else:
        on_done(result)


def served(kiosk):
    """A counter flow over ``kiosk`` with its API on a free port: yields (flow, Client with the token, server)."""
    from kiosk.api.server import ApiServer
    from ui.flow import CounterFlow

    kiosk.settings = kiosk.settings.replace(api_allowed_origins=ORIGIN)
    flow = CounterFlow(kiosk=kiosk, view=QuietView(), watcher=Holds(), run=run_now)
    flow.go_idle()
    server = ApiServer(kiosk, flow.desk, port=0)
    server.start()
    yield flow, Client(server.url, kiosk.api_token()), server
    server.stop()
