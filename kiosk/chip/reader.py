"""Reading a CCCD's chip through any APDU transport: access with PACE where the card offers it
(EF.CardAccess) and BAC otherwise, then DG1, DG2, DG13 and the SOD under secure messaging,
then passive authentication, then the citizen's record.

The transport is anything with ``transmit(apdu) -> (data, status word)`` and ``reset()``:
the PC/SC reader (:mod:`kiosk.chip.pcsc`) or, in tests, a simulated card in-process.
Access data, keys and file contents never reach a log or an error message.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.chip import pace as pace_protocol
from kiosk.chip.groups import FILES, GroupError, Mrz, Photo, ascii_digits, chip_date, parse_dg1, parse_dg2, parse_dg13
from kiosk.chip.mrz import AccessKey
from kiosk.chip.passive import PassiveAuthError, Verified, verify
from kiosk.chip.secure import BacTerminal, SecureChannel, SecureMessagingError
from kiosk.chip.tlv import header_length
from kiosk.chip.transport import Transport
from kiosk.errors import ChipError
from models import CitizenRecord, Gender

UNREADABLE = (ValueError, TypeError, IndexError, RecursionError, UnicodeError)
"""What a malformed file can still raise below the named errors: a card that cannot be read."""
AID = bytes.fromhex("A0000002471001")
"""The eMRTD application (LDS1)."""
CHUNK = 0xDF
"""Bytes per READ BINARY: 223 pad to 224, so a protected answer is DO'87' 228 + DO'99' 4 +
DO'8E' 10 = 242 bytes, within a short APDU's 256 with AES (3DES could read 0xE7)."""
OK = 0x9000
END_OF_FILE = 0x6282


@dataclass(frozen=True)
class ChipRead:
    """What the chip said, verified.

    Attributes:
        record: the citizen's record built from DG13 (diacritics as the chip holds them).
        fields: DG13's fields, number -> text.
        mrz: DG1.
        photo: DG2's face image (not stored unless the citizen consents to it as a sample).
        verified: how far passive authentication went.
        access: which access data opened the card (``"mrz"``, how the QR's expiry was derived, or the CAN).
        protocol: how the card was opened: ``"PACE"`` or ``"BAC"``.
    """

    record: CitizenRecord
    fields: dict[int, str]
    mrz: Mrz
    photo: Photo
    verified: Verified
    access: str
    protocol: str


def _apdu(transport: Transport, command: bytes) -> tuple[bytes, int]:
    try:
        return transport.transmit(command)
    except OSError as error:
        raise _lost(error) from None


def _lost(error: OSError) -> ChipError:
    return ChipError(
        f"the card stopped answering ({error})",
        "keep the card still on the reader and read it again",
        reason="card_lost",
    )


def _reset(transport: Transport) -> None:
    try:
        transport.reset()
    except OSError as error:
        raise _lost(error) from None


def _plain_read(transport: Transport, offset: int, size: int) -> tuple[bytes, int]:
    """READ BINARY without secure messaging, asking again with the length a 6Cxx answer gives."""
    data, status = _apdu(transport, bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, size & 0xFF]))
    if status >> 8 == 0x6C:
        data, status = _apdu(transport, bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, status & 0xFF]))
    return data, status


def card_access(transport: Transport) -> list[pace_protocol.PaceInfo]:
    """The PACE protocols EF.CardAccess lists that this side supports, AES before 3DES; empty when
    the card has no such file (a BAC-only card) or it cannot be read. Selected directly: the
    master file of these cards cannot be selected (6D00)."""
    _, status = _apdu(transport, bytes.fromhex("00A4020C02011C"))
    if status != OK:
        return []
    data, status = _plain_read(transport, 0, 4)
    try:
        if status not in (OK, END_OF_FILE):
            raise ValueError(f"status {status:04X}")
        total = header_length(data)
        while len(data) < total and status == OK:
            chunk, status = _plain_read(transport, len(data), min(CHUNK, total - len(data)))
            if status not in (OK, END_OF_FILE) or not chunk:
                raise ValueError(f"status {status:04X}")
            data += chunk
        infos = pace_protocol.parse_card_access(data[:total])
    except ValueError:
        return []
    return sorted((i for i in infos if i.supported), key=lambda i: (i.suite or ("", "3des", 0))[1] == "3des")


def _denied() -> ChipError:
    return ChipError(
        "the chip refused the card's access data: the QR or MRZ given is not this card's",
        "read the QR of the card that is on the reader, or type the 3 lines on its back with --mrz",
        reason="access_denied",
    )


def _pace(
    transport: Transport, offered: list[pace_protocol.PaceInfo], keys: list[AccessKey]
) -> tuple[SecureChannel, AccessKey] | None:
    """PACE with each offered protocol and each key: the channel and its key, or None when no
    protocol was usable (then BAC).

    Raises:
        ChipError: ``access_denied`` when the card checked the passwords and refused them all
            (BAC with the same keys would be refused too), or ``card_lost``.
    """
    several = len({info.parameter_id for info in offered}) > 1
    refused = False
    for info in offered:
        unusable: set[int] = set()  # password kinds the card refused for this protocol
        for key in keys:
            password, kind = (key.can, pace_protocol.CAN) if key.can else (key.information, pace_protocol.MRZ)
            if kind in unusable:
                continue
            try:
                channel = pace_protocol.establish(transport, info, password, kind, name_parameters=several)
            except OSError as error:
                raise _lost(error) from None
            except pace_protocol.PaceError as error:
                _reset(transport)
                if error.reason == "protocol":
                    break  # this protocol is not usable with this card: the next one, or BAC
                if error.reason == "password":
                    unusable.add(kind)
                refused = refused or error.reason == "refused"
                continue
            return channel, key
    if refused:
        raise _denied()
    return None


def open_channel(transport: Transport, keys: list[AccessKey]) -> tuple[SecureChannel, AccessKey, str]:
    """Open secure messaging with the first access key the card accepts: PACE when EF.CardAccess
    offers a protocol this side supports (then the eMRTD application is selected under it),
    else BAC, which eMRTD chips keep for older readers. Returns the channel, the key and
    ``"PACE"`` or ``"BAC"``.

    Raises:
        ChipError: ``not_an_id_chip`` (no eMRTD application), ``access_denied`` (no key opened
            it) or ``card_lost``.
    """
    offered = card_access(transport)
    opened = _pace(transport, offered, keys) if offered else None
    if opened is not None:
        _select_application(transport, opened[0])
        return opened[0], opened[1], "PACE"
    for key in (k for k in keys if not k.can):
        _, status = _apdu(transport, bytes.fromhex("00A4040C07") + AID)
        if status != OK:
            raise _no_application(status)
        terminal = BacTerminal(key.information)
        rnd_ic, status = _apdu(transport, terminal.challenge_command())
        if status == OK and len(rnd_ic) == 8:
            answer, status = _apdu(transport, terminal.authenticate_command(rnd_ic))
            session = terminal.session(answer) if status == OK else None
            if session is not None:
                return session, key, "BAC"
        _reset(transport)
    raise _denied()


def _protected(transport: Transport, channel: SecureChannel, command: bytes, what: str) -> tuple[bytes, int]:
    answer, status = _apdu(transport, channel.wrap(command))
    try:
        return channel.unwrap(answer, status)
    except SecureMessagingError as error:
        raise ChipError(f"{what} failed: {error}", "read the card again", reason="read_failed") from None


def _select_application(transport: Transport, channel: SecureChannel) -> None:
    _, status = _protected(transport, channel, bytes.fromhex("00A4040C07") + AID, "selecting the ID application")
    if status != OK:
        raise _no_application(status)


def _no_application(status: int) -> ChipError:
    return ChipError(
        f"the card on the reader has no ID-document application (status {status:04X})",
        "place the citizen's CCCD on the reader",
        reason="not_an_id_chip",
    )


def read_file(transport: Transport, channel: SecureChannel, name: str) -> bytes:
    """A whole elementary file read under secure messaging.

    Raises:
        ChipError: ``read_failed`` (missing file, refused read, broken channel).
    """
    what = f"reading {name} from the chip"
    fid = FILES[name]
    _, status = _protected(transport, channel, bytes.fromhex("00A4020C02") + fid.to_bytes(2, "big"), what)
    if status != OK:
        raise ChipError(
            f"the chip has no {name} (status {status:04X})", "this card cannot be read here", reason="read_failed"
        )
    data, status = _protected(transport, channel, bytes.fromhex("00B0000006"), what)
    try:
        if status not in (OK, END_OF_FILE):
            raise ValueError(f"status {status:04X}")
        total = header_length(data)
    except ValueError as error:
        raise ChipError(
            f"the chip refused to read {name} ({error})", "read the card again", reason="read_failed"
        ) from None
    if total > 0x7FFF:
        raise ChipError(
            f"{name} is {total} bytes, longer than this reader reads",
            "report this card to the vendor",
            reason="read_failed",
        )
    while len(data) < total:
        offset = len(data)
        size = min(CHUNK, total - offset)
        chunk, status = _protected(transport, channel, bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, size]), what)
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
    channel, key, protocol = open_channel(transport, keys)
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
            protocol=protocol,
        )
    except (GroupError, *UNREADABLE) as error:
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
    id_number = ascii_digits(fields.get(1, ""))
    if len(id_number) != 12:
        raise GroupError("DG13's ID number is not 12 digits")
    name = _nfc(fields.get(2, ""))
    if not name:
        raise GroupError("DG13 holds no name (field 2)")
    sex = _nfc(fields.get(4, "")).casefold()
    genders = {"nam": Gender.MALE, "nữ": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE}
    if sex not in genders:
        raise GroupError("DG13's sex (field 4) is neither Nam nor Nữ")
    old = next((v for n in (15, 16) if len(v := ascii_digits(fields.get(n, ""))) in (9, 12)), "")
    issued: date | None = chip_date(fields[11], "issue date") if fields.get(11) else None
    return CitizenRecord(
        id_number=id_number,
        old_id_number=old,
        full_name=name,
        date_of_birth=chip_date(fields.get(3, ""), "birth date"),
        gender=genders[sex],
        address=_nfc(fields.get(9, "")),
        issue_date=issued,
    )


def _letters(name: str) -> str:
    """A name without case or diacritics: a QR that lost its accents still names the same person."""
    plain = unicodedata.normalize("NFD", " ".join(name.split()).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def disagreements(chip: CitizenRecord, qr: CitizenRecord) -> list[str]:
    """The fields on which the chip and the card's QR differ (names compared without case or diacritics)."""
    out = []
    if chip.id_number != qr.id_number:
        out.append("id_number")
    if _letters(chip.full_name) != _letters(qr.full_name):
        out.append("full_name")
    if chip.date_of_birth != qr.date_of_birth:
        out.append("date_of_birth")
    if chip.gender != qr.gender:
        out.append("gender")
    if chip.issue_date and qr.issue_date and chip.issue_date != qr.issue_date:
        out.append("issue_date")
    return out
