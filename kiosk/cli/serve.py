"""``kiosk serve``: the local API without a window, fed by a camera, an image folder or a video."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from kiosk.cli.support import camera_option, common_options, emit, kiosk_errors, open_kiosk
from models import KioskError


@click.command()
@camera_option
@click.option(
    "--port", type=click.IntRange(0, 65535), default=None, help="Listen on this port (default: api_port; 0 = any free)."
)
@click.option(
    "--auto-confirm",
    is_flag=True,
    help="Log the visit at once when the face alone is sure (auto) or an enrolled citizen's card is read; "
    "without it the clerk's system confirms (POST /v1/visits/current/confirm).",
)
@common_options
@kiosk_errors
def serve(
    camera: str | None,
    port: int | None,
    auto_confirm: bool,
    db_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Serve the local API (docs/API.md) headless, recognising citizens from a camera, folder or video."""
    from kiosk.api.server import ApiServer
    from kiosk.counter.camera import camera_from_settings, source_for
    from kiosk.counter.desk import Desk
    from kiosk.counter.headless import HeadlessCounter
    from kiosk.counter.watch import LocalAnalyzer

    with open_kiosk(db_path, config_path) as kiosk:
        settings = kiosk.settings
        if port is None and settings.api_port == 0:
            raise KioskError("api_port is 0: the local API is turned off", "set api_port, or give --port")
        kiosk.check_models()
        desk = Desk(face_gone_s=settings.privacy_clear_s, idle_s=settings.idle_clear_s)
        counter = HeadlessCounter(kiosk, LocalAnalyzer(settings), desk, auto_confirm=auto_confirm)
        source = source_for(camera, settings) if camera else camera_from_settings(settings)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        server = ApiServer(kiosk, desk, port=port)
        server.start()
        try:
            if server.warning:
                click.echo(server.warning, err=True)
            emit(
                {"ok": True, "url": server.url, "source": source.name, "auto_confirm": auto_confirm},
                as_json,
                f"kiosk API on {server.url} (token: kiosk admin api-token), reading {source.name}; Ctrl+C stops",
            )

            def failed(error: KioskError) -> None:
                click.echo(f"error: {error.one_line()}", err=True)

            try:
                counter.run(source, stop, on_error=failed)
            except KeyboardInterrupt:
                stop.set()
        finally:
            server.stop()
