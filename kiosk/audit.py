"""The append-only, tamper-evident audit log.

Triggers make the table refuse UPDATE and DELETE. Each entry also carries
``hash = HMAC(audit key, previous hash || entry bytes)`` (see :mod:`kiosk.crypto`), and the
meta table keeps an HMAC of the last entry (the *head*), so :func:`verify` detects an
entry that was edited, deleted from the middle, or cut from the end by someone who
bypassed the triggers but does not hold the key. Subjects are masked ID numbers; an
entry never holds a full ID number, a name or an embedding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

HEAD = "audit_head"


def entry_bytes(row: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every column but the hash, in a fixed order."""
    fields = [row["id"], row["at"], row["counter"], row["actor"], row["action"], row["subject"], row["detail"]]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def head_value(key: Any, last_id: int, last_hash: bytes) -> str:
    """The keyed head stored in meta: binds the count of entries and the last hash."""
    return key.chain(b"head", str(last_id).encode() + b":" + last_hash).hex()


def append(store: Any, action: str, actor: str, counter: str, subject: str, detail: dict[str, Any]) -> None:
    """Add one entry. Must run inside ``store.transaction`` (the caller holds the write lock)."""
    last = list(store.db.query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"))
    previous, next_id = (last[0]["hash"] or b"", last[0]["id"] + 1) if last else (b"", 1)
    row = {"id": next_id, "at": store.clock().isoformat(), "counter": counter, "actor": actor, "action": action,
           "subject": subject, "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)}
    row["hash"] = store.key.chain(previous, entry_bytes(row))
    store.db["audit_log"].insert(row)
    store.meta_set(HEAD, head_value(store.key, next_id, row["hash"]))


@dataclass(frozen=True)
class AuditReport:
    """What :func:`verify` found. ``ok`` only when every entry and the head check out."""

    entries: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing was edited, removed or added without the key."""
        return not self.problems


def verify(store: Any) -> AuditReport:
    """Recompute the chain over every entry, in id order, and compare with the stored hashes and head."""
    problems: list[str] = []
    previous, last_id, count = b"", 0, 0
    for row in store.db.query("SELECT * FROM audit_log ORDER BY id"):
        count += 1
        expected = store.key.chain(previous, entry_bytes(row))
        if row["id"] != last_id + 1:
            problems.append(f"entries {last_id + 1}..{row['id'] - 1} are missing")
        if row["hash"] != expected:
            problems.append(f"entry {row['id']} ({row['action']} at {row['at']}) was altered, or an entry before it was removed")
        previous, last_id = row["hash"] or b"", row["id"]
    head = store.meta_get(HEAD)
    if count and head != head_value(store.key, last_id, previous):
        problems.append(f"the log does not end where it should (last entry {last_id}): entries were cut from the end or added without the key")
    if not count and head:
        problems.append("every entry was removed")
    return AuditReport(count, tuple(problems))
