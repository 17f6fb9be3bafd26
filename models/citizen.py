"""The citizen record as printed on (and read from) a CCCD chip ID card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum


class Gender(str, Enum):
    """Gender as written on the card (``Nam`` male, ``Nữ`` female)."""

    MALE = "Nam"
    FEMALE = "Nữ"


@dataclass(frozen=True)
class CitizenRecord:
    """One citizen's card data.

    Attributes:
        id_number: the 12-digit personal identification number (số định danh), digits only.
        old_id_number: the old CMND number as read (9 or 12 digits; anything else is kept with a
            warning to the clerk), or ``""`` when the card has none.
        full_name: full name exactly as on the card, NFC-normalised UTF-8 (e.g. "Lê Anh Sơn").
        date_of_birth: calendar date of birth.
        gender: ``Gender.MALE`` or ``Gender.FEMALE``.
        address: place of residence as on the card.
        issue_date: the card's issue date, or ``None`` when the payload does not carry it.
        extra: fields after the seventh on post-2024 cards, kept verbatim, in order.
    """

    id_number: str
    old_id_number: str
    full_name: str
    date_of_birth: date
    gender: Gender
    address: str
    issue_date: date | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)

    @property
    def masked_id(self) -> str:
        """The ID number with all but the first 3 and last 2 digits hidden: ``096*******51``."""
        return mask_id_number(self.id_number)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form; dates as ``YYYY-MM-DD``, gender as printed on the card."""
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "gender": self.gender.value,
            "address": self.address,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "extra": list(self.extra),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CitizenRecord:
        """Inverse of :meth:`to_dict`."""
        issue = data.get("issue_date")
        extra = data.get("extra") or ()
        if not isinstance(extra, (list, tuple)):
            raise ValueError(f"extra must be a list of strings, got {type(extra).__name__}")
        return cls(
            id_number=str(data["id_number"]),
            old_id_number=str(data.get("old_id_number") or ""),
            full_name=str(data["full_name"]),
            date_of_birth=date.fromisoformat(str(data["date_of_birth"])),
            gender=Gender(str(data["gender"])),
            address=str(data.get("address") or ""),
            issue_date=date.fromisoformat(str(issue)) if issue else None,
            extra=tuple(str(x) for x in extra),
        )


def mask_id_number(id_number: str) -> str:
    """Hide the middle of an ID number for logs and screens: ``096201001251`` → ``096*******51``."""
    if len(id_number) <= 5:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 5) + id_number[-2:]
