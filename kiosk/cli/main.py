"""``kiosk``: the command line of the check-in kiosk.

Every command has ``--help``, ``--db PATH`` and ``--json`` (one JSON object per line).
Expected failures print one line (``error: what is wrong - what to do``) and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli.admin import admin, audit, export, list_, purge, retention, visits
from kiosk.cli.chip import chip
from kiosk.cli.doctor import cameras, doctor
from kiosk.cli.eval import calibrate, eval_group
from kiosk.cli.province import join, province
from kiosk.cli.report import report
from kiosk.cli.serve import serve
from kiosk.cli.support import (
    camera_option,
    common_options,
    config_option,
    db_option,
    emit,
    emit_table,
    fmt_distance,
    kiosk_errors,
    open_kiosk,
    settings_from,
    write_text,
)
from kiosk.cli.sync import bench_sync, sync
from kiosk.cli.tools import bench, demo, replay, soak
from kiosk.words import count
from models import Decision, KioskError


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.version_option(package_name="cccd-kiosk")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Face-recognition check-in kiosk for one-stop-shop counters (CCCD QR + face).

    Without a command, opens the counter app (the same as `kiosk app`).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(app)


@main.command()
@camera_option
@config_option
@db_option
@kiosk_errors
def app(camera: str | None, config_path: Path | None, db_path: Path | None) -> None:
    """Open the counter app: the desktop window with the live camera (PySide6)."""
    from ui import app as ui_app  # late: PySide6 loads only when the window opens

    if not ui_app.display_available():
        raise KioskError(
            "no display to open the counter window on", "run it on the counter PC's desktop (or set DISPLAY)"
        )
    ui_app.check_window()  # a missing system library: one line naming the package, not Qt's abort
    sys.exit(ui_app.run_app(db_path=db_path, config_path=config_path, camera=camera))


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@common_options
@kiosk_errors
def qr(images: tuple[Path, ...], db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Read the CCCD QR code in each IMAGE and print the citizen record."""
    from kiosk.cccd.record import parse_cccd
    from recognition.qr import read_qr_file

    failures = 0
    for image in images:
        out: dict[str, object] = {
            "file": str(image),
            "ok": False,
            "raw": None,
            "record": None,
            "warnings": [],
            "error": None,
        }
        try:
            reads = read_qr_file(image)
            if not reads:
                raise KioskError(
                    f"no QR code found in {image}", "photograph the card's QR code flat, sharp and well lit"
                )
            out["raw"] = reads[0].text
            card = parse_cccd(reads[0].data)
            out.update(ok=True, raw=card.raw, record=card.record.to_dict(), warnings=[w.message for w in card.warnings])
            r = card.record
            text = f"{image}: {r.full_name} | {r.id_number} | born {r.date_of_birth:%d/%m/%Y} | {r.gender.value} | {r.address}"
            text += "".join(f"\n  warning: {w.message}" for w in card.warnings)
        except KioskError as exc:
            failures += 1
            out["error"] = exc.one_line()
            emit(out, as_json, f"{image}: error: {exc.one_line()}", err=True)
            continue
        emit(out, as_json, text)
    sys.exit(1 if failures else 0)


@main.command()
@click.option(
    "--qr", "qr_image", required=True, type=click.Path(path_type=Path), help="Photo of the citizen's CCCD QR code."
)
@click.option(
    "--face",
    "faces",
    required=True,
    multiple=True,
    type=click.Path(path_type=Path),
    help="Face photo; repeat (3+ must pass the quality checks).",
)
@click.option(
    "--consent", is_flag=True, help="The citizen has read and explicitly accepted the consent text (required)."
)
@click.option("--staff", default=None, help="Staff member recording the consent (default: the OS user).")
@click.option(
    "--allow-duplicate-face",
    is_flag=True,
    help="Enrol even if the face matches another citizen (administrators, e.g. twins).",
)
@click.option(
    "--full-name",
    "fixed_name",
    default=None,
    help="The name as printed on the card, when the QR's is mis-encoded (audited).",
)
@click.option(
    "--address",
    "fixed_address",
    default=None,
    help="The address as printed on the card, when the QR's is mis-encoded (audited).",
)
@click.option(
    "--chip",
    "use_chip",
    is_flag=True,
    help="Read the card's chip on the PC/SC reader too: its verified record is stored, and the faces must be "
    "the chip photo's holder (refused otherwise).",
)
@click.option(
    "--chip-photo-sample",
    is_flag=True,
    help="With --chip: also store the chip's photo as a face sample (only if the citizen consented to it).",
)
@click.option(
    "--receipt",
    "receipt_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the citizen's printable consent receipt (HTML) here.",
)
@common_options
@kiosk_errors
def enroll(
    qr_image: Path,
    faces: tuple[Path, ...],
    consent: bool,
    staff: str | None,
    allow_duplicate_face: bool,
    fixed_name: str | None,
    fixed_address: str | None,
    use_chip: bool,
    chip_photo_sample: bool,
    receipt_path: Path | None,
    db_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Enrol a citizen: their card's QR code, face photos and explicit consent.

    A name or address the QR holds mis-encoded (a warning says so) is corrected from the
    printed card with --full-name / --address; the correction is audited, the ID number never changes.
    With --chip, the card's chip is read with the QR's access data and must agree with it.
    """
    from kiosk.errors import AlreadyEnrolledError, ConsentRequiredError
    from recognition.images import load_image

    if not consent:  # before any face is processed: biometric processing needs consent first
        raise ConsentRequiredError(
            "no --consent: the citizen has not accepted the consent text",
            "show the citizen the consent text; add --consent only after they explicitly accept",
        )
    with open_kiosk(db_path, config_path, create=True) as kiosk:
        card = kiosk.read_card(load_image(qr_image))
        if kiosk.check_card(card).known:
            raise AlreadyEnrolledError(
                f"citizen {card.record.masked_id} is already enrolled",
                "nothing to do; to add face samples, re-enrol at the counter",
            )
        if fixed_name is not None or fixed_address is not None:
            card = kiosk.correct_card(card, full_name=fixed_name, address=fixed_address)
        if chip_photo_sample and not use_chip:
            raise KioskError("--chip-photo-sample needs --chip", "add --chip (a reader with the card on it)")
        chip_read = kiosk.read_chip(card) if use_chip else None
        samples, refused = [], []
        for face in faces:
            found = kiosk.analyze(load_image(face))
            if found.primary is None:
                refused.append({"file": str(face), "reasons": ["no face found"]})
                continue
            samples.append(found.primary)
            if found.primary.issues:
                refused.append({"file": str(face), "reasons": [i.message for i in found.primary.issues]})
        for item in refused:
            if not as_json:
                click.echo(f"sample refused: {item['file']}: {'; '.join(item['reasons'])}", err=True)
        result = kiosk.enrol(
            card.record,
            samples,
            consent=consent,
            staff=staff,
            allow_duplicate_face=allow_duplicate_face,
            chip=chip_read,
            chip_photo_sample=chip_photo_sample,
        )
        if receipt_path is not None:
            write_text(receipt_path, kiosk.consent_receipt(result.citizen_id))
        r = result.record
        emit(
            {
                "ok": True,
                "id_number": r.id_number,
                "full_name": r.full_name,
                "samples": result.samples_stored,
                "refused": refused,
                "warnings": [w.message for w in card.warnings],
                **({"chip": chip_read.verified.level} if chip_read else {}),
            },
            as_json,
            f"enrolled {r.full_name} ({r.masked_id}) with {count(result.samples_stored, 'face sample')}"
            + (f", the chip verified ({chip_read.verified.level})" if chip_read else "")
            + "".join(f"\n  warning: {w.message}" for w in card.warnings),
        )


@main.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--confirm",
    "typed",
    default=None,
    metavar="DIGITS",
    help="What the citizen knows for the keypad: the last 6 ID digits (their last 4 are typed where 4 are "
    "asked for), or the birth year; used if asked to confirm.",
)
@click.option("--no-visit", is_flag=True, help="Only identify; do not log a visit on a match.")
@common_options
@kiosk_errors
def identify(
    images: tuple[Path, ...],
    typed: str | None,
    no_visit: bool,
    db_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Recognise the face in each IMAGE: match, confirm (keypad) or unknown. A match logs a visit."""
    from kiosk.counter.identify import answer
    from recognition.images import load_image

    if typed is not None and not (typed.isdigit() and len(typed) in (4, 6)):
        raise KioskError(
            f"--confirm {typed!r} is not 4 or 6 digits",
            "give what the citizen knows: the last 6 ID digits (or 4, if only 4 are asked), or the birth year",
        )
    failures = 0
    with open_kiosk(db_path, config_path) as kiosk:
        for image in images:
            try:
                check = kiosk.identify(load_image(image))
            except KioskError as exc:
                failures += 1
                emit(
                    {"file": str(image), "ok": False, "error": exc.one_line()},
                    as_json,
                    f"{image}: error: {exc.one_line()}",
                    err=True,
                )
                continue
            asked = check.decision is Decision.CONFIRM
            candidates = check.candidate_count
            ask = kiosk.keypad_ask(check)
            if asked and typed is not None:
                check = kiosk.confirm(check, answer(ask, typed))
            out: dict[str, object] = {
                "file": str(image),
                "ok": True,
                "decision": check.decision.value,
                "candidates": candidates,
                "distance": check.distance,
                "margin": check.margin,
                "engine": check.engine,
                "keypad": asked,
            }
            if asked:
                out["keypad_asks"] = {"entry": ask.entry, "digits": ask.digits}
            if check.decision is Decision.MATCH and check.citizen is not None:
                out.update(id_number=check.citizen.id_number, full_name=check.citizen.full_name)
                if not no_visit:
                    kiosk.check_in(check)
            emit(out, as_json, _identify_text(image, check, candidates, ask if asked else None))
    sys.exit(1 if failures else 0)


def _identify_text(image: Path, check: object, candidates: int, ask: object) -> str:
    """One line per image; ``ask``: what the keypad asked for (a KeypadAsk), None when it was not shown."""
    from kiosk.counter.identify import FaceCheck, KeypadAsk

    assert isinstance(check, FaceCheck) and (ask is None or isinstance(ask, KeypadAsk))
    figures = f"distance {fmt_distance(check.distance, 'none (nobody enrolled)')}, margin {fmt_distance(check.margin, 'none (no other citizen close)')}"
    if check.decision is Decision.MATCH and check.citizen is not None:
        how = "confirmed on the keypad" if check.via_keypad else "recognised"
        return f"{image}: match ({how}): {check.citizen.full_name} ({check.citizen.masked_id}); {figures}"
    if check.decision is Decision.CONFIRM and ask is not None:
        what = "their birth year" if ask.entry == "birth_year" else f"the last {ask.digits} ID digits"
        return f"{image}: confirm: {count(candidates, 'candidate')}; ask the citizen for {what} (--confirm DIGITS); {figures}"
    extra = " (the typed digits fit no candidate)" if ask is not None else ""
    return f"{image}: unknown{extra}: ask for the CCCD card; {figures}"


@main.command()
@common_options
@kiosk_errors
def settings(db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Show every setting: its value, bounds and what it does."""
    from kiosk.province.registry import redact
    from kiosk.settings import Settings

    current = settings_from(config_path)
    items, lines = [], []
    for field in Settings.describe():
        value = getattr(current, field["name"])
        if field["name"] == "db_path" and db_path is not None:
            value = str(db_path)  # the file this command was given (--db), not the setting it overrides
        elif field["name"] == "registry_url":
            value = redact(value)
        elif field["name"] == "api_token" and value:
            value = "(set; kiosk admin api-token shows it)"
        bounds = (
            "|".join(field["choices"])
            if field["choices"]
            else (f"{field['min']}..{field['max']}" if field["min"] is not None else "")
        )
        items.append({**field, "type": str(field["type"]), "value": value})
        lines.append([field["name"], f"= {value!r}", f"[{bounds}]" if bounds else "", field["help"]])
    emit_table(items, lines, as_json)


for _command in (purge, list_, visits, export, audit, retention, admin, sync, bench_sync, replay, demo, soak, bench):
    main.add_command(_command)


main.add_command(eval_group)
main.add_command(calibrate)
main.add_command(report)
main.add_command(serve)
main.add_command(province)
main.add_command(join)
main.add_command(doctor)
main.add_command(cameras)
main.add_command(chip)
