"""The CCCD QR payload parser: real payload shapes, warnings, errors, and hostile input."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.cccd.provinces import PROVINCES, province_name
from kiosk.cccd.record import (
    MAX_PAYLOAD_CHARS,
    CccdRead,
    check_record,
    format_cccd,
    id_number_info,
    parse_cccd,
)
from kiosk.errors import CccdError
from models.citizen import CitizenRecord, Gender

TODAY = date(2025, 6, 1)
# Consistent test numbers: province + century/gender digit + birth year (2 digits) + 6 digits.
MAN_2001_CA_MAU = "096201001251"  # 096 Cà Mau, 2 = 2000s male, 01 = 2001
WOMAN_1985_HA_NOI = "001185012345"  # 001 Hà Nội, 1 = 1900s female, 85
CARD_2021 = f"{MAN_2001_CA_MAU}|381234567|Lê Anh Sơn|15032001|Nam|Ấp 3, Tân Thành, Cà Mau|10082021"
FUZZ = settings(max_examples=300, deadline=None)
Text = TypeVar("Text", str, bytes)


def parse(payload: str | bytes) -> CccdRead:
    return parse_cccd(payload, today=TODAY)


def payload(**changes: str) -> str:
    """CARD_2021 with some of its fields replaced (keys: id, old, name, birth, gender, ...)."""
    fields = dict(zip(("id", "old", "name", "birth", "gender", "address", "issue"), CARD_2021.split("|")))
    fields.update(changes)
    return "|".join(fields.values())


def codes(read: CccdRead) -> list[str]:
    return [warning.code for warning in read.warnings]


# --- real payload shapes -------------------------------------------------------------------


def test_2021_card_with_seven_fields() -> None:
    read = parse(CARD_2021)
    assert read.record == CitizenRecord(
        id_number=MAN_2001_CA_MAU,
        old_id_number="381234567",
        full_name="Lê Anh Sơn",
        date_of_birth=date(2001, 3, 15),
        gender=Gender.MALE,
        address="Ấp 3, Tân Thành, Cà Mau",
        issue_date=date(2021, 8, 10),
    )
    assert read.warnings == ()
    assert read.raw == CARD_2021


def test_2024_card_keeps_trailing_fields_in_order() -> None:
    text = (
        "079203004567||Huỳnh Hiếu Thuận|02012003|Nam|12 Nguyễn Trãi, Bến Thành, Hồ Chí Minh"
        "|15072024|Huỳnh Văn Tâm|Lê Thị Hoa||"
    )
    read = parse(text)
    assert len(text.split("|")) == 11
    assert read.record.full_name == "Huỳnh Hiếu Thuận"
    assert read.record.issue_date == date(2024, 7, 15)
    assert read.record.extra == ("Huỳnh Văn Tâm", "Lê Thị Hoa", "", "")
    assert read.warnings == ()


def test_empty_old_id_number() -> None:
    assert parse(payload(old="")).record.old_id_number == ""


def test_bom_crlf_and_stray_spaces_are_tolerated() -> None:
    text = "\ufeff 096201001251 | 381234567 |  Lê   Anh Sơn | 15032001 | Nam | Cà Mau | 10082021 \r\n"
    read = parse(text)
    assert read.record.id_number == MAN_2001_CA_MAU
    assert read.record.full_name == "Lê Anh Sơn"
    assert read.record.address == "Cà Mau"
    assert read.record.issue_date == date(2021, 8, 10)
    assert read.raw == text.strip("\ufeff\r\n ")


def test_reshared_six_field_form_with_slashed_dates() -> None:
    read = parse(f"{WOMAN_1985_HA_NOI}||Nguyễn Thị Kim Thư|05/11/1985|Nữ|Hoàn Kiếm, Hà Nội")
    assert read.record.date_of_birth == date(1985, 11, 5)
    assert read.record.gender is Gender.FEMALE
    assert read.record.issue_date is None
    assert read.record.extra == ()
    assert read.warnings == ()


def test_both_date_forms_in_either_layout() -> None:
    read = parse(payload(birth="15/3/2001", issue="10/08/2021"))
    assert read.record.date_of_birth == date(2001, 3, 15)
    assert read.record.issue_date == date(2021, 8, 10)
    assert parse(payload(issue="")).record.issue_date is None


def test_bytes_input_is_strict_utf8() -> None:
    assert parse(CARD_2021.encode("utf-8")).record == parse(CARD_2021).record
    assert parse(b"\xef\xbb\xbf" + CARD_2021.encode("utf-8") + b"\r\n").raw == CARD_2021


@pytest.mark.parametrize("name", ["Lê Anh Sơn", "Huỳnh Hiếu Thuận", "Nguyễn Thị Kim Thư"])
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_vietnamese_names_come_back_exactly(name: str, form: str) -> None:
    text = payload(name=unicodedata.normalize(form, name))
    for given_payload in (text, text.encode("utf-8")):
        full_name = parse(given_payload).record.full_name
        assert full_name.encode("utf-8") == name.encode("utf-8")


@pytest.mark.parametrize(
    ("word", "gender"),
    [
        ("Nam", Gender.MALE),
        ("NAM", Gender.MALE),
        ("nam", Gender.MALE),
        ("Nữ", Gender.FEMALE),
        ("NỮ", Gender.FEMALE),
        ("nữ", Gender.FEMALE),
        (unicodedata.normalize("NFD", "Nữ"), Gender.FEMALE),
    ],
)
def test_gender_words(word: str, gender: Gender) -> None:
    number = MAN_2001_CA_MAU if gender is Gender.MALE else "096301001251"
    read = parse(payload(id=number, gender=word))
    assert read.record.gender is gender
    assert read.warnings == ()


# --- warnings ------------------------------------------------------------------------------


def test_consistent_cards_have_no_warnings() -> None:
    assert parse(CARD_2021).warnings == ()
    assert parse(payload(id=WOMAN_1985_HA_NOI, birth="05111985", gender="Nữ")).warnings == ()


@pytest.mark.parametrize(
    ("changes", "code", "fragment"),
    [
        ({"gender": "Nu", "id": "096301001251"}, "unaccented_gender", "'Nu' without accents"),
        ({"id": "003201001251"}, "unknown_province", "ID digits 1-3 are 003"),
        ({"id": "096001001251"}, "century_gender_digit", "born 1900s, male) but the card says born 2001, Nam"),
        ({"id": "096301001251"}, "century_gender_digit", "born 2000s, female) but the card says born 2001, Nam"),
        ({"id": "096801001251"}, "century_gender_digit", "ID digit 4 is 8 (born 1800s, male)"),
        ({"id": "096202001251"}, "birth_year_digits", "ID digits 5-6 are 02 but the card says born 2001"),
        ({"issue": "01012000"}, "issue_before_birth", "issue date 01/01/2000 is before the birth date 15/03/2001"),
        ({"issue": "01012030"}, "issue_in_future", "issue date 01/01/2030 is in the future"),
        ({"old": "12345"}, "old_id_unusual", "the old ID number '12345' is neither 9 nor 12 digits: kept as read"),
        ({"old": "3812345670"}, "old_id_unusual", "'3812345670' is neither 9 nor 12 digits"),  # a typing error
        ({"name": "L\ufffd Anh S\ufffdn"}, "name_encoding", "name looks mis-encoded (U+FFFD replacement characters)"),
        ({"name": "LÃª Anh SÆ¡n"}, "name_encoding", "(UTF-8 read in another code page) (probably 'Lê Anh Sơn')"),
        ({"name": "VÃ• THÃ€NH TÃ”"}, "name_encoding", "(probably 'VÕ THÀNH TÔ')"),  # cp1252: Ã alone is a letter
        ({"name": "V├ò TH├ÇNH T├ö"}, "name_encoding", "(probably 'VÕ THÀNH TÔ')"),  # a DOS code page
        ({"address": "áº¤p 3, TÃ¢n ThÃ nh"}, "address_encoding", "address looks mis-encoded"),
        ({"name": "Lê 安 Sơn"}, "name_encoding", "(letters Vietnamese does not use (安))"),  # a Big5 guess
    ],
)
def test_each_warning_fires_on_its_input(changes: dict[str, str], code: str, fragment: str) -> None:
    read = parse(payload(**changes))
    assert codes(read) == [code]
    (warning,) = read.warnings
    assert fragment in warning.message
    assert warning.message_vi and warning.message_vi != warning.message


def test_a_12_digit_old_id_number_is_a_real_cmnd_and_is_read_without_warning() -> None:
    read = parse(payload(old="381234567890"))  # 12-digit CMND cards, issued from 2012 in several provinces
    assert read.record.old_id_number == "381234567890" and read.warnings == ()


def test_every_vietnamese_letter_is_not_mis_encoded() -> None:
    from kiosk.cccd.record import mis_encoded

    vowels = "aăâeêioôơuưy"
    letters = [unicodedata.normalize("NFC", v + m) for v in vowels for m in ("", *"\u0300\u0301\u0303\u0309\u0323")]
    text = " ".join(letters + [w.upper() for w in letters]) + " Đđ bcdghklmnpqrstvx"
    for fine in (
        text,
        unicodedata.normalize("NFD", text),  # decomposed, as some systems write it
        "Số 12/3, đường 30-4 (Khóm 5) – Phường 9, TP. Cà Mau",
        "Số\u00a012 “Khóm 5” — ấp Tân Thành…",  # no-break space, curly quotes, dashes, ellipsis
        "HʼHen Niê",  # the modifier apostrophe of Tây Nguyên names
    ):
        assert mis_encoded(fine) == ("", ""), fine


def test_the_clerk_corrects_a_mis_encoded_name_and_the_warning_goes() -> None:
    from kiosk.cccd.record import with_corrections

    read = parse(payload(name="L\ufffd Anh S\ufffdn", gender="Nu", id="096301001251", old="12345"))
    assert codes(read) == ["unaccented_gender", "old_id_unusual", "name_encoding"]
    fixed = with_corrections(read, full_name="  Lê   Anh Sơn ")
    assert fixed.record.full_name == "Lê Anh Sơn" and fixed.record.id_number == read.record.id_number
    assert codes(fixed) == ["unaccented_gender", "old_id_unusual"]  # the card's own oddities stay
    for bad in ("", "Lê|Anh", "Lê\x1bAnh", "Lê " * 100):
        with pytest.raises(CccdError):
            with_corrections(read, full_name=bad)
    with pytest.raises(CccdError, match="address was read without a sign of mis-encoding"):
        with_corrections(read, address="Somewhere else")  # the card's word, not the clerk's


def test_century_gender_warning_says_what_disagrees() -> None:
    read = parse(payload(id="096001001251", gender="Nữ"))
    assert read.warnings[0].message == ("ID digit 4 is 0 (born 1900s, male) but the card says born 2001, Nữ")
    assert read.warnings[0].message_vi == (
        "Chữ số thứ 4 của số định danh là 0 (sinh năm 1900–1999, nam) nhưng thẻ ghi năm sinh 2001, Nữ"
    )


def test_check_record_works_on_typed_records() -> None:
    record = parse(CARD_2021).record
    assert check_record(record, today=TODAY) == ()


# --- payload variants seen on real cards (issue 11) ----------------------------------------

CHILD_2015_CA_MAU = "096215004321"  # 096 Cà Mau, 2 = 2000s male, 15 = 2015


@pytest.mark.parametrize("old", ["381234567", "", "012345678"])
def test_2021_chip_card_old_id_present_empty_or_with_a_leading_zero(old: str) -> None:
    read = parse(payload(old=old))
    assert read.record.old_id_number == old  # kept as text: a leading 0 survives
    assert read.record.extra == () and read.warnings == ()


def test_2024_adult_card_eleven_fields_last_four_empty() -> None:
    text = CARD_2021.replace("|10082021", "|10082024") + "||||"
    read = parse(text)
    assert len(text.split("|")) == 11
    assert read.record.issue_date == date(2024, 8, 10)
    assert read.record.extra == ("", "", "", "")
    assert read.warnings == ()
    assert format_cccd(read.record) == text


def test_2024_child_card_carries_the_parents_names_in_fields_8_and_9() -> None:
    text = f"{CHILD_2015_CA_MAU}||Lý Minh Khải|09042015|Nam|Ấp 1, Năm Căn, Cà Mau|20082024|Lý Quốc Sơn|Nguyễn Thị Kim Thư||"
    read = parse(text)
    assert read.record.full_name == "Lý Minh Khải"
    assert read.record.extra[:2] == ("Lý Quốc Sơn", "Nguyễn Thị Kim Thư")
    assert [field.encode("utf-8") for field in read.record.extra[:2]] == [
        "Lý Quốc Sơn".encode(),
        "Nguyễn Thị Kim Thư".encode(),
    ]
    assert read.warnings == ()


@pytest.mark.parametrize("word", ["Nu", "NU", "nu"])
def test_unaccented_female_from_a_scanner_is_read_with_a_warning(word: str) -> None:
    read = parse(payload(id="096301001251", gender=word))
    assert read.record.gender is Gender.FEMALE
    assert codes(read) == ["unaccented_gender"]


def test_title_case_names_and_nfc_utf8_without_bom_come_back_byte_exact() -> None:
    text = payload(name="Nguyễn Thị Kim Thư", address="Khóm 5, Phường 7, TP Cà Mau, Cà Mau")
    data = unicodedata.normalize("NFD", text).encode("utf-8")
    record = parse(data).record
    assert record.full_name.encode("utf-8") == "Nguyễn Thị Kim Thư".encode()
    assert record.address == unicodedata.normalize("NFC", "Khóm 5, Phường 7, TP Cà Mau, Cà Mau")


@pytest.mark.parametrize(
    ("changes", "code", "en", "vi"),
    [
        ({"address": ""}, "empty_address", "address (place of residence) field is empty", "nơi thường trú"),
        ({"address": "   "}, "empty_address", "address (place of residence) field is empty", "nơi thường trú"),
        (
            {"id": "096899001251", "birth": "15031899"},
            "birth_date_implausible",
            "birth date 15/03/1899 is implausible: more than 120 years ago",
            "Ngày sinh 15/03/1899",
        ),
        (
            {"issue": "10082012"},
            "issue_date_implausible",
            "issue date 10/08/2012 is implausible: CCCD cards were first issued in 2016",
            "Ngày cấp 10/08/2012",
        ),
    ],
)
def test_empty_address_and_implausible_dates_are_flagged_naming_the_field(
    changes: dict[str, str], code: str, en: str, vi: str
) -> None:
    read = parse(payload(**changes))
    assert codes(read) == [code]
    assert en in read.warnings[0].message and vi in read.warnings[0].message_vi


def test_a_120_year_old_is_not_flagged_but_121_is() -> None:
    assert parse(payload(id="096004001251", birth="02061904")).warnings == ()  # 120 until tomorrow
    assert codes(parse(payload(id="096004001251", birth="01061904"))) == ["birth_date_implausible"]  # 121 today


@pytest.mark.parametrize("layout", ["2021", "2024", "2024-child"])
def test_every_generated_card_payload_parses_without_warnings(layout: str) -> None:
    from tests.support.card_photos import random_payload

    for seed in range(40):
        text = random_payload(seed, layout)
        read = parse_cccd(text, today=date(2026, 1, 1))
        assert read.warnings == (), (text, read.warnings)
        assert format_cccd(read.record) == text


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_payload", "fragment"),
    [
        ("https://dichvucong.gov.vn/p/home", "expected at least 6 fields separated by '|', found 1"),
        ("", "found 1"),
        ("a|b|c", "found 3"),
        (payload(id="09620100125"), "ID number must be 12 digits, got '09620100125'"),
        (payload(id="0962010012AB"), "ID number must be 12 digits"),
        (payload(id="٠٩٦٢٠١٠٠١٢٥١"), "ID number must be 12 digits"),
        (payload(name="   "), "full name is empty"),
        (payload(birth="31022000"), "birth date '31022000' is not a valid date"),
        (payload(birth="1/13/2000"), "birth date '1/13/2000' is not a valid date"),
        (payload(birth="2000-01-01"), "birth date"),
        (payload(birth=""), "birth date"),
        (payload(birth="01012030"), "birth date 01/01/2030 is in the future"),
        (payload(issue="32012021"), "issue date '32012021' is not a valid date"),
        (payload(gender="Male"), "unknown gender 'Male'"),
        (payload(gender=""), "unknown gender"),
        (payload(name="Lê\x00Anh"), "control character U+0000 in the full name field"),
        (payload(address="Cà\tMau"), "control character U+0009 in the address field"),
        (payload(address="Cà\r\nMau"), "control character U+000D in the address field"),
        (payload(name="Lê\u202eAnh"), "control character U+202E in the full name field"),
        (CARD_2021 + "|\x1b[2J", "control character U+001B in the extra #1 field"),
        ("|" * (MAX_PAYLOAD_CHARS + 1), f"more than the {MAX_PAYLOAD_CHARS} allowed"),
        (b"\x30\x39\x36|\xff\xfe|x|y|z|w", "not valid UTF-8"),
        (CARD_2021.encode("utf-16"), "not valid UTF-8"),
    ],
)
def test_errors_name_the_problem(given_payload: str | bytes, fragment: str) -> None:
    with pytest.raises(CccdError) as caught:
        parse(given_payload)
    assert fragment in caught.value.message
    assert caught.value.hint


def test_hostile_field_is_echoed_at_most_40_characters() -> None:
    with pytest.raises(CccdError) as caught:
        parse(payload(id="'; DROP TABLE citizens;--" + "9" * 500))
    assert "'; DROP TABLE citizens;--" in caught.value.message
    assert "9" * 41 not in caught.value.message


# --- the ID number and the province table --------------------------------------------------


@pytest.mark.parametrize(
    ("digit", "century", "gender"),
    [
        (0, 1900, Gender.MALE),
        (1, 1900, Gender.FEMALE),
        (2, 2000, Gender.MALE),
        (3, 2000, Gender.FEMALE),
        (4, 2100, Gender.MALE),
        (5, 2100, Gender.FEMALE),
        (6, 2200, Gender.MALE),
        (7, 2200, Gender.FEMALE),
        (8, 1800, Gender.MALE),
        (9, 1800, Gender.FEMALE),
    ],
)
def test_id_number_info_century_and_gender(digit: int, century: int, gender: Gender) -> None:
    assert id_number_info(f"096{digit}01001251") == ("Cà Mau", century, gender)


@pytest.mark.parametrize("number", ["", "09620100125", "0962010012511", "09620100125x"])
def test_id_number_info_of_a_malformed_number(number: str) -> None:
    assert id_number_info(number) == (None, None, None)


def test_province_table() -> None:
    assert len(PROVINCES) == 63
    assert len(set(PROVINCES.values())) == 63
    assert all(len(code) == 3 and code.isascii() and code.isdigit() for code in PROVINCES)
    assert all(unicodedata.is_normalized("NFC", name) for name in PROVINCES.values())
    assert (min(PROVINCES), max(PROVINCES)) == ("001", "096")
    assert province_name("096") == "Cà Mau"
    assert province_name("001") == "Hà Nội"
    assert province_name("079") == "Hồ Chí Minh"
    assert province_name("046") == "Thừa Thiên Huế"
    assert [province_name(code) for code in ("003", "005", "007", "000", "097", "96")] == [None] * 6


def test_ca_mau_code_resolves_from_a_card() -> None:
    assert id_number_info(parse(CARD_2021).record.id_number)[0] == "Cà Mau"


# --- properties ----------------------------------------------------------------------------

LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
WORD = st.text(LETTERS + LETTERS.upper(), min_size=1, max_size=8)
FREE_TEXT = (
    st.text(
        st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="|"),
        max_size=60,
    )
    .map(lambda text: text.strip(" \u00a0"))
    .filter(lambda text: unicodedata.is_normalized("NFC", text))
)
RECORDS = st.builds(
    CitizenRecord,
    id_number=st.from_regex(r"[0-9]{12}", fullmatch=True),
    old_id_number=st.one_of(st.just(""), st.from_regex(r"[0-9]{9}", fullmatch=True)),
    full_name=st.lists(WORD, min_size=1, max_size=5).map(" ".join),
    date_of_birth=st.dates(min_value=date(1800, 1, 1), max_value=TODAY),
    gender=st.sampled_from(Gender),
    address=FREE_TEXT,
    issue_date=st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2100, 1, 1))),
    extra=st.lists(FREE_TEXT, max_size=5).map(tuple),
)

NASTY = st.sampled_from(
    [
        "'; DROP TABLE citizens;--",
        "\x00",
        "\ud800",
        "\udfff",
        "\u202e",
        "\ufeff",
        "\r\n",
        "\t",
        "|",
        "||||",
        "Nữ",
        "Nam",
        "Nu",
        "15032001",
        "31022000",
        "1/13/2000",
        MAN_2001_CA_MAU,
        "381234567",
        "",
        " ",
        "\u2028",
        "\x85",
        "\u3000",
        "Ø" * 50,
    ]
)
FIELD = st.one_of(
    st.text(max_size=40),
    NASTY,
    st.integers(0, 3000).map(lambda n: "A" * n),
    st.from_regex(r"[0-9]{8,12}", fullmatch=True),
)
FIELDS_PAYLOAD = st.lists(FIELD, max_size=15).map("|".join)


def splice(data: Text, junk: Text, at: int) -> Text:
    """``data`` with ``junk`` inserted at index ``at`` (past the end: appended)."""
    return data[:at] + junk + data[at:]


SPOILED_CARDS = st.builds(splice, RECORDS.map(format_cccd), FIELD, st.integers(0, 300))
SPOILED_BYTES = st.builds(
    splice,
    st.one_of(FIELDS_PAYLOAD, SPOILED_CARDS).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=4),
    st.integers(0, 400),
)


@FUZZ
@given(st.one_of(st.text(), st.binary(max_size=400), FIELDS_PAYLOAD, SPOILED_CARDS, SPOILED_BYTES))
def test_any_payload_parses_or_raises_cccd_error(given_payload: str | bytes) -> None:
    try:
        read = parse(given_payload)
    except CccdError as error:
        assert error.message and error.hint
        assert len(error.one_line()) < 250
        assert error.one_line().isprintable()
    else:
        assert isinstance(read, CccdRead)
        assert id_number_info(read.record.id_number)[1] is not None
        read.record.full_name.encode("utf-8")
        read.raw.encode("utf-8")


@FUZZ
@given(RECORDS)
def test_formatted_record_parses_back_to_an_equal_record(record: CitizenRecord) -> None:
    text = format_cccd(record)
    assert parse(text).record == record
    assert parse(text.encode("utf-8")).record == record


def test_format_cccd_writes_the_card_layout() -> None:
    assert format_cccd(parse(CARD_2021).record) == CARD_2021
