"""Data-key rotation: re-encrypt every citizen, template and audit hash under a new key.

Order of work, so that a crash at any point loses nothing:
1. the new key is written to ``<key file>.new`` (0600);
2. one transaction re-seals every row, recomputes blind indexes, the audit chain and the
   key check under the new key (:meth:`kiosk.store.records.Store.reseal`; the audit log
   must verify under the old key first: a rotation must not launder tampering);
3. the ``.new`` file replaces the old key file.
A crash before 2 commits leaves the old key valid; after it, :func:`kiosk.counter.factories.open_store`
finds the ``.new`` key and finishes step 3.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from kiosk.errors import DataKeyError, StoreError
from kiosk.store import audit as audit_log
from kiosk.store.crypto import ENV_KEY, DataKey, write_key_file
from kiosk.store.records import Store
from kiosk.store.sync_rows import SyncRows


def rotate_key(
    store: Store,
    key_path: Path,
    actor: str,
    counter: str,
    new: DataKey | None = None,
    write_key: Callable[[Path, DataKey], None] = write_key_file,
) -> Path:
    """Rotate the data key of ``store``, whose key file is ``key_path``, to ``new`` (None: a
    fresh random key; a counter joining a province adopts the province's key this way); the
    rotation is audited by ``actor`` at ``counter``. ``write_key`` writes the pending key
    (default: a 0600 file; ``kiosk join`` puts it in the OS keystore instead, so the key never
    lies on disk). Returns the key file now in use.

    Only for a counter that has never synced with a registry (a province shares one key).
    The audit entry is written in the same transaction, under the new key.

    Raises:
        DataKeyError: the key comes from ``KIOSK_DATA_KEY`` (rotate it where it is kept), or
            the counter shares its key with a registry.
        StoreError: the audit log does not verify, or the database cannot be written.
    """
    if os.environ.get(ENV_KEY):
        raise DataKeyError(
            "the data key comes from KIOSK_DATA_KEY, not from a key file",
            "rotate with a key file (unset KIOSK_DATA_KEY, set key_file)",
        )
    if SyncRows(store).has_synced():
        raise DataKeyError(
            "this counter shares its data key with the province registry and every other counter",
            "the key can only be changed for the whole province at once, which this release does not do "
            "(docs/PRIVACY.md); nothing was changed",
        )
    report = audit_log.verify(store)
    if not report.ok:
        raise StoreError(f"the audit log does not verify ({report.problems[0]})", "investigate before rotating the key")
    old, new = store.key, new or DataKey.generate()
    pending = key_path.with_name(key_path.name + ".new")
    write_key(pending, new)
    with store.transaction("rotate the data key"):
        try:
            store.reseal(new)
            audit_log.append(store, "key_rotated", actor, counter, "", {})
        except BaseException:
            store.key = old
            raise
    os.replace(pending, key_path)
    store.checkpoint()
    return key_path
