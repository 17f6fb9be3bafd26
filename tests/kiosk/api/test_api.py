"""The local API against the real server on a free port: the counter's flow (real faces through the
real policy, real SQLite) reports to the desk, a real HTTP client reads ``/v1/current`` and the events."""

from __future__ import annotations

import base64
import time

import pytest

from kiosk.api.server import ApiBindError, ApiServer, ApiStartError, is_loopback
from kiosk.counter.desk import Desk
from kiosk.counter.service import Kiosk
from kiosk.counter.watch import Mode, WatchResult
from tests.support.api_client import ORIGIN, Client, EventReader
from tests.support.data import FRAMES, analyzed

SHAPE = (480, 640)


def decided(kiosk: Kiosk, image: str) -> WatchResult:
    faces = analyzed(FRAMES / image)
    return WatchResult(
        Mode.WATCH, SHAPE, faces.boxes, decided=kiosk.identify_sample(faces.primary), sample=faces.primary
    )


def api_reads(kiosk: Kiosk) -> list[tuple[str, str]]:
    return [(e["subject"], e["detail"]) for e in reversed(kiosk.store.audit_entries(200)) if e["action"] == "api_read"]


@pytest.mark.slow
def test_a_recognised_citizen_is_current_and_an_event_within_a_second_then_confirmed(api_counter):
    flow, client, server = api_counter
    kiosk = flow.kiosk
    assert client.get("/v1/current").status == 204  # nobody at the counter yet
    events = EventReader(server.url, "/v1/events", {"Authorization": f"Bearer {client.token}"})
    assert events.status == 200 and events.headers["content-type"].startswith("text/event-stream")
    time.sleep(0.2)  # the stream is subscribed

    shown = time.time()
    flow.frame(decided(kiosk, "london_005/visit_2.jpg"))
    event = events.next(timeout=1.0)
    assert event.name == "citizen_recognised" and event.received - shown < 1.0
    assert event.data["citizen"]["full_name"] == "Lê Anh Sơn" and event.data["state"] == "recognised"
    assert event.data["how"] == "auto" and event.data["visit_id"] is None
    current = client.get("/v1/current")
    assert current.status == 200
    body = current.json()
    assert (body["state"], body["how"], body["citizen"]["id_number"]) == ("recognised", "auto", "096098004127")
    assert set(body["citizen"]) == {
        "id_number",
        "old_id_number",
        "full_name",
        "date_of_birth",
        "gender",
        "address",
        "issue_date",
        "extra",
    }

    confirmed_at = time.time()
    flow.primary()  # the clerk presses Enter
    event = events.next(timeout=1.0)
    assert event.name == "citizen_confirmed" and event.received - confirmed_at < 1.0
    visit_id = event.data["visit_id"]
    assert visit_id == kiosk.store.visits(1)[0]["id"] and event.data["how"] == "auto"
    body = client.get("/v1/current").json()
    assert body["state"] == "confirmed" and body["visit_id"] == visit_id  # still there for the clerk's system

    # the clerk's system finishes the visit: done_at stamped once
    assert client.post(f"/v1/visits/{visit_id}/done").json() == {"visit_id": visit_id, "done": True}
    assert kiosk.store.visits(1)[0]["done_at"] is not None
    assert client.post("/v1/visits/987654/done").status == 404

    # the citizen leaves: cleared after privacy_clear_s of no face (the flow's clock is the real one here)
    flow.desk.face_gone_s = 0.2  # privacy_clear_s (8 s by default), shortened for the test
    flow.frame(WatchResult(Mode.WATCH, SHAPE))
    time.sleep(0.25)
    flow.frame(WatchResult(Mode.WATCH, SHAPE))
    event = events.next(timeout=1.0)
    assert event.name == "citizen_cleared" and event.data["reason"] == "face_gone" and "citizen" not in event.data
    assert client.get("/v1/current").status == 204
    events.close()

    # every citizen handed out is in the audit log: two reads of /v1/current, two events
    reads = api_reads(kiosk)
    assert [r[0] for r in reads] == ["096*******27"] * 4
    whats = sorted(r[1].split('"what": "')[1].split('"')[0] for r in reads)
    assert whats == ["citizen_confirmed", "citizen_recognised", "current", "current"]

    # no face template and no image in any answer
    answers = b"".join(client.bodies) + bytes(events.raw)
    assert answers and b"\xff\xd8\xff" not in answers and b"\x89PNG" not in answers and b"JFIF" not in answers
    citizen_id = kiosk.citizen_id_of("096098004127")
    for template in kiosk.store.embeddings_of(citizen_id, "sface"):
        raw = template.tobytes()
        assert raw[:16] not in answers and base64.b64encode(raw)[:16] not in answers
        assert f"{float(template[0]):.4f}".encode() not in answers.replace(b'"', b"")


def test_nobody_at_the_counter_is_204(api_bare):
    _, client, _ = api_bare
    answer = client.get("/v1/current")
    assert answer.status == 204 and answer.body == b""


def test_every_call_but_health_needs_the_token(api_bare):
    _, client, server = api_bare
    assert client.get("/v1/health", token=False).json()["engine"] == "sface"
    for method, path in (("GET", "/v1/current"), ("POST", "/v1/visits/1/done"), ("POST", "/v1/visits/current/confirm")):
        for token in (False, "not-the-token"):
            answer = client.call(method, path, token=token)
            assert answer.status == 401 and answer.headers["www-authenticate"] == "Bearer", (method, path, token)
    assert EventReader(server.url, "/v1/events").status == 401
    assert EventReader(server.url, "/v1/events?access_token=wrong").status == 401
    reader = EventReader(server.url, f"/v1/events?access_token={client.token}")  # what EventSource can send
    assert reader.status == 200
    reader.close()


@pytest.mark.slow
def test_only_allowed_origins_get_a_cors_grant(api_counter):
    flow, client, _ = api_counter
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = client.call("OPTIONS", "/v1/current", token=False, headers={"Origin": ORIGIN, **preflight})
    assert allowed.status == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    evil = client.call("OPTIONS", "/v1/current", token=False, headers={"Origin": "https://evil.example", **preflight})
    assert evil.status == 400 and "access-control-allow-origin" not in evil.headers

    flow.frame(decided(flow.kiosk, "london_005/visit_2.jpg"))
    ok = client.get("/v1/current", headers={"Origin": ORIGIN})
    assert ok.status == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
    refused = client.get("/v1/current", headers={"Origin": "https://evil.example"})
    assert refused.status == 403 and "access-control-allow-origin" not in refused.headers
    assert b"full_name" not in refused.body
    assert [r[1] for r in api_reads(flow.kiosk)] == [f'{{"client": "{ORIGIN}", "what": "current"}}']


def test_a_foreign_host_header_is_refused(api_bare):
    _, client, _ = api_bare
    assert client.get("/v1/health", token=False, headers={"Host": "attacker.example"}).status == 400


def test_only_loopback_unless_the_administrator_allows_the_network(kiosk):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.3.2.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20") and not is_loopback("kiosk.lan")
    kiosk.settings = kiosk.settings.replace(api_bind="0.0.0.0")
    with pytest.raises(ApiBindError, match="api_allow_network is 0"):
        ApiServer(kiosk, Desk(), port=0).start()
    kiosk.settings = kiosk.settings.replace(api_allow_network=1)
    with ApiServer(kiosk, Desk(), port=0) as server:
        assert server.warning is not None and "0.0.0.0" in server.warning and "beyond this PC" in server.warning
        assert Client(server.url, None).get("/v1/health", token=False).status == 200


def test_a_taken_port_is_one_clear_error(kiosk):
    with ApiServer(kiosk, Desk(), port=0) as first:
        with pytest.raises(ApiStartError, match="could not listen"):
            ApiServer(kiosk, Desk(), port=first.port).start()


def test_the_token_is_made_once_and_kept(kiosk):
    token = kiosk.api_token()
    assert len(token) >= 40 and kiosk.api_token() == token
    assert [e["action"] for e in kiosk.store.audit_entries(10)].count("api_token_made") == 1
    kiosk.settings = kiosk.settings.replace(api_token="set-by-the-administrator")
    assert kiosk.api_token() == "set-by-the-administrator"


def test_the_openapi_document_names_every_route(api_bare):
    _, client, _ = api_bare
    document = client.get("/v1/openapi.json", token=False).json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/v1/health",
        "/v1/openapi.json",
        "/v1/current",
        "/v1/events",
        "/v1/visits/{visit_id}/done",
        "/v1/visits/current/confirm",
    }
    assert "citizen_confirmed" in document["paths"]["/v1/events"]["get"]["summary"]


def test_the_window_confirms_itself(api_bare):
    _, client, _ = api_bare
    answer = client.post("/v1/visits/current/confirm")
    assert answer.status == 409 and "window" in answer.json()["error"]
