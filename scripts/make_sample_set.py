"""Build the bundled replay set ``sample_images/counter_day/`` (maintainers only).

Run from the repo root after ``scripts/setup --test``:  ``.venv/bin/python scripts/make_sample_set.py``

Every citizen is made up. Their faces are real photos from ``sample_images/faces``
(Face Research Lab London Set, CC BY 4.0; ``lisa``, CC0), turned into 640x480
webcam-like frames (scaled, placed on a canvas, JPEG quality 88). Card frames are QR
codes made here (with ``qrcode`` and ``segno``, UTF-8, no ECI, like real CCCD cards)
printed on a white card held in front of a webcam scene. The output is committed; this
script only needs re-running when the set changes.
"""

from __future__ import annotations

import io
import random
import sys
from datetime import date
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.cccd.record import format_cccd  # noqa: E402  (imported once the repository root is on sys.path)
from models import CitizenRecord, Gender  # noqa: E402  (imported once the repository root is on sys.path)

FACES = ROOT / "sample_images" / "faces"
OUT = ROOT / "sample_images" / "counter_day"
FRAME_W, FRAME_H = 640, 480
LISA_HEIGHT = 700  # lisa's 600x800 webcam photos, scaled so the frame is mostly covered

# folder in faces/ → the made-up citizen whose card they carry
CITIZENS: dict[str, CitizenRecord] = {
    "london_005": CitizenRecord(
        "096098004127",
        "381726354",
        "Lê Anh Sơn",
        date(1998, 3, 14),
        Gender.MALE,
        "Khóm 5, Phường 7, Thành phố Cà Mau, Cà Mau",
        date(2021, 8, 15),
    ),
    "london_030": CitizenRecord(
        "096302011835",
        "",
        "Nguyễn Thị Kim Thư",
        date(2002, 11, 2),
        Gender.FEMALE,
        "Ấp 3, Xã Tân Lộc, Huyện Thới Bình, Cà Mau",
        date(2021, 9, 1),
    ),
    "london_045": CitizenRecord(
        "096203007742",
        "",
        "Lý Quốc Sơn",
        date(2003, 6, 30),
        Gender.MALE,
        "Số 12 Đường Lý Thường Kiệt, Phường 6, Thành phố Cà Mau, Cà Mau",
        date(2022, 1, 20),
    ),
    "london_043": CitizenRecord(
        "096206002219",
        "",
        "Trần Văn Đức",
        date(2006, 1, 9),
        Gender.MALE,
        "Ấp Cái Keo, Xã Hưng Mỹ, Huyện Cái Nước, Cà Mau",
        date(2024, 2, 5),
    ),
    "london_099": CitizenRecord(
        "096302009958",
        "",
        "Phạm Thị Hương",
        date(2002, 7, 21),
        Gender.FEMALE,
        "Khóm 2, Thị trấn Năm Căn, Huyện Năm Căn, Cà Mau",
        date(2021, 5, 11),
    ),
    "london_115": CitizenRecord(
        "096201003316",
        "381998201",
        "Huỳnh Hiếu Thuận",
        date(2001, 12, 5),
        Gender.MALE,
        "Ấp Tân Điền, Xã Khánh Bình Tây, Huyện Trần Văn Thời, Cà Mau",
        date(2024, 9, 3),
        ("", "Huỳnh Văn Lộc", "Trần Thị Hoa", ""),
    ),
    "lisa": CitizenRecord(
        "096190005561",
        "380555120",
        "Đặng Thị Phượng",
        date(1990, 4, 18),
        Gender.FEMALE,
        "Ấp Xóm Mới, Xã Tân Hưng Đông, Huyện Cái Nước, Cà Mau",
        date(2021, 7, 30),
    ),
}
STRANGERS = ["london_082", "london_126", "london_132", "london_135"]


def face_frame(photo: Path, height: int, x_offset: int, y_offset: int = 0) -> np.ndarray:
    """Scale a photo to ``height`` px and cut a 640x480 frame around its centre moved by
    the offsets (pixels; positive moves the subject right/down); edges are replicated."""
    img = cv2.imread(str(photo))
    scale = height / img.shape[0]
    img = cv2.resize(img, (round(img.shape[1] * scale), height), interpolation=cv2.INTER_AREA)
    pad = FRAME_W + FRAME_H
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    cx = pad + img.shape[1] // 2 - x_offset
    cy = pad + img.shape[0] // 2 - y_offset
    return big[cy - FRAME_H // 2 : cy + FRAME_H // 2, cx - FRAME_W // 2 : cx + FRAME_W // 2].copy()


def two_faces(main: Path, bystander: Path) -> np.ndarray:
    """The citizen close to the camera, another person small in the background."""
    frame = face_frame(main, 470, -130)
    small = cv2.imread(str(bystander))
    small = cv2.resize(small, (200, 200), interpolation=cv2.INTER_AREA)
    frame[30:230, 430:630] = small
    return frame


def qr_image(text: str, generator: str) -> np.ndarray:
    """A QR code of ``text`` as UTF-8 bytes without ECI, grey, 6 px per module."""
    from PIL import Image

    if generator == "segno":
        import segno

        buf = io.BytesIO()
        segno.make(text.encode("utf-8"), micro=False, error="m").save(buf, kind="png", scale=6, border=4)
        return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("L"))
    import qrcode

    code = qrcode.QRCode(box_size=6, border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    return np.array(code.make_image().convert("L"))


def card_frame(payload: str, generator: str, angle: float, scene: Path) -> np.ndarray:
    """A white card with the QR code, tilted by ``angle`` degrees, held in front of a webcam scene."""
    qr = qr_image(payload, generator)
    side = 300
    qr = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    card = np.full((side + 40, side + 160), 245, np.uint8)
    card[20 : 20 + side, 140 : 140 + side] = qr
    for row in range(40, side, 36):  # printed text lines beside the code
        card[row : row + 8, 16:120] = 90
    card = cv2.cvtColor(card, cv2.COLOR_GRAY2BGR)
    card = cv2.copyMakeBorder(card, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    h, w = card.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    mask = cv2.warpAffine(np.pad(np.full((h - 120, w - 120), 255, np.uint8), 60), matrix, (w, h))
    card = cv2.warpAffine(card, matrix, (w, h), borderValue=(0, 0, 0))
    frame = face_frame(scene, 860, 0, 60)
    y, x = (FRAME_H - h) // 2, (FRAME_W - w) // 2
    region = frame[y : y + h, x : x + w]
    region[mask > 0] = card[mask > 0]
    return frame


def save(image: np.ndarray, rel: str) -> str:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".png":
        cv2.imwrite(str(path), image)
    else:
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    return rel


def main() -> None:
    steps: list[str] = []
    generators = ["qrcode", "segno"]
    first = "london_005"
    payloads: dict[str, str] = {}
    for i, (folder, record) in enumerate(CITIZENS.items()):
        payload = format_cccd(record)
        if folder == "lisa":  # an older re-shared form: 6 fields, dd/mm/yyyy, no issue date
            payload = "|".join(
                [
                    record.id_number,
                    record.old_id_number,
                    record.full_name,
                    record.date_of_birth.strftime("%d/%m/%Y"),
                    record.gender.value,
                    record.address,
                ]
            )
        payloads[folder] = payload
        angle = [0, 8, -12, 20, -5, 15, 3][i % 7]
        save(card_frame(payload, generators[i % 2], angle, FACES / "lisa" / "1.jpg"), f"cards/{folder}.jpg")

    steps.append(
        _step(
            "card",
            f"first visit of {CITIZENS[first].full_name}: card read, not enrolled yet",
            card=f"cards/{first}.jpg",
            expect="new",
            id_number=CITIZENS[first].id_number,
        )
    )

    def photo(folder: str, n: int | str) -> Path:
        return FACES / folder / f"{n}.jpg"

    # Enrolment: three webcam frames of the neutral frontal photo (the citizen looking at the camera).
    for folder, record in CITIZENS.items():
        src = photo(folder, 1)
        base = LISA_HEIGHT if folder == "lisa" else 470
        frames = [
            save(face_frame(src, round(base * z), dx, dy), f"frames/{folder}/enrol_{k}.jpg")
            for k, (z, dx, dy) in enumerate([(1.0, 0, 0), (0.92, 30, 10), (1.06, -25, -8)], start=1)
        ]
        if folder == "london_030":  # a turned head among the frames is refused, the rest suffice
            frames.append(save(face_frame(photo(folder, 3), 470, 0), f"frames/{folder}/enrol_turned.jpg"))
        if folder == "london_045":  # first attempt: only turned heads, refused, nothing stored
            bad = [
                save(face_frame(photo(folder, n), 470, dx), f"frames/{folder}/enrol_bad_{n}_{k}.jpg")
                for k, dx in enumerate([0, 30])
                for n in (3, 4)
            ][:3]
            steps.append(
                _step(
                    "enrol",
                    f"{record.full_name}: every frame turned away, enrolment refused",
                    card=f"cards/{folder}.jpg",
                    faces=bad,
                    expect="refused",
                )
            )
        steps.append(
            _step(
                "enrol",
                f"{record.full_name}: consent given, face captured",
                card=f"cards/{folder}.jpg",
                faces=frames,
                expect="enrolled",
            )
        )
    # Later visits: other photos of the same people (smiling, turned left, turned right).
    for folder, record in CITIZENS.items():
        for n, what in ((2, "smiling" if folder != "lisa" else "another day"), (3, "head turned"), (4, "head turned")):
            height = LISA_HEIGHT if folder == "lisa" else 470
            rel = save(face_frame(photo(folder, n), height, 15 * (n - 3)), f"frames/{folder}/visit_{n}.jpg")
            steps.append(
                _step(
                    "visit",
                    f"{record.full_name} returns ({what})",
                    face=rel,
                    expect="match",
                    id_number=record.id_number,
                    keypad=record.id_number[-6:],
                )
            )
    rel = save(two_faces(photo(first, 2), photo("london_132", 1)), f"frames/{first}/visit_with_bystander.jpg")
    steps.append(
        _step(
            "visit",
            f"{CITIZENS[first].full_name} at the counter, a stranger behind",
            face=rel,
            expect="match",
            id_number=CITIZENS[first].id_number,
            keypad=CITIZENS[first].id_number[-6:],
        )
    )
    # Strangers: never enrolled; london_082 resembles london_043, london_126 resembles london_099.
    for folder in STRANGERS:
        for n in (1, 2):
            rel = save(face_frame(photo(folder, n), 470, 0), f"frames/strangers/{folder}_{n}.jpg")
            steps.append(
                _step("visit", f"stranger {folder} (never enrolled)", face=rel, expect="unknown", keypad="415823")
            )
    # A known citizen shows the card instead; a purge makes the face unknown everywhere.
    steps.append(
        _step(
            "card",
            f"{CITIZENS['london_099'].full_name} shows the card: known, checked in by QR",
            card="cards/london_099.jpg",
            expect="known",
            id_number=CITIZENS["london_099"].id_number,
        )
    )
    steps.append(
        _step(
            "purge",
            f"{CITIZENS['london_030'].full_name} withdraws consent: purged",
            id_number=CITIZENS["london_030"].id_number,
            expect="purged",
        )
    )
    steps.append(
        _step(
            "visit",
            f"{CITIZENS['london_030'].full_name} after the purge: unknown",
            face="frames/london_030/visit_2.jpg",
            expect="unknown",
            keypad=CITIZENS["london_030"].id_number[-6:],
        )
    )
    # Bad input gets a clear error.
    save(
        cv2.cvtColor(qr_image("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", "qrcode"), cv2.COLOR_GRAY2BGR),
        "cards/not_a_cccd.png",
    )
    steps.append(_step("card", "a QR code that is not a CCCD card", card="cards/not_a_cccd.png", expect="error"))
    save(
        face_frame(FACES / "london_005" / "1.jpg", 470, 0)[:, :60].repeat(11, axis=1)[:, :FRAME_W],
        "frames/empty_counter.jpg",
    )
    steps.append(_step("visit", "nobody in front of the camera", face="frames/empty_counter.jpg", expect="error"))

    header = (
        "# Replay set: one day at a Cà Mau one-stop counter (made-up citizens, real face photos).\n"
        "# Run: kiosk replay sample_images/counter_day   (made by scripts/make_sample_set.py)\n"
        "# actions: card (read a CCCD QR), enrol (card + consent + face frames), visit (a face at the\n"
        "# counter; `keypad`: the last ID digits the citizen types if asked to confirm, as many as asked), purge (by ID number).\n"
        "# expect: new | known | enrolled | refused | match (with id_number) | unknown | purged | error\n"
        "# a step that logs a visit may say how it went: seen_s (face or card in view to confirmation),\n"
        "# done_s (confirmation to the clerk's done), rating (the citizen's answer, or none).\n\n"
        '[set]\nname = "counter_day"\n'
        'description = "7 citizens enrolled from their cards, 22 later visits, 8 stranger visits, a purge, bad input"\n'
    )
    steps = [with_service(number, step) for number, step in enumerate(steps, start=1)]
    (OUT / "manifest.toml").write_text(header + "".join(steps), encoding="utf-8")
    print(f"wrote {OUT / 'manifest.toml'} with {len(steps)} steps")


RATINGS = ("very_satisfied", "satisfied", "none", "unsatisfied", "very_unsatisfied")
RATING_WEIGHTS = (0.55, 0.27, 0.10, 0.06, 0.02)
SECONDS_SEEN = {"enrolled": (35.0, 80.0), "match": (1.2, 4.5), "known": (6.0, 14.0)}
"""Seconds from the face (or card) in view to the confirmation, by outcome: an enrolment
includes reading the consent and the capture; a card check-in includes finding the card."""


def with_service(number: int, step: str) -> str:
    """A step that logs a visit gains how the visit went (``seen_s``, ``done_s``, ``rating``):
    drawn from a generator seeded by the step number, so the manifest is the same every run."""
    expect = next((line.split('"')[1] for line in step.splitlines() if line.startswith("expect = ")), "")
    if expect not in SECONDS_SEEN:
        return step
    rng = random.Random(1466 + number)
    low, high = SECONDS_SEEN[expect]
    seen, done = round(rng.uniform(low, high), 1), round(rng.uniform(90, 420))
    rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
    return step + f'seen_s = {seen}\ndone_s = {done}\nrating = "{rating}"\n'


def _step(action: str, label: str, **fields: object) -> str:
    lines = ["\n[[step]]", f"action = {_toml(action)}", f"label = {_toml(label)}"]
    lines += [f"{key} = {_toml(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    main()
