"""The ``kiosk`` command line, in-process through click's CliRunner.

Real card photos through the QR chain, real face photos through dlib, real SQLite files
in ``tmp_path``. What is checked is what the person at the terminal sees: the record,
the decision, one clear error line and a non-zero exit, and nothing written when a
command refuses.

Each test has its own home (config and data folders): the data key file the CLI creates
lives in its config folder, and administrator commands get the PIN with ``--pin``.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from kiosk.cli.main import main
from tests.kiosk.store.test_store import read_only
from tests.support.data import CARDS, FRAMES, ROOT, SAMPLE_SET, enrol_frames, run_cli

SON = ("096098004127", "Lê Anh Sơn")  # london_005
DUC = ("096206002219", "Trần Văn Đức")  # london_043
STRANGER = FRAMES / "strangers" / "london_132_1.jpg"  # far from everybody enrolled here
CONFIRM_FRAME = FRAMES / "london_043" / "visit_4.jpg"  # 0.46 from Đức: a keypad case
PIN = "135790"  # the administrator PIN of the enrolled databases
RECORD_KEYS = {"id_number", "old_id_number", "full_name", "date_of_birth", "gender", "address", "issue_date", "extra"}


# --- plumbing ----------------------------------------------------------------------------


def key_file(home: Path) -> Path:
    """Where the CLI keeps the data key for a home (no key_file setting, no KIOSK_DATA_KEY)."""
    return home / "config" / "cccd-kiosk" / "kiosk.key"


def _isolate(mp: pytest.MonkeyPatch, home: Path) -> None:
    """No KIOSK_* variable and no kiosk.toml / database of the machine's user may leak in."""
    for key in list(os.environ):
        if key.startswith("KIOSK_"):
            mp.delenv(key)
    mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
    mp.setenv("XDG_DATA_HOME", str(home / "data"))


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _isolate(monkeypatch, tmp_path / "home")


kiosk = run_cli


def json_lines(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def one_error(result: Result, *words: str) -> str:
    """Exit 1 and exactly one human line of output, an error line containing every word.

    With ``--json`` the same error also comes as one ``{"ok": false, "error": ...}`` object.
    """
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    objects = [json.loads(line) for line in lines if line.startswith("{")]
    text = [line for line in lines if not line.startswith("{")]
    assert len(text) == 1 and len(objects) <= 1, result.output
    assert "error" in text[0]
    for word in words:
        assert word in text[0], (word, text[0])
    if objects:
        assert objects[0]["ok"] is False and all(word in objects[0]["error"] for word in words)
    return text[0]


def enroll_args(folder: str, db: Path, frames: list[Path] | None = None, consent: bool = True) -> list[object]:
    faces = [x for f in frames or enrol_frames(folder) for x in ("--face", f)]
    return [
        "enroll",
        "--qr",
        CARDS / f"{folder}.jpg",
        *faces,
        *(["--consent"] if consent else []),
        "--db",
        db,
        "--json",
    ]


def citizens(db: Path) -> list[dict]:
    result = kiosk("list", "--db", db, "--pin", PIN, "--json")
    assert result.exit_code == 0, result.output
    return json_lines(result)


def rows(db: Path, table: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def check_ins(db: Path) -> int:
    """Visits logged by a check-in (the first visit logged with each enrolment left out)."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM visits WHERE first_visit = 0").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[dict]]]:
    """A database with Lê Anh Sơn and Trần Văn Đức enrolled through `kiosk enroll` and the
    administrator PIN set with `kiosk admin set-pin`, and the enrolment outputs."""
    folder = tmp_path_factory.mktemp("base")
    db = folder / "kiosk.sqlite"
    outputs = []
    with pytest.MonkeyPatch.context() as mp:
        _isolate(mp, folder / "home")
        for who in ("london_005", "london_043"):
            result = kiosk(*enroll_args(who, db))
            assert result.exit_code == 0, result.output
            outputs.append(json_lines(result))
        result = kiosk("admin", "set-pin", "--new-pin", PIN, "--db", db)
        assert result.exit_code == 0, result.output
    assert key_file(folder / "home").is_file()  # enroll made the data key, outside the database
    yield db, outputs


@pytest.fixture
def db(base_db: tuple[Path, list[dict]], tmp_path: Path) -> Path:
    """A private copy of the enrolled database, with its key file in this test's home."""
    copy = tmp_path / "kiosk.sqlite"
    shutil.copyfile(base_db[0], copy)
    key = key_file(tmp_path / "home")
    key.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(key_file(base_db[0].parent / "home"), key)
    return copy


def identify(db: Path, *images: Path, confirm: str | None = None) -> tuple[Result, list[dict]]:
    args: list[object] = ["identify", *images, "--db", db, "--json"]
    if confirm is not None:
        args += ["--confirm", confirm]
    result = kiosk(*args)
    return result, json_lines(result)


# --- help and docs -----------------------------------------------------------------------

COMMANDS = sorted(main.commands)


def test_the_cli_has_the_commands_the_design_names() -> None:
    assert {"qr", "enroll", "identify", "purge", "list", "visits", "export", "audit", "settings", "replay"} <= set(
        COMMANDS
    )
    result = kiosk("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", result.output, re.M), name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = kiosk(name, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: main {name}" in result.output or f"{name} [OPTIONS]" in result.output
    assert main.commands[name].help, f"{name} has no description"


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if not re.search(rf"\bkiosk {name}\b", readme)]
    assert not missing, f"README.md does not show: {', '.join(missing)}"


# --- kiosk qr ----------------------------------------------------------------------------


def test_qr_reads_every_sample_card_byte_exact() -> None:
    cards = sorted(CARDS.glob("*.jpg"))
    result = kiosk("qr", *cards, "--json")
    assert result.exit_code == 0, result.output
    out = json_lines(result)
    assert [o["file"] for o in out] == [str(c) for c in cards]
    for o in out:
        assert set(o) == {"file", "ok", "raw", "record", "warnings", "error"}
        assert o["ok"] is True and o["error"] is None and isinstance(o["warnings"], list)
        assert set(o["record"]) == RECORD_KEYS
        assert re.fullmatch(r"\d{12}", o["record"]["id_number"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", o["record"]["date_of_birth"])
        assert o["record"]["gender"] in ("Nam", "Nữ")
        assert o["record"]["full_name"] in o["raw"]
    son = next(o for o in out if o["file"].endswith("london_045.jpg"))["record"]
    assert son["full_name"].encode("utf-8") == "Lý Quốc Sơn".encode()
    assert (son["id_number"], son["date_of_birth"], son["gender"]) == ("096203007742", "2003-06-30", "Nam")
    assert "Lý Quốc Sơn".encode() in result.stdout_bytes  # on the wire too, not \u-escaped
    post_2024 = next(o for o in out if o["file"].endswith("london_115.jpg"))["record"]
    assert post_2024["extra"] == ["", "Huỳnh Văn Lộc", "Trần Thị Hoa", ""]


CARD_EDGES = {
    # the payload kinds other projects' test files hold that this kiosk once refused
    "old_12.png": ("096201001234|381234567890|Lê Anh Sơn|01012001|Nam|Khóm 5, Phường 7, TP Cà Mau|15082021", []),
    "old_10.png": (
        "096201001234|3812345670|Lê Anh Sơn|01012001|Nam|Khóm 5, Phường 7, TP Cà Mau|15082021",
        ["the old ID number '3812345670' is neither 9 nor 12 digits: kept as read, check it on the card"],
    ),
    "fffd.png": (
        "096201001234|381234567|L\ufffd Anh S\ufffdn|01012001|Nam|Khóm 5, Phường 7, TP Cà Mau|15082021",
        ["the name looks mis-encoded (U+FFFD replacement characters): correct it from the card before enrolling (F6)"],
    ),
}


def test_qr_reads_every_edge_payload_with_the_right_warning_never_a_refusal(tmp_path) -> None:
    import cv2

    from tests.support.qr_images import make_qr

    for name, (text, _) in CARD_EDGES.items():
        cv2.imwrite(str(tmp_path / name), make_qr(text, box_px=6))
    result = kiosk("qr", *(tmp_path / n for n in CARD_EDGES), "--json")
    assert result.exit_code == 0, result.output
    for o, (text, warnings) in zip(json_lines(result), CARD_EDGES.values()):
        assert o["ok"] and o["raw"] == text and o["warnings"] == warnings
        assert o["record"]["old_id_number"] == text.split("|")[1] and o["record"]["full_name"] == text.split("|")[2]


def test_enroll_corrects_a_mis_encoded_name_from_the_printed_card_audited(tmp_path) -> None:
    import cv2

    from tests.support.qr_images import make_qr

    cv2.imwrite(str(tmp_path / "card.png"), make_qr(CARD_EDGES["fffd.png"][0], box_px=6))
    db, config = tmp_path / "k.sqlite", tmp_path / "k.toml"
    config.write_text(f'key_file = "{(tmp_path / "k.key").as_posix()}"\n')
    faces = [a for p in enrol_frames("london_005") for a in ("--face", p)]
    common = ("--qr", tmp_path / "card.png", *faces, "--consent", "--db", db, "--config", config, "--json")
    result = kiosk("enroll", *common, "--full-name", "Lê Anh Sơn")
    assert result.exit_code == 0, result.output
    out = json_lines(result)[-1]
    assert out["full_name"] == "Lê Anh Sơn" and not [w for w in out["warnings"] if "mis-encoded" in w]
    with sqlite3.connect(db) as conn:
        (detail,) = conn.execute("SELECT detail FROM audit_log WHERE action = 'card_corrected'").fetchone()
    assert '"fields": ["full_name"]' in detail and "Sơn" not in detail


def test_qr_text_output_shows_the_record() -> None:
    result = kiosk("qr", CARDS / "london_005.jpg")
    assert result.exit_code == 0
    assert "Lê Anh Sơn" in result.output and "096098004127" in result.output and "14/03/1998" in result.output


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    garbage = tmp_path / "scan.jpg"
    garbage.write_bytes(os.urandom(3000))
    return {
        "not a CCCD": (CARDS / "not_a_cccd.png", "not a CCCD card"),
        "garbage": (garbage, "not an image"),
        "missing": (tmp_path / "nowhere.jpg", "no such file"),
        "no QR": (FRAMES / "empty_counter.jpg", "no QR code found"),
    }


@pytest.mark.parametrize("case", ["not a CCCD", "garbage", "missing", "no QR"])
def test_qr_bad_input_gives_one_clear_error_line(bad_inputs: dict[str, tuple[Path, str]], case: str) -> None:
    path, words = bad_inputs[case]
    one_error(kiosk("qr", path), str(path), words)
    result = kiosk("qr", path, "--json")
    assert result.exit_code == 1
    [out] = json_lines(result)
    assert out["ok"] is False and out["record"] is None and words in out["error"]


def test_qr_mixed_batch_reports_each_file_and_fails(bad_inputs: dict[str, tuple[Path, str]]) -> None:
    paths = [CARDS / "london_005.jpg", *(p for p, _ in bad_inputs.values())]
    result = kiosk("qr", *paths)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == len(paths)
    assert "Lê Anh Sơn" in lines[0] and "error" not in lines[0]
    for line, (path, words) in zip(lines[1:], bad_inputs.values()):
        assert line.startswith(f"{path}: error: ") and words in line


# --- kiosk enroll ------------------------------------------------------------------------


def test_enroll_stores_the_citizen(base_db: tuple[Path, list[dict]], db: Path) -> None:
    outputs = base_db[1]  # `list` is read on a copy: an administrator command writes its login to the audit log
    [[son], [duc]] = outputs
    assert son == {"ok": True, "id_number": SON[0], "full_name": SON[1], "samples": 3, "refused": [], "warnings": []}
    assert (duc["id_number"], duc["full_name"], duc["samples"]) == (DUC[0], DUC[1], 3)
    listed = citizens(db)
    assert [(c["full_name"], c["id_number"], c["samples"]) for c in listed] == [
        ("Lê Anh Sơn", "096*******27", 3),
        ("Trần Văn Đức", "096*******19", 3),
    ]
    assert rows(db, "consents") == 2


def test_enroll_without_consent_refuses_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.sqlite"
    result = kiosk(*enroll_args("london_045", db, consent=False))
    one_error(result, "consent")
    assert not db.exists()  # refused before any face was processed or anything written


def test_enroll_with_turned_heads_refuses_naming_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.sqlite"
    turned = [FRAMES / "london_045" / f"enrol_bad_{k}.jpg" for k in ("3_0", "4_0", "3_1")]
    result = kiosk(*enroll_args("london_045", db, frames=turned)[:-1])  # text mode
    assert result.exit_code == 1
    assert result.output.count("sample refused:") == 3
    error = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "0 of 3" in error[0] and "turned away" in error[0]
    assert kiosk("admin", "set-pin", "--new-pin", PIN, "--db", db).exit_code == 0
    assert citizens(db) == [] and rows(db, "face_samples") == 0


def test_enroll_twice_refuses(db: Path) -> None:
    one_error(kiosk(*enroll_args("london_043", db)), "already enrolled", "096*******19")
    assert rows(db, "citizens") == 2 and rows(db, "face_samples") == 6


def test_enroll_of_a_face_already_enrolled_under_another_card_refuses(db: Path) -> None:
    """Đức's face with Sơn Lý's card: possible identity fraud, an administrator must look."""
    result = kiosk(*enroll_args("london_045", db, frames=enrol_frames("london_043")))
    one_error(result, "already enrolled as citizen 096*******19", "administrator")
    assert rows(db, "citizens") == 2 and rows(db, "face_samples") == 6


# --- kiosk identify ----------------------------------------------------------------------


def test_identify_matches_a_returning_citizen_and_logs_the_visit(db: Path) -> None:
    result, [out] = identify(db, FRAMES / "london_043" / "visit_2.jpg")
    assert result.exit_code == 0
    assert out["decision"] == "match" and (out["id_number"], out["full_name"]) == DUC
    assert out["keypad"] is False and out["distance"] <= 0.40
    [visit] = [v for v in json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json")) if not v["first_visit"]]
    assert (visit["id_number"], visit["full_name"], visit["method"]) == ("096*******19", DUC[1], "face")


def test_identify_stranger_is_unknown_and_reveals_nobody(db: Path) -> None:
    result, [out] = identify(db, STRANGER)
    assert result.exit_code == 0
    assert out["decision"] == "unknown"
    assert "id_number" not in out and "full_name" not in out
    text = kiosk("identify", STRANGER, "--db", db).output
    assert "unknown" in text and SON[1] not in text and DUC[1] not in text
    assert check_ins(db) == 0


def test_identify_keypad_confirmation(db: Path) -> None:
    _, [asked] = identify(db, CONFIRM_FRAME)
    assert asked["decision"] == "confirm" and asked["keypad"] is True and asked["candidates"] >= 1
    digits = 4 if asked["candidates"] == 1 else 6  # recognition.policy.keypad_digits
    assert asked["keypad_asks"] == {"entry": "id", "digits": digits}
    assert "id_number" not in asked and "full_name" not in asked  # nothing personal before the digits
    text = kiosk("identify", CONFIRM_FRAME, "--db", db, "--no-visit").output
    assert DUC[1] not in text and f"ask the citizen for the last {digits} ID digits" in text
    _, [six] = identify(db, CONFIRM_FRAME, confirm=DUC[0][-6:])  # what the citizen knows; they type what is asked
    assert six["decision"] == "match"

    _, [wrong] = identify(db, CONFIRM_FRAME, confirm="0000")
    assert wrong["decision"] == "unknown" and wrong["keypad"] is True
    assert "id_number" not in wrong and "full_name" not in wrong
    assert check_ins(db) == 1  # the six-digit one

    result, [right] = identify(db, CONFIRM_FRAME, confirm=DUC[0][-4:])
    assert result.exit_code == 0
    assert right["decision"] == "match" and (right["id_number"], right["full_name"]) == DUC
    visits = [v for v in json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json")) if not v["first_visit"]]
    assert [v["method"] for v in visits] == ["confirm", "confirm"]


def test_identify_picks_the_large_face_not_the_bystander(db: Path) -> None:
    _, [out] = identify(db, FRAMES / "london_005" / "visit_with_bystander.jpg")
    assert out["decision"] == "match" and (out["id_number"], out["full_name"]) == SON


def test_identify_without_a_face_or_image_is_an_error(db: Path, tmp_path: Path) -> None:
    one_error(kiosk("identify", FRAMES / "empty_counter.jpg", "--db", db), "empty_counter.jpg", "no face found")
    junk = tmp_path / "camera.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 20)
    one_error(kiosk("identify", junk, "--db", db), "camera.jpg", "not an image")
    assert check_ins(db) == 0


# --- purge, list, visits, export, audit --------------------------------------------------


def test_purge_forgets_the_citizen(db: Path) -> None:
    visit = FRAMES / "london_043" / "visit_2.jpg"
    assert identify(db, visit)[1][0]["decision"] == "match"  # a visit to be purged too
    result = kiosk("purge", DUC[0], "--db", db, "--pin", PIN, "--yes", "--json")
    assert result.exit_code == 0, result.output
    [out] = json_lines(result)
    assert out["id_number"] == "096*******19" and out["full_name"] == DUC[1] and DUC[0] not in result.output
    assert out["deleted"] == {
        "face_samples": 3,
        "consents": 1,
        "visits": 2,
        "retired_samples": 0,
        "citizens": 1,
    }  # first visit + check-in
    _, [after] = identify(db, visit)
    assert after["decision"] == "unknown" and "full_name" not in after
    assert [c["full_name"] for c in citizens(db)] == [SON[1]]
    assert [v["id_number"] for v in json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json"))] == [
        "096*******27"  # only the other citizen's first visit is left
    ]
    one_error(kiosk("purge", DUC[0], "--db", db, "--pin", PIN, "--yes"), "not enrolled")


def test_purge_without_a_terminal_needs_yes_and_names_the_citizen(db: Path) -> None:
    entries = rows(db, "audit_log")
    for args in ((), ("--json",)):  # CliRunner's stdin is no terminal, as in a script or a pipe
        one_error(kiosk("purge", DUC[0], "--db", db, "--pin", PIN, *args), "no terminal", "--yes")
    assert rows(db, "audit_log") == entries  # refused before the PIN was even tried: no login, nothing looked up
    assert [c["full_name"] for c in citizens(db)] == [SON[1], DUC[1]]
    result = kiosk("purge", DUC[0], "--db", db, "--pin", PIN, "--yes")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "purged Trần Văn Đức (096*******19): their record, 3 face samples, 1 consent and 1 visit deleted"
    )


def run_at_terminal(args: list[str], typed: str, home: Path) -> tuple[int, str]:
    """``kiosk ARGS`` in a child process whose stdin and stdout are a real terminal (a pty); ``typed`` is keyed in."""
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    child = subprocess.Popen(
        [sys.executable, "-c", "from kiosk.cli.main import main; main()", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=ROOT,
    )
    os.close(follower)
    seen = b""
    while b'Type "yes"' not in seen and child.poll() is None:
        seen += _read(leader)
    os.write(leader, typed.encode() + b"\r")
    while True:
        chunk = _read(leader)
        if not chunk and child.poll() is not None:
            break
        seen += chunk
    os.close(leader)
    return child.wait(timeout=60), seen.decode("utf-8", "replace")


def _read(fd: int) -> bytes:
    import select

    if not select.select([fd], [], [], 0.2)[0]:
        return b""
    try:
        return os.read(fd, 4096)
    except OSError:  # the child closed the terminal
        return b""


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_purge_at_a_terminal_shows_whom_and_what_then_asks_for_yes(db: Path, tmp_path: Path) -> None:
    identify(db, FRAMES / "london_043" / "visit_2.jpg")
    code, screen = run_at_terminal(["purge", DUC[0], "--db", str(db), "--pin", PIN], "no", tmp_path / "home")
    assert code == 1, screen
    assert (
        "About to delete for good: Trần Văn Đức (096*******19): their record, 3 face samples, 1 consent and 2 visits"
        in screen
    )
    assert "nothing deleted" in screen and DUC[0] not in screen
    assert [c["full_name"] for c in citizens(db)] == [SON[1], DUC[1]]
    code, screen = run_at_terminal(["purge", DUC[0], "--db", str(db), "--pin", PIN], "yes", tmp_path / "home")
    assert code == 0, screen
    assert "purged Trần Văn Đức (096*******19): their record, 3 face samples, 1 consent and 2 visits deleted" in screen
    assert [c["full_name"] for c in citizens(db)] == [SON[1]]


def test_visits_export_and_audit(db: Path, tmp_path: Path) -> None:
    identify(db, FRAMES / "london_005" / "visit_2.jpg")
    [visit] = [v for v in json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json")) if not v["first_visit"]]
    assert visit["id_number"] == "096*******27" and visit["full_name"] == SON[1] and visit["counter"] == "Quầy 1"

    out_csv = tmp_path / "out" / "citizens.csv"
    out_csv.parent.mkdir()
    result = kiosk("export", "--csv", out_csv, "--db", db, "--pin", PIN, "--json")
    assert result.exit_code == 0, result.output
    assert json_lines(result) == [{"ok": True, "file": str(out_csv), "rows": 2}]
    raw = out_csv.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel opens the Vietnamese correctly
    for full_id in (SON[0], DUC[0]):
        assert full_id.encode() not in raw
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [(r["id_number"], r["full_name"], r["visits"]) for r in table] == [
        ("096*******27", SON[1], "2"),  # the first visit (enrolment) and the check-in
        ("096*******19", DUC[1], "1"),
    ]

    result = kiosk("audit", "--db", db, "--pin", PIN, "--json")
    assert result.exit_code == 0
    entries = json_lines(result)
    # Each administrator command logs its login first; set-pin came after the enrolments.
    assert [e["action"] for e in entries] == [
        "login",
        "export",
        "login",
        "login",
        "identify",
        "pin_set",
        "enrol",
        "qr_read",
        "enrol",
        "qr_read",
    ]
    assert {e["subject"] for e in entries} == {"", "096*******27", "096*******19"}
    assert SON[0] not in result.output and DUC[0] not in result.output


def test_listings_show_local_time_and_count_in_words(db: Path) -> None:
    from kiosk.timefmt import local_time

    identify(db, FRAMES / "london_005" / "visit_2.jpg")
    [visit] = [v for v in json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json")) if not v["first_visit"]]
    assert visit["at"].endswith("+00:00")  # JSON keeps the stored UTC time
    shown = local_time(visit["at"], "Asia/Ho_Chi_Minh")
    outputs = {}
    for args in (["visits"], ["list"], ["audit"], ["retention"]):
        result = kiosk(*args, "--db", db, "--pin", PIN, env={"KIOSK_RETENTION_DAYS": "30"})
        assert result.exit_code == 0, result.output
        assert not re.search(r"\d{4}-\d\d-\d\dT|\+00:00|\(s\)", result.output), result.output
        outputs[args[0]] = result.output
    visits = outputs["visits"].splitlines()
    assert visits[0].split() == ["time", "counter", "how", "ID", "number", "name", "distance"]
    assert visits[1].startswith(shown) and visits[-1] == "3 visits"  # + 2 first visits
    listed = outputs["list"].splitlines()
    assert listed[0].split() == ["ID", "number", "name", "born", "samples", "visits", "last", "visit"]
    [son] = [line.split("  ") for line in listed if SON[1] in line]
    assert [cell.strip() for cell in son if cell.strip()][2:] == ["14/03/1998", "3 (sface)", "2", shown]
    assert outputs["list"].rstrip().endswith("2 citizens")
    assert re.search(r"^\d+\s+\d\d/\d\d/\d{4} \d\d:\d\d  ", outputs["audit"], re.MULTILINE)
    assert "0 citizens past 30 days" in outputs["retention"]
    # columns stay in line whatever the names' lengths, with "-" where an entry has no subject
    audit = outputs["audit"].splitlines()
    at = audit[0].index("action")
    assert all(line[at - 2 : at] == "  " and line[at] != " " for line in audit)
    assert any(f"  {'-':<12}  " in line for line in audit)  # an entry about nobody in particular
    tokyo = kiosk("visits", "--db", db, "--pin", PIN, env={"KIOSK_DISPLAY_TIMEZONE": "Asia/Tokyo"})
    assert tokyo.output.splitlines()[1].startswith(local_time(visit["at"], "Asia/Tokyo"))


def test_visits_show_the_enrolment_as_enrol_not_as_a_card_check_in(db: Path) -> None:
    identify(db, FRAMES / "london_005" / "visit_2.jpg")
    result = kiosk("visits", "--db", db, "--pin", PIN)
    assert result.exit_code == 0, result.output
    shown = re.findall(r"^\S+ \S+  Quầy 1\s+(\S+)\s+(096\*{7}\d\d) ", result.output, re.MULTILINE)  # when, counter
    assert sorted(shown) == [("enrol", "096*******19"), ("enrol", "096*******27"), ("face", "096*******27")]
    assert not re.search(r"\bqr\b", result.output)  # nobody checked in by card
    # JSON keeps what is stored: the enrolment read the card, and first_visit says it was the enrolment.
    stored = json_lines(kiosk("visits", "--db", db, "--pin", PIN, "--json"))
    assert sorted((v["method"], v["first_visit"]) for v in stored) == [("face", 0), ("qr", 1), ("qr", 1)]


def test_export_to_an_unwritable_path_is_a_clear_error(db: Path, tmp_path: Path) -> None:
    one_error(
        kiosk("export", "--csv", tmp_path / "no" / "such" / "dir.csv", "--db", db, "--pin", PIN),
        "cannot write",
        "writable path",
    )


# --- settings ----------------------------------------------------------------------------


def test_settings_lists_every_field_with_env_overrides() -> None:
    result = kiosk("settings", "--json", env={"KIOSK_SFACE_AUTO_ACCEPT_DISTANCE": "0.25"})
    assert result.exit_code == 0, result.output
    fields = {f["name"]: f for f in json_lines(result)}
    assert {
        "face_engine",
        "sface_auto_accept_distance",
        "sface_candidate_distance",
        "dlib_min_margin",
        "counter_name",
        "db_path",
    } <= set(fields)
    assert fields["face_engine"]["value"] == "sface"
    assert fields["sface_auto_accept_distance"]["value"] == 0.25
    assert fields["sface_candidate_distance"]["value"] == 0.65 and fields["dlib_candidate_distance"]["value"] == 0.6
    assert all(f["help"] for f in fields.values())


def test_settings_of_the_release_before_face_engines_still_load(tmp_path: Path) -> None:
    """auto_accept_distance & co. were dlib's thresholds: an old file or variable sets the dlib_* ones."""
    config = tmp_path / "kiosk.toml"
    config.write_text("auto_accept_distance = 0.38\nmin_margin = 0.07\n", encoding="utf-8")
    result = kiosk("settings", "--json", "--config", config, env={"KIOSK_CANDIDATE_DISTANCE": "0.55"})
    fields = {f["name"]: f["value"] for f in json_lines(result)}
    assert (fields["dlib_auto_accept_distance"], fields["dlib_min_margin"], fields["dlib_candidate_distance"]) == (
        0.38,
        0.07,
        0.55,
    )
    assert fields["sface_auto_accept_distance"] == 0.28


@pytest.mark.parametrize(
    "case", ["unknown key in file", "bad TOML", "out of bounds in env", "not a number in env", "unknown env variable"]
)
def test_bad_settings_give_one_error_line_and_touch_nothing(tmp_path: Path, case: str) -> None:
    config = tmp_path / "kiosk.toml"
    env: dict[str, str] = {}
    if case == "unknown key in file":
        config.write_text('counter_name = "Quầy 2"\nauto_accept = 0.3\n', encoding="utf-8")
        words = ("unknown setting", "auto_accept")
    elif case == "bad TOML":
        config.write_text("counter_name = Quầy 2\n", encoding="utf-8")
        words = ("not valid TOML", str(config))
    elif case == "out of bounds in env":
        env, words = {"KIOSK_SFACE_AUTO_ACCEPT_DISTANCE": "2"}, ("sface_auto_accept_distance", "0.05..0.8")
    elif case == "not a number in env":
        env, words = {"KIOSK_SFACE_AUTO_ACCEPT_DISTANCE": "strict"}, ("sface_auto_accept_distance", "strict")
    else:
        env, words = {"KIOSK_AUTO_ACCEPT": "0.3"}, ("KIOSK_AUTO_ACCEPT",)
    options = ["--config", config] if config.exists() else []
    one_error(kiosk("settings", *options, env=env), *words)
    db = tmp_path / "kiosk.sqlite"
    one_error(kiosk("list", "--db", db, "--pin", PIN, *options, env=env), *words)
    assert not db.exists()  # refused before opening (creating) anything


def test_bad_environment_value_names_the_variable() -> None:
    one_error(kiosk("settings", env={"KIOSK_AUTO_ACCEPT_DISTANCE": "2"}), "KIOSK_AUTO_ACCEPT_DISTANCE")


def test_settings_file_is_used(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('counter_name = "Quầy 7"\nmax_candidates = 3\n', encoding="utf-8")
    fields = {f["name"]: f["value"] for f in json_lines(kiosk("settings", "--config", config, "--json"))}
    assert fields["counter_name"] == "Quầy 7" and fields["max_candidates"] == 3
    fields = {f["name"]: f["value"] for f in json_lines(kiosk("settings", "--json", env={"KIOSK_CONFIG": str(config)}))}
    assert fields["counter_name"] == "Quầy 7"


# --- --db in a place that cannot be written ----------------------------------------------


def test_db_in_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    with read_only(folder):
        one_error(
            kiosk("list", "--db", folder / "kiosk.sqlite", "--pin", PIN),
            "no kiosk database",
            str(folder / "kiosk.sqlite"),
        )
        one_error(kiosk(*enroll_args("london_043", folder / "kiosk.sqlite")), str(folder / "kiosk.sqlite"))
        one_error(
            kiosk(*enroll_args("london_043", folder / "sub" / "kiosk.sqlite")), "cannot create the folder", "--db"
        )
    assert list(folder.iterdir()) == []


def test_db_that_is_not_a_database_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Danh sách công dân\n" * 100, encoding="utf-8")
    before = notes.read_bytes()
    one_error(kiosk("list", "--db", notes, "--pin", PIN, "--json"), str(notes), "not a kiosk database")
    assert notes.read_bytes() == before


# --- replay ------------------------------------------------------------------------------


def test_replay_of_the_bundled_set_passes() -> None:
    result = kiosk("replay", SAMPLE_SET, "--json")
    assert result.exit_code == 0, result.output
    *steps, summary = json_lines(result)
    expected_steps = (SAMPLE_SET / "manifest.toml").read_text(encoding="utf-8").count("[[step]]")
    assert len(steps) == expected_steps and all(s["ok"] for s in steps)
    assert summary["summary"] is True and summary["passed"] is True
    assert summary["wrong_person"] == 0 and summary["failed"] == 0 and summary["steps"] == expected_steps


BROKEN_MANIFEST = """\
[set]
name = "broken"
description = "one expectation flipped"

[[step]]
action = "card"
label = "first visit: not enrolled"
card = "cards/london_005.jpg"
expect = "new"

[[step]]
action = "visit"
label = "nobody at the counter"
face = "frames/empty_counter.jpg"
expect = "error"

[[step]]
action = "card"
label = "flipped: nobody enrolled this citizen"
card = "cards/london_005.jpg"
expect = "known"
"""


@pytest.fixture
def broken_set(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    (folder / "cards").mkdir(parents=True)
    (folder / "frames").mkdir()
    shutil.copyfile(CARDS / "london_005.jpg", folder / "cards" / "london_005.jpg")
    shutil.copyfile(FRAMES / "empty_counter.jpg", folder / "frames" / "empty_counter.jpg")
    (folder / "manifest.toml").write_text(BROKEN_MANIFEST, encoding="utf-8")
    return folder


def test_replay_of_a_broken_set_fails_that_step(broken_set: Path) -> None:
    result = kiosk("replay", broken_set)
    assert result.exit_code == 1, result.output
    marks = [line.split()[:2] for line in result.output.splitlines() if re.match(r"(PASS|FAIL)\s", line)]
    assert marks == [["PASS", "1"], ["PASS", "2"], ["FAIL", "3"]]
    assert "new (expected known)" in result.output and result.output.rstrip().endswith("FAILED")

    *steps, summary = json_lines(kiosk("replay", broken_set, "--json"))
    assert [s["ok"] for s in steps] == [True, True, False]
    assert summary["passed"] is False and summary["failed"] == 1 and summary["wrong_person"] == 0


def test_replay_of_a_folder_without_manifest_is_a_clear_error(tmp_path: Path) -> None:
    one_error(kiosk("replay", tmp_path), str(tmp_path), "no manifest.toml")


def test_replay_manifest_naming_a_missing_file_is_a_clear_error(broken_set: Path) -> None:
    (broken_set / "frames" / "empty_counter.jpg").unlink()
    one_error(kiosk("replay", broken_set), "step 2", "empty_counter.jpg", "not found")


@pytest.mark.slow
def test_replay_into_a_new_file_passes_and_leaves_a_database_to_inspect(tmp_path: Path) -> None:
    new = tmp_path / "replayed.sqlite"
    result = kiosk("replay", SAMPLE_SET, "--db", new)  # the set purges a citizen: the new file gets its own PIN
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("PASSED")
    pin = re.search(r"Database: .*replayed\.sqlite \(new; administrator PIN: (\w+)\)", result.output).group(1)
    listed = kiosk("list", "--db", new, "--pin", pin, "--json")
    assert listed.exit_code == 0, listed.output
    assert "Nguyễn Thị Kim Thư" not in listed.output and len(json_lines(listed)) == 6  # 7 enrolled, one purged

    again = tmp_path / "with-pin.sqlite"
    result = kiosk("replay", SAMPLE_SET, "--db", again, "--pin", "135790", "--json")
    assert result.exit_code == 0 and json_lines(result)[-1]["passed"] is True
    assert "admin_pin" not in result.output  # the tester chose it
    assert kiosk("audit", "verify", "--db", again, "--pin", "135790").exit_code == 0


def test_replay_into_a_new_file_that_breaks_off_leaves_no_file(tmp_path: Path) -> None:
    new = tmp_path / "replayed.sqlite"
    assert not key_file(tmp_path / "home").exists()
    one_error(kiosk("replay", SAMPLE_SET, "--db", new, "--pin", "12"), "at least 6")  # refused after the file was made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"] and not key_file(tmp_path / "home").exists()


def test_replay_into_an_existing_file_without_its_pin_changes_nothing(db: Path) -> None:
    before = rows(db, "citizens")
    result = kiosk("replay", SAMPLE_SET, "--db", db, "--pin", "000000")
    assert result.exit_code == 1 and "wrong PIN" in result.output
    assert db.exists() and rows(db, "citizens") == before


def test_a_new_data_key_is_announced_once_with_where_it_is_written(tmp_path: Path) -> None:
    db, key = tmp_path / "kiosk.sqlite", key_file(tmp_path / "home")
    first = kiosk("admin", "set-pin", "--new-pin", PIN, "--db", db)
    assert first.exit_code == 0 and key.is_file()
    assert first.stderr.splitlines() == [
        f"warning: a new data key was written to {key}: back it up now (a USB stick kept locked away); "
        "without it the database cannot be read"
    ]
    again = kiosk("admin", "set-pin", "--new-pin", "246810", "--pin", PIN, "--db", db)
    assert again.exit_code == 0 and again.stderr == ""  # the key exists: nothing to say


def test_messages_point_at_what_is_wrong(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.sqlite"
    spaced = kiosk("admin", "set-pin", "--new-pin", "abc def", "--db", db)
    assert spaced.exit_code == 1 and spaced.output.splitlines()[-1] == (
        "error: the PIN may hold only letters and digits, not a space - leave out spaces and signs"
    )
    short = kiosk("admin", "set-pin", "--new-pin", "ab1", "--db", db)
    assert short.exit_code == 1 and "at least 6 letters or digits (3 given)" in short.output
    folder = kiosk("identify", SAMPLE_SET.parent, "--db", db)  # a folder of folders: no "*.jpg" to point at
    assert folder.exit_code == 1 and folder.output.splitlines()[-1].endswith(
        f": error: cannot read {SAMPLE_SET.parent}: it is a folder, not an image - give image files (JPEG or PNG), "
        "not a folder"
    )
    photos = FRAMES / "london_005"
    folder = kiosk("identify", photos, "--db", db)
    assert folder.exit_code == 1 and folder.output.splitlines()[-1].endswith(
        f": error: cannot read {photos}: it is a folder, not an image - give the image files in it ({photos / '*.jpg'})"
    )
    assert kiosk("admin", "set-pin", "--new-pin", "246810", "--db", db).exit_code == 0
    change = kiosk("admin", "set-pin", "--new-pin", "135791", "--db", db)  # no --pin, no terminal
    assert change.exit_code == 1 and change.output.splitlines() == [
        "error: an administrator PIN is set already: changing it needs the current one - pass it with --pin "
        "(or KIOSK_ADMIN_PIN); forgotten: kiosk admin reset-pin --key-file BACKUP"
    ]
    shown = kiosk("settings", "--db", db, "--json")
    [line] = [json.loads(x) for x in shown.stdout.splitlines() if '"db_path"' in x]
    assert line["value"] == str(db)  # the file in use, not the empty setting


def test_a_forgotten_pin_is_reset_with_the_data_keys_backup_audited(db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "usb" / "kiosk.key"
    backup.parent.mkdir()
    shutil.copyfile(key_file(tmp_path / "home"), backup)
    for _ in range(5):  # the administrator forgot it, and locked the login out trying
        kiosk("list", "--db", db, "--pin", "000000")
    assert "locked" in kiosk("list", "--db", db, "--pin", PIN).output
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(bytes(32)).decode(), encoding="utf-8")
    refused = kiosk("admin", "reset-pin", "--key-file", other, "--new-pin", "246810", "--db", db)
    assert refused.exit_code == 1 and refused.output.splitlines() == [
        "error: that is not this database's data key: the PIN was not reset - "
        "give the backup of the data key this counter's database is sealed with"
    ]
    missing = kiosk("admin", "reset-pin", "--key-file", tmp_path / "nope.key", "--new-pin", "246810", "--db", db)
    assert missing.exit_code == 1 and missing.output.splitlines() == [
        f"error: --key-file {tmp_path / 'nope.key'}: no such file - give the copy of this counter's data key "
        "(the backup of kiosk.key)"
    ]
    reset = kiosk("admin", "reset-pin", "--key-file", backup, "--new-pin", "246810", "--db", db)
    assert reset.exit_code == 0, reset.output
    assert kiosk("list", "--db", db, "--pin", "246810").exit_code == 0  # the new PIN works, the lock-out is gone
    assert kiosk("list", "--db", db, "--pin", PIN).exit_code == 1  # the old one does not
    audit = kiosk("audit", "show", "--db", db, "--pin", "246810", "--json")
    assert any(json.loads(line).get("action") == "pin_reset" for line in audit.stdout.splitlines())
