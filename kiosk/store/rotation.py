"""Data-key rotation: re-encrypt every citizen, template and audit hash under a new key.

Order of work, so that a crash at any point loses nothing:
1. the new key is written to ``<key file>.new`` (0600);
2. one transaction re-seals every row, recomputes blind indexes, the audit chain and the
   key check under the new key (the audit log must verify under the old key first: a
   rotation must not launder tampering);
3. the ``.new`` file replaces the old key file.
A crash before 2 commits leaves the old key valid; after it, :func:`kiosk.counter.service.open_store`
finds the ``.new`` key and finishes step 3.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.store import audit as audit_log
from kiosk.store.crypto import ENV_KEY, DataKey, default_key_path, write_key_file
from kiosk.errors import DataKeyError, StoreError

if TYPE_CHECKING:
    from kiosk.counter.service import Kiosk


def rotate_key(kiosk: Kiosk, actor: str) -> Path:
    """Rotate the data key of ``kiosk``'s database. Returns the key file now in use.

    Only for a counter that has never synced with a registry (a province shares one key).
    The audit entry is written in the same transaction, under the new key.

    Raises:
        DataKeyError: the key comes from ``KIOSK_DATA_KEY`` (rotate it where it is kept), or
            the counter shares its key with a registry.
        StoreError: the audit log does not verify, or the database cannot be written.
    """
    if os.environ.get(ENV_KEY):
        raise DataKeyError("the data key comes from KIOSK_DATA_KEY, not from a key file",
                           "rotate with a key file (unset KIOSK_DATA_KEY, set key_file)")
    store = kiosk.store
    with store.snapshot():
        synced = store.db.execute("SELECT 1 FROM meta WHERE name = 'registry_id' OR name LIKE 'sync_cursor:%' LIMIT 1").fetchone()
    if synced:
        raise DataKeyError("this counter shares its data key with the province registry and every other counter",
                           "the key can only be changed for the whole province at once, which this release does not do "
                           "(docs/PRIVACY.md); nothing was changed")
    report = audit_log.verify(store)
    if not report.ok:
        raise StoreError(f"the audit log does not verify ({report.problems[0]})", "investigate before rotating the key")
    key_path = Path(kiosk.settings.key_file) if kiosk.settings.key_file else default_key_path()
    old, new = store.key, DataKey.generate()
    pending = key_path.with_name(key_path.name + ".new")
    write_key_file(pending, new)
    db = store.db
    with store.transaction("rotate the data key"):
        for row in list(db.query("SELECT id, id_hash, sealed FROM citizens")):
            personal = old.open(row["sealed"], b"citizen:" + row["id_hash"])
            new_hash = new.blind_index(json.loads(personal)["id_number"])
            db.execute("UPDATE citizens SET id_hash = ?, sealed = ? WHERE id = ?",
                       [new_hash, new.seal(personal, b"citizen:" + new_hash), row["id"]])
            for sample in list(db.query("SELECT id, embedding FROM face_samples WHERE citizen_id = ?", [row["id"]])):
                plain = old.open(sample["embedding"], b"sample:" + row["id_hash"])
                db.execute("UPDATE face_samples SET embedding = ? WHERE id = ?", [new.seal(plain, b"sample:" + new_hash), sample["id"]])
        db.execute("DROP TRIGGER audit_log_no_update")
        previous, last_id = b"", 0
        for entry in list(db.query("SELECT * FROM audit_log ORDER BY id")):
            previous, last_id = new.chain(previous, audit_log.entry_bytes(entry)), entry["id"]
            db.execute("UPDATE audit_log SET hash = ? WHERE id = ?", [previous, entry["id"]])
        db.execute("""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")
        if last_id:
            store.meta_set(audit_log.HEAD, audit_log.encode_head(new, last_id, previous))
        store.meta_set("key_check", new.check_value().hex())
        store.key = new
        try:
            audit_log.append(store, "key_rotated", actor, kiosk.settings.counter_name, "", {})
        except BaseException:
            store.key = old
            raise
    os.replace(pending, key_path)
    store.checkpoint()
    return key_path
