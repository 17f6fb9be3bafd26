"""The chip's files and what is in them (ICAO Doc 9303 Part 10; DG13 as Vietnamese cards use it).

Parsers take a file's whole bytes and raise :class:`GroupError` on anything malformed.
DG13's field numbers follow the public sources gathered in issue #25 (not confirmed on a
real card): 1 ID number, 2 full name, 3 birth date, 4 sex, 5 nationality, 6 ethnicity,
7 religion, 8 place of origin, 9 residence, 10 identifying marks, 11 issue date, 12 expiry,
13 parents, 14 spouse, 15/16 the old ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk.chip.tlv import constructed, read_tlv, read_tlvs

FILES = {"COM": 0x011E, "DG1": 0x0101, "DG2": 0x0102, "DG13": 0x010D, "SOD": 0x011D, "CardAccess": 0x011C}
"""File identifiers (short EF ids 1E, 01, 02, 0D, 1D; EF.CardAccess lives in the master file)."""

TAGS = {"COM": 0x60, "DG1": 0x61, "DG2": 0x75, "DG13": 0x6D, "SOD": 0x77}
"""The outer tag each file starts with."""

DG13_FIELDS = {
    1: "id_number",
    2: "full_name",
    3: "date_of_birth",
    4: "sex",
    5: "nationality",
    6: "ethnicity",
    7: "religion",
    8: "place_of_origin",
    9: "residence",
    10: "identifying_marks",
    11: "issue_date",
    12: "expiry_date",
    13: "parents",
    14: "spouse",
    15: "old_id_number",
    16: "old_id_number_alt",
}


class GroupError(ValueError):
    """A data group that is not what its tag says (truncated, wrong tag, missing field)."""


def _outer(data: bytes, name: str) -> bytes:
    try:
        tag, value, _ = read_tlv(data)
    except ValueError as error:
        raise GroupError(f"{name} is malformed ({error})") from None
    if tag != TAGS[name]:
        raise GroupError(f"{name} starts with tag {tag:#x}, not {TAGS[name]:#x}")
    return value


@dataclass(frozen=True)
class Mrz:
    """DG1: the machine-readable zone of a TD1 card.

    Attributes:
        document_number: 9 characters, ``<`` removed.
        birth / expiry: ``YYMMDD``.
        sex: ``M``, ``F`` or ``<``.
        name: the name line with ``<`` as spaces (no diacritics: MRZ letters only).
        optional: line 1's optional data (CCCDs: the 12-digit ID number and a check digit).
    """

    document_number: str
    birth: str
    expiry: str
    sex: str
    name: str
    optional: str


def parse_dg1(data: bytes) -> Mrz:
    """DG1 (tag 61 holding 5F1F, the MRZ)."""
    try:
        objects = {tag: value for tag, value, _ in read_tlvs(_outer(data, "DG1"))}
    except ValueError as error:
        raise GroupError(f"DG1 is malformed ({error})") from None
    text = objects.get(0x5F1F, b"").decode("ascii", "replace")
    if len(text) != 90:
        raise GroupError(f"DG1 holds a {len(text)}-character MRZ, not a TD1 card's 90")
    first, second, third = text[:30], text[30:60], text[60:]
    return Mrz(
        document_number=first[5:14].replace("<", ""),
        birth=second[0:6],
        expiry=second[8:14],
        sex=second[7],
        name=" ".join(third.replace("<", " ").split()),
        optional=first[15:30].replace("<", ""),
    )


@dataclass(frozen=True)
class Photo:
    """DG2's first face image: its bytes and format (``"jpeg"`` or ``"jpeg2000"``)."""

    data: bytes
    format: str


JPEG = b"\xff\xd8\xff"
JP2 = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K = b"\xff\x4f\xff\x51"


def parse_dg2(data: bytes) -> Photo:
    """DG2 (tag 75): the image inside the first biometric data block (5F2E or 7F2E), past its
    ISO/IEC 19794-5 header, found by the image format's own signature."""
    block = _find(_outer(data, "DG2"), (0x5F2E, 0x7F2E))
    if block is None:
        raise GroupError("DG2 holds no biometric data block (5F2E/7F2E)")
    found = [(block.find(sig), fmt) for sig, fmt in ((JPEG, "jpeg"), (JP2, "jpeg2000"), (J2K, "jpeg2000"))]
    found = [(at, fmt) for at, fmt in found if at >= 0]
    if not found:
        raise GroupError("DG2's face record holds no JPEG or JPEG 2000 image")
    at, fmt = min(found)
    return Photo(block[at:], fmt)


MAX_DEPTH = 8
"""How deep constructed TLVs are searched (DG2 nests 4 levels; more is a hostile file)."""


def _find(data: bytes, tags: tuple[int, ...], depth: int = 0) -> bytes | None:
    """The value of the first TLV with one of ``tags``, searching constructed TLVs depth first."""
    try:
        objects = read_tlvs(data)
    except ValueError:
        return None
    for tag, value, _ in objects:
        if tag in tags:
            return value
        if constructed(tag) and depth < MAX_DEPTH:
            inner = _find(value, tags, depth + 1)
            if inner is not None:
                return inner
    return None


STRING_TAGS = {0x0C, 0x13, 0x16, 0x1E, 0x04, 0x1A}
"""UTF8String, PrintableString, IA5String, BMPString, OCTET STRING, VisibleString."""


def _strings(data: bytes, depth: int = 0) -> list[str]:
    out = []
    for tag, value, _ in read_tlvs(data):
        if tag in STRING_TAGS:
            out.append(value.decode("utf-16-be" if tag == 0x1E else "utf-8", "replace"))
        elif constructed(tag) and depth < MAX_DEPTH:
            out += _strings(value, depth + 1)
    return out


def parse_dg13(data: bytes) -> dict[int, str]:
    """DG13 (tag 6D): field number -> text (several strings of one field, such as the parents'
    names, joined with ``" | "``)."""
    try:
        fields: dict[int, str] = {}
        for tag, value, _ in read_tlvs(_outer(data, "DG13")):
            if tag == 0x30:  # SEQUENCE {version, OID, SET {SEQUENCE {number, strings...}}}
                for inner_tag, inner, _raw in read_tlvs(value):
                    if inner_tag == 0x31:
                        _fields_of(inner, fields)
            elif tag == 0x31:
                _fields_of(value, fields)
    except ValueError as error:
        raise GroupError(f"DG13 is malformed ({error})") from None
    if 1 not in fields:
        raise GroupError("DG13 holds no ID number (field 1)")
    return fields


def _fields_of(data: bytes, fields: dict[int, str]) -> None:
    for tag, value, _ in read_tlvs(data):
        if tag != 0x30:
            continue
        items = read_tlvs(value)
        if not items or items[0][0] != 0x02:
            continue
        number = int.from_bytes(items[0][1], "big")
        texts = [t for t in _strings(b"".join(raw for _, _, raw in items[1:])) if t.strip()]
        fields[number] = " | ".join(t.strip() for t in texts)


def ascii_digits(text: str) -> str:
    """The ASCII digits of ``text`` (other scripts' digits are not the card's)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def chip_date(text: str, field: str = "a date") -> date:
    """A DG13 date: ``DD/MM/YYYY`` or ``DD-MM-YYYY`` (also ``DDMMYYYY``), or ``YYYY-MM-DD``.

    Raises:
        GroupError: not a date (the message names the field, never its value).
    """
    digits = ascii_digits(text)
    year_first = len(text.strip()) >= 5 and text.strip()[4] in "-/."
    try:
        if len(digits) == 8 and year_first:
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if len(digits) == 8:
            return date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        pass
    raise GroupError(f"DG13's {field} is not a date")
