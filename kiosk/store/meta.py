"""The names of the meta table's entries, in one place.

The ``meta`` table (``name TEXT PRIMARY KEY, value TEXT``) holds the key check, the audit
head, the administrator PIN and its lock-out, the local API's token, the next citizen id,
whether a chip reader was ever used here, and the registry a counter syncs with and its pull cursors. Nothing outside :mod:`kiosk.store` spells these names.
"""

from __future__ import annotations

KEY_CHECK = "key_check"
"""Hex check value of the data key the file is sealed with (:meth:`kiosk.store.crypto.DataKey.check_value`)."""
AUDIT_HEAD = "audit_head"
"""The keyed head of the audit chain (:func:`kiosk.store.audit.encode_head`)."""
NEXT_CITIZEN_ID = "next_citizen_id"
"""The lowest citizen id never handed out (purged ids are not reused)."""
ADMIN_PIN = "admin_pin"
"""The administrator PIN's scrypt hash and parameters (JSON)."""
PIN_FAILURES = "admin_pin_failures"
"""Wrong PINs in a row."""
LOCKED_UNTIL = "admin_locked_until"
"""ISO time until which logins are refused."""
API_TOKEN = "api_token"
"""The local API's bearer token, made on first use when the ``api_token`` setting is empty."""
REGISTRY_ID = "registry_id"
"""The id of the province registry this counter syncs with (it shares the registry's data key)."""
TEMPLATES_CHANGED = "templates_changed"
"""How many face templates were ever deleted or changed in place (kept by triggers; with the
highest template id it tells whether the index snapshot is current)."""
CHIP_READER_SEEN = "chip_reader_seen"
"""Set once a chip reader has been used at this counter: from then on (``chip_reader = auto``) a
first visit needs the chip, also after a restart (:mod:`kiosk.store.counter_state`)."""
BULK_PULL_PREFIX = "bulk_pull:"
"""``bulk_pull:<table>`` = the id of the registry whose first pull is filling ``table`` without its
uid index (:meth:`kiosk.store.sync_rows.SyncRows.start_bulk`); absent otherwise."""
SYNC_CURSOR_PREFIX = "sync_cursor:"
"""Pull cursors are ``sync_cursor:<registry id>:<table>`` (the last ``seq`` stored, per table)."""


def sync_cursor(registry_id: str, table: str) -> str:
    """The meta name of the pull cursor for ``table`` of registry ``registry_id``."""
    return f"{SYNC_CURSOR_PREFIX}{registry_id}:{table}"
