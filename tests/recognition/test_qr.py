"""QR decoding: byte-exact UTF-8 Vietnamese from real QR images, clean and distorted.

Every image is a real QR symbol made by ``qrcode`` or ``segno`` (UTF-8, byte mode, no ECI,
as on CCCD cards), distorted with OpenCV and, where it matters, pasted into a real photo.
Distortion levels are just inside the limits measured for the chain (see the comments).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recognition import qr
from recognition.errors import ImageError
from tests.support.qr_images import (
    LISA,
    LONDON,
    blur,
    cccd_payload,
    embed,
    jpeg,
    make_qr,
    perspective,
    photo_frame,
    rotate,
)

GENERATORS = ["qrcode", "segno"]
NAMES = ["Lê Anh Sơn", "Huỳnh Hiếu Thuận", "Nguyễn Thị Kim Thư", "Lý Hoài Sơn", "Lý Quốc Sơn"]
LY_QUOC_SON = cccd_payload("Lý Quốc Sơn")
# Payloads that zbar's charset guess garbles without the binary option (measured):
GARBLED_BY_ZBAR = {
    "latin-1": cccd_payload("Lý Hoài Sơn", "Xã Hòa Thành"),
    "shift_jis": cccd_payload("Lý Quốc Sơn", "Ấp 1, Năm Căn"),
    "big5": cccd_payload("Võ Minh Tú", "Ấp 1, Phú Tân"),
    "big5-user-area": cccd_payload("Lê Anh Sơn", "Ấp 3, U Minh"),  # ơ = C6 A1 → U+F6B1
}


def assert_exact(reads: list[qr.QrRead], text: str) -> qr.QrRead:
    """Exactly one read, whose text and bytes are the payload's, byte for byte."""
    assert len(reads) == 1, reads
    assert reads[0].text == text
    assert reads[0].data == text.encode("utf-8")
    return reads[0]


@pytest.fixture(scope="module")
def frame_1280() -> np.ndarray:
    """A real photo as a 1280x720 BGR webcam frame."""
    return photo_frame(LISA, (1280, 720))


# --- the trap, and exact text on clean codes ----------------------------------------------


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("charset", sorted(GARBLED_BY_ZBAR))
def test_default_zbar_garbles_but_decode_qr_is_exact(generator: str, charset: str) -> None:
    from pyzbar import pyzbar

    text = GARBLED_BY_ZBAR[charset]
    image = make_qr(text, generator)
    [plain] = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert plain.data != text.encode("utf-8")  # the trap is real on this machine
    read = assert_exact(qr.decode_qr(image), text)
    assert read.decoder == "zbar-binary"
    assert_exact(qr.decode_qr(image, thorough=False), text)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("box_px", [2, 3, 6, 10])
def test_names_exact_at_every_size(generator: str, name: str, box_px: int) -> None:
    for text in (name, cccd_payload(name)):
        image = make_qr(text, generator, box_px=box_px)
        assert assert_exact(qr.decode_qr(image, thorough=False), text).decoder == "zbar-binary"
        assert assert_exact(qr.decode_qr(image), text).decoder == "zbar-binary"


@pytest.mark.parametrize("charset", sorted(GARBLED_BY_ZBAR))
def test_zbar_wrapper_text_mode_is_pyzbar_and_binary_mode_is_raw(charset: str) -> None:
    from pyzbar import pyzbar

    from recognition import zbar

    text = GARBLED_BY_ZBAR[charset]
    image = make_qr(text, "segno")
    assert zbar.scan_qr(image, binary=False) == [pyzbar.decode(image)[0].data]
    assert zbar.scan_qr(image, binary=True) == [text.encode("utf-8")]
    assert zbar.scan_qr(np.full((50, 80), 255, np.uint8), binary=True) == []
    with pytest.raises(ValueError):
        zbar.scan_qr(image.astype(np.float32), binary=True)


def test_zbar_binary_supported_here() -> None:
    assert qr.zbar_binary_supported() is True  # libzbar0 0.23.92 on this machine
    assert qr.zbar_binary_supported() is True  # cached, same answer


# --- distortions --------------------------------------------------------------------------


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("degrees", [0, 15, 45, 90, 180, 217])
def test_rotated(generator: str, degrees: int) -> None:
    image = rotate(make_qr(LY_QUOC_SON, generator), degrees)
    assert_exact(qr.decode_qr(image, thorough=False), LY_QUOC_SON)
    assert_exact(qr.decode_qr(image), LY_QUOC_SON)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(("box_px", "sigma"), [(4, 2.0), (6, 3.0)])
def test_blurred_to_half_a_module(generator: str, box_px: int, sigma: float) -> None:
    # Measured: zbar alone (so the fast path) reads up to sigma ~0.4 module, the sharpened
    # copies up to ~0.55 module; at 0.6 module only 2 codes in 6 are read.
    image = make_qr(LY_QUOC_SON, generator, box_px=box_px)
    assert_exact(qr.decode_qr(blur(image, 0.375 * box_px), thorough=False), LY_QUOC_SON)
    read = assert_exact(qr.decode_qr(blur(image, sigma)), LY_QUOC_SON)
    assert "+sharpen" in read.decoder


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("quality", [10, 30, 60, 95])
def test_jpeg(generator: str, quality: int) -> None:
    image = jpeg(make_qr(LY_QUOC_SON, generator), quality)
    assert_exact(qr.decode_qr(image, thorough=False), LY_QUOC_SON)
    assert_exact(qr.decode_qr(jpeg(blur(make_qr(LY_QUOC_SON, generator), 1.5), quality)), LY_QUOC_SON)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(
    ("strength", "decoded_by"),
    [
        (0.2, "zbar-binary"),  # zbar reads a mild tilt itself, and gives up from ~0.25
        (0.3, "opencv-aruco"),  # Aruco reads up to ~0.3 (plain QRCodeDetector rarely)
        (0.55, "+rectify"),  # then only the blob warped square; limit ~0.6, none at 0.7
    ],
)
def test_perspective(generator: str, strength: float, decoded_by: str) -> None:
    # strength 0.55: the top edge of the code is 45% shorter than the bottom edge.
    image = perspective(make_qr(LY_QUOC_SON, generator), strength)
    assert decoded_by in assert_exact(qr.decode_qr(image), LY_QUOC_SON).decoder


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(("box_px", "scale"), [(6, 0.8), (4, 0.6)])
def test_tilted_card_in_a_photo(generator: str, box_px: int, scale: float, frame_1280: np.ndarray) -> None:
    # Down to 2.4 px per module (at the code's near edge) in a 720p frame, tilted 0.4.
    card = perspective(make_qr(LY_QUOC_SON, generator, box_px=box_px), 0.4)
    image = jpeg(embed(card, frame_1280, 500, 100, scale=scale), 60)
    assert "+rectify" in assert_exact(qr.decode_qr(image), LY_QUOC_SON).decoder


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(("scale", "degrees"), [(1.2, 0), (1.2, 20), (1.5, 30)])
def test_fast_path_reads_a_code_in_a_720p_frame(
    generator: str, scale: float, degrees: int, frame_1280: np.ndarray
) -> None:
    # The fast path shrinks 1280 → 640 px: it needs modules of ~5 px in the 720p frame
    # (4.8 px: 6/6 read; 4 px: 2/6 when tilted; 3.2 px: none). Thorough reads 1.6 px.
    code = rotate(make_qr(LY_QUOC_SON, generator, box_px=4), degrees)
    image = jpeg(embed(code, frame_1280, 600, 150, scale), 80)
    assert_exact(qr.decode_qr(image, thorough=False), LY_QUOC_SON)


@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize(("scale", "degrees"), [(0.35, 0), (0.5, 30), (0.7, 10)])
def test_thorough_reads_a_small_code_in_a_720p_frame(
    generator: str, scale: float, degrees: int, frame_1280: np.ndarray
) -> None:
    # 0.35 x 4 px = 1.4 px per module: read only on the upscaled copy (3 codes in 6 when
    # tilted; all from 1.6 px); at 1.2 px nothing reads.
    code = rotate(make_qr(LY_QUOC_SON, generator, box_px=4), degrees)
    image = embed(code, frame_1280, 400, 300, scale)
    assert_exact(qr.decode_qr(image), LY_QUOC_SON)


def test_grey_bgr_and_bgra_frames_agree(frame_1280: np.ndarray) -> None:
    import cv2

    bgr = embed(make_qr(LY_QUOC_SON, box_px=6), frame_1280, 100, 100)
    for frame in (bgr, cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)):
        assert_exact(qr.decode_qr(frame, thorough=False), LY_QUOC_SON)
    with pytest.raises(ValueError):
        qr.decode_qr(bgr.astype(np.float32))


def test_duplicates_collapse_and_two_codes_both_read(frame_1280: np.ndarray) -> None:
    other = cccd_payload("Nguyễn Thị Kim Thư")
    same_twice = embed(make_qr(LY_QUOC_SON), embed(make_qr(LY_QUOC_SON), frame_1280, 50, 50), 700, 300)
    assert_exact(qr.decode_qr(same_twice), LY_QUOC_SON)
    two = embed(make_qr(other), embed(make_qr(LY_QUOC_SON), frame_1280, 50, 50), 700, 300)
    assert sorted(r.text for r in qr.decode_qr(two)) == sorted([LY_QUOC_SON, other])


# --- the text-only fallbacks (old zbar, old OpenCV) ---------------------------------------


@pytest.fixture
def text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as with a zbar that lacks ZBAR_CFG_BINARY and an OpenCV without Bytes methods."""
    monkeypatch.setattr(qr, "ZBAR_BINARY", False)
    monkeypatch.setattr(qr, "OPENCV_BYTES", False)


@pytest.mark.usefixtures("text_only")
@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("charset", sorted(GARBLED_BY_ZBAR))
def test_zbar_text_mode_mojibake_is_repaired(generator: str, charset: str) -> None:
    text = GARBLED_BY_ZBAR[charset]
    image = make_qr(text, generator)
    assert assert_exact(qr.decode_qr(image, thorough=False), text).decoder == "zbar-text"
    assert assert_exact(qr.decode_qr(image), text).decoder == "zbar-text"


@pytest.mark.usefixtures("text_only")
@pytest.mark.parametrize("generator", GENERATORS)
@pytest.mark.parametrize("name", NAMES)
def test_text_only_chain_is_exact(generator: str, name: str) -> None:
    for text in (name, cccd_payload(name)):
        image = rotate(make_qr(text, generator), 30)
        assert_exact(qr.decode_qr(image, thorough=False), text)
        assert_exact(qr.decode_qr(image), text)
    # zbar gives up on a strong tilt: OpenCV's text API has to read it, exactly.
    text = cccd_payload(name)
    read = assert_exact(qr.decode_qr(perspective(make_qr(text, generator), 0.3)), text)
    assert read.decoder.startswith("opencv")


@pytest.mark.parametrize(
    ("garbled", "exact"),
    [
        ("LÃ½ HoÃ\xa0i SÆ¡n", "Lý Hoài Sơn"),  # zbar's Latin-1 guess
        ("Lﾃｽ Qu盻祖 Sﾆ｡n", "Lý Quốc Sơn"),  # its Shift-JIS guess
        ("Hu廙軟h Hi廕簑 Thu廕要", "Huỳnh Hiếu Thuận"),  # its Big5 guess
        ("L礙 Anh S\uf6b1n", "Lê Anh Sơn"),  # Big5 user area, as iconv decodes it
        ("Nguyễn Thị Kim Thư", "Nguyễn Thị Kim Thư"),  # already right: kept
        ("Nguye\u0303n Thi\u0323", "Nguye\u0303n Thi\u0323"),  # decomposed tone marks: kept
        ("\ufeff096201001234|Nữ\r\n", "\ufeff096201001234|Nữ\r\n"),  # BOM, CR/LF: kept
    ],
)
def test_recover_text(garbled: str, exact: str) -> None:
    assert qr.recover_text(garbled) == exact


VIETNAMESE = st.text(
    alphabet=st.sampled_from(
        "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ0123456789 |,/-"
        "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
        "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(VIETNAMESE)
def test_recover_text_undoes_every_mojibake_and_never_invents(text: str) -> None:
    assert qr.recover_text(text) == text
    for charset in ("latin-1", "cp1252", "shift_jis", "cp932", "big5", "cp950"):
        try:
            garbled = text.encode("utf-8").decode(charset)
        except UnicodeDecodeError:
            continue
        assert qr.recover_text(garbled) == text, charset


@settings(max_examples=25, deadline=None)
@given(VIETNAMESE, st.sampled_from(GENERATORS))
def test_any_vietnamese_text_round_trips_exactly(text: str, generator: str) -> None:
    assert_exact(qr.decode_qr(make_qr(text, generator, box_px=3), thorough=False), text)


@pytest.mark.parametrize("hopeless", ["漢字テキスト", "Lý\x00Sơn", "ÿþýüûú", "\uf848"])
def test_recover_text_gives_up_on_what_is_not_card_text(hopeless: str) -> None:
    assert qr.recover_text(hopeless) is None


# --- nothing to read, bad files, binary payloads ----------------------------------------


@pytest.mark.parametrize("photo", [LISA, LONDON])
def test_no_code_gives_empty_list(photo, frame_1280: np.ndarray) -> None:
    for frame in (photo_frame(photo, (1280, 720)), photo_frame(photo, (640, 480))):
        assert qr.decode_qr(frame, thorough=False) == []
        assert qr.decode_qr(frame) == []
    assert qr.decode_qr(np.zeros((0, 0, 3), np.uint8)) == []
    assert qr.decode_qr(np.full((480, 640), 255, np.uint8)) == []


def test_read_qr_file(tmp_path) -> None:
    import cv2

    path = tmp_path / "thẻ Lý Quốc Sơn.png"  # non-ASCII file name
    ok, buf = cv2.imencode(".png", make_qr(LY_QUOC_SON, "segno"))
    buf.tofile(path)
    assert_exact(qr.read_qr_file(path), LY_QUOC_SON)
    ok, buf = cv2.imencode(".jpg", photo_frame(LISA))
    buf.tofile(tmp_path / "photo.jpg")
    assert qr.read_qr_file(tmp_path / "photo.jpg") == []


def test_unreadable_files_raise_image_error(tmp_path) -> None:
    garbage = tmp_path / "qr.png"
    garbage.write_bytes(os.urandom(2048))
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(LISA.read_bytes()[:200])
    for path in (garbage, truncated, tmp_path / "missing.png", tmp_path / "empty.png"):
        if path.name == "empty.png":
            path.write_bytes(b"")
        with pytest.raises(ImageError):
            qr.read_qr_file(path)


BINARY = bytes([0xFF, 0xFE, 0x00, 0x96]) + bytes(range(0x80, 0x100)) + b"|096201001234|"


@pytest.mark.parametrize("generator", GENERATORS)
def test_binary_payload_is_kept_as_bytes_with_no_text(generator: str) -> None:
    # Choice: zbar's raw bytes are returned with text "" (never guessed text), so the
    # caller can tell "a QR code, but not a card"; a card parser rejects "".
    image = make_qr(BINARY, generator)
    for reads in (qr.decode_qr(image), qr.decode_qr(image, thorough=False)):
        assert reads == [qr.QrRead(text="", data=BINARY, decoder="zbar-binary")]


@pytest.mark.usefixtures("text_only")
@pytest.mark.parametrize("generator", GENERATORS)
def test_binary_payload_with_text_only_decoders_reads_nothing(generator: str) -> None:
    # zbar's text and OpenCV's Latin-1 text of random bytes are not card text: dropped.
    image = make_qr(BINARY, generator)
    assert qr.decode_qr(image) == []
    assert qr.decode_qr(image, thorough=False) == []


def test_opencv_bytes_api_of_binary_payload_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # OpenCV's detectAndDecodeBytes turns non-UTF-8 data into Latin-1 text: not trusted.
    monkeypatch.setattr(qr, "ZBAR_BINARY", False)
    assert qr.decode_qr(make_qr(BINARY)) == []


# --- layering -----------------------------------------------------------------------------


def test_import_loads_neither_cv2_nor_pyzbar() -> None:
    code = (
        "import sys, recognition.qr, recognition.zbar; "
        "heavy = {'cv2', 'pyzbar', 'PySide6', 'sqlite3', 'kiosk'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
