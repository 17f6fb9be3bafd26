"""Administrator services: only reachable through a successful PIN login.

``Kiosk.login_admin(pin)`` (through :func:`login`) returns an :class:`Admin`; clerk code has
no other way to purge, export, list citizens, read the audit log, run retention or rotate
the key.
Each action is written to the audit log with the administrator's name.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from kiosk.counter import snapshot
from kiosk.counter.factories import key_path, registry_target
from kiosk.counter.gallery import EngineStatus
from kiosk.counter.receipt import render_receipt
from kiosk.counter.snapshot import snapshot_path
from kiosk.errors import AuthError, NotEnrolledError, StoreError
from kiosk.province.registry import redact, spelled_out
from kiosk.settings import Settings, write_settings
from kiosk.store import audit as audit_log
from kiosk.store import auth
from kiosk.store.records import Store
from kiosk.store.rotation import rotate_key
from models import CitizenRecord
from models.citizen import mask_id_number

EXPORT_COLUMNS = [
    "id_number",
    "full_name",
    "date_of_birth",
    "gender",
    "enrolled_at",
    "enrolled_counter",
    "samples",
    "visits",
    "last_visit_at",
]


class Counter(Protocol):
    """What an administrator session needs of the counter it runs on (the
    :class:`kiosk.counter.service.Kiosk` provides it; the purge is not on the clerk's API)."""

    settings: Settings
    store: Store

    def engine_status(self) -> EngineStatus:
        """The default face engine and how many citizens still lack its templates."""
        ...

    def retention_due(self) -> list[dict[str, object]]:
        """The citizens the retention rule would purge now."""
        ...

    def apply_retention(self, actor: str = "retention") -> int:
        """Purge every citizen past the retention period; returns how many."""
        ...

    def _purge(self, id_number: str, reason: str, actor: str) -> dict[str, int]:
        """Purge one citizen (record, samples, consents, visits; index; WAL); rows deleted per table."""
        ...


@dataclass(frozen=True)
class PurgePreview:
    """Whom a purge would delete and how much of them: shown before the administrator confirms."""

    record: CitizenRecord
    face_samples: int
    consents: int
    visits: int


class Admin:
    """Administrator actions over one kiosk, for one login session."""

    def __init__(self, kiosk: Counter, session: auth.AdminSession) -> None:
        self._kiosk = kiosk
        self._session = session

    @property
    def actor(self) -> str:
        """Who logged in."""
        return self._session.actor

    def _ok(self) -> Counter:
        if self._kiosk.store.clock() > self._session.expires:
            raise AuthError(
                "the administrator session has expired", "log in again with the PIN", reason="session_expired"
            )
        return self._kiosk

    def _audit(self, action: str, subject: str = "", **detail: Any) -> None:
        k = self._ok()
        k.store.audit(action, self.actor, k.settings.counter_name, subject, **detail)

    # -- citizens ----------------------------------------------------------------------
    def citizens(self, search: str = "") -> list[dict[str, Any]]:
        """Citizens matching a name (accents ignored) or ID-number fragment, with counts; rows carry the record."""
        rows = self._ok().store.citizens(search)
        self._audit("search", "", query_length=len(search), results=len(rows))
        return rows

    def engine_status(self) -> EngineStatus:
        """The default face engine and how many citizens still lack its templates (see :meth:`Kiosk.engine_status`)."""
        return self._ok().engine_status()

    def visits(self, limit: int = 100, id_number: str | None = None) -> list[dict[str, Any]]:
        """Latest visits (of one citizen when ``id_number`` is given), masked ID numbers."""
        k = self._ok()
        citizen_id = None
        if id_number is not None:
            found = k.store.find_citizen(id_number)
            if found is None:
                raise NotEnrolledError(f"citizen {mask_id_number(id_number)} is not enrolled", "check the ID number")
            citizen_id = found[0]
            self._audit("lookup", found[1].masked_id, what="visits")
        return k.store.visits(limit, citizen_id)

    def purge_preview(self, id_number: str) -> PurgePreview:
        """The citizen a purge of ``id_number`` would delete, with their sample, consent and visit counts (audited).

        Raises:
            NotEnrolledError: nobody has this ID number.
        """
        k = self._ok()
        found = k.store.find_citizen(id_number)
        if found is None:
            raise NotEnrolledError(f"citizen {mask_id_number(id_number)} is not enrolled", "check the ID number")
        citizen_id, record = found
        preview = PurgePreview(
            record,
            len(k.store.embeddings_of(citizen_id)),
            len(k.store.consents(citizen_id)),
            len(k.store.visits(1_000_000, citizen_id)),
        )
        self._audit("lookup", record.masked_id, what="purge preview")
        return preview

    def purge(self, id_number: str, reason: str = "request") -> dict[str, int]:
        """Delete a citizen for good (record, samples, consents, visits; index at once; WAL cleared)."""
        return self._ok()._purge(id_number, reason, self.actor)

    def withdraw_consent(self, id_number: str) -> dict[str, int]:
        """The citizen withdraws consent: everything about them is purged."""
        return self.purge(id_number, reason="consent withdrawn")

    def consent_receipt(self, id_number: str) -> str:
        """The printable consent receipt (HTML) of an enrolled citizen."""
        k = self._ok()
        found = k.store.find_citizen(id_number)
        if found is None:
            raise NotEnrolledError(f"citizen {mask_id_number(id_number)} is not enrolled", "check the ID number")
        consent = k.store.latest_consent(found[0])
        self._audit("consent_receipt", found[1].masked_id)
        return render_receipt(found[1], consent, k.settings.retention_days, k.settings.display_timezone)

    def export_csv(self, path: Path) -> int:
        """Write the citizen list as CSV (masked ID numbers, no face data). Returns the row count."""
        k = self._ok()
        rows = k.store.citizens()
        tmp = path.with_name(path.name + ".part")
        try:
            with tmp.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads the Vietnamese right
                writer = csv.DictWriter(handle, EXPORT_COLUMNS, extrasaction="ignore")
                writer.writeheader()
                for row in rows:
                    r = row["record"]
                    writer.writerow(
                        {
                            **row,
                            "id_number": r.masked_id,
                            "full_name": r.full_name,
                            "date_of_birth": r.date_of_birth.isoformat(),
                            "gender": r.gender.value,
                        }
                    )
            with k.store.transaction("record the export"):  # the export exists only if it is in the audit log
                k.store.audit("export", self.actor, k.settings.counter_name, "", rows=len(rows), file=path.name)
                os.replace(tmp, path)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror}", "choose a writable path") from None
        finally:
            tmp.unlink(missing_ok=True)
        return len(rows)

    # -- retention, audit, keys, PIN ---------------------------------------------------
    def retention_due(self) -> list[dict[str, Any]]:
        """Dry run: the citizens the retention rule would purge now (masked ID, name, last activity)."""
        due = self._ok().retention_due()
        self._audit("retention_dry_run", "", listed=len(due))
        return due

    def run_retention(self) -> int:
        """Purge every citizen past the retention period now. Returns how many."""
        return self._ok().apply_retention(self.actor)

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest audit entries, newest first."""
        return self._ok().store.audit_entries(limit)

    def verify_audit(self) -> audit_log.AuditReport:
        """Recompute the audit chain; the report lists what was edited or removed."""
        report = audit_log.verify(self._ok().store)
        self._audit("audit_verify", "", ok=report.ok, entries=report.entries)
        return report

    def save_settings(self, path: Path, new: Settings) -> None:
        """Write new settings to ``path`` (TOML) and audit which fields changed, old → new.

        The running kiosk keeps its settings until it is restarted.
        """
        old = self._ok().settings
        changed = {
            f: [_shown(f, getattr(old, f)), _shown(f, getattr(new, f))]
            for f in new.__dataclass_fields__
            if getattr(old, f) != getattr(new, f)
        }
        k = self._ok()
        with k.store.transaction("record the settings change"):  # audited and written together, or neither
            k.store.audit("settings_changed", self.actor, k.settings.counter_name, "", **changed)
            write_settings(path, new)

    def change_pin(self, new_pin: str) -> None:
        """Replace the administrator PIN."""
        k = self._ok()
        auth.set_pin(k.store, new_pin, self.actor, k.settings.counter_name)

    def registry_url(self, *, reveal: bool = False) -> str:
        """The registry connection string this counter syncs with ("" = none): with ``reveal``,
        password included, so a person can check it by hand (audited); else shown as ``***``.

        Raises:
            DataKeyError: the joined credentials cannot be read from the keystore.
        """
        k = self._ok()
        url = registry_target(k.settings)
        if reveal and url:
            k.store.audit("registry_url_revealed", self.actor, k.settings.counter_name, "", registry=redact(url))
        return spelled_out(url) if reveal else redact(url) if url else ""

    def rotate_key(self) -> Path:
        """Re-encrypt everything under a new data key; returns the key file written."""
        k = self._ok()
        written = rotate_key(k.store, key_path(k.settings), self.actor, k.settings.counter_name)
        snapshot.discard(snapshot_path(k.store.path))  # sealed with the old key: saved anew under the new one
        return written

    def extend(self, minutes: int = 30) -> None:
        """Keep the session alive (the admin screen calls this on activity)."""
        s = self._session
        self._session = auth.AdminSession(s.actor, self._ok().store.clock() + timedelta(minutes=minutes), s.token)


def login(kiosk: Counter, pin: str, actor: str) -> Admin:
    """Check the administrator PIN (with lock-out) and open a session for ``actor``; the
    attempt is audited either way.

    Raises:
        AuthError: no PIN set, or a wrong PIN. LockedOutError: too many wrong PINs.
    """
    store, counter = kiosk.store, kiosk.settings.counter_name
    try:
        auth.check_pin(store, pin, store.clock())
    except AuthError as exc:
        store.audit("login_failed", actor, counter, "", reason=exc.message)
        raise
    store.audit("login", actor, counter)
    return Admin(kiosk, auth.new_session(actor, store.clock()))


def _shown(field: str, value: object) -> object:
    """A settings value as the audit log may keep it (no registry password)."""
    if field == "registry_url" and isinstance(value, str):
        return redact(value) if value else value
    return value
