"""A simulated CCCD read through the real PC/SC stack: Debian's pcscd with vsmartcard's virtual
reader (vpcd), pyscard as the client, ``kiosk chip`` and ``kiosk enroll --chip`` as a clerk runs
them. pcscd needs /run, so everything runs in its own mount and network namespace (``unshare
-m -n``): a private /run, loopback only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.data import CARDS, FACES, FRAMES, ROOT

VPCD = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or os.geteuid() != 0
    or not Path("/usr/sbin/pcscd").exists()
    or not VPCD.exists()
    or shutil.which("unshare") is None,
    reason="needs Linux as root with pcscd and vsmartcard-vpcd (scripts/setup --test installs them)",
)

KIOSK = Path(sys.executable).with_name("kiosk")


def card_command(name: str, *args: object, env: str = "") -> str:
    """A shell line running ``kiosk ARGS`` (after ``env`` assignments), its output and status in
    files named ``name``."""
    quoted = " ".join(f"'{a}'" for a in (KIOSK, *args))
    return f"{env} {quoted} > {name}.out 2> {name}.err; echo $? > {name}.rc"


def simulator(photo: Path, qr: Path, csca: Path, *extra: str) -> str:
    options = " ".join(extra)
    return (
        f"'{sys.executable}' -m tests.support.chip_card '{photo}' '{qr}' '{csca}' {options} > sim.log 2>&1 & "
        "SIM=$!; for i in $(seq 50); do grep -q 'card ready' sim.log && break; sleep 0.2; done; sleep 1"
    )


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run every command once through pcscd; the folder holds each one's .out/.err/.rc."""
    from tests.support.chip_card import make_pki

    work = tmp_path_factory.mktemp("pcsc")
    (work / "other_csca.der").write_bytes(make_pki("Another country's CSCA").csca_der)
    qr, other_qr = CARDS / "london_005.jpg", CARDS / "london_030.jpg"
    photo = FACES / "london_005" / "3.jpg"  # not the photo the counter frames were made from
    own = [x for k in (1, 2, 3) for x in ("--face", FRAMES / "london_005" / f"enrol_{k}.jpg")]
    other = [x for k in (1, 2, 3) for x in ("--face", FRAMES / "london_030" / f"enrol_{k}.jpg")]
    enrol = ("enroll", "--qr", qr, "--consent", "--chip", "--db", work / "kiosk.sqlite", "--json")
    script = "\n".join(
        [
            "set -u",
            "ip link set lo up",
            "mount -t tmpfs tmpfs /run && mkdir -p /run/pcscd",
            "/usr/sbin/pcscd --foreground --error > pcscd.log 2>&1 & PCSCD=$!",
            "sleep 1",
            card_command("no_card", "chip", "--qr", qr, env="KIOSK_CHIP_CSCA="),
            simulator(photo, qr, work / "csca.der"),
            card_command("read", "chip", "--qr", qr, "--csca", work / "csca.der", "--json"),
            card_command(
                "faces",
                "chip",
                "--qr",
                qr,
                "--face",
                FRAMES / "london_005" / "enrol_1.jpg",
                "--face",
                FRAMES / "london_030" / "enrol_1.jpg",
                "--json",
            ),
            card_command("other_qr", "chip", "--qr", other_qr),
            card_command("wrong_csca", "chip", "--qr", qr, "--csca", work / "other_csca.der"),
            card_command("not_holder", *enrol, *other),
            card_command("holder", *enrol, *own),
            card_command(
                "visit", "identify", FRAMES / "london_005" / "visit_2.jpg", "--db", work / "kiosk.sqlite", "--json"
            ),
            "kill $SIM; wait $SIM 2>/dev/null; sleep 1",
            simulator(photo, qr, work / "csca2.der", "--tamper"),
            card_command("tampered", "chip", "--qr", qr),
            "kill $SIM $PCSCD",
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        XDG_CONFIG_HOME=str(work / "config"),
        XDG_DATA_HOME=str(work / "data"),
        KIOSK_CHIP_CSCA=str(work / "csca.der"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        ["unshare", "-m", "-n", "sh", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0 or (work / "tampered.rc").exists(), done.stderr[-2000:]
    return work


def result(work: Path, name: str) -> tuple[int, str, str]:
    return (
        int((work / f"{name}.rc").read_text()),
        (work / f"{name}.out").read_text(encoding="utf-8"),
        (work / f"{name}.err").read_text(encoding="utf-8"),
    )


def test_the_card_is_read_and_verified_to_the_csca(session, card_record):
    rc, out, err = result(session, "read")
    assert rc == 0, err
    read = json.loads(out)
    record = card_record("london_005")
    assert read["id_number"] == record.id_number
    assert read["dg13"]["2"] == record.full_name and read["record"]["full_name"] == record.full_name
    assert read["passive_authentication"]["level"] == "csca"
    assert read["passive_authentication"]["groups"] == [1, 2, 13]
    assert read["photo"]["format"] == "jpeg" and read["photo"]["width"] == 360 and read["photo"]["bytes"] > 5000
    assert read["qr_agrees"] is True and read["protocol"] == "PACE"


def test_the_holder_s_face_enrols_with_the_chip_s_record(session, card_record):
    rc, out, err = result(session, "holder")
    assert rc == 0, err
    enrolled = json.loads(out)
    assert enrolled["ok"] and enrolled["chip"] == "csca" and enrolled["samples"] == 3
    rc, out, err = result(session, "visit")  # their next visit: the face fills the record in
    assert rc == 0, err
    assert json.loads(out)["id_number"] == card_record("london_005").id_number


def test_another_person_s_face_is_refused_and_nothing_is_stored(session):
    rc, out, err = result(session, "not_holder")  # before the holder enrols: the database stays empty
    assert rc == 1
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "not the card's holder" in errors[0] and "do not enrol" in errors[0]
    assert json.loads(out)["ok"] is False


def test_the_chip_photo_against_faces(session):
    rc, out, _ = result(session, "faces")
    assert rc == 1  # one of the two faces is not the holder
    faces = json.loads(out)["faces"]
    assert [f["holder"] for f in faces] == [True, False]
    assert faces[0]["distance"] < faces[0]["threshold"] < faces[1]["distance"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("no_card", ["no card on the reader", "lay the CCCD"]),
        ("other_qr", ["refused the card's access data", "not this card's"]),
        ("wrong_csca", ["not issued by the configured CSCA"]),
        ("tampered", ["data group 13 does not match", "do not enrol"]),
    ],
)
def test_each_failure_is_one_clear_line(session, name, words):
    rc, out, err = result(session, name)
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert all(w in err for w in words), err
    assert "Traceback" not in err
