"""The PC/SC reader, through pyscard (Windows: winscard.dll; Linux: pcsc-lite's pcscd).

pyscard's types stay in this module: callers get reader names (str) and a transport with
``transmit(bytes) -> (bytes, status word)`` and ``reset()``. Every failure becomes a
:class:`kiosk.errors.ChipError` with one line that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kiosk.errors import ChipError

INSTALL_HINT = "install the reader support: pip install 'cccd-kiosk[chip]' (Linux: apt-get install pcscd first)"


def _pyscard() -> Any:
    try:
        import smartcard.System

        return smartcard
    except ImportError:
        raise ChipError(
            "this kiosk has no PC/SC support (pyscard is not installed)", INSTALL_HINT, reason="no_pcsc"
        ) from None


def reader_names() -> list[str]:
    """The PC/SC readers attached, by name.

    Raises:
        ChipError: ``no_pcsc``: pyscard missing, or the PC/SC service not running.
    """
    smartcard = _pyscard()
    from smartcard.Exceptions import ListReadersException
    from smartcard.pcsc.PCSCExceptions import BaseSCardException

    try:
        return [str(reader) for reader in smartcard.System.readers()]
    except ListReadersException:
        return []
    except BaseSCardException:  # EstablishContext failed: no PC/SC service to talk to
        raise ChipError(
            "the smart-card service is not running",
            "start it: Linux 'systemctl start pcscd' (or run pcscd), Windows the 'Smart Card' service",
            reason="no_pcsc",
        ) from None


def available(name: str = "") -> bool:
    """Whether a reader (whose name contains ``name``, if given) is attached and usable."""
    try:
        return any(name.lower() in r.lower() for r in reader_names())
    except ChipError:
        return False


class PcscTransport:
    """One card connection: APDUs in and out as bytes."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        from smartcard.Exceptions import CardConnectionException

        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except CardConnectionException as error:
            raise OSError(str(error).splitlines()[0] if str(error) else "card connection lost") from None
        return bytes(data), (sw1 << 8) | sw2

    def reset(self) -> None:
        from smartcard.scard import SCARD_RESET_CARD

        try:
            self._connection.reconnect(disposition=SCARD_RESET_CARD)
        except Exception as error:  # a card taken away between two tries
            raise OSError(str(error).splitlines()[0] if str(error) else "card reset failed") from None


@contextmanager
def open_reader(name: str = "") -> Iterator[PcscTransport]:
    """A connection to the card on the first reader whose name contains ``name`` (any reader
    when empty), closed on exit.

    Raises:
        ChipError: ``no_pcsc``, ``no_reader`` (none attached or none of that name) or
            ``no_card`` (the reader is empty or the card does not answer).
    """
    smartcard = _pyscard()
    from smartcard.Exceptions import CardConnectionException, NoCardException

    names = reader_names()
    chosen = [r for r in smartcard.System.readers() if name.lower() in str(r).lower()] if names else []
    if not chosen:
        raise ChipError(
            f"no smart-card reader{f' named {name!r}' if name else ''} is attached"
            + (f" (attached: {', '.join(names)})" if names else ""),
            "plug in the USB reader (PC/SC, NFC) and try again" if not names else "check the chip_reader setting",
            reason="no_reader",
        )
    connection = chosen[0].createConnection()
    try:
        connection.connect()
    except (NoCardException, CardConnectionException):
        raise ChipError(
            f"no card on the reader {chosen[0]}",
            "lay the CCCD flat on the reader and keep it there while it reads",
            reason="no_card",
        ) from None
    try:
        yield PcscTransport(connection)
    finally:
        try:
            connection.disconnect()
        except Exception:  # nothing to do: the card or the reader is already gone
            pass
