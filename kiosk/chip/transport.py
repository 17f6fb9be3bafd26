"""What any way of reaching a card offers: APDUs in and out as bytes."""

from __future__ import annotations

from typing import Protocol


class Transport(Protocol):
    """An open connection to a card: the PC/SC reader (:mod:`kiosk.chip.pcsc`) or, in tests, a
    simulated card in-process."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; the answer's data and status word."""
        ...

    def reset(self) -> None:
        """Reset the card (a failed access attempt leaves it refusing the next one until then)."""
        ...
