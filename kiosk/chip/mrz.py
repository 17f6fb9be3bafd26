"""The access data of a CCCD's chip: its document number, birth date and expiry date, as the
TD1 MRZ on the back prints them (ICAO Doc 9303 Parts 3 and 5) or as derived from the QR.

The document number of a CCCD is the last 9 digits of the 12-digit ID number. The QR has no
expiry date, but a card's validity follows its holder's age: it runs to the birthday at 14,
25, 40 or 60, and for life when issued at 58 or later (Law on Identification 2023, art. 21;
the 2014 law had 25, 40 and 60); a card issued within 2 years before one of those birthdays
runs to the next one. :func:`access_keys` lists the candidates in the order to try them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models import CitizenRecord

WEIGHTS = (7, 3, 1)
RENEWAL_AGES = (14, 25, 40, 60)
NO_EXPIRY = "991231"
"""The expiry a card valid for life is assumed to carry in its MRZ (unconfirmed on a real card)."""


def check_digit(text: str) -> str:
    """The MRZ check digit of ``text`` (digits, capitals, ``<``)."""
    total = 0
    for index, char in enumerate(text):
        if "0" <= char <= "9":
            value = int(char)
        elif "A" <= char <= "Z":
            value = ord(char) - 55
        else:
            value = 0
        total += value * WEIGHTS[index % 3]
    return str(total % 10)


def mrz_information(document_number: str, birth: str, expiry: str) -> str:
    """BAC's MRZ information: the document number (padded with ``<`` to 9), birth and expiry
    dates (``YYMMDD``), each followed by its check digit."""
    number = document_number.ljust(9, "<")
    return number + check_digit(number) + birth + check_digit(birth) + expiry + check_digit(expiry)


@dataclass(frozen=True)
class AccessKey:
    """One guess at a card's BAC access data (never logged: it is on the card's back).

    Attributes:
        document_number: 9 characters of the MRZ's document number field (``<``-padded).
        birth: date of birth, ``YYMMDD``.
        expiry: date of expiry, ``YYMMDD``.
        source: where it came from: ``"mrz"``, ``"qr"`` plus how the expiry was derived, or the CAN.
        can: a card access number instead of the MRZ data (PACE only); empty for MRZ keys.
    """

    document_number: str
    birth: str
    expiry: str
    source: str
    can: str = ""

    @property
    def information(self) -> str:
        return mrz_information(self.document_number, self.birth, self.expiry)

    def __repr__(self) -> str:  # keep the access data out of tracebacks and logs
        return f"AccessKey(source={self.source!r})"


class MrzError(ValueError):
    """MRZ lines that are not a TD1 document's, or fail their check digits."""


def key_from_mrz(text: str) -> AccessKey:
    """The access key printed in a TD1 MRZ (3 lines of 30 characters; the first two suffice).

    Raises:
        MrzError: not TD1 lines, or a check digit that does not match.
    """
    lines = [line.strip().upper().replace(" ", "") for line in text.replace("\\n", "\n").splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) in (60, 90):
        lines = [lines[0][i : i + 30] for i in range(0, len(lines[0]), 30)]
    if len(lines) < 2 or len(lines[0]) != 30 or len(lines[1]) != 30:
        raise MrzError("the MRZ should be the card's 3 lines of 30 characters (the first two are enough)")
    if any(not ("0" <= c <= "9" or "A" <= c <= "Z" or c == "<") for c in lines[0] + lines[1]):
        raise MrzError("the MRZ holds only capital letters, digits and '<'")
    first, second = lines[0], lines[1]
    number, number_check = first[5:14], first[14]
    birth, birth_check = second[0:6], second[6]
    expiry, expiry_check = second[8:14], second[14]
    for name, field, digit in (
        ("document number", number, number_check),
        ("birth date", birth, birth_check),
        ("expiry date", expiry, expiry_check),
    ):
        if check_digit(field) != digit:
            raise MrzError(f"the MRZ's {name} fails its check digit: retype it from the card's back")
    return AccessKey(number, birth, expiry, "mrz")


def _yymmdd(day: date) -> str:
    return day.strftime("%y%m%d")


def _birthday(born: date, age: int) -> list[date]:
    """The birthday at ``age``; 29 February gives both 28 February and 1 March in common years."""
    try:
        return [born.replace(year=born.year + age)]
    except ValueError:
        return [date(born.year + age, 2, 28), date(born.year + age, 3, 1)]


def expiry_candidates(born: date, issued: date | None) -> list[tuple[date | None, str]]:
    """Possible expiry dates of a CCCD, most likely first: (date or ``None`` for a card valid
    for life, how it was derived)."""
    out: list[tuple[date | None, str]] = []
    if issued is not None:
        age_at_issue = issued.year - born.year - ((issued.month, issued.day) < (born.month, born.day))
        for age in RENEWAL_AGES:
            if age_at_issue < age - 2:
                out += [(day, f"qr: {age}th birthday after the issue date") for day in _birthday(born, age)]
                break
        else:
            out.append((None, "qr: valid for life (issued at 58 or later)"))
    for age in RENEWAL_AGES:
        out += [(day, f"qr: {age}th birthday") for day in _birthday(born, age) if issued is None or day > issued]
    out.append((None, "qr: valid for life"))
    seen: set[date | None] = set()
    unique = []
    for day, why in out:
        if day not in seen:
            seen.add(day)
            unique.append((day, why))
    return unique


def can_key(can: str, source: str = "can") -> AccessKey:
    """A card access number as an access key (PACE only).

    Raises:
        MrzError: not 6 ASCII digits.
    """
    if len(can) != 6 or not all("0" <= c <= "9" for c in can):
        raise MrzError("the card access number (CAN) is 6 digits")
    return AccessKey("", "", "", source, can=can)


def access_keys(record: CitizenRecord) -> list[AccessKey]:
    """The access keys to try for the card whose QR gave ``record``, most likely first: the MRZ
    data with each candidate expiry date, then the last 6 ID digits as a CAN (one public
    source says newer cards take it for PACE; unconfirmed on a real card)."""
    number = record.id_number[-9:]
    birth = _yymmdd(record.date_of_birth)
    keys = [
        AccessKey(number, birth, _yymmdd(day) if day else NO_EXPIRY, why)
        for day, why in expiry_candidates(record.date_of_birth, record.issue_date)
    ]
    return [*keys, can_key(record.id_number[-6:], "qr: CAN = the last 6 ID digits")]
