"""``kiosk chip``: read a CCCD's chip on the PC/SC reader and say what was verified."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kiosk.cli.support import config_option, emit, kiosk_errors, settings_from


@click.command()
@click.option(
    "--qr",
    "qr_image",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Photo of the card's QR code: gives the access data, and the chip must agree with it.",
)
@click.option(
    "--mrz",
    default=None,
    help="The MRZ on the card's back (its lines separated by newlines or \\n): access data without a QR.",
)
@click.option(
    "--can", default=None, help="The card access number (6 digits) printed on the card: access data for PACE."
)
@click.option(
    "--csca",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSCA certificate file (DER or PEM) to chain the chip's signer to (default: the chip_csca setting).",
)
@click.option("--reader", default=None, help="Part of the reader's name (default: the chip_reader setting).")
@click.option(
    "--face",
    "faces",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A photo of the person at the counter: is it the chip photo's holder? Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one JSON object.")
@config_option
@kiosk_errors
def chip(
    qr_image: Path | None,
    mrz: str | None,
    can: str | None,
    csca: Path | None,
    reader: str | None,
    faces: tuple[Path, ...],
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Read the CCCD chip on the reader: its record (DG13), photo and passive authentication.

    The access data come from the card's QR (--qr), its MRZ (--mrz) or its CAN (--can).
    Nothing is stored.
    Exits 1 when the chip cannot be read, fails verification, disagrees with the QR, or
    when a --face is not its holder.
    """
    from dataclasses import replace

    from kiosk.counter.cards import read_card
    from kiosk.counter.chip import check_holder, chip_face, read_card_chip
    from kiosk.counter.factories import analyzer_for, policy_for
    from kiosk.errors import ChipError
    from recognition.images import decode_image, load_image

    settings = settings_from(config_path)
    if reader is not None:
        settings = replace(settings, chip_reader=reader)
    card = read_card(load_image(qr_image)) if qr_image is not None else None
    read = read_card_chip(settings, card, mrz=mrz, can=can, csca=csca)
    photo = decode_image(read.photo.data, "chip's photo")
    record = read.record
    verified = read.verified
    out: dict[str, object] = {
        "ok": True,
        "id_number": record.id_number,
        "record": record.to_dict(),
        "dg13": {str(number): text for number, text in sorted(read.fields.items())},
        "photo": {
            "format": read.photo.format,
            "width": int(photo.shape[1]),
            "height": int(photo.shape[0]),
            "bytes": len(read.photo.data),
        },
        "passive_authentication": {
            "level": verified.level,
            "hash_algorithm": verified.hash_algorithm,
            "groups": list(verified.groups),
            "signer": verified.signer,
        },
        "access": read.access,
        "protocol": read.protocol,
        "qr_agrees": True if card is not None else None,
    }
    levels = {
        "signature": "the chip's signature (no CSCA file: the signer is not chained to the Ministry)",
        "csca": "the chip's signature, its signer chained to the CSCA file",
    }
    lines = [
        f"chip read: {record.full_name} ({record.masked_id}), born {record.date_of_birth:%d/%m/%Y}, {record.gender.value}",
        f"  address: {record.address}",
        f"  verified: data groups {', '.join(map(str, verified.groups))} ({verified.hash_algorithm}) and {levels[verified.level]}",
        f"  photo: {read.photo.format.upper()} {photo.shape[1]}x{photo.shape[0]}, {len(read.photo.data):,} bytes",
    ]
    if card is not None:
        lines.append("  the card's QR agrees with the chip")
    failed = 0
    if faces:
        analyzer = analyzer_for(settings)
        chip_sample = chip_face(analyzer, read)
        threshold = policy_for(settings, chip_sample.engine).holder_distance
        results = []
        for path in faces:
            live = analyzer.analyze(load_image(path)).primary
            if live is None:
                failed += 1
                results.append({"file": str(path), "holder": False, "error": "no face found"})
                lines.append(f"  {path}: no face found")
                continue
            try:
                check = check_holder(chip_sample, [live], threshold)
                results.append(
                    {
                        "file": str(path),
                        "holder": True,
                        "distance": round(check.distance, 4),
                        "threshold": round(threshold, 4),
                    }
                )
                lines.append(f"  {path}: the card's holder (distance {check.distance:.3f}, at most {threshold:.3f})")
            except ChipError as error:
                failed += 1
                results.append({"file": str(path), "holder": False, **error.facts})
                lines.append(f"  {path}: NOT the card's holder - {error.one_line()}")
        out["faces"] = results
    emit(out, as_json, "\n".join(lines))
    sys.exit(1 if failed else 0)
