"""Administrator commands: each needs the administrator PIN (``--pin`` or ``KIOSK_ADMIN_PIN``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli.support import (
    admin_login,
    common_options,
    emit,
    emit_table,
    kiosk_errors,
    open_kiosk,
    pin_option,
    write_text,
)
from kiosk.timefmt import DAY, local_time
from kiosk.words import count
from models import KioskError


@click.command()
@click.argument("id_number")
@click.option("--reason", default="request", show_default=True, help="Why: request, consent withdrawn, error...")
@click.option(
    "--yes", "assume_yes", is_flag=True, help="Do not ask for confirmation (scripts); without it, a terminal asks."
)
@pin_option
@common_options
@kiosk_errors
def purge(
    id_number: str,
    reason: str,
    assume_yes: bool,
    pin: str | None,
    db_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Delete a citizen for good: record, face samples, consents and visits (administrator).

    Shows whom and what it will delete and asks you to type "yes"; --yes skips the question.
    """
    from kiosk.errors import NotEnrolledError

    number = id_number.strip()
    if not (number.isdigit() and len(number) == 12):
        raise NotEnrolledError(f"{id_number!r} is not a 12-digit ID number", "type the number on the CCCD card")
    if not assume_yes and not sys.stdin.isatty():
        raise KioskError(
            "purge asks for confirmation and there is no terminal to ask on", "add --yes to purge from a script"
        )
    with open_kiosk(db_path, config_path) as kiosk:
        admin = admin_login(kiosk, pin)
        preview = admin.purge_preview(number)
        who = f"{preview.record.full_name} ({preview.record.masked_id})"
        if not assume_yes:
            click.echo(
                f"About to delete for good: {who}: their record, {count(preview.face_samples, 'face sample')}, "
                f"{count(preview.consents, 'consent')} and {count(preview.visits, 'visit')}, here and at every counter "
                "after their next sync. This cannot be undone.",
                err=True,
            )
            if click.prompt('Type "yes" to delete', default="", show_default=False, err=True).strip().lower() != "yes":
                raise KioskError(f"nothing deleted: {who} is kept", 'type "yes" to delete')
        counts = admin.purge(number, reason=reason)
    emit(
        {"ok": True, "id_number": preview.record.masked_id, "full_name": preview.record.full_name, "deleted": counts},
        as_json,
        f"purged {who}: their record, {count(counts.get('face_samples', 0), 'face sample')}, "
        f"{count(counts.get('consents', 0), 'consent')} and {count(counts.get('visits', 0), 'visit')} deleted",
    )


@click.command(name="list")
@click.option("--search", default="", help="Part of a name (accents ignored) or of an ID number.")
@pin_option
@common_options
@kiosk_errors
def list_(search: str, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """List enrolled citizens, ID numbers masked (administrator)."""
    with open_kiosk(db_path, config_path) as kiosk:
        admin = admin_login(kiosk, pin)
        rows, status = admin.citizens(search), admin.engine_status()
        tz = kiosk.settings.display_timezone
    items, lines = [], []
    for row in rows:
        r = row["record"]
        engines = (row["engines"] or "").split(",") if row["engines"] else []
        items.append(
            {
                "id_number": r.masked_id,
                "full_name": r.full_name,
                "date_of_birth": r.date_of_birth.isoformat(),
                "gender": r.gender.value,
                "samples": row["samples"],
                "engines": engines,
                "visits": row["visits"],
                "enrolled_at": row["enrolled_at"],
                "last_visit_at": row["last_visit_at"],
            }
        )
        lines.append(
            [
                r.masked_id,
                r.full_name,
                f"{r.date_of_birth:{DAY}}",
                f"{row['samples']} ({', '.join(engines) or '-'})",
                row["visits"],
                local_time(row["last_visit_at"], tz, empty="-"),
            ]
        )
    emit_table(items, lines, as_json, ["ID number", "name", "born", "samples", "visits", "last visit"])
    if not as_json:
        click.echo(count(len(rows), "citizen"))
        if status["lacking"]:
            click.echo(
                f"{status['lacking']} of {count(status['citizens'], 'citizen')} "
                f"{'has' if status['lacking'] == 1 else 'have'} no {status['engine']} face template yet: "
                f"they are recognised through an older engine and gain {status['engine']} templates at their next confirmed visit"
            )


@click.command()
@click.option(
    "--limit", default=50, show_default=True, type=click.IntRange(1, 100000), help="How many of the latest visits."
)
@click.option("--id", "id_number", default=None, help="Only this citizen's visits (12-digit ID number).")
@pin_option
@common_options
@kiosk_errors
def visits(
    limit: int, id_number: str | None, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """Show the latest visits, ID numbers masked; the first, logged at enrolment, as ``enrol`` (administrator)."""
    with open_kiosk(db_path, config_path) as kiosk:
        rows = admin_login(kiosk, pin).visits(limit, id_number)
        tz = kiosk.settings.display_timezone
    lines = [
        [
            local_time(row["at"], tz),
            row["counter"],
            "enrol" if row["first_visit"] else row["method"],  # the enrolment's card read is not a card check-in
            row["id_number"],
            row["full_name"],
            "" if row["distance"] is None else f"{row['distance']:.3f}",
        ]
        for row in rows
    ]
    emit_table(rows, lines, as_json, ["time", "counter", "how", "ID number", "name", "distance"])
    if not as_json:
        click.echo(count(len(rows), "visit"))


@click.command()
@click.option(
    "--csv", "csv_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@pin_option
@common_options
@kiosk_errors
def export(csv_path: Path, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Export the citizen list as CSV: masked ID numbers, no face data (administrator)."""
    with open_kiosk(db_path, config_path) as kiosk:
        rows = admin_login(kiosk, pin).export_csv(csv_path)
    emit({"ok": True, "file": str(csv_path), "rows": rows}, as_json, f"wrote {count(rows, 'citizen')} to {csv_path}")


@click.command()
@click.argument("action", type=click.Choice(["show", "verify"]), default="show")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(1, 100000),
    help="How many of the latest entries to show.",
)
@pin_option
@common_options
@kiosk_errors
def audit(
    action: str, limit: int, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """Show the audit log (who enrolled, identified, exported or purged what), or verify it (administrator).

    `kiosk audit verify` recomputes the keyed hash chain and exits 1 if an entry was
    edited, removed, or cut from the end.
    """
    with open_kiosk(db_path, config_path) as kiosk:
        admin = admin_login(kiosk, pin)
        if action == "verify":
            report = admin.verify_audit()
            emit(
                {"ok": report.ok, "entries": report.entries, "problems": list(report.problems)},
                as_json,
                f"audit log: {count(report.entries, 'entry')}, "
                + ("intact" if report.ok else "TAMPERED:\n  " + "\n  ".join(report.problems)),
            )
            sys.exit(0 if report.ok else 1)
        rows = admin.audit_entries(limit)
        tz = kiosk.settings.display_timezone
    lines = [
        [
            row["id"],
            local_time(row["at"], tz),
            row["counter"],
            row["actor"],
            row["action"],
            row["subject"],
            row["detail"],
        ]
        for row in rows
    ]
    emit_table(rows, lines, as_json, ["#", "time", "counter", "by", "action", "subject", "detail"])


@click.command()
@click.option("--apply", is_flag=True, help="Purge them now (otherwise only list them).")
@pin_option
@common_options
@kiosk_errors
def retention(apply: bool, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """List (or, with --apply, purge) citizens with no visit for retention_days (administrator)."""
    with open_kiosk(db_path, config_path) as kiosk:
        admin = admin_login(kiosk, pin)
        due = admin.retention_due()
        tz = kiosk.settings.display_timezone
        lines = [
            [item["id_number"], item["full_name"], f"last activity {local_time(str(item['last_activity']), tz)}"]
            for item in due
        ]
        emit_table(due, lines, as_json)
        purged = admin.run_retention() if apply else 0
    emit(
        {"ok": True, "due": len(due), "purged": purged},
        as_json,
        f"{count(len(due), 'citizen')} past {count(kiosk.settings.retention_days, 'day')}"
        + (f"; purged {purged}" if apply else "; dry run (add --apply)"),
    )


@click.group()
def admin() -> None:
    """Administrator tasks: the PIN, the data key, consent receipts."""


@admin.command(name="set-pin")
@click.option(
    "--new-pin",
    default=None,
    envvar="KIOSK_NEW_ADMIN_PIN",
    help="The new PIN (6+ letters or digits); asked for (twice) when omitted at a terminal.",
)
@pin_option
@common_options
@kiosk_errors
def set_pin(new_pin: str, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Set the administrator PIN (the current PIN is needed to change it)."""
    from kiosk.errors import AuthError

    if new_pin is None:
        if not sys.stdin.isatty():
            raise AuthError("no new PIN given", "pass --new-pin or set KIOSK_NEW_ADMIN_PIN")
        new_pin = click.prompt("New administrator PIN", hide_input=True, confirmation_prompt=True)
    with open_kiosk(db_path, config_path, create=True) as kiosk:
        if kiosk.has_admin_pin():
            if pin is None and not sys.stdin.isatty():
                raise AuthError(
                    "an administrator PIN is set already: changing it needs the current one",
                    "pass it with --pin (or KIOSK_ADMIN_PIN); forgotten: kiosk admin reset-pin --key-file BACKUP",
                )
            admin_login(kiosk, pin).change_pin(new_pin)
        else:
            kiosk.set_first_admin_pin(new_pin)
    emit({"ok": True}, as_json, "administrator PIN saved")


@admin.command(name="reset-pin")
@click.option(
    "--key-file",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A copy of this counter's data key (the backup of kiosk.key): proves you may reset the PIN.",
)
@click.option(
    "--new-pin",
    default=None,
    envvar="KIOSK_NEW_ADMIN_PIN",
    help="The new PIN (6+ letters or digits); asked for (twice) when omitted at a terminal.",
)
@common_options
@kiosk_errors
def reset_pin(
    key_file: Path, new_pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """Reset a forgotten administrator PIN with the data key's backup (audited as pin_reset).

    Whoever holds the data key can read every record in the database, so holding it is what
    proves the right to a new PIN; the lock-out after wrong PINs is lifted too.
    """
    from kiosk.errors import AuthError
    from kiosk.store.crypto import read_key_file

    if not key_file.is_file():
        raise AuthError(
            f"--key-file {key_file}: no such file", "give the copy of this counter's data key (the backup of kiosk.key)"
        )
    key = read_key_file(key_file)
    if new_pin is None:
        if not sys.stdin.isatty():
            raise AuthError("no new PIN given", "pass --new-pin or set KIOSK_NEW_ADMIN_PIN")
        new_pin = click.prompt("New administrator PIN", hide_input=True, confirmation_prompt=True)
    with open_kiosk(db_path, config_path) as kiosk:
        kiosk.reset_admin_pin(new_pin, key)
    emit({"ok": True}, as_json, "administrator PIN reset (audited as pin_reset)")


@admin.command(name="rotate-key")
@pin_option
@common_options
@kiosk_errors
def rotate_key(pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Re-encrypt the database under a new data key (copy the new key file to every counter)."""
    with open_kiosk(db_path, config_path) as kiosk:
        path = admin_login(kiosk, pin).rotate_key()
    emit({"ok": True, "key_file": str(path)}, as_json, f"data key rotated; the new key is in {path} (back it up)")


@admin.command()
@click.argument("id_number")
@click.option(
    "--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="HTML file to write."
)
@pin_option
@common_options
@kiosk_errors
def receipt(
    id_number: str, out_path: Path, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """Write a citizen's printable consent receipt (HTML)."""
    with open_kiosk(db_path, config_path) as kiosk:
        write_text(out_path, admin_login(kiosk, pin).consent_receipt(id_number.strip()))
    emit({"ok": True, "file": str(out_path)}, as_json, f"wrote the consent receipt to {out_path}")


@admin.command(name="api-token")
@pin_option
@common_options
@kiosk_errors
def api_token(pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Show the local API's bearer token (made on first use when the api_token setting is empty)."""
    with open_kiosk(db_path, config_path) as kiosk:
        admin_login(kiosk, pin)
        token = kiosk.api_token()
        emit({"ok": True, "token": token, "port": kiosk.settings.api_port}, as_json, token)


@admin.command(name="registry-url")
@click.option("--reveal", is_flag=True, help="Show the password too (audited); without it, shown as ***.")
@pin_option
@common_options
@kiosk_errors
def registry_url(reveal: bool, pin: str | None, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Show the province registry connection this counter uses (from kiosk join or the settings)."""
    from kiosk.errors import RegistryError

    with open_kiosk(db_path, config_path) as kiosk:
        url = admin_login(kiosk, pin).registry_url(reveal=reveal)
    if not url:
        raise RegistryError("this counter has not joined a province registry", "kiosk join BUNDLE --code CODE")
    emit({"ok": True, "registry": url, "revealed": reveal}, as_json, url)
