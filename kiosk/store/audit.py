"""The append-only, tamper-evident audit log.

Triggers make the table refuse UPDATE and DELETE. Each entry also carries
``hash = HMAC(audit key, previous hash || entry bytes)`` (see :mod:`kiosk.store.crypto`), and the
meta table keeps an HMAC of the last entry (the *head*), so :func:`verify` detects an
entry that was edited, deleted from the middle, or cut from the end by someone who
bypassed the triggers but does not hold the key. Subjects are masked ID numbers; an
entry never holds a full ID number, a name or an embedding.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.store.crypto import DataKey
from kiosk.store.meta import AUDIT_HEAD as HEAD

if TYPE_CHECKING:
    from sqlite_utils import Database


class AuditedStore(Protocol):
    """What the audit log needs of the store: :class:`kiosk.store.base.StoreBase` provides it
    (a protocol, because the base imports the schema, which writes the log's triggers from here)."""

    key: DataKey
    db: Database
    clock: Callable[[], datetime]

    def meta_get(self, name: str) -> str | None:
        """A value of the meta table, or None."""
        ...

    def meta_set(self, name: str, value: str) -> None:
        """Set a value of the meta table (inside the caller's transaction)."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """A consistent read over several statements."""
        ...


APPEND_ONLY = ("UPDATE", "DELETE")
"""The statements the audit_log table refuses (one trigger each)."""


def append_only_trigger(op: str) -> str:
    """The DDL of the trigger that makes ``audit_log`` refuse ``op`` (one of :data:`APPEND_ONLY`).

    The schema creates both; :func:`rechain` lifts the UPDATE one for its own transaction only.
    """
    return f"""CREATE TRIGGER audit_log_no_{op.lower()} BEFORE {op} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""


def entry_bytes(row: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every column but the hash, in a fixed order."""
    fields = [row["id"], row["at"], row["counter"], row["actor"], row["action"], row["subject"], row["detail"]]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode_head(key: DataKey, last_id: int, last_hash: bytes) -> str:
    """The head stored in meta: ``"<last id>:<last hash hex>:<HMAC of both>"``."""
    mac = key.chain(b"head", str(last_id).encode() + b":" + last_hash).hex()
    return f"{last_id}:{last_hash.hex()}:{mac}"


def decode_head(key: DataKey, text: str | None) -> tuple[int, bytes] | None:
    """``(last id, last hash)`` from a stored head, or None when it is missing or was not made with the key."""
    try:
        last_id, last_hash, _ = (text or "").split(":")
        parsed = (int(last_id), bytes.fromhex(last_hash))
    except ValueError:
        return None
    return parsed if encode_head(key, *parsed) == text else None


def append(store: AuditedStore, action: str, actor: str, counter: str, subject: str, detail: dict[str, Any]) -> None:
    """Add one entry. Must run inside ``store.transaction`` (the caller holds the write lock).

    The next entry continues from the keyed head, not from whatever row is last, so entries
    cut from the end stay visible as a gap. If the head itself is missing or forged while
    entries exist, the entry chains from the last row and records ``chain_reset``, which
    :func:`verify` reports.
    """
    head_text = store.meta_get(HEAD)
    head = decode_head(store.key, head_text)
    last = store.db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    if head is not None:
        next_id, previous = head[0] + 1, head[1]
    elif last is None and head_text is None:
        next_id, previous = 1, b""
    else:
        next_id, previous = (last[0] + 1, last[1] or b"") if last else (1, b"")
        detail = {**detail, "chain_reset": True}
    row: dict[str, Any] = {
        "id": next_id,
        "at": store.clock().isoformat(),
        "counter": counter,
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
    }
    chained = store.key.chain(previous, entry_bytes(row))
    store.db.table("audit_log").insert({**row, "hash": chained})
    store.meta_set(HEAD, encode_head(store.key, next_id, chained))


def rechain(store: AuditedStore, key: DataKey) -> None:
    """Recompute every entry's hash, in id order, and the head under ``key`` (the data key a
    migration or a key rotation moves the file to). Must run inside ``store.transaction``:
    the trigger refusing UPDATE is dropped and made again within it, so it is never missing
    outside that transaction."""
    db = store.db
    db.execute("DROP TRIGGER audit_log_no_update")
    previous, last_id = b"", 0
    for row in list(db.query("SELECT * FROM audit_log ORDER BY id")):
        previous, last_id = key.chain(previous, entry_bytes(row)), row["id"]
        db.execute("UPDATE audit_log SET hash = ? WHERE id = ?", [previous, row["id"]])
    db.execute(append_only_trigger("UPDATE"))
    if last_id:
        store.meta_set(HEAD, encode_head(key, last_id, previous))


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found. ``ok`` only when every entry and the head check out."""

    entries: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing was edited, removed or added without the key."""
        return not self.problems


def verify(store: AuditedStore) -> AuditReport:
    """Recompute the chain over every entry, in id order, and compare with the stored hashes and head."""
    with store.snapshot():
        rows = list(store.db.query("SELECT * FROM audit_log ORDER BY id"))
        head = store.meta_get(HEAD)
    problems: list[str] = []
    previous, last_id, count = b"", 0, 0
    for row in rows:
        count += 1
        expected = store.key.chain(previous, entry_bytes(row))
        if row["id"] != last_id + 1:
            problems.append(f"entries {last_id + 1}..{row['id'] - 1} are missing")
        if row["hash"] != expected:
            problems.append(
                f"entry {row['id']} ({row['action']} at {row['at']}) was altered, or an entry before it was removed"
            )
        if '"chain_reset": true' in row["detail"]:
            problems.append(f"entry {row['id']} was written after the log's keyed head had been removed or forged")
        previous, last_id = row["hash"] or b"", row["id"]
    if count and head != encode_head(store.key, last_id, previous):
        problems.append(
            f"the log does not end where it should (last entry {last_id}): entries were cut from the end or added without the key"
        )
    if not count and head:
        problems.append("every entry was removed")
    return AuditReport(count, tuple(problems))
