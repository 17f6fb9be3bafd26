"""Counts in English messages: "1 citizen", "2 citizens", never "1 citizens" or "citizen(s)"."""

from __future__ import annotations

from collections.abc import Mapping

TABLE_NOUNS = {
    "citizens": "citizen",
    "face_samples": "face sample",
    "consents": "consent",
    "visits": "visit",
    "purges": "purge",
    "audit_log": "audit entry",
}
"""The singular noun for a row of each table (counts of a sync or a purge come keyed by table)."""

_IRREGULAR = {
    "entry": "entries",
    "audit entry": "audit entries",
    "person": "people",
    "look-alike confusion": "look-alike confusions",
}


def plural(noun: str) -> str:
    """The plural of an English ``noun`` used in our messages ("citizen" → "citizens", "entry" → "entries")."""
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """``"1 citizen"``, ``"0 citizens"``, ``"2 citizens"`` (``many`` overrides the plural)."""
    return f"{n} {noun if n == 1 else (many or plural(noun))}"


def table_counts(counts: Mapping[str, int], *, skip_zero: bool = False) -> str:
    """``{"citizens": 1, "face_samples": 3}`` as ``"1 citizen, 3 face samples"``."""
    return ", ".join(
        count(n, TABLE_NOUNS.get(table, table.replace("_", " ").rstrip("s")))
        for table, n in counts.items()
        if n or not skip_zero
    )


def printable(text: str) -> str:
    """``text`` safe for a terminal: control and format characters (escape sequences, bidi
    overrides) shown as U+FFFD. For text a counter sent that an administrator reads."""
    import unicodedata

    return "".join("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)
