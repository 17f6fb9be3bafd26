"""Run the API with uvicorn on its own thread and event loop: never on the UI thread.

``ApiServer(kiosk, desk).start()`` listens on ``api_bind``:``api_port`` (port 0: a free
one, for tests; :attr:`ApiServer.port` says which); ``stop()`` ends the open event streams
and the thread. Loopback only unless the administrator set ``api_allow_network = 1``
(:func:`check_bind`), and then with a warning.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from typing import TYPE_CHECKING

from kiosk.counter.desk import Desk
from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from models import KioskError

if TYPE_CHECKING:
    import uvicorn

    from kiosk.api.app import Streams

__all__ = ["ApiBindError", "ApiServer", "ApiStartError", "check_bind", "is_loopback"]


class ApiBindError(KioskError):
    """The settings ask the API to listen beyond this PC without the administrator's leave."""


class ApiStartError(KioskError):
    """The API could not start listening (the port is taken, the address is not this PC's)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> str | None:
    """None when ``api_bind`` is loopback; the warning line when it is not and ``api_allow_network`` is 1.

    Raises:
        ApiBindError: ``api_bind`` is not loopback and ``api_allow_network`` is 0.
    """
    host = settings.api_bind
    if is_loopback(host):
        return None
    if settings.api_allow_network != 1:
        raise ApiBindError(
            f"api_bind = {host!r} would let other machines ask for citizens' data, and api_allow_network is 0",
            "leave api_bind = 127.0.0.1, or an administrator sets api_allow_network = 1",
        )
    return (
        f"warning: the local API listens on {host}:{settings.api_port}, beyond this PC "
        "(api_allow_network = 1): protect the port with a firewall"
    )


class ApiServer:
    """The API on a uvicorn server in a daemon thread. ``port``: None = ``api_port`` of the settings, 0 = any free."""

    def __init__(self, kiosk: Kiosk, desk: Desk, *, port: int | None = None) -> None:
        self.kiosk, self.desk = kiosk, desk
        self.settings = kiosk.settings
        self.requested_port = self.settings.api_port if port is None else port
        self.warning: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._streams: Streams | None = None

    @property
    def port(self) -> int:
        """The port listened on (known once started)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server."""
        host = self.settings.api_bind
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{self._port}"

    def start(self, timeout_s: float = 10.0) -> None:
        """Start listening (returns once the socket is open).

        Raises:
            ApiBindError: a non-loopback address without the administrator's leave.
            ApiStartError: the port is taken or the address is not this PC's.
        """
        import uvicorn

        from kiosk.api.app import Streams, build_app

        self.warning = check_bind(self.settings)
        host = self.settings.api_bind
        hosts = ("*",) if not is_loopback(host) else ("127.0.0.1", "localhost", "::1", "[::1]")
        streams = Streams()
        app = build_app(self.kiosk, self.desk, self.kiosk.api_token(), hosts=hosts, streams=streams)
        config = uvicorn.Config(
            app,
            host=host,
            port=self.requested_port,
            log_level="critical",
            access_log=False,  # /v1/events?access_token=... must not land in a log
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
        server = uvicorn.Server(config)

        def run() -> None:
            try:
                server.run()
            except SystemExit:  # uvicorn's way of saying it could not listen: start() says it in words
                pass

        thread = threading.Thread(target=run, name="kiosk-api", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout_s
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            server.should_exit = True
            thread.join(2)
            raise ApiStartError(
                f"the local API could not listen on {host}:{self.requested_port}",
                "another program (or another kiosk) uses that port: choose another api_port, or 0 to turn the API off",
            )
        self._server, self._thread, self._streams = server, thread, streams
        self._port = int(server.servers[0].sockets[0].getsockname()[1])

    def stop(self) -> None:
        """End the open event streams, stop listening and wait for the thread (a few seconds at most)."""
        server, thread = self._server, self._thread
        if self._streams is not None:
            self._streams.close_all()
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> ApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
