"""Reading a CCCD's chip through any APDU transport: access with BAC, then DG1, DG2, DG13 and the
SOD under secure messaging, then passive authentication, then the citizen's record.

The transport is anything with ``transmit(apdu) -> (data, status word)`` and ``reset()``:
the PC/SC reader (:mod:`kiosk.chip.pcsc`) or, in tests, a simulated card in-process.
Access data, keys and file contents never reach a log or an error message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from kiosk.chip.groups import FILES, GroupError, Mrz, Photo, chip_date, parse_dg1, parse_dg2, parse_dg13
from kiosk.chip.mrz import AccessKey
from kiosk.chip.passive import PassiveAuthError, Verified, verify
from kiosk.chip.secure import BacTerminal, SecureChannel, SecureMessagingError
from kiosk.chip.tlv import header_length
from kiosk.errors import ChipError
from models import CitizenRecord, Gender

AID = bytes.fromhex("A0000002471001")
"""The eMRTD application (LDS1)."""
CHUNK = 0xDF
"""Bytes per READ BINARY: the most whose protected answer fits one short APDU with 3DES."""
OK = 0x9000
END_OF_FILE = 0x6282


class Transport(Protocol):
    """An open connection to a card."""

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command APDU; the answer's data and status word."""
        ...

    def reset(self) -> None:
        """Reset the card (a failed BAC attempt leaves it refusing the next one until then)."""
        ...


@dataclass(frozen=True)
class ChipRead:
    """What the chip said, verified.

    Attributes:
        record: the citizen's record built from DG13 (diacritics as the chip holds them).
        fields: DG13's fields, number -> text.
        mrz: DG1.
        photo: DG2's face image (not stored unless the citizen consents to it as a sample).
        verified: how far passive authentication went.
        access: which access data opened the card (``"mrz"`` or how the QR's expiry was derived).
        pace: the card lists PACE in EF.CardAccess (BAC was used all the same).
    """

    record: CitizenRecord
    fields: dict[int, str]
    mrz: Mrz
    photo: Photo
    verified: Verified
    access: str
    pace: bool


def _apdu(transport: Transport, command: bytes) -> tuple[bytes, int]:
    try:
        return transport.transmit(command)
    except OSError as error:
        raise ChipError(
            f"the card stopped answering ({error})",
            "keep the card still on the reader and read it again",
            reason="card_lost",
        ) from None


def open_channel(transport: Transport, keys: list[AccessKey]) -> tuple[SecureChannel, AccessKey, bool]:
    """BAC with each access key in turn: the first that opens the card, its key, and whether the
    card offers PACE.

    Raises:
        ChipError: ``not_an_id_chip`` (no eMRTD application) or ``access_denied`` (no key opened it).
    """
    _, status = _apdu(transport, bytes.fromhex("00A4020C02011C"))  # EF.CardAccess (the MF itself answers 6D00)
    pace = status == OK
    for key in keys:
        _, status = _apdu(transport, bytes.fromhex("00A4040C07") + AID)
        if status != OK:
            raise ChipError(
                f"the card on the reader has no ID-document application (status {status:04X})",
                "place the citizen's CCCD on the reader",
                reason="not_an_id_chip",
            )
        terminal = BacTerminal(key.information)
        rnd_ic, status = _apdu(transport, terminal.challenge_command())
        if status == OK and len(rnd_ic) == 8:
            answer, status = _apdu(transport, terminal.authenticate_command(rnd_ic))
            channel = terminal.session(answer) if status == OK else None
            if channel is not None:
                return channel, key, pace
        transport.reset()
    raise ChipError(
        "the chip refused the card's access data (BAC): the QR or MRZ given is not this card's",
        "read the QR of the card that is on the reader, or type the 3 lines on its back with --mrz",
        reason="access_denied",
    )


def read_file(transport: Transport, channel: SecureChannel, name: str) -> bytes:
    """A whole elementary file read under secure messaging.

    Raises:
        ChipError: ``read_failed`` (missing file, refused read, broken channel).
    """

    def protected(command: bytes) -> tuple[bytes, int]:
        answer, status = _apdu(transport, channel.wrap(command))
        try:
            return channel.unwrap(answer, status)
        except SecureMessagingError as error:
            raise ChipError(
                f"reading {name} from the chip failed: {error}", "read the card again", reason="read_failed"
            ) from None

    fid = FILES[name]
    _, status = protected(bytes.fromhex("00A4020C02") + fid.to_bytes(2, "big"))
    if status != OK:
        raise ChipError(
            f"the chip has no {name} (status {status:04X})", "this card cannot be read here", reason="read_failed"
        )
    data, status = protected(bytes.fromhex("00B0000006"))
    if status not in (OK, END_OF_FILE) or len(data) < 2:
        raise ChipError(
            f"the chip refused to read {name} (status {status:04X})", "read the card again", reason="read_failed"
        )
    total = header_length(data) if len(data) >= 2 else len(data)
    if total > 0x7FFF:
        raise ChipError(
            f"{name} is {total} bytes, longer than this reader reads",
            "report this card to the vendor",
            reason="read_failed",
        )
    while len(data) < total:
        offset = len(data)
        size = min(CHUNK, total - offset)
        chunk, status = protected(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, size]))
        if status not in (OK, END_OF_FILE) or not chunk:
            raise ChipError(
                f"the chip stopped reading {name} at byte {offset} (status {status:04X})",
                "keep the card still and read it again",
                reason="read_failed",
            )
        data += chunk
    return data[:total]


def read_chip(transport: Transport, keys: list[AccessKey], *, csca: list[bytes] | None = None) -> ChipRead:
    """Open, read and verify the card on ``transport``.

    Args:
        keys: access keys to try, most likely first (:func:`kiosk.chip.mrz.access_keys`).
        csca: CSCA certificates (DER) to chain the document signer to; ``None`` stops at the signature.

    Raises:
        ChipError: access refused, a read that failed, malformed groups, or passive
            authentication failed (``reason`` ``group_tampered``, ``signature_failed``,
            ``csca_mismatch``, ``sod_malformed``).
    """
    channel, key, pace = open_channel(transport, keys)
    files = {name: read_file(transport, channel, name) for name in ("DG1", "DG2", "DG13", "SOD")}
    try:
        verified = verify(files["SOD"], {1: files["DG1"], 2: files["DG2"], 13: files["DG13"]}, csca)
    except PassiveAuthError as error:
        hints = {
            "csca_mismatch": "check the CSCA file the province installed; if it is right, do not enrol with this card",
            "sod_malformed": "read the card again; if it persists, do not enrol with this card",
        }
        raise ChipError(
            f"passive authentication failed: {error}",
            hints.get(error.reason, "do not enrol with this card: check it with the police"),
            reason=error.reason,
        ) from None
    try:
        fields = parse_dg13(files["DG13"])
        return ChipRead(
            record=record_from(fields),
            fields=fields,
            mrz=parse_dg1(files["DG1"]),
            photo=parse_dg2(files["DG2"]),
            verified=verified,
            access=key.source,
            pace=pace,
        )
    except GroupError as error:
        raise ChipError(
            f"the chip's data cannot be read: {error}", "read the card again", reason="read_failed"
        ) from None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def record_from(fields: dict[int, str]) -> CitizenRecord:
    """The citizen's record from DG13's fields.

    Raises:
        GroupError: no 12-digit ID number, no name, or a date or sex that cannot be read.
    """
    id_number = "".join(ch for ch in fields.get(1, "") if ch.isdigit())
    if len(id_number) != 12:
        raise GroupError("DG13's ID number is not 12 digits")
    name = _nfc(fields.get(2, ""))
    if not name:
        raise GroupError("DG13 holds no name (field 2)")
    sex = _nfc(fields.get(4, "")).casefold()
    genders = {"nam": Gender.MALE, "nữ": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE}
    if sex not in genders:
        raise GroupError("DG13's sex (field 4) is neither Nam nor Nữ")
    old = next((v for n in (15, 16) if len(v := "".join(c for c in fields.get(n, "") if c.isdigit())) in (9, 12)), "")
    issued: date | None = chip_date(fields[11]) if fields.get(11) else None
    return CitizenRecord(
        id_number=id_number,
        old_id_number=old,
        full_name=name,
        date_of_birth=chip_date(fields.get(3, "")),
        gender=genders[sex],
        address=_nfc(fields.get(9, "")),
        issue_date=issued,
    )


def disagreements(chip: CitizenRecord, qr: CitizenRecord) -> list[str]:
    """The fields on which the chip and the card's QR differ (names compared without case)."""
    out = []
    if chip.id_number != qr.id_number:
        out.append("id_number")
    if _nfc(chip.full_name).casefold() != _nfc(qr.full_name).casefold():
        out.append("full_name")
    if chip.date_of_birth != qr.date_of_birth:
        out.append("date_of_birth")
    if chip.gender != qr.gender:
        out.append("gender")
    if chip.issue_date and qr.issue_date and chip.issue_date != qr.issue_date:
        out.append("issue_date")
    return out
