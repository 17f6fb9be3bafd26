"""Is a QR payload Vietnamese card text, and undoing charset mojibake when it is not.

zbar without its binary option, and OpenCV's detectors, hand back *text*: a guess at the
charset of byte-mode data with no ECI header. :func:`recover_text` keeps a read that is
already card text, repairs UTF-8 read as Latin-1, CP1252, Shift-JIS/CP932 or Big5/CP950, or
gives up (None) so that the next decoder tries. Pure Python; nothing heavy imported.
"""

from __future__ import annotations

import codecs

# Besides printable ASCII and U+1EA0..U+1EF9 (Latin Extended Additional): the other
# Vietnamese letters, the combining tone/vowel marks of decomposed text, tab, CR, LF, BOM.
_VIET_OTHER = frozenset(
    "àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝăĂđĐĩĨũŨơƠưƯ\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323\t\r\n\ufeff"
)
_CHARSET_GUESSES = ("latin-1", "cp1252", "shift_jis", "cp932", "big5", "cp950")
MOJIBAKE_CHARSETS = (*_CHARSET_GUESSES, "cp1258", "cp437", "cp850", "mac_roman")
"""Wider guesses for text already printed on a card (a QR made from mis-encoded text, where
Windows-1258, DOS and Mac code pages also occur) than for a decoder's guess."""


def is_vietnamese_text(text: str) -> bool:
    """True when every character can occur in CCCD card text (see ``_VIET_OTHER``).

    Every mojibake of Vietnamese UTF-8 fails this: as Latin-1 the continuation bytes
    0x80..0xBF become C1 controls or symbols (``½ ª ¡``); as Shift-JIS or Big5 they
    become half-width katakana or CJK ideographs.
    """
    return all(0x20 <= ord(ch) < 0x7F or 0x1EA0 <= ord(ch) <= 0x1EF9 or ch in _VIET_OTHER for ch in text)


def _big5_user_area(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: map U+F6B1..U+F848 back to Big5 C6A1..C8FE.

    iconv's BIG5/CP950 decode those user-defined codes (which UTF-8 ``ơ`` = C6 A1 hits) to
    the private-use area; Python's big5 codec cannot encode them back.
    """
    assert isinstance(error, UnicodeEncodeError)
    out = bytearray()
    for ch in error.object[error.start : error.end]:
        index = ord(ch) - 0xF6B1
        if not 0 <= index < 408:
            raise error
        index += 63  # C6A1 is the first code; rows hold 63 (0x40..0x7E) + 94 (0xA1..0xFE)
        row, col = divmod(index, 157)
        out += bytes((0xC6 + row, 0x40 + col if col < 63 else 0xA1 + col - 63))
    return bytes(out), error.end


codecs.register_error("qr-big5-user", _big5_user_area)


def recover_text(text: str, charsets: tuple[str, ...] = _CHARSET_GUESSES) -> str | None:
    """Return ``text`` if it reads as Vietnamese card text, else the text recovered from
    charset mojibake (re-encoded in one of ``charsets``, by default Latin-1, CP1252,
    Shift-JIS/CP932 or Big5/CP950, and decoded as UTF-8), else None: the caller should drop the read."""
    if is_vietnamese_text(text):
        return text
    for charset in charsets:
        handler = "qr-big5-user" if charset in ("big5", "cp950") else "strict"
        try:
            fixed = text.encode(charset, errors=handler).decode("utf-8")
        except (UnicodeError, LookupError):
            continue
        if is_vietnamese_text(fixed):
            return fixed
    return None
