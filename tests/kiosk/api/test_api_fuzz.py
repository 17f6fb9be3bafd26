"""The local API answers every request a client can send as its OpenAPI document says: a
fuzzer (schemathesis) generating requests from ``/v1/openapi.json`` against the real server,
the edges it once missed, and the endless event stream's heartbeat."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.api import app as api_app
from tests.support.api_client import EventReader

SCHEMATHESIS = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))


@pytest.mark.slow
def test_schemathesis_finds_nothing_in_any_operation(api_counter, tmp_path):
    _, client, _ = api_counter
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{client.url}/v1/openapi.json", "-H", f"Authorization: Bearer {client.token}",
            "--checks", "all", "--mode", "all", "--exclude-path", "/v1/events",
            "--max-examples", "150", "--seed", "20261206", "--no-color",
        ],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,  # its .schemathesis/ cache goes there
    )  # fmt: skip
    out = run.stdout + run.stderr
    generated = re.search(r"(\d+) generated, (\d+) passed", out)
    tested = re.search(r"Tested: (\d+)", out)
    print(f"\nschemathesis: {tested and tested.group(1)} operations, {generated and generated.group(0)}")
    assert run.returncode == 0 and "No issues found" in out, out[-3000:]
    assert tested and int(tested.group(1)) >= 4  # health, current, visit done, confirm (events: below)
    assert generated and int(generated.group(1)) >= 200 and generated.group(1) == generated.group(2)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/visits/327827804756549450231447552/done", 400),  # once a 500: too large for SQLite
        ("POST", "/v1/visits/-5/done", 400),
        ("POST", "/v1/visits/0/done", 400),
        ("POST", "/v1/visits/%E2%91%A0/done", 400),  # a digit that int() would take, not ASCII
        ("POST", "/v1/visits/9223372036854775807/done", 404),  # the largest id: simply not a visit here
        ("GET", "/v1/no/such/path", 404),
        ("POST", "/v1/visits/" + "9" * 5000 + "/done", 400),  # longer than int() takes
        ("GET", "/v1/visits/5/done", 405),
        ("DELETE", "/v1/health", 405),
        ("GET", "/v1/health/", 404),  # no redirect to the path without the slash
        ("POST", "/v1/visits/1/done/", 404),
    ],
)
def test_every_error_is_json_with_its_documented_status(api_bare, method, path, status):
    _, client, _ = api_bare
    answer = client.call(method, path)
    assert answer.status == status and answer.headers["content-type"] == "application/json"
    assert set(answer.json()) == {"error", "hint"}
    document = client.get("/v1/openapi.json", token=False).json()
    operation = document["paths"].get("/v1/visits/{visit_id}/done", {}).get("post", {})
    if "/visits/" in path and path.endswith("/done") and method == "POST":
        assert str(status) in operation["responses"]  # the document gives this answer
    if status == 405:
        allowed = {m.strip() for m in answer.headers["allow"].split(",")}
        assert allowed == ({"POST"} if "/visits/" in path else {"GET", "HEAD"})
        assert "Allow" in document["paths"]["/v1/health"]["get"]["responses"]["405"]["headers"]


def test_a_foreign_host_is_refused_in_json(api_bare):
    _, client, _ = api_bare
    answer = client.get("/v1/health", headers={"Host": "evil.example:47615"}, token=False)
    assert answer.status == 400 and answer.json()["error"] == "this Host is not the kiosk's"


@pytest.mark.slow
def test_the_endless_stream_says_it_is_alive_every_few_seconds(api_bare):
    _, client, _ = api_bare
    reader = EventReader(client.url, "/v1/events", headers={"Authorization": f"Bearer {client.token}"})
    started = time.monotonic()
    deadline = started + api_app.KEEPALIVE_S * 3
    while time.monotonic() < deadline and reader.raw.count(b": keep-alive") < 2:
        time.sleep(0.1)
    took = time.monotonic() - started
    reader.close()
    assert reader.status == 200 and reader.raw.startswith(b"retry: 2000\n\n")
    assert reader.raw.count(b": keep-alive") >= 2, bytes(reader.raw)
    assert took < api_app.KEEPALIVE_S * 2 + 1  # two heartbeats in the time the document says
    document = client.get("/v1/openapi.json", token=False).json()
    assert ": keep-alive` every 5 seconds" in document["paths"]["/v1/events"]["get"]["description"]
