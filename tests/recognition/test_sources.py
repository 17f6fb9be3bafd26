"""Frame sources (recognition/sources.py): webcam errors, listing devices, image folders, video files, the fake camera."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.counter.camera import camera_from_settings, source_for
from kiosk.settings import Settings
from recognition.errors import CameraError
from recognition.sources import ImageFolderSource, StillSource, VideoFileSource, WebcamSource, list_cameras
from tests.support.data import FRAMES


def test_a_missing_webcam_is_a_named_error_with_what_to_do():
    camera = WebcamSource(index=15)
    with pytest.raises(CameraError) as info:
        camera.open()
    assert "camera 15" in info.value.message and info.value.hint
    if sys.platform.startswith("linux"):
        assert "/dev/video15" in info.value.message
    with pytest.raises(CameraError, match="not open"):
        camera.read()
    camera.close()
    camera.close()  # twice is fine


def test_listing_cameras_opens_none_and_gives_indexes():
    cameras = list_cameras()
    assert all(isinstance(c.index, int) and c.name for c in cameras)
    if sys.platform.startswith("linux"):
        assert [c.index for c in cameras] == sorted(
            int(p.name[5:])
            for p in Path("/dev").glob("video[0-9]*")
            if not Path(f"/sys/class/video4linux/{p.name}/index").is_file()
            or Path(f"/sys/class/video4linux/{p.name}/index").read_text().strip() in ("", "0")
        )


def test_the_settings_pick_the_webcam_and_a_spec_picks_any_source(tmp_path):
    settings = Settings(camera_index=2, camera_width_px=1280, camera_height_px=720)
    camera = camera_from_settings(settings)
    assert (camera.index, camera.width, camera.height) == (2, 1280, 720)
    assert isinstance(source_for("1", settings), WebcamSource)
    assert isinstance(source_for(str(FRAMES / "lisa"), settings), ImageFolderSource)
    assert isinstance(source_for(str(write_clip(tmp_path / "clip.avi")), settings), VideoFileSource)
    with pytest.raises(CameraError, match="no such image folder or video file"):
        source_for(str(tmp_path / "clip.mp4"), settings)  # a typo: said at start, not retried


def test_the_fake_camera_shows_what_it_is_given_at_its_rate_and_can_be_unplugged():
    a, b = np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 255, np.uint8)
    camera = StillSource([a], fps=100)
    camera.open()
    start = time.perf_counter()
    assert all(camera.read() is a for _ in range(10))
    assert time.perf_counter() - start >= 0.08  # paced at 100 fps
    camera.show([a, b], cycle_s=0.02)
    seen = {camera.read()[0, 0, 0] for _ in range(10)}
    assert seen == {0, 255}
    camera.fail()
    with pytest.raises(CameraError, match="unplugged"):
        camera.read()
    camera.open()  # plugged back in
    assert camera.read() is not None
    refused = StillSource(open_error=CameraError("camera 0 is busy", "close the other program"))
    with pytest.raises(CameraError, match="busy"):
        refused.open()


def test_an_image_folder_plays_its_images_in_order(tmp_path):
    source = ImageFolderSource(FRAMES / "london_005", hold_s=0.05, fps=200)
    source.open()
    first = source.read()
    assert first.shape == (480, 640, 3)
    time.sleep(0.06)
    assert not np.array_equal(source.read(), first)
    source.close()
    with pytest.raises(CameraError, match="does not exist"):
        ImageFolderSource(tmp_path / "nope").open()
    with pytest.raises(CameraError, match="no images"):
        ImageFolderSource(tmp_path).open()
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(CameraError, match="not an image"):
        ImageFolderSource(tmp_path).open()
    once = ImageFolderSource(FRAMES / "lisa", hold_s=0.01, fps=500, loop=False)
    once.open()
    with pytest.raises(CameraError, match="last image"):
        for _ in range(200):
            once.read()


def write_clip(path):
    """A three-frame MJPG video (grey levels 0, 80, 160) at ``path``."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 50, (64, 48))
    for value in (0, 80, 160):
        writer.write(np.full((48, 64, 3), value, np.uint8))
    writer.release()
    return path


def test_a_video_file_plays_and_loops(tmp_path):
    video = VideoFileSource(write_clip(tmp_path / "clip.avi"))
    video.open()
    levels = [int(video.read().mean()) for _ in range(6)]
    assert levels[0] < levels[1] < levels[2] and abs(levels[3] - levels[0]) < 5  # looped
    video.close()
    with pytest.raises(CameraError, match="does not exist"):
        VideoFileSource(tmp_path / "missing.mp4").open()
    (tmp_path / "text.mp4").write_text("hello", encoding="utf-8")
    with pytest.raises(CameraError, match="cannot play"):
        VideoFileSource(tmp_path / "text.mp4").open()


class FakeCapture:
    """cv2.VideoCapture on a Windows PC whose camera only DirectShow opens (an older driver)."""

    tried: list[int] = []

    def __init__(self, index: int, backend: int) -> None:
        import cv2

        FakeCapture.tried.append(backend)
        self.open = backend == cv2.CAP_DSHOW

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.open

    def set(self, prop: int, value: float) -> bool:
        return True

    def read(self):
        return True, np.zeros((720, 1280, 3), np.uint8)

    def release(self) -> None:
        self.open = False


def test_windows_tries_media_foundation_then_directshow(monkeypatch):
    import cv2

    import recognition.sources as sources

    assert [name for name, _ in sources.backends("win32")] == ["Media Foundation", "DirectShow"]
    assert [name for name, _ in sources.backends("linux")] == ["V4L2"]
    monkeypatch.setattr(sources.sys, "platform", "win32")
    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    FakeCapture.tried = []
    camera = WebcamSource(1, 1280, 720)
    camera.open()
    assert FakeCapture.tried == [cv2.CAP_MSMF, cv2.CAP_DSHOW] and camera.backend == "DirectShow"
    assert camera.read().shape == (720, 1280, 3)
    camera.close()
    assert [c.name for c in list_cameras(max_probe=2)] == ["camera 0 (DirectShow)", "camera 1 (DirectShow)"]
