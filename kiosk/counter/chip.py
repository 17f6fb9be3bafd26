"""The chip at a first visit: read it with the card's QR as the access data, refuse a chip that
disagrees with its QR, and check that the face being enrolled is the chip photo's holder.

Reading is :mod:`kiosk.chip`'s; this module adds the counter's settings (which reader, which
CSCA file) and the 1:1 face check against the chip photo, in the default engine's distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.cccd.record import CccdRead
from kiosk.chip.mrz import AccessKey, MrzError, access_keys, can_key, key_from_mrz
from kiosk.chip.passive import PassiveAuthError, load_csca
from kiosk.chip.reader import ChipRead, disagreements, read_chip
from kiosk.errors import ChipError
from kiosk.settings import Settings
from models import CitizenRecord, FaceSample
from recognition.analyzer import FaceAnalyzer
from recognition.engines import engine_info
from recognition.errors import ImageError
from recognition.images import decode_image
from recognition.templates import distance, template

FIELD_WORDS = {
    "id_number": "ID number",
    "full_name": "name",
    "date_of_birth": "birth date",
    "gender": "sex",
    "issue_date": "issue date",
}


def chip_required(settings: Settings) -> bool:
    """Whether ``chip_reader`` is ``required``: no enrolment without the chip."""
    return settings.chip_reader.strip().lower() == "required"


def chip_off(settings: Settings) -> bool:
    """Whether ``chip_reader`` is ``off``: the chip is never read."""
    return settings.chip_reader.strip().lower() == "off"


def reader_enabled(settings: Settings, *, seen: bool = False) -> bool:
    """Whether a first visit reads the chip: ``chip_reader`` is ``required``; or it is not ``off``
    and a reader is attached, or was (``seen``) earlier in this run."""
    from kiosk.chip import pcsc

    if chip_off(settings):
        return False
    return chip_required(settings) or seen or pcsc.available(wanted_reader(settings))


def wanted_reader(settings: Settings) -> str:
    """The part of a reader's name ``chip_reader`` asks for; empty for any reader."""
    name = settings.chip_reader.strip()
    return "" if name.lower() in ("auto", "required", "") else name


def keys_for(card: CccdRead | None, mrz: str | None, can: str | None = None) -> list[AccessKey]:
    """Access keys to try: the typed MRZ and CAN first, then those derived from the QR.

    Raises:
        ChipError: none given, or an MRZ or CAN that is not one (``reason`` ``bad_mrz``).
    """
    keys: list[AccessKey] = []
    try:
        keys += [key_from_mrz(mrz)] if mrz else []
        keys += [can_key(can)] if can else []
    except MrzError as error:
        raise ChipError(
            f"cannot use the access data: {error}",
            "copy them from the card again (the MRZ is on its back)",
            reason="bad_mrz",
        ) from None
    if card is not None:
        keys += access_keys(card.record)
    if not keys:
        raise ChipError(
            "no access data for the chip",
            "give the card's QR image (--qr), its MRZ (--mrz) or its CAN (--can)",
            reason="no_access",
        )
    return keys


def csca_of(settings: Settings, path: Path | None = None) -> list[bytes] | None:
    """The CSCA certificates to chain to: ``path``, else the ``chip_csca`` setting; None when neither.

    Raises:
        ChipError: the file cannot be read or holds no certificate (``reason`` ``csca_unreadable``).
    """
    chosen = path or (Path(settings.chip_csca) if settings.chip_csca.strip() else None)
    if chosen is None:
        return None
    try:
        return load_csca(chosen)
    except PassiveAuthError as error:
        raise ChipError(
            str(error),
            "fix the chip_csca setting (or --csca) to point at the province's CSCA file",
            reason=error.reason,
        ) from None


def read_card_chip(
    settings: Settings,
    card: CccdRead | None,
    *,
    mrz: str | None = None,
    can: str | None = None,
    csca: Path | None = None,
) -> ChipRead:
    """Read and verify the chip on the counter's reader; with ``card`` (its QR), refuse a chip
    whose ID number, name, birth date, sex or issue date differ from the QR's.

    Raises:
        ChipError: no reader or card, access refused, passive authentication failed, or
            ``disagree``: the chip is not the card whose QR was read.
    """
    from kiosk.chip import pcsc

    keys = keys_for(card, mrz, can)
    authorities = csca_of(settings, csca)
    with pcsc.open_reader(wanted_reader(settings)) as transport:
        chip = read_chip(transport, keys, csca=authorities)
    if card is not None:
        check_against_qr(chip, card.record, name_mis_encoded=any(w.code == "name_encoding" for w in card.warnings))
    return chip


def check_against_qr(chip: ChipRead, record: CitizenRecord, *, name_mis_encoded: bool = False) -> None:
    """Raise ``ChipError`` (``disagree``) if the chip's record is not the QR's citizen (the name is
    left out when the QR's reads mis-encoded: the chip's is then the right one)."""
    differ = [f for f in disagreements(chip.record, record) if not (f == "full_name" and name_mis_encoded)]
    if differ:
        raise ChipError(
            "the chip and the card's QR disagree on the "
            + ", ".join(FIELD_WORDS[f] for f in differ)
            + ": the QR is not this card's (a copied or forged QR?)",
            "do not enrol: ask for the citizen's own card and read its QR and chip again",
            reason="disagree",
            facts={"fields": differ},
        )


@dataclass(frozen=True)
class HolderCheck:
    """The live face against the chip photo (1:1).

    Attributes:
        distance: between the chip photo's embedding and the unit mean of the live samples
            (the engine's distance).
        threshold: the largest distance accepted (:attr:`recognition.policy.PolicyConfig.holder_distance`).
        engine: the face engine of both embeddings.
    """

    distance: float
    threshold: float
    engine: str

    @property
    def same_person(self) -> bool:
        return self.distance <= self.threshold


def chip_face(analyzer: FaceAnalyzer, chip: ChipRead) -> FaceSample:
    """The chip photo's face, embedded by the default engine.

    Raises:
        ChipError: the photo cannot be decoded or holds no face (``reason`` ``chip_photo``).
    """
    try:
        frame = decode_image(chip.photo.data, "chip's photo")
    except ImageError as error:
        raise ChipError(str(error), "read the card again", reason="chip_photo") from None
    face = analyzer.analyze(frame).primary
    if face is None:
        raise ChipError(
            "no face was found in the chip's photo",
            "enrol from the QR with the clerk checking the printed photo",
            reason="chip_photo",
        )
    return face


def check_holder(photo: FaceSample, samples: Sequence[FaceSample], threshold: float) -> HolderCheck:
    """Compare the live ``samples`` (of ``photo``'s engine) with the chip photo.

    Raises:
        ChipError: ``not_holder`` when the live face is farther than ``threshold``: the
            person enrolling is not the card's holder.
    """
    metric = engine_info(photo.engine).metric
    live = [s.embedding for s in samples if s.engine == photo.engine]
    if not live:
        raise ChipError(
            "no live face to compare with the chip's photo",
            "let the camera see the citizen's face",
            reason="not_holder",
        )
    check = HolderCheck(distance(photo.embedding, template(np.stack(live), metric), metric), threshold, photo.engine)
    if not check.same_person:
        raise ChipError(
            f"the face at the counter is not the card's holder (distance {check.distance:.3f} to the chip's photo, "
            f"at most {check.threshold:.3f})",
            "do not enrol with this card: ask for the citizen's own card, or call the supervisor",
            reason="not_holder",
            facts={"distance": round(check.distance, 4), "threshold": round(check.threshold, 4)},
        )
    return check
