"""Helpers (not tests) that make webcam photos of CCCD-like cards: a real QR code printed
over a turquoise guilloche pattern, held up to a webcam.

Everything is made here, from a seed: nothing is downloaded. :func:`card_photo` renders a
card face (85.6 x 54 mm, as an ID-1 card) with a fine turquoise guilloche background, an
emblem, a photo box, lines of text and, at the top right, the QR code (15 mm wide) made
by ``qrcode`` or ``segno`` from a CCCD payload (UTF-8, byte mode, no ECI; error level M).
The dark modules are printed ink; the light modules and the quiet zone are the card's
pattern, which shows through them. The card is then placed in 3-D in front of a pinhole
webcam (horizontal field of view ~67°) over a real photo as the scene, and photographed.

The conditions and their ranges (:func:`random_conditions`; each is drawn uniformly unless
said otherwise, and any can be fixed by the caller):

==================  ==========================================================================
frame               1280x720 or 640x480 (half each)
module_px           2.0 – 4.0 px per module (the code's mean side in the frame / its modules;
                    the payloads need versions 6–9, 41–53 modules)
yaw, pitch          −25° – 25° each (card turned about its vertical / horizontal axis)
roll                −20° – 20° (in-plane rotation)
pattern             three families of wavy lines 0.35 – 0.7 mm apart and a rosette, lines
                    0.09 – 0.16 mm wide (a module is ~0.3 mm), at contrast 0.55 – 0.95
                    (1 = the lines in full turquoise); it covers the light modules and the
                    quiet zone
light               a linear gradient across the card from ``light_low`` 0.55 – 0.85 to
                    ``light_high`` 1.0 – 1.15 (multiplicative), warm/cool cast ±8% per channel
glare               half of the photos: an elliptical specular blob centred inside the code
                    (20 – 80% across and down it), sigma 0.08 – 0.2 of the code's side
                    (1.6x that across), peak strength 0.7 – 1.0 (the share of the way to
                    white at its centre)
blur                Gaussian, sigma 0.3 – 1.2 px in the frame (focus), after the optics'
                    own anti-aliasing (the card is rendered at 8 px per module and filtered
                    before it is resampled into the frame); half of the photos also a motion
                    blur of 0 – 2.5 px in any direction
noise               Gaussian sensor noise, sigma 1.5 – 4 grey levels per channel
jpeg                quality 55 – 90
==================  ==========================================================================

Seeds: 0–199 were used to develop and tune the card path (:mod:`recognition.qr_card`);
1000–1029 are the held-out photos of the read-rate test, 2000 and up the per-condition
figures of ``scripts/card_read_rates.py``.

Coordinates: card millimetres with x to the right and y down from the card's top-left
corner; frame pixels likewise. :class:`CardPhoto` gives the code's four corners in the
frame (top-left, top-right, bottom-right, bottom-left of the symbol, quiet zone excluded).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from tests.support.qr_images import LISA, LONDON, photo_frame

CARD_MM = (85.6, 53.98)
"""Card size, width x height (ISO/IEC 7810 ID-1), mm."""
QR_MM = 15.0
"""Side of the QR symbol on the card (the modules, without a quiet zone), mm."""
QR_AT_MM = (66.5, 5.0)
"""Top-left corner of the QR symbol on the card, mm."""
TEXTURE_PX_PER_MODULE = 8
"""Resolution at which the card face is rendered before it is photographed."""
HFOV_DEG = 67.0
"""The webcam's horizontal field of view."""
INK_BGR = (38, 34, 30)
PAPER_BGR = (238, 241, 226)
TURQUOISE_BGR = (215, 180, 50)
"""The pattern's line colour, a cyan ink that absorbs red: in the blue channel (215) it is
within 10% of the paper (238), so the pattern nearly vanishes there, while in grey (~145)
it is 40% darker than the paper, about half way to the ink."""

FIRST_NAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Lý", "Dương", "Ngô", "Tạ")
MIDDLE_NAMES = {
    False: ("Văn", "Minh", "Hoài", "Quốc", "Thanh", "Hữu", "Đức"),
    True: ("Thị", "Thị Kim", "Ngọc", "Thị Mỹ", "Thanh"),
}
GIVEN_NAMES = ("Sơn", "Thư", "Thuận", "Anh", "Đức", "Hương", "Tú", "Nguyệt", "Phúc", "Yến", "Khải", "Trường", "Ánh")
PLACES = (
    "Khóm 5, Phường 7, TP Cà Mau, Cà Mau",
    "Ấp 1, Xã Năm Căn, Huyện Năm Căn, Cà Mau",
    "Ấp 3, Xã Khánh An, Huyện U Minh, Cà Mau",
    "Số 12, Đường Nguyễn Trãi, Phường 9, TP Cà Mau, Cà Mau",
    "Ấp Tân Thành, Xã Phú Tân, Huyện Phú Tân, Cà Mau",
    "Khóm 2, Thị trấn Sông Đốc, Huyện Trần Văn Thời, Cà Mau",
    "Ấp Cái Nước, Xã Hòa Thành, TP Cà Mau, Cà Mau",
    "Số 45, Đường Lý Thường Kiệt, Phường 6, TP Cà Mau, Cà Mau",
)

Frame = Literal["1280x720", "640x480"]
HELD_OUT_SEEDS = range(1000, 1030)
"""The read-rate test's photos: never used while developing the card path."""


@dataclass(frozen=True)
class Conditions:
    """How one card photo is taken (see the module docstring for units and ranges)."""

    seed: int
    frame: Frame = "1280x720"
    module_px: float = 3.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    pattern: float = 0.8
    light_low: float = 0.75
    light_high: float = 1.05
    light_angle: float = 0.0
    cast: tuple[float, float, float] = (1.0, 1.0, 1.0)
    glare: float = 0.0
    glare_sigma: float = 0.12
    glare_at: tuple[float, float] = (0.5, 0.5)
    blur: float = 0.4
    motion: float = 0.0
    motion_angle: float = 0.0
    noise: float = 2.0
    jpeg: int = 80
    at: tuple[float, float] = (0.6, 0.45)
    generator: Literal["qrcode", "segno"] = "qrcode"
    layout: Literal["2021", "2024", "2024-child"] = "2021"


@dataclass(frozen=True)
class CardPhoto:
    """A photographed card: the BGR frame, the payload in its code, where the code is."""

    frame: np.ndarray
    payload: str
    corners: np.ndarray
    """(4, 2) float32 frame pixels: the symbol's top-left, top-right, bottom-right, bottom-left."""
    modules: int
    conditions: Conditions
    jpeg_bytes: bytes = b""
    """The photo as the JPEG file it was decoded from."""

    @property
    def module_px(self) -> float:
        """Mean side of the symbol in the frame divided by its modules (px per module)."""
        sides = np.linalg.norm(self.corners - np.roll(self.corners, -1, axis=0), axis=1)
        return float(sides.mean() / self.modules)


def random_conditions(seed: int, **fixed: object) -> Conditions:
    """Conditions drawn from the documented ranges with ``seed``; ``fixed`` overrides any field."""
    rng = np.random.default_rng(seed)
    drawn = Conditions(
        seed=seed,
        frame="1280x720" if rng.random() < 0.5 else "640x480",
        module_px=float(rng.uniform(2.0, 4.0)),
        yaw=float(rng.uniform(-25, 25)),
        pitch=float(rng.uniform(-25, 25)),
        roll=float(rng.uniform(-20, 20)),
        pattern=float(rng.uniform(0.55, 0.95)),
        light_low=float(rng.uniform(0.55, 0.85)),
        light_high=float(rng.uniform(1.0, 1.15)),
        light_angle=float(rng.uniform(0, 360)),
        cast=tuple(float(c) for c in rng.uniform(0.92, 1.08, 3)),
        glare=float(rng.uniform(0.7, 1.0)) if rng.random() < 0.5 else 0.0,
        glare_sigma=float(rng.uniform(0.08, 0.2)),
        glare_at=(float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))),
        blur=float(rng.uniform(0.3, 1.2)),
        motion=float(rng.uniform(0, 2.5)) if rng.random() < 0.5 else 0.0,
        motion_angle=float(rng.uniform(0, 180)),
        noise=float(rng.uniform(1.5, 4.0)),
        jpeg=int(rng.integers(55, 91)),
        at=(float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.25, 0.75))),
        generator="qrcode" if rng.random() < 0.5 else "segno",
        layout=str(rng.choice(["2021", "2021", "2024", "2024-child"])),
    )
    return replace(drawn, **fixed)


def random_payload(seed: int, layout: str = "2021") -> str:
    """A CCCD payload for a made-up citizen (``layout``: "2021" 7 fields, old ID on about half;
    "2024" 11 fields, the last four empty; "2024-child" with the parents' names in fields 8-9)."""
    rng = np.random.default_rng(seed + 7919)

    def name(female: bool) -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(MIDDLE_NAMES[female])} {rng.choice(GIVEN_NAMES)}"

    child = layout == "2024-child"
    year = int(rng.integers(2010, 2020)) if child else int(rng.integers(1950, 2004))
    female = bool(rng.random() < 0.5)
    digit = (0 if year < 2000 else 2) + (1 if female else 0)
    number = f"096{digit}{year % 100:02d}{int(rng.integers(0, 1_000_000)):06d}"
    old_id = "" if layout != "2021" or rng.random() < 0.5 else f"{int(rng.integers(0, 10**9)):09d}"
    born = f"{int(rng.integers(1, 29)):02d}{int(rng.integers(1, 13)):02d}{year}"
    issued = f"{int(rng.integers(1, 29)):02d}{int(rng.integers(1, 13)):02d}{int(rng.integers(2021, 2025))}"
    fields = [number, old_id, name(female), born, "Nữ" if female else "Nam", str(rng.choice(PLACES)), issued]
    if layout == "2024":
        fields += ["", "", "", ""]
    elif child:
        fields += [name(False), name(True), "", ""]
    return "|".join(fields)


# --- the card face ----------------------------------------------------------------------


def _qr_modules(payload: str, generator: str) -> np.ndarray:
    """The symbol's modules, True = dark, without a quiet zone."""
    from tests.support.qr_images import make_qr

    image = make_qr(payload, generator, box_px=1, border=0, error="M")
    return image == 0


def _guilloche(height: int, width: int, px_per_mm: float, rng: np.random.Generator) -> np.ndarray:
    """Line coverage 0..1 of a guilloche: three families of wavy lines 0.35-0.7 mm apart and a
    rosette, lines 0.09-0.16 mm wide."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32) / np.float32(px_per_mm)  # mm
    cover = np.zeros((height, width), np.float32)
    half_width = rng.uniform(0.045, 0.08)  # mm
    for _ in range(3):  # families of wavy parallel lines
        angle = rng.uniform(0, np.pi)
        spacing = rng.uniform(0.35, 0.7)
        amp, wave = rng.uniform(0.3, 1.5), rng.uniform(3.0, 9.0)
        u = x * np.cos(angle) + y * np.sin(angle)
        v = -x * np.sin(angle) + y * np.cos(angle)
        phase = (u + amp * np.sin(2 * np.pi * v / wave)) / spacing
        dist = np.abs(phase - np.round(phase)) * spacing  # mm to the nearest line
        cover = np.maximum(cover, np.clip(1.5 - dist / half_width, 0, 1))
    cx, cy = rng.uniform(30, 60), rng.uniform(15, 40)  # a rosette
    r, theta = np.hypot(x - cx, y - cy), np.arctan2(y - cy, x - cx)
    petals = int(rng.integers(12, 24))
    ring = (r + 1.2 * np.sin(petals * theta)) / 0.7
    dist = np.abs(ring - np.round(ring)) * 0.7
    cover = np.maximum(cover, 0.8 * np.clip(1.5 - dist / half_width, 0, 1))
    return cover


def _card_face(payload: str, conditions: Conditions) -> tuple[np.ndarray, int]:
    """The card face as a BGR texture and the symbol's module count."""
    import cv2

    modules = _qr_modules(payload, conditions.generator)
    n = modules.shape[0]
    px_per_mm = TEXTURE_PX_PER_MODULE * n / QR_MM
    width, height = round(CARD_MM[0] * px_per_mm), round(CARD_MM[1] * px_per_mm)
    rng = np.random.default_rng(conditions.seed + 104729)
    cover = _guilloche(height, width, px_per_mm, rng) * np.float32(conditions.pattern)
    paper = np.array(PAPER_BGR, np.float32)
    lines = np.array(TURQUOISE_BGR, np.float32)
    face = paper * (1 - cover[..., None]) + lines * cover[..., None]
    # a pale warm wash over the middle (as on the real card)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32) / np.float32(px_per_mm)
    wash = np.exp(-(((x - 42) / 25) ** 2 + ((y - 30) / 16) ** 2))[..., None]
    face = face * (1 - 0.12 * wash) + np.array((150, 200, 240), np.float32) * 0.12 * wash
    face = np.clip(face, 0, 255).astype(np.uint8)

    def mm(px: float) -> int:
        return round(px * px_per_mm)

    cv2.circle(face, (mm(9), mm(9)), mm(5.5), (40, 40, 200), -1, cv2.LINE_AA)  # the emblem
    cv2.circle(face, (mm(9), mm(9)), mm(2.2), (40, 210, 240), -1, cv2.LINE_AA)
    cv2.rectangle(face, (mm(4), mm(21)), (mm(24), mm(47)), (165, 170, 175), -1)  # the photo
    cv2.ellipse(face, (mm(14), mm(33)), (mm(6), mm(8)), 0, 0, 360, (120, 140, 170), -1, cv2.LINE_AA)
    lines_text = [
        ("CAN CUOC CONG DAN", 17, 9.5, 2.2, (60, 40, 170)),
        ("CITIZEN IDENTITY CARD", 17, 13.5, 1.4, (60, 40, 170)),
        ("So / No.: " + payload.split("|")[0], 27, 22, 1.6, INK_BGR),
        ("Ho, chu dem, ten / Full name:", 27, 27, 1.1, INK_BGR),
        ("NGUYEN VAN A", 27, 31.5, 1.7, INK_BGR),
        ("Ngay sinh / Date of birth: 01/01/2001", 27, 36.5, 1.1, INK_BGR),
        ("Gioi tinh / Sex: Nam   Quoc tich: Viet Nam", 27, 41, 1.1, INK_BGR),
        ("Noi thuong tru / Place of residence:", 27, 45.5, 1.1, INK_BGR),
    ]
    for text, x_mm, y_mm, cap_mm, colour in lines_text:  # Hershey capitals are ~22 px tall at scale 1
        font_scale = cap_mm * px_per_mm / 22
        cv2.putText(
            face,
            text,
            (mm(x_mm), mm(y_mm)),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            colour,
            max(1, round(2 * font_scale)),
            cv2.LINE_AA,
        )
    # the code: ink on the dark modules, the pattern shows through the light ones
    x0, y0 = mm(QR_AT_MM[0]), mm(QR_AT_MM[1])
    side = n * TEXTURE_PX_PER_MODULE
    dark = np.kron(modules, np.ones((TEXTURE_PX_PER_MODULE, TEXTURE_PX_PER_MODULE), bool))
    region = face[y0 : y0 + side, x0 : x0 + side]
    region[dark[: region.shape[0], : region.shape[1]]] = INK_BGR
    return face, n


# --- the photograph ---------------------------------------------------------------------


def _motion_kernel(length: float, angle: float) -> np.ndarray:
    """A line of ``length`` px at ``angle`` degrees, normalised: the card moved during the exposure."""
    import cv2

    size = 2 * int(np.ceil(length / 2)) + 3
    kernel = np.zeros((size, size), np.float32)
    c, dx, dy = size // 2, np.cos(np.radians(angle)) * length / 2, np.sin(np.radians(angle)) * length / 2
    cv2.line(
        kernel,
        (round((c - dx) * 16), round((c - dy) * 16)),
        (round((c + dx) * 16), round((c + dy) * 16)),
        1.0,
        1,
        cv2.LINE_AA,
        shift=4,
    )
    return kernel / kernel.sum()


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    a, b, c = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return ry @ rx @ rz


def _homography(conditions: Conditions, size: tuple[int, int], n: int, depth: float) -> np.ndarray:
    """Card mm → frame px, for the code's centre at ``conditions.at`` (fractions of the frame)."""
    width, height = size
    focal = width / 2 / np.tan(np.radians(HFOV_DEG / 2))
    k = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    r = _rotation(conditions.yaw, conditions.pitch, conditions.roll)
    u, v = conditions.at[0] * width, conditions.at[1] * height
    t = np.array([(u - width / 2) * depth / focal, (v - height / 2) * depth / focal, depth])
    centre = np.array([QR_AT_MM[0] + QR_MM / 2, QR_AT_MM[1] + QR_MM / 2])
    shift = np.array([[1, 0, -centre[0]], [0, 1, -centre[1]], [0, 0, 1]])
    return k @ np.column_stack([r[:, 0], r[:, 1], t]) @ shift


def _project(h: np.ndarray, points_mm: np.ndarray) -> np.ndarray:
    pts = np.column_stack([points_mm, np.ones(len(points_mm))]) @ h.T
    return (pts[:, :2] / pts[:, 2:]).astype(np.float32)


def _qr_corners_mm() -> np.ndarray:
    x0, y0 = QR_AT_MM
    return np.array([[x0, y0], [x0 + QR_MM, y0], [x0 + QR_MM, y0 + QR_MM], [x0, y0 + QR_MM]])


@functools.lru_cache(maxsize=4)
def _scene(frame: str) -> np.ndarray:
    width, height = (int(v) for v in frame.split("x"))
    return photo_frame(LISA if width >= 1000 else LONDON, (width, height))


def card_photo(conditions: Conditions, payload: str | None = None) -> CardPhoto:
    """Photograph a card under ``conditions``; the payload defaults to :func:`random_payload`."""
    import cv2

    payload = payload if payload is not None else random_payload(conditions.seed, conditions.layout)
    face, n = _card_face(payload, conditions)
    width, height = (int(v) for v in conditions.frame.split("x"))
    # the depth that gives the wanted module size (the mean side scales as 1/depth)
    depth = 300.0
    corners = _project(_homography(conditions, (width, height), n, depth), _qr_corners_mm())
    mean_side = np.linalg.norm(corners - np.roll(corners, -1, axis=0), axis=1).mean()
    depth *= mean_side / (conditions.module_px * n)
    h = _homography(conditions, (width, height), n, depth)
    corners = _project(h, _qr_corners_mm())
    px_per_mm = TEXTURE_PX_PER_MODULE * n / QR_MM
    to_frame = h @ np.diag([1 / px_per_mm, 1 / px_per_mm, 1])
    # the optics integrate over a frame pixel: filter the texture before resampling it
    shrink = TEXTURE_PX_PER_MODULE / conditions.module_px
    soft = cv2.GaussianBlur(face, (0, 0), 0.45 * shrink)
    card = cv2.warpPerspective(soft, to_frame, (width, height), flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = cv2.warpPerspective(np.ones(face.shape[:2], np.float32), to_frame, (width, height), flags=cv2.INTER_LINEAR)
    # uneven light and a colour cast on the card
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.radians(conditions.light_angle)
    along = (x - width / 2) * np.cos(angle) + (y - height / 2) * np.sin(angle)
    ramp = (along - along.min()) / max(1.0, float(along.max() - along.min()))
    light = conditions.light_low + (conditions.light_high - conditions.light_low) * ramp
    card *= light[..., None] * np.array(conditions.cast, np.float32)
    # glare: a specular blob on the laminate over part of the code
    if conditions.glare > 0:
        side = float(np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[3] - corners[0])) / 2
        gx, gy = conditions.glare_at
        top = corners[0] + gx * (corners[1] - corners[0])
        bottom = corners[3] + gx * (corners[2] - corners[3])
        centre = top + gy * (bottom - top)
        sigma = conditions.glare_sigma * side
        blob = np.exp(-(((x - centre[0]) / (1.6 * sigma)) ** 2 + ((y - centre[1]) / sigma) ** 2) / 2)
        card += (255 - card) * (conditions.glare * blob)[..., None]
    scene = _scene(conditions.frame).astype(np.float32)
    out = scene * (1 - mask[..., None]) + card * mask[..., None]
    if conditions.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), conditions.blur)
    if conditions.motion > 0:
        out = cv2.filter2D(out, -1, _motion_kernel(conditions.motion, conditions.motion_angle))
    noise_rng = np.random.default_rng(conditions.seed + 15485863)
    out += noise_rng.normal(0, conditions.noise, out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(conditions.jpeg)])
    assert ok
    frame = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return CardPhoto(frame, payload, corners, n, conditions, buf.tobytes())


def describe(conditions: Conditions) -> dict[str, object]:
    """The conditions as a plain dict (for reports)."""
    return asdict(conditions)
