"""The docs' browser example (docs/api-example.html) in real headless Chromium, served from a local
web server whose origin the kiosk allows, receiving ``citizen_confirmed`` from a real ``kiosk serve``
fed by the sample set's images (the face of an enrolled citizen, then the empty counter)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.chromium import BINARY, Chromium
from tests.support.data import CARDS, FRAMES, ROOT, enrol_frames, run_cli

TOKEN = "browser-test-token-4f1c9a"


@pytest.fixture
def static_site():
    """docs/ on a local web server (a free port): the province's web form stands in."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT / "docs"))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
@pytest.mark.skipif(BINARY is None, reason="no chromium on this machine")
def test_the_docs_example_shows_the_confirmed_citizen_from_kiosk_serve(tmp_path: Path, static_site: str):
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'key_file = "{tmp_path / "kiosk.key"}"\napi_token = "{TOKEN}"\napi_allowed_origins = "{static_site}"\n',
        encoding="utf-8",
    )
    db = tmp_path / "kiosk.sqlite"
    faces = [a for p in enrol_frames("london_005") for a in ("--face", p)]
    enrolled = run_cli(
        "enroll", "--qr", CARDS / "london_005.jpg", *faces, "--consent", "--staff", "t", "--db", db, "--config", config
    )
    assert enrolled.exit_code == 0, enrolled.output
    camera = tmp_path / "camera"  # the empty counter for 3 s, then the citizen's face for 3 s, looping
    camera.mkdir()
    for name in ("0_empty.jpg", "1_empty.jpg", "2_empty.jpg"):
        shutil.copy(FRAMES / "empty_counter.jpg", camera / name)
    for name in ("3_face.jpg", "4_face.jpg", "5_face.jpg"):
        shutil.copy(FRAMES / "london_005" / "visit_2.jpg", camera / name)
    serve = subprocess.Popen(
        [Path(sys.executable).with_name("kiosk"), "serve", "--camera", camera, "--port", "0", "--auto-confirm",
         "--db", db, "--config", config, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    browser = None
    try:
        started = json.loads(serve.stdout.readline() or "{}")
        assert started.get("ok"), serve.stderr.read() if serve.poll() is not None else started
        kiosk_url = started["url"]
        browser = Chromium()
        browser.open(f"{static_site}/api-example.html?kiosk={kiosk_url}&token={TOKEN}")
        browser.wait_for(f"location.href.startsWith('{static_site}') && document.readyState === 'complete'")
        # the same stream once more in the page, to time each event: confirmation ("at") to its arrival
        browser.evaluate(
            f"window.lags = []; window.timed = new EventSource('{kiosk_url}/v1/events?access_token={TOKEN}')"
            ".addEventListener('citizen_confirmed', e => lags.push(Date.now() - Date.parse(JSON.parse(e.data).at)))"
        )
        state = browser.wait_for(
            "document.getElementById('state').textContent.startsWith('confirmed') && "
            "document.getElementById('state').textContent",
            timeout_s=30,
        )
        assert state.startswith("confirmed (auto)")
        assert browser.evaluate("document.getElementById('full_name').textContent") == "Lê Anh Sơn"
        assert browser.evaluate("document.getElementById('id_number').textContent") == "096098004127"
        lags = browser.wait_for("window.lags.length >= 2 && JSON.stringify(window.lags)", timeout_s=40)
        lags = json.loads(lags)
        print(f"\nconfirmation to event in the browser: {lags} ms")
        assert all(0 <= lag < 1000 for lag in lags), lags
    finally:
        if browser is not None:
            browser.close()
        serve.terminate()
        serve.wait(20)
