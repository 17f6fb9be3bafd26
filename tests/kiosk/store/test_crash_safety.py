"""Crash safety: a kiosk process killed (SIGKILL) in the middle of enrolments, card
check-ins and purges leaves a database that opens, passes ``PRAGMA integrity_check``,
holds only whole citizens, and whose audit log still verifies.

A child process runs the real services (``Kiosk.enrol`` with consent, ``check_in_by_card``,
``Admin.purge``) in a loop against a real SQLite file, with real dlib embeddings of the
sample set's faces (computed once, saved as ``.npy``) and random ID numbers; the parent
kills it at a random moment, checks the file, and starts it again.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from kiosk.store import audit as audit_log
from kiosk.store.crypto import DataKey
from kiosk.store.records import Store
from tests.support.data import ADMIN_PIN, ROOT, analyzed, enrol_frames

ROUNDS = 15
PEOPLE = ("london_005", "london_043", "london_099", "lisa")

CHILD = r"""
import random, sys
from datetime import date
from pathlib import Path

import numpy as np

from kiosk.cccd.record import CccdRead
from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from models import CitizenRecord, FaceBox, FaceSample, Gender

db, faces_npy, pin, seed = sys.argv[1:5]
rng = random.Random(int(seed))
faces = np.load(faces_npy)  # (people, 3, 128) float32, real dlib embeddings
box = FaceBox(0, 200, 200, 0)
with Kiosk.open(Settings(), Path(db), create=False, analyzer=object(), actor="crash-test") as kiosk:
    admin = kiosk.login_admin(pin)
    known = [row["record"].id_number for row in kiosk.store.citizens()]
    print("ready", flush=True)
    while True:
        roll = rng.random()
        if roll < 0.5 or len(known) < 3:
            id_number = "0960" + f"{rng.randrange(10**8):08d}"
            record = CitizenRecord(id_number, "", f"Nguyễn Văn Thử {rng.randrange(10**6)}", date(1990, 1, 1), Gender.MALE,
                                   "Ấp 1, Xã Tân Hưng, Cà Mau")
            person = faces[rng.randrange(len(faces))]
            samples = [FaceSample(person[k].copy(), box, 100.0, 120.0, 0.0) for k in range(3)]
            kiosk.enrol(record, samples, consent=True, staff="crash-test", allow_duplicate_face=True)
            known.append(id_number)
        elif roll < 0.7:
            record = kiosk.store.find_citizen(rng.choice(known))[1]
            kiosk.check_in_by_card(CccdRead(record, (), "qr"))
        else:
            admin.purge(known.pop(rng.randrange(len(known))), reason="crash test")
"""


@pytest.fixture
def faces_npy(tmp_path: Path) -> Path:
    """Real embeddings of a few sample-set faces, ``(people, 3, 128)`` float32."""
    stack = np.stack([np.stack([analyzed(p).primary.embedding for p in enrol_frames(who)]) for who in PEOPLE])
    path = tmp_path / "faces.npy"
    np.save(path, stack.astype(np.float32))
    return path


def _check(db: Path, key: DataKey, round_no: int) -> dict[str, int]:
    """Everything that must hold after a kill; returns a few counts."""
    where = f"after kill {round_no}"
    with Store.open(db, lambda _: key, create=False) as store:
        q = store.db.execute
        assert q("PRAGMA integrity_check").fetchall() == [("ok",)], where
        assert q("PRAGMA foreign_key_check").fetchall() == [], where
        wrong = q("""SELECT c.id, (SELECT count(*) FROM face_samples s WHERE s.citizen_id = c.id),
                            (SELECT count(*) FROM consents n WHERE n.citizen_id = c.id)
                     FROM citizens c""").fetchall()
        assert [r for r in wrong if r[1] < 3 or r[2] != 1] == [], f"{where}: citizens that are not whole"
        for table in ("face_samples", "consents", "visits"):
            orphans = q(f"SELECT count(*) FROM {table} WHERE citizen_id NOT IN (SELECT id FROM citizens)").fetchone()[0]
            assert orphans == 0, f"{where}: {orphans} {table} rows without a citizen"
        decrypted = sum(len(ids) for ids, *_ in store.iter_embeddings())
        assert decrypted == store.sample_count(), where
        report = audit_log.verify(store)
        assert report.ok, f"{where}: {report.problems}"
        actions = dict(q("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall())
        citizens = q("SELECT count(*) FROM citizens").fetchone()[0]
        # Every change was saved together with its audit entry, never one without the other.
        assert actions.get("enrol", 0) - actions.get("purge", 0) == citizens, f"{where}: {actions}, {citizens} citizens"
        # One tombstone per purged ID number: a random ID enrolled again after its purge and purged
        # again keeps one tombstone for two audit entries (seen once in ~750 purges), never more.
        assert 0 < q("SELECT count(*) FROM purges").fetchone()[0] <= actions.get("purge", 0) or not actions.get(
            "purge"
        ), where
        return {
            "citizens": citizens,
            "enrol": actions.get("enrol", 0),
            "purge": actions.get("purge", 0),
            "qr_read": actions.get("qr_read", 0),
        }


@pytest.mark.slow
def test_sigkill_during_enrolments_and_purges_leaves_only_whole_citizens(tmp_path: Path, faces_npy: Path) -> None:
    started = time.monotonic()
    key = DataKey.generate()
    db = tmp_path / "kiosk.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(
        KIOSK_DATA_KEY=key.encoded(),
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIOSK_DATA_KEY", key.encoded())
        with Kiosk.open(Settings(), db, analyzer=object()) as k:
            k.set_first_admin_pin(ADMIN_PIN)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    rng = random.Random()
    seed = rng.randrange(10**6)
    mid_write = 0
    for round_no in range(1, ROUNDS + 1):
        stderr = (tmp_path / f"child-{round_no}.err").open("w+")
        child = subprocess.Popen(
            [sys.executable, str(script), str(db), str(faces_npy), ADMIN_PIN, str(seed + round_no)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            ready, _, _ = select.select([child.stdout], [], [], 20)
            line = child.stdout.readline() if ready else ""
            assert line.strip() == "ready", (
                f"the child did not start (seed {seed + round_no}): {Path(stderr.name).read_text()}"
            )
            time.sleep(rng.uniform(0.02, 0.6))
            assert child.poll() is None, (
                f"the child stopped by itself (seed {seed + round_no}): {Path(stderr.name).read_text()}"
            )
            mid_write += Path(f"{db}-wal").exists() and Path(f"{db}-wal").stat().st_size > 0
            child.send_signal(signal.SIGKILL)
            assert child.wait(10) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            stderr.close()
        counts = _check(db, key, round_no)
    # The loop really ran: many enrolments, check-ins and purges were made and killed.
    assert counts["enrol"] >= 2 * ROUNDS and counts["purge"] >= ROUNDS // 2 and counts["qr_read"] >= ROUNDS // 2, counts
    assert mid_write >= ROUNDS // 2  # most kills left a WAL for the next open to recover
    assert time.monotonic() - started < 60
