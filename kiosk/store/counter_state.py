"""What a counter remembers of its own hardware: whether a CCCD chip reader was ever used here."""

from __future__ import annotations

from kiosk.store.meta import CHIP_READER_SEEN
from kiosk.store.records import Store


def chip_reader_seen(store: Store) -> bool:
    """Whether a chip reader has been used at this counter (then first visits need the chip)."""
    return store.meta_get(CHIP_READER_SEEN) == "1"


def mark_chip_reader_seen(store: Store, actor: str, counter: str) -> None:
    """Remember that a chip reader is used here, once, audited as ``chip_reader_seen``."""
    with store.transaction("remember the chip reader"):
        if store.meta_get(CHIP_READER_SEEN) != "1":
            store.meta_set(CHIP_READER_SEEN, "1")
            store.audit("chip_reader_seen", actor, counter)
