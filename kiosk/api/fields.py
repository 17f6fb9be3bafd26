"""How the API, the events and the window's "Sao chép" write a citizen: one order, one set of names.

The field names are :meth:`models.CitizenRecord.to_dict`'s, as ``kiosk qr --json`` prints
them. Nothing else of a citizen is ever written: no face template, no image.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk.counter.desk import DeskEvent, Presence
from models import CitizenRecord

__all__ = ["FIELDS", "citizen_json", "citizen_text_json", "citizen_tsv", "event_json", "presence_json"]

FIELDS = ("id_number", "old_id_number", "full_name", "date_of_birth", "gender", "address", "issue_date")
"""The copied fields, in this order (``extra``, the card's rarely used trailing fields, is left out of the TSV)."""


def citizen_json(record: CitizenRecord) -> dict[str, Any]:
    """The record as ``kiosk qr --json`` writes it (dates ``YYYY-MM-DD``, gender as on the card)."""
    return record.to_dict()


def citizen_tsv(record: CitizenRecord) -> str:
    """One line of :data:`FIELDS`' values separated by tabs (empty for a missing value; tabs and
    line breaks inside a value become spaces), for pasting into a form or a spreadsheet row."""
    data = citizen_json(record)
    values = ("" if data[name] is None else str(data[name]) for name in FIELDS)
    return "\t".join(" ".join(v.split()) if ("\t" in v or "\n" in v or "\r" in v) else v for v in values)


def citizen_text_json(record: CitizenRecord) -> str:
    """The record as pretty JSON text (the "Sao chép" button with Shift or Ctrl held)."""
    return json.dumps(citizen_json(record), ensure_ascii=False, indent=2)


def presence_json(presence: Presence, counter: str) -> dict[str, Any]:
    """``GET /v1/current``'s body: state, how, visit id, since (UTC, ISO 8601), counter, citizen."""
    return {
        "state": presence.state,
        "how": presence.how,
        "visit_id": presence.visit_id,
        "since": presence.since.isoformat(),
        "counter": counter,
        "citizen": citizen_json(presence.citizen),
    }


def event_json(event: DeskEvent, counter: str) -> dict[str, Any]:
    """An event's ``data``: its number, name and time, then the presence after it (none for a clear),
    the reason of a clear, and for ``card_read`` whether the card's citizen is enrolled."""
    out: dict[str, Any] = {"seq": event.seq, "event": event.kind.value, "at": event.at.isoformat()}
    if event.presence is not None:
        out.update(presence_json(event.presence, counter))
    if event.reason:
        out["reason"] = event.reason
    if event.known is not None:
        out["known"] = event.known
    return out
