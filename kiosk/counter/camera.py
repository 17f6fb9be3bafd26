"""The counter's camera for the desktop app: open it from the settings, list devices, play the demo.

The app (``ui/``) may not import ``recognition``; this module hands it the frame sources
of :mod:`recognition.sources` and the named :class:`CameraError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.settings import Settings
from recognition.errors import CameraError
from recognition.images import load_image
from recognition.sources import (
    CameraInfo,
    FrameSource,
    ImageFolderSource,
    StillSource,
    VideoFileSource,
    WebcamSource,
    list_cameras,
)

__all__ = [
    "CameraError",
    "CameraInfo",
    "CameraProbe",
    "DemoScene",
    "FrameSource",
    "StillSource",
    "camera_from_settings",
    "demo_scenes",
    "list_cameras",
    "load_frame",
    "probe_cameras",
    "seed_demo",
    "source_for",
]


def camera_from_settings(settings: Settings) -> WebcamSource:
    """The webcam the settings name (``camera_index``, ``camera_width_px`` x ``camera_height_px``)."""
    return WebcamSource(settings.camera_index, settings.camera_width_px, settings.camera_height_px)


@dataclass(frozen=True)
class CameraProbe:
    """A camera present, tried at the settings' size: the backend that opened it and the picture
    it gives (``(width, height)``), or why it would not (``problem``)."""

    index: int
    name: str
    backend: str = ""
    picture: tuple[int, int] | None = None
    problem: str = ""


def probe_cameras(settings: Settings) -> list[CameraProbe]:
    """Every camera :func:`list_cameras` finds, opened at ``camera_width_px`` x ``camera_height_px``
    and read once (a camera another program holds says so)."""
    found = []
    for info in list_cameras():
        source = WebcamSource(info.index, settings.camera_width_px, settings.camera_height_px)
        try:
            source.open()
            height, width = source.read().shape[:2]
            found.append(CameraProbe(info.index, info.name, source.backend, (width, height)))
        except CameraError as exc:
            found.append(CameraProbe(info.index, info.name, problem=exc.message))
        finally:
            source.close()
    return found


def source_for(spec: str, settings: Settings) -> FrameSource:
    """A source from a command-line value (``--camera``): a camera number, an image folder or a
    video file. A folder or file is opened once here, so a path that does not exist, a folder
    without images or a file that is not a video is one error at start; only a webcam is
    retried later (it may be plugged in, or come back after dropping out).

    Raises:
        CameraError: the path is neither an image folder nor a playable video file.
    """
    if spec.strip().isdigit():
        return WebcamSource(int(spec), settings.camera_width_px, settings.camera_height_px)
    path = Path(spec)
    if not path.exists():
        raise CameraError(
            f"--camera {spec}: no such image folder or video file",
            "give a camera number (0, 1...), an image folder or a video file",
        )
    source: FrameSource = ImageFolderSource(path) if path.is_dir() else VideoFileSource(path)
    source.open()
    source.close()
    return source


def load_frame(path: str | Path) -> np.ndarray:
    """An image file as a BGR frame. Raises ImageError (a KioskError)."""
    return load_image(path)


@dataclass(frozen=True)
class DemoScene:
    """One scene of the demo: what the camera shows and what the visitor should do.

    ``hint`` is (Vietnamese, English); ``frames`` are cycled when there are several; ``person``
    names who is in front ("" for nobody): moving to a scene with someone else clears the
    counter's screen, as a new person at a real counter would.
    """

    title: tuple[str, str]
    hint: tuple[str, str]
    frames: tuple[np.ndarray, ...]
    person: str = ""


LIVE_FIRST_VISIT = "london_005"
"""The sample-set citizen whose first visit the demo plays live (everyone else is enrolled beforehand)."""


def demo_scenes(set_dir: Path) -> list[DemoScene]:
    """The demo's scripted camera, from the bundled sample set (``sample_images/counter_day``)."""

    def load(*names: str) -> tuple[np.ndarray, ...]:
        return tuple(load_image(set_dir / n) for n in names)

    empty = load("frames/empty_counter.jpg")
    enrol = tuple(f"frames/{LIVE_FIRST_VISIT}/enrol_{k}.jpg" for k in (1, 2, 3))
    return [
        DemoScene(
            ("Quầy trống", "Empty counter"), ("Chưa có ai trước camera.", "Nobody in front of the camera."), empty
        ),
        DemoScene(
            ("Lần đầu: Lê Anh Sơn đưa thẻ CCCD", "First visit: Lê Anh Sơn shows the CCCD card"),
            (
                "Thẻ được đọc từ camera. Nhấn Enter để đăng ký, Space đánh dấu đồng ý, Enter; rồi PgDn: "
                "cảnh này chỉ có thẻ, cảnh sau cho camera thấy khuôn mặt.",
                "The card is read from the camera. Press Enter to enrol, Space to tick the consent, Enter; "
                "then PgDn: this scene shows only the card, the next one shows the face.",
            ),
            load(f"cards/{LIVE_FIRST_VISIT}.jpg"),
            LIVE_FIRST_VISIT,
        ),
        DemoScene(
            ("Lê Anh Sơn nhìn vào camera", "Lê Anh Sơn looks at the camera"),
            (
                "Chụp 3 ảnh đạt chất lượng; ảnh nghiêng bị từ chối.",
                "Three good samples are taken; a turned head is refused.",
            ),
            load(*enrol),
            LIVE_FIRST_VISIT,
        ),
        DemoScene(("Quầy trống", "Empty counter"), ("Người tiếp theo…", "Next, please…"), empty),
        DemoScene(
            ("Lê Anh Sơn quay lại", "Lê Anh Sơn comes back"),
            (
                "Nhận ra sau vài khung hình; nhấn Enter để ghi nhận.",
                "Recognised over a few frames; press Enter to check in.",
            ),
            load(f"frames/{LIVE_FIRST_VISIT}/visit_2.jpg"),
            LIVE_FIRST_VISIT,
        ),
        DemoScene(("Quầy trống", "Empty counter"), ("Người tiếp theo…", "Next, please…"), empty),
        DemoScene(
            ("Trần Văn Đức, đầu hơi nghiêng", "Trần Văn Đức, head turned"),
            (
                "Nếu hiện bàn phím, gõ 2219 (4 số cuối CCCD), hoặc 002219 nếu được hỏi 6 số.",
                "If the keypad shows, type 2219 (last 4 ID digits), or 002219 if it asks for 6.",
            ),
            load("frames/london_043/visit_4.jpg"),
            "london_043",
        ),
        DemoScene(("Quầy trống", "Empty counter"), ("Người tiếp theo…", "Next, please…"), empty),
        DemoScene(
            ("Người lạ (chưa đăng ký)", "A stranger (never enrolled)"),
            ("Không nhận ra: màn hình xin thẻ CCCD.", "Not recognised: the screen asks for the CCCD card."),
            load("frames/strangers/london_082_1.jpg"),
            "london_082",
        ),
        DemoScene(
            ("Phạm Thị Hương đưa thẻ CCCD", "Phạm Thị Hương shows the CCCD card"),
            ("Đã có hồ sơ: nhấn Enter để ghi nhận lượt đến.", "Already enrolled: press Enter to check in."),
            load("cards/london_099.jpg"),
            "london_099",
        ),
        DemoScene(
            ("Quầy trống", "Empty counter"),
            ("Hết. Nhấn F12 để xem phần quản trị.", "The end. Press F12 for administration."),
            empty,
        ),
    ]


def seed_demo(kiosk: object, set_dir: Path, *, skip: str = LIVE_FIRST_VISIT) -> int:
    """Enrol the sample set's citizens (all but ``skip``) from their cards and frames. Returns how many.

    Runs the real model in this process (a few seconds); call it before the window opens.
    """
    from kiosk.counter.service import Kiosk

    assert isinstance(kiosk, Kiosk)
    count = 0
    for folder in sorted(
        p.name for p in (set_dir / "frames").iterdir() if p.is_dir() and (set_dir / "cards" / f"{p.name}.jpg").is_file()
    ):
        if folder == skip:
            continue
        card = kiosk.read_card(load_image(set_dir / "cards" / f"{folder}.jpg"))
        if kiosk.check_card(card).known:
            continue
        samples = [
            s
            for k in (1, 2, 3)
            if (s := kiosk.analyze(load_image(set_dir / "frames" / folder / f"enrol_{k}.jpg")).primary) is not None
        ]
        kiosk.enrol(card.record, samples, consent=True, staff="demo")
        count += 1
    return count
