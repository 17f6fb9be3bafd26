"""Read the QR code payload of a Vietnamese chip ID card (CCCD) into a :class:`CitizenRecord`.

Payload format (UTF-8 text, fields joined by ``|``)::

    id12|old_id9 or empty|full name|DDMMYYYY birth|Nam or Nữ|address|DDMMYYYY issue[|extra...]

- Cards issued since 1 July 2024 carry more trailing fields (11 in all seen so far): fields
  0-6 are read by position and the rest are kept in ``record.extra``, in order.
- A re-shared 6-field form (no issue date, dates as ``dd/mm/yyyy``) also circulates; either
  date form is accepted in either layout.
- A BOM (U+FEFF), CR/LF or spaces at the ends of the payload and spaces around fields
  are tolerated; any other control character is an error.

Shape errors raise :class:`CccdError`, naming the field (no 12-digit ID number, an empty
full name, a date that is no date or a birth date in the future are refused: the card cannot
identify anyone then). Everything else that looks wrong is only a :class:`CccdWarning`:
staff check it against the card, the citizen is not turned away. That covers
disagreements between the ID number and the other fields (province code, century/gender
digit, birth year digits, issue date), an empty address, implausible dates (a holder over
:data:`MAX_AGE_YEARS`, an issue date before :data:`FIRST_ISSUE`), an old ID number that is
neither 9 nor 12 digits (kept as read: it informs the clerk, it is not the citizen's
identity), and a name or address that looks mis-encoded (U+FFFD, or characters Vietnamese
does not use: a QR printed from mojibake), which the clerk may correct before enrolment
(:func:`with_corrections`).

Layouts seen on real cards: the 2021 chip card's 7 fields, its old 9-digit ID empty on about
half of them (a kept one may start with 0); since July 2024, 11 fields, the last four empty
for adults (``||||``), a child's card carrying the parents' names in fields 8-9 (``extra[0]``
and ``extra[1]``). Dates ``DDMMYYYY``; gender ``Nam``/``Nữ``, or ``Nu`` from scanners that
strip the accents (accepted with a warning).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from kiosk.cccd.provinces import province_name
from kiosk.errors import CccdError
from models.citizen import CitizenRecord, Gender
from recognition.qr_text import MOJIBAKE_CHARSETS, is_vietnamese_text, recover_text

MAX_PAYLOAD_CHARS = 2000
"""Longest payload accepted, in characters; real ones are under 300."""

MAX_FIELD_CHARS = 200
"""Longest name or address a clerk may type in a correction."""
SEPARATOR = "|"
MIN_FIELDS = 6
MAX_AGE_YEARS = 120
"""A birth date more than this many years ago is flagged as implausible."""
FIRST_ISSUE = date(2016, 1, 1)
"""CCCD cards were first issued in 2016: an earlier issue date is flagged as implausible."""
_ECHO_CHARS = 40
_END_JUNK = "\ufeff\r\n "
_FIELD_PADDING = " \u00a0"
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_FIELD_NAMES = ("ID number", "old ID number", "full name", "birth date", "gender", "address", "issue date")
_ID_RE = re.compile(r"[0-9]{12}")
_OLD_ID_RE = re.compile(r"[0-9]{9}|[0-9]{12}")
"""9-digit CMND, or the 12-digit CMND issued from 2012 in several provinces."""
_TOLERATED = frozenset("\u00a0\u02bc°") | frozenset(chr(c) for c in range(0x2010, 0x2028))
"""Outside the card alphabet but no sign of mis-encoding: no-break space, the modifier apostrophe
(Tây Nguyên names), degree, and General Punctuation's dashes, quotes, bullet, ellipsis."""
_DATE_RES = (re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})"), re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"))
_CENTURY_BY_DIGIT_PAIR = (1900, 2000, 2100, 2200, 1800)  # digit 4 // 2 → first year
_GENDER_WORDS = {"nam": Gender.MALE, "nữ": Gender.FEMALE}
_HINT_SCAN = "scan the QR code on the front of the chip ID card (CCCD) again"
_HINT_CARD = "check the card; if the QR code is damaged, type the details in by hand"
_LAYOUT_WARNINGS = frozenset({"unaccented_gender"})
"""Warnings about how the card's payload was written, not about the record: kept through corrections."""


@dataclass(frozen=True)
class CccdWarning:
    """Something on the card that staff should look at; the card is still accepted.

    ``code`` is a stable identifier (e.g. ``"unknown_province"``); ``message`` and
    ``message_vi`` say concretely what disagrees, in English and in Vietnamese.
    """

    code: str
    message: str
    message_vi: str
    suggestion: str = ""
    """For a mis-encoded field, the text it probably was ("" when unknown): offered to the clerk."""


@dataclass(frozen=True)
class CccdRead:
    """The outcome of :func:`parse_cccd`.

    ``raw`` is the payload text after the BOM and the CR/LF/spaces at its ends are removed.
    """

    record: CitizenRecord
    warnings: tuple[CccdWarning, ...]
    raw: str


def parse_cccd(payload: str | bytes, *, today: date | None = None) -> CccdRead:
    """Parse a CCCD QR payload (see the module docstring for the format).

    ``payload`` is the decoded text or the raw QR bytes (decoded as strict UTF-8).
    ``today`` (default: the local date) is the reference for "in the future" checks.
    Raises :class:`CccdError` for anything that is not a readable CCCD payload.
    """
    today = today or date.today()
    raw = _clean_text(payload)
    fields = raw.split(SEPARATOR)
    if len(fields) < MIN_FIELDS:
        raise CccdError(
            f"not a CCCD card: expected at least {MIN_FIELDS} fields separated by "
            f"'{SEPARATOR}', found {len(fields)} (starts {_preview(raw)})",
            _HINT_SCAN,
        )
    fields = [_check_field(i, f).strip(_FIELD_PADDING) for i, f in enumerate(fields)]
    id_number, old_id_number = _id_number(fields[0]), fields[1]  # any old ID is kept: check_record warns
    full_name, date_of_birth = _full_name(fields[2]), _birth_date(fields[3], today)
    gender, gender_warnings = _gender(fields[4])
    record = CitizenRecord(
        id_number=id_number,
        old_id_number=old_id_number,
        full_name=full_name,
        date_of_birth=date_of_birth,
        gender=gender,
        address=_nfc(fields[5]),
        issue_date=_issue_date(fields[6] if len(fields) > 6 else ""),
        extra=tuple(fields[7:]),
    )
    warnings = gender_warnings + check_record(record, today=today)
    return CccdRead(record=record, warnings=warnings, raw=raw)


def format_cccd(record: CitizenRecord) -> str:
    """The 7-field payload (plus any extras) for a record: inverse of :func:`parse_cccd`.

    Dates are written ``DDMMYYYY``; a missing issue date leaves its field empty. The
    record's text must not contain ``|`` (no parsed record does).
    """
    issue = _compact(record.issue_date) if record.issue_date else ""
    fields = (
        record.id_number,
        record.old_id_number,
        record.full_name,
        _compact(record.date_of_birth),
        record.gender.value,
        record.address,
        issue,
        *record.extra,
    )
    return SEPARATOR.join(fields)


def id_number_info(id_number: str) -> tuple[str | None, int | None, Gender | None]:
    """What a 12-digit ID number says about its holder: (province, century, gender).

    Digits 1-3 are the province of birth registration (``None`` if not in the official
    table); digit 4 the century and gender (0/1 = 1900s male/female, 2/3 = 2000s,
    4/5 = 2100s, 6/7 = 2200s, 8/9 = 1800s), returned as the century's first year (1900)
    and a :class:`Gender`. Anything that is not 12 ASCII digits gives ``(None, None, None)``.
    """
    if not _ID_RE.fullmatch(id_number):
        return None, None, None
    digit = int(id_number[3])
    gender = Gender.MALE if digit % 2 == 0 else Gender.FEMALE
    return province_name(id_number[:3]), _CENTURY_BY_DIGIT_PAIR[digit // 2], gender


def check_record(record: CitizenRecord, *, today: date) -> tuple[CccdWarning, ...]:
    """Cross-check a record's ID number, dates and address; every disagreement is a warning.

    Also usable for details typed in by hand. ``today`` is the reference for "future".
    """
    warnings: list[CccdWarning] = []
    number, born = record.id_number, record.date_of_birth
    old = record.old_id_number
    if old and not _OLD_ID_RE.fullmatch(old):
        warnings.append(
            CccdWarning(
                "old_id_unusual",
                f"the old ID number {_preview(old)} is neither 9 nor 12 digits: kept as read, check it on the card",
                f"Số CMND cũ {_preview(old)} không phải 9 hay 12 chữ số: giữ nguyên như đọc được, đối chiếu với thẻ",
            )
        )
    for field, text, en, vi in (
        ("name", record.full_name, "name", "Họ tên"),
        ("address", record.address, "address", "Địa chỉ"),
    ):
        why, guess = mis_encoded(text)
        if why:
            maybe_en = f" (probably {guess!r})" if guess else ""
            maybe_vi = f" (có lẽ là '{guess}')" if guess else ""
            warnings.append(
                CccdWarning(
                    f"{field}_encoding",
                    f"the {en} looks mis-encoded ({why}){maybe_en}: correct it from the card before enrolling (F6)",
                    f"{vi} có vẻ bị lỗi mã hoá ký tự{maybe_vi}: sửa lại theo thẻ trước khi đăng ký (F6)",
                    guess,
                )
            )
    province, century, implied_gender = id_number_info(number)
    if province is None:
        warnings.append(
            CccdWarning(
                "unknown_province",
                f"ID digits 1-3 are {number[:3]}, which is not a province code in the official list",
                f"Ba chữ số đầu của số định danh là {number[:3]}, không phải mã tỉnh/thành phố "
                f"nào trong danh mục chính thức",
            )
        )
    if century is not None and (born.year - born.year % 100 != century or implied_gender is not record.gender):
        male = implied_gender is Gender.MALE
        warnings.append(
            CccdWarning(
                "century_gender_digit",
                f"ID digit 4 is {number[3]} (born {century}s, {'male' if male else 'female'}) "
                f"but the card says born {born.year}, {record.gender.value}",
                f"Chữ số thứ 4 của số định danh là {number[3]} (sinh năm {century}–{century + 99}, "
                f"{'nam' if male else 'nữ'}) nhưng thẻ ghi năm sinh {born.year}, "
                f"{record.gender.value}",
            )
        )
    if number[4:6] != f"{born.year % 100:02d}":
        warnings.append(
            CccdWarning(
                "birth_year_digits",
                f"ID digits 5-6 are {number[4:6]} but the card says born {born.year}",
                f"Chữ số thứ 5–6 của số định danh là {number[4:6]} nhưng thẻ ghi năm sinh {born.year}",
            )
        )
    if not record.address.strip():
        warnings.append(
            CccdWarning(
                "empty_address",
                "the address (place of residence) field is empty",
                "Trường nơi thường trú (địa chỉ) để trống",
            )
        )
    if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) > MAX_AGE_YEARS:
        warnings.append(
            CccdWarning(
                "birth_date_implausible",
                f"birth date {_show(born)} is implausible: more than {MAX_AGE_YEARS} years ago",
                f"Ngày sinh {_show(born)} không hợp lý: cách đây hơn {MAX_AGE_YEARS} năm",
            )
        )
    issued = record.issue_date
    if issued is not None and born <= issued < FIRST_ISSUE:  # before birth: its own warning below
        warnings.append(
            CccdWarning(
                "issue_date_implausible",
                f"issue date {_show(issued)} is implausible: CCCD cards were first issued in {FIRST_ISSUE.year}",
                f"Ngày cấp {_show(issued)} không hợp lý: thẻ CCCD chỉ được cấp từ năm {FIRST_ISSUE.year}",
            )
        )
    if issued is not None and issued < born:
        warnings.append(
            CccdWarning(
                "issue_before_birth",
                f"issue date {_show(issued)} is before the birth date {_show(born)}",
                f"Ngày cấp {_show(issued)} trước ngày sinh {_show(born)}",
            )
        )
    if issued is not None and issued > today:
        warnings.append(
            CccdWarning(
                "issue_in_future",
                f"issue date {_show(issued)} is in the future (today is {_show(today)})",
                f"Ngày cấp {_show(issued)} là ngày trong tương lai (hôm nay là {_show(today)})",
            )
        )
    return tuple(warnings)


def _clean_text(payload: str | bytes) -> str:
    """Decode bytes as strict UTF-8, strip end junk, and enforce the length limit."""
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as error:
            raise CccdError(
                f"not a CCCD card: the QR text is not valid UTF-8 (bad byte at offset {error.start})", _HINT_SCAN
            ) from None
    text = payload.strip(_END_JUNK)
    if len(text) > MAX_PAYLOAD_CHARS:
        raise CccdError(
            f"not a CCCD card: the QR text is {len(text)} characters long, more than the {MAX_PAYLOAD_CHARS} allowed",
            _HINT_SCAN,
        )
    return text


def _check_field(index: int, text: str) -> str:
    """Return ``text`` unchanged, or raise if it holds a control or format character."""
    for char in text:
        if unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            raise CccdError(f"control character U+{ord(char):04X} in the {_field_name(index)} field", _HINT_SCAN)
    return text


def _id_number(text: str) -> str:
    if not _ID_RE.fullmatch(text):
        raise CccdError(f"ID number must be 12 digits, got {_preview(text)}", _HINT_CARD)
    return text


def mis_encoded(text: str) -> tuple[str, str]:
    """Why ``text`` (a name or an address) looks mis-encoded, and what it probably said: ``("", "")``
    when it does not. Signs: U+FFFD replacement characters; UTF-8 read in another code page
    (``VÃ• THÃ€NH TÃ”``: re-encoded, it decodes as Vietnamese, which is then the suggestion);
    letters outside the card alphabet (:func:`recognition.qr_text.is_vietnamese_text`; CJK from
    a Shift-JIS/Big5 guess). Punctuation an address may hold (no-break space, dashes, curly
    quotes, ``°``) and the modifier apostrophe of Tây Nguyên names (``Hʼ``) are not signs.
    Text in a legacy 8-bit font encoding (VNI, TCVN3) looks like Vietnamese and is not caught."""
    if "\ufffd" in text:
        return "U+FFFD replacement characters", ""
    if is_vietnamese_text(text):
        return "", ""
    fixed = recover_text(text, MOJIBAKE_CHARSETS)
    if fixed is not None and fixed != text:
        return "UTF-8 read in another code page", unicodedata.normalize("NFC", fixed)
    odd = sorted({ch for ch in text if not is_vietnamese_text(ch) and ch not in _TOLERATED and ch.isalpha()})
    return (f"letters Vietnamese does not use ({' '.join(odd[:5])})", "") if odd else ("", "")


ENCODING_WARNINGS = {"name_encoding": "full_name", "address_encoding": "address"}
"""The warning that a field reads mis-encoded, and the record's field it opens for correction."""


def correctable(card: CccdRead) -> dict[str, str]:
    """The fields of ``card`` the clerk may type from the printed card (those it holds
    mis-encoded), each with the text it probably said ("" when unknown)."""
    return {ENCODING_WARNINGS[w.code]: w.suggestion for w in card.warnings if w.code in ENCODING_WARNINGS}


def with_corrections(
    card: CccdRead, *, full_name: str | None = None, address: str | None = None, today: date | None = None
) -> CccdRead:
    """``card`` with the clerk's corrections of the name and address (None: kept), checked like a
    read card's fields and its warnings worked out again (those about the card's own layout,
    such as an unaccented gender, stay). Only a field the card holds mis-encoded (a
    ``name_encoding`` / ``address_encoding`` warning) may change: the rest is the card's word.

    Raises:
        CccdError: a change to a field read without such a warning, an empty name, a field
            over :data:`MAX_FIELD_CHARS`, or a control character or ``|`` in one.
    """
    record = card.record
    open_fields = correctable(card)
    for field, given, words in (("full_name", full_name, "name"), ("address", address, "address")):
        if given is not None and given != getattr(record, field) and field not in open_fields:
            raise CccdError(
                f"the card's {words} was read without a sign of mis-encoding: it is not corrected by hand",
                "only a field the card's QR holds mis-encoded may be typed from the printed card",
            )
    fixed = dataclasses.replace(
        record,
        full_name=record.full_name if full_name is None else _full_name(_typed(full_name, "full name")),
        address=record.address if address is None else " ".join(_nfc(_typed(address, "address")).split()),
    )
    today = today or date.today()
    kept = tuple(w for w in card.warnings if w.code in _LAYOUT_WARNINGS)
    return CccdRead(record=fixed, warnings=kept + check_record(fixed, today=today), raw=card.raw)


def _typed(text: str, field: str) -> str:
    if SEPARATOR in text or any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in text):
        raise CccdError(f"the {field} may not hold '{SEPARATOR}' or control characters", "type it as on the card")
    if len(text) > MAX_FIELD_CHARS:
        raise CccdError(f"the {field} is longer than {MAX_FIELD_CHARS} characters", "type it as on the card")
    return text


def _full_name(text: str) -> str:
    name = " ".join(_nfc(text).split())
    if not name:
        raise CccdError("full name is empty", _HINT_CARD)
    return name


def _birth_date(text: str, today: date) -> date:
    born = _parse_date(text, "birth date")
    if born > today:
        raise CccdError(f"birth date {_show(born)} is in the future", _HINT_CARD)
    return born


def _issue_date(text: str) -> date | None:
    """The issue date, or ``None`` when the field is missing or empty (6-field form)."""
    return _parse_date(text, "issue date") if text else None


def _parse_date(text: str, field: str) -> date:
    """``DDMMYYYY`` or ``d/m/yyyy`` (one or two digits for day and month) → date."""
    for pattern in _DATE_RES:
        match = pattern.fullmatch(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise CccdError(f"{field} {_preview(text)} is not a valid date (expected DDMMYYYY or dd/mm/yyyy)", _HINT_CARD)


def _gender(text: str) -> tuple[Gender, tuple[CccdWarning, ...]]:
    """``Nam``/``Nữ`` in any case or normal form; unaccented ``Nu`` is female, with a warning."""
    word = _nfc(text).casefold()
    if word == "nu":
        return Gender.FEMALE, (
            CccdWarning(
                "unaccented_gender",
                f"gender is written {_preview(text)} without accents; read as Nữ (female)",
                f"Giới tính ghi {_preview(text)} không dấu; đã hiểu là Nữ",
            ),
        )
    if word not in _GENDER_WORDS:
        raise CccdError(f"unknown gender {_preview(text)}: expected Nam or Nữ", _HINT_CARD)
    return _GENDER_WORDS[word], ()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _field_name(index: int) -> str:
    return _FIELD_NAMES[index] if index < len(_FIELD_NAMES) else f"extra #{index - 6}"


def _preview(text: str) -> str:
    """Quote at most the first 40 characters of untrusted text, unprintable ones as '?'."""
    shown = "".join(char if char.isprintable() else "?" for char in text[:_ECHO_CHARS])
    return f"'{shown}…'" if len(text) > _ECHO_CHARS else f"'{shown}'"


def _show(day: date) -> str:
    """``dd/mm/yyyy``, as dates are written in Vietnam."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _compact(day: date) -> str:
    """``DDMMYYYY``, as dates are written in the QR payload."""
    return f"{day.day:02d}{day.month:02d}{day.year:04d}"
