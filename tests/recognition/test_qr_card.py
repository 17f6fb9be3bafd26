"""Reading real-card-like photos: the QR through the card's guilloche, at webcam resolution.

Every photo is made by tests/support/card_photos.py from a seed: a real QR code (``qrcode`` or
``segno``, UTF-8 CCCD payload, no ECI) printed over a turquoise pattern on a card, tilted in
front of a webcam, with uneven light, glare, blur, noise and JPEG (ranges in its docstring).
Every read is checked against the exact payload; no time is asserted (``kiosk bench`` and
``scripts/card_read_rates.py`` print the timings).
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.cccd.record import parse_cccd
from recognition import qr, zbar, zxing
from recognition.qr_card import read_card_qr
from recognition.qr_locate import find_regions, measure, overlap
from tests.support.card_photos import HELD_OUT_SEEDS, card_photo, random_conditions, random_payload
from tests.support.qr_images import LISA, LONDON, photo_frame


def exact(reads, photo) -> bool:
    """True when ``reads`` hold the photo's payload byte for byte, and nothing else."""
    assert all(r.data == photo.payload.encode("utf-8") for r in reads), [r.data[:40] for r in reads]
    return bool(reads)


@pytest.fixture(scope="module")
def held_out():
    return [card_photo(random_conditions(seed)) for seed in HELD_OUT_SEEDS]


# --- the generator --------------------------------------------------------------------------


def test_photos_are_seeded_and_the_conditions_stay_in_the_documented_ranges() -> None:
    assert card_photo(random_conditions(7)).jpeg_bytes == card_photo(random_conditions(7)).jpeg_bytes
    for seed in range(300):
        c = random_conditions(seed)
        assert c.frame in ("1280x720", "640x480") and 2.0 <= c.module_px <= 4.0
        assert abs(c.yaw) <= 25 and abs(c.pitch) <= 25 and abs(c.roll) <= 20 and 0.55 <= c.pattern <= 0.95
        assert c.glare == 0 or (0.7 <= c.glare <= 1.0 and 0.08 <= c.glare_sigma <= 0.2)
        assert 0.3 <= c.blur <= 1.2 and 0 <= c.motion <= 2.5 and 55 <= c.jpeg <= 90


@pytest.mark.parametrize("frame", ["1280x720", "640x480"])
@pytest.mark.parametrize("module_px", [2.0, 3.0, 4.0])
def test_the_code_lands_in_the_frame_at_the_asked_module_size(frame: str, module_px: float) -> None:
    photo = card_photo(random_conditions(11, frame=frame, module_px=module_px))
    height, width = photo.frame.shape[:2]
    assert (width, height) == tuple(int(v) for v in frame.split("x"))
    assert photo.module_px == pytest.approx(module_px, rel=0.02)
    assert (photo.corners >= 0).all() and (photo.corners[:, 0] < width).all() and (photo.corners[:, 1] < height).all()


def test_the_pattern_shows_through_the_light_modules_and_fades_in_the_blue_channel() -> None:
    import cv2

    from tests.support.card_photos import _qr_modules

    photo = card_photo(
        random_conditions(
            5,
            module_px=4.0,
            glare=0.0,
            blur=0.3,
            motion=0.0,
            pattern=0.95,
            yaw=0,
            pitch=0,
            roll=0,
            light_low=1.0,
            light_high=1.0,
            cast=(1.0, 1.0, 1.0),
            noise=1.5,
            jpeg=90,
        )
    )
    dark = _qr_modules(photo.payload, photo.conditions.generator)
    n, k = dark.shape[0], 8
    square = cv2.getPerspectiveTransform(photo.corners, np.float32([[0, 0], [n * k, 0], [n * k, n * k], [0, n * k]]))
    texture = {}
    for name, image in (("grey", cv2.cvtColor(photo.frame, cv2.COLOR_BGR2GRAY)), ("blue", photo.frame[:, :, 0])):
        modules = (
            cv2.warpPerspective(image, square, (n * k, n * k))
            .astype(float)
            .reshape(n, k, n, k)[:, 2:6, :, 2:6]
            .mean(axis=(1, 3))
        )
        light = modules[~dark]
        texture[name] = light.std() / (
            light.mean() - modules[dark].mean()
        )  # pattern in the light modules / module contrast
    assert texture["grey"] > 0.08  # the pattern shows through the light modules
    assert texture["blue"] < 0.75 * texture["grey"], texture  # and fades in the blue channel


@pytest.mark.parametrize("layout", ["2021", "2024", "2024-child"])
def test_payload_layouts(layout: str) -> None:
    fields = random_payload(3, layout).split("|")
    assert len(fields) == (7 if layout == "2021" else 11)
    if layout == "2024":
        assert fields[7:] == ["", "", "", ""]
    if layout == "2024-child":
        assert fields[7] and fields[8] and fields[9:] == ["", ""]


# --- Done-when: held-out photos, one photo each ---------------------------------------------


@pytest.mark.slow
def test_held_out_card_photos_read_to_the_exact_record_from_a_single_photo(held_out) -> None:
    read = 0
    for photo in held_out:
        reads = qr.decode_qr(photo.frame)
        if exact(reads, photo):
            assert parse_cccd(reads[0].data).record == parse_cccd(photo.payload).record
            read += 1
    assert read >= 27, f"{read}/30"


def test_the_apps_per_frame_card_path_reads_most_held_out_photos(held_out) -> None:
    from kiosk.counter.watch import read_codes

    read = 0
    for photo in held_out:
        payloads, _ = read_codes(photo.frame, search=True)
        read += exact([qr.QrRead(p.decode("utf-8"), p, "") for p in payloads], photo)
    assert read >= 25, f"{read}/30"


# --- the fast path -------------------------------------------------------------------------


def test_fast_path_runs_no_other_decoder_when_zxing_sees_no_code(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("zbar ran on a frame with no code")

    monkeypatch.setattr(zbar, "scan_qr", forbidden)
    for frame in (photo_frame(LISA, (1280, 720)), photo_frame(LONDON, (640, 480))):
        assert qr.decode_qr(frame, thorough=False) == []
        assert qr.scan_qr(frame) == qr.QrScan(())


def test_fast_path_reads_small_card_codes_that_zbar_on_the_shrunk_frame_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = card_photo(random_conditions(21, frame="1280x720", module_px=3.5, glare=0.0, blur=0.4, motion=0.0))
    assert exact(qr.decode_qr(photo.frame, thorough=False), photo)
    monkeypatch.setattr(zxing, "ENABLED", False)  # the fast path before zxing-cpp
    assert qr.decode_qr(photo.frame, thorough=False) == []


def test_a_code_seen_but_not_read_is_located_with_its_glare_and_module_size() -> None:
    for seed in range(200, 260):
        photo = card_photo(random_conditions(seed, module_px=2.2, glare=0.95, glare_sigma=0.2, blur=1.0))
        scan = qr.scan_qr(photo.frame)
        if not scan.reads and scan.located:
            break
    else:
        pytest.fail("no photo in 60 was located but not read")
    (code,) = scan.located
    assert overlap(code.corners, photo.corners) > 0.5
    assert code.glare > 0.02 and 1.5 < code.module_px < 3.0
    assert measure(photo.frame[:, :, 1], photo.corners, "given").glare > 0.02


def test_without_zxing_the_fast_path_is_zbar_on_the_shrunk_frame_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.qr_images import cccd_payload, embed, make_qr

    text = cccd_payload("Lý Quốc Sơn")
    frame = embed(make_qr(text, box_px=6), photo_frame(LISA, (1280, 720)), 300, 100)
    monkeypatch.setattr(zxing, "ENABLED", False)
    (read,) = qr.decode_qr(frame, thorough=False)
    assert read.text == text and read.decoder == "zbar-binary"
    monkeypatch.setattr(zxing, "available", lambda: False)  # not installed: the same
    monkeypatch.setattr(zxing, "ENABLED", None)
    assert qr.decode_qr(frame, thorough=False) == [read]


# --- the card path -------------------------------------------------------------------------


@pytest.mark.slow
def test_card_path_reads_most_of_what_the_fast_path_could_not_and_says_how() -> None:
    missed = read = 0
    for seed in range(400, 440):
        photo = card_photo(random_conditions(seed, module_px=float(np.random.default_rng(seed).uniform(2.3, 3.0))))
        if qr.decode_qr(photo.frame, thorough=False):
            continue
        missed += 1
        card = read_card_qr(photo.frame)
        if exact(card.reads, photo):
            read += 1
            assert "+card:" in card.reads[0].decoder and card.located == ()
    assert missed >= 15 and read >= 0.8 * missed, (read, missed)


def test_card_path_reads_with_zbar_alone_when_zxing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zxing, "ENABLED", False)
    photo = card_photo(random_conditions(41, frame="1280x720", module_px=3.5, glare=0.0, blur=0.4, motion=0.0))
    reads = read_card_qr(photo.frame, full=True).reads
    assert exact(reads, photo) and reads[0].decoder.startswith("zbar-binary+card:")


@pytest.mark.parametrize("photo_path", [LISA, LONDON])
def test_card_path_finds_nothing_in_frames_without_a_code(photo_path) -> None:
    for size in ((1280, 720), (640, 480)):
        frame = photo_frame(photo_path, size)
        assert read_card_qr(frame) == read_card_qr(frame, full=True)
        assert read_card_qr(frame).reads == () and read_card_qr(frame).located == ()


@pytest.mark.slow
def test_texture_regions_find_the_code_on_most_card_photos() -> None:
    found = 0
    for seed in range(300, 320):
        photo = card_photo(random_conditions(seed))
        found += any(overlap(q, photo.corners) > 0.7 for q in find_regions(photo.frame[:, :, 1]))
    assert found >= 18, found


def test_a_binary_payload_is_never_guessed_into_text_by_the_card_path() -> None:
    from tests.recognition.test_qr import BINARY
    from tests.support.qr_images import embed, make_qr

    frame = embed(make_qr(BINARY, box_px=3), photo_frame(LISA, (1280, 720)), 500, 200)
    for reads in (qr.decode_qr(frame), list(read_card_qr(frame, full=True).reads)):
        assert all(r.data == BINARY and r.text == "" for r in reads)
