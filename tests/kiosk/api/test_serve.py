"""``kiosk serve``'s counter without a window: real frames through the real watcher and policy, the
clerk's system confirming over the API; and the commands around it."""

from __future__ import annotations

import json

import pytest

from kiosk.api.server import ApiServer
from kiosk.counter.desk import Desk
from kiosk.counter.headless import HeadlessCounter
from kiosk.counter.watch import LocalAnalyzer
from recognition.images import load_image
from tests.support.api_client import Client, EventReader
from tests.support.data import ADMIN_PIN, CARDS, FRAMES, check_ins, run_cli
from tests.support.flow import strict


@pytest.mark.slow
def test_a_recognised_face_is_confirmed_by_the_clerks_system(enrolled):
    desk = Desk()
    counter = HeadlessCounter(enrolled, LocalAnalyzer(enrolled.settings), desk)
    with ApiServer(enrolled, desk, port=0) as server:
        client = Client(server.url, enrolled.api_token())
        assert client.post("/v1/visits/current/confirm").status == 409  # nobody yet
        events = EventReader(server.url, f"/v1/events?access_token={client.token}")
        face = load_image(FRAMES / "london_005" / "visit_2.jpg")
        for _ in range(enrolled.settings.agreement_frames):
            counter.step(face)
        event = events.next(timeout=2.0)
        assert (event.name, event.data["how"], event.data["citizen"]["full_name"]) == (
            "citizen_recognised",
            "auto",
            "Lê Anh Sơn",
        )
        assert not check_ins(enrolled.store)  # nothing logged before the clerk's system says so
        confirmed = client.post("/v1/visits/current/confirm")
        assert confirmed.status == 200 and confirmed.json()["state"] == "confirmed"
        visit_id = confirmed.json()["visit_id"]
        assert [(v["id"], v["method"]) for v in check_ins(enrolled.store)] == [(visit_id, "face")]
        event = events.next(timeout=2.0)
        assert event.name == "citizen_confirmed" and event.data["visit_id"] == visit_id
        for _ in range(5):
            counter.step(face)  # the same face still in view is not decided again
        assert client.post("/v1/visits/current/confirm").status == 409 and len(check_ins(enrolled.store)) == 1
        events.close()


@pytest.mark.slow
def test_auto_confirm_checks_in_a_card_of_an_enrolled_citizen_once(enrolled):
    desk, seen = Desk(), []
    desk.subscribe(seen.append)
    counter = HeadlessCounter(enrolled, LocalAnalyzer(enrolled.settings), desk, auto_confirm=True)
    card = load_image(CARDS / "london_099.jpg")
    for _ in range(4):
        counter.step(card)  # held up for several frames: read once
    assert [e.kind.value for e in seen] == ["card_read", "citizen_confirmed"] and seen[0].known is True
    assert [v["method"] for v in check_ins(enrolled.store)] == ["qr"] and seen[1].presence.visit_id is not None
    assert desk.current().how == "card"


def test_admin_api_token_needs_the_pin_and_shows_the_same_token(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "kiosk.key"))
    run_cli("admin", "set-pin", "--new-pin", ADMIN_PIN, "--db", db_path)  # makes the database
    refused = run_cli("admin", "api-token", "--pin", "000000", "--db", db_path)
    assert refused.exit_code == 1 and "PIN" in refused.output and refused.output.count("\n") == 1
    first = run_cli("admin", "api-token", "--pin", ADMIN_PIN, "--db", db_path, "--json")
    second = run_cli("admin", "api-token", "--pin", ADMIN_PIN, "--db", db_path)
    token = json.loads(first.output.splitlines()[-1])["token"]
    assert first.exit_code == 0 and len(token) >= 40 and second.output.strip() == token
    shown = run_cli("settings", "--json", env={"KIOSK_API_TOKEN": "secret-value-1234"})
    line = next(json.loads(x) for x in shown.output.splitlines() if '"api_token"' in x)
    assert "secret-value-1234" not in shown.output and line["value"].startswith("(set")


def test_serve_refuses_a_network_bind_without_the_administrators_leave(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "kiosk.key"))
    run_cli("admin", "set-pin", "--new-pin", ADMIN_PIN, "--db", db_path)
    lisa = FRAMES / "lisa"
    result = run_cli("serve", "--camera", lisa, "--db", db_path, env={"KIOSK_API_BIND": "0.0.0.0"})
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "api_allow_network" in result.output


@pytest.mark.parametrize("where", ["no/such/video.mp4", "no/such/folder/", "empty", "text.mp4"])
def test_serve_stops_at_once_on_a_camera_path_that_cannot_play(db_path, tmp_path, monkeypatch, where):
    """A path given on the command line is one line and exit 1 at start (a webcam is what gets retried)."""
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "kiosk.key"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "text.mp4").write_text("hello", encoding="utf-8")
    run_cli("admin", "set-pin", "--new-pin", ADMIN_PIN, "--db", db_path)
    result = run_cli("serve", "--camera", where, "--db", db_path, "--port", "0")
    said = {
        "no/such/video.mp4": "error: --camera no/such/video.mp4: no such image folder or video file - give a camera "
        "number (0, 1...), an image folder or a video file",
        "no/such/folder/": "error: --camera no/such/folder/: no such image folder or video file - give a camera "
        "number (0, 1...), an image folder or a video file",
        "empty": "error: no images in empty - put",
        "text.mp4": "error: cannot play text.mp4: not a video OpenCV can read",
    }[where]
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1 and result.output.startswith(said)


@pytest.mark.slow
def test_a_card_confirmed_by_the_clerks_system_learns_from_the_face_in_view(enrolled, card_record):
    """Lisa's card, then her face, which the kiosk would send to the keypad (there is none here):
    the clerk's system confirms the card, and her face seen meanwhile teaches her template; the
    faces are forgotten with the visit."""
    kiosk = strict(enrolled)
    counter = HeadlessCounter(kiosk, LocalAnalyzer(kiosk.settings), Desk())
    counter.step(load_image(CARDS / "lisa.jpg"))
    face = load_image(FRAMES / "lisa" / "visit_2.jpg")
    for _ in range(kiosk.settings.agreement_frames):
        counter.step(face)
    citizen_id = kiosk.citizen_id_of(card_record("lisa").id_number)
    assert counter.confirm() is not None
    assert [v["method"] for v in check_ins(kiosk.store)] == ["qr"]
    assert len(kiosk.store.samples_of(citizen_id)[0]) == 4 and not counter._card_faces
