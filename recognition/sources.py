"""Frame sources: a USB webcam, an image folder, a video file, or frames held up by hand.

Every source gives BGR uint8 frames (see :mod:`recognition.images`) through the same
three calls: :meth:`open`, :meth:`read` (blocks until the next frame, paced at the
source's frame rate) and :meth:`close`. Every failure is a :class:`CameraError` whose
message says what is wrong (no camera, busy, unplugged) and whose hint says what to do.

The webcam is read with OpenCV (PySide6-Essentials has no QtMultimedia). cv2 is imported
inside functions: importing this module is cheap.
"""

from __future__ import annotations

import glob
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from recognition.errors import CameraError, ImageError
from recognition.images import load_image

if TYPE_CHECKING:
    import cv2

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
READ_FAILURES_BEFORE_ERROR = 5
"""Consecutive failed webcam reads (about 0.5 s) before the camera counts as gone."""

_HINT_PLUG = "plug in the USB camera (or choose another one in Administration > Settings), then press Retry"
_HINT_BUSY = "close the other program using the camera (video call, another kiosk window), then press Retry"


class FrameSource(Protocol):
    """What the capture thread reads from."""

    name: str

    def open(self) -> None:
        """Start delivering frames. Raises CameraError."""

    def read(self) -> np.ndarray:
        """The next frame (blocks until it is due). Raises CameraError."""

    def close(self) -> None:
        """Release the device or file; safe to call twice."""


@dataclass(frozen=True)
class CameraInfo:
    """A camera the system reports: the index OpenCV opens it by, and a name for people."""

    index: int
    name: str


class _Pacer:
    """Sleeps so that successive :meth:`wait` calls return ``fps`` times a second."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / max(0.1, fps)
        self._next = 0.0

    def wait(self) -> None:
        now = time.perf_counter()
        if self._next > now:
            time.sleep(self._next - now)
            now = self._next
        self._next = max(now, self._next) + self.period


def _quiet_opencv() -> None:
    """OpenCV prints a WARN line per failed open; our own message replaces it."""
    import cv2

    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    except AttributeError:  # pragma: no cover - builds without the logging module
        pass


def backends(platform: str | None = None) -> list[tuple[str, int]]:
    """OpenCV's capture backends to try on ``platform`` (default: this one), in order, as
    ``(name, cv2.CAP_*)``. Windows: Media Foundation (what Windows 10/11 cameras are made
    for: every resolution, MJPG), then DirectShow (older cameras and drivers MSMF does not
    open); Linux: V4L2; macOS: AVFoundation."""
    import cv2

    platform = platform or sys.platform
    if platform.startswith("win"):
        return [("Media Foundation", int(cv2.CAP_MSMF)), ("DirectShow", int(cv2.CAP_DSHOW))]
    if platform.startswith("linux"):
        return [("V4L2", int(cv2.CAP_V4L2))]
    if platform == "darwin":
        return [("AVFoundation", int(cv2.CAP_AVFOUNDATION))]
    return [("any", int(cv2.CAP_ANY))]


def _open_capture(index: int) -> tuple[Any, str] | None:
    """The first of :func:`backends` that opens camera ``index``: ``(capture, backend name)``, else None."""
    import cv2

    for name, backend in backends():
        cap = cv2.VideoCapture(index, backend)
        if cap.isOpened():
            return cap, name
        cap.release()
    return None


class WebcamSource:
    """A USB webcam through ``cv2.VideoCapture``.

    Args:
        index: the camera number (0 = the first camera; ``/dev/video<index>`` on Linux).
        width, height: the capture size asked for, in pixels (the camera may pick another).
    """

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        self.index = index
        self.width = width
        self.height = height
        self.name = f"camera {index}"
        self.backend = ""  # the OpenCV backend that opened it (see backends())
        self._cap: cv2.VideoCapture | None = None
        self._failures = 0

    def open(self) -> None:
        """Open the camera and read one frame to be sure it streams.

        Raises:
            CameraError: no such camera, the camera is busy, or it gives no picture.
        """
        import cv2

        _quiet_opencv()
        device = Path(f"/dev/video{self.index}")
        if sys.platform.startswith("linux") and not device.exists():
            raise CameraError(f"no camera {self.index}: {device} does not exist", _HINT_PLUG)
        opened = _open_capture(self.index)
        if opened is None:
            if sys.platform.startswith("linux"):
                reason = "it is busy or this user may not use it" if os.access(device, os.F_OK) else "it is gone"
                raise CameraError(
                    f"camera {self.index} ({device}) cannot be opened: {reason}",
                    _HINT_BUSY + "; on Linux the user must be in the 'video' group",
                )
            raise CameraError(
                f"camera {self.index} cannot be opened: it is not connected or another program uses it", _HINT_PLUG
            )
        cap, self.backend = opened
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not one queued a second ago
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            raise CameraError(
                f"camera {self.index} opened but gives no picture: another program is probably using it", _HINT_BUSY
            )
        self._cap = cap
        self._failures = 0

    def read(self) -> np.ndarray:
        """The next frame from the camera (the driver paces it).

        Raises:
            CameraError: the camera stopped delivering frames (unplugged, or taken by another program).
        """
        if self._cap is None:
            raise CameraError(f"camera {self.index} is not open", "press Retry")
        while True:
            ok, frame = self._cap.read()
            if ok and frame is not None:
                self._failures = 0
                return frame if frame.ndim == 3 else np.dstack([frame] * 3)
            self._failures += 1
            if self._failures >= READ_FAILURES_BEFORE_ERROR:
                self.close()
                raise CameraError(
                    f"camera {self.index} stopped delivering pictures (unplugged?)",
                    "check the USB cable, then press Retry",
                )
            time.sleep(0.1)

    def close(self) -> None:
        """Release the camera."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class StillSource:
    """Frames held up by hand: shows the frames it was last given, cycling, at ``fps``.

    The demo's scenes and the tests' fake camera: another thread calls :meth:`show`
    (thread-safe). :meth:`fail` makes the next :meth:`read` raise, like an unplugged camera.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray] = (),
        *,
        fps: float = 30.0,
        cycle_s: float = 0.6,
        name: str = "still frames",
        open_error: CameraError | None = None,
    ) -> None:
        self.name = name
        self.fps = fps
        self.cycle_s = cycle_s
        self.open_error = open_error
        self._pacer = _Pacer(fps)
        self._lock = threading.Lock()
        self._frames: tuple[np.ndarray, ...] = ()
        self._shown_at = time.perf_counter()
        self._error: CameraError | None = None
        self.reads = 0
        self.show(frames or [np.full((480, 640, 3), 40, np.uint8)])

    def show(self, frames: Sequence[np.ndarray], cycle_s: float | None = None) -> None:
        """Show these frames from now on (one still, or several cycled every ``cycle_s``)."""
        if not frames:
            raise ValueError("show() needs at least one frame")
        with self._lock:
            self._frames = tuple(frames)
            self._shown_at = time.perf_counter()
            if cycle_s is not None:
                self.cycle_s = cycle_s

    def fail(self, error: CameraError | None = None) -> None:
        """Make the next read raise ``error`` (default: an 'unplugged' CameraError)."""
        self._error = error or CameraError(
            f"{self.name} stopped delivering pictures (unplugged?)", "check the cable, then press Retry"
        )

    def open(self) -> None:
        """Raises the ``open_error`` given at construction, if any."""
        if self.open_error is not None:
            raise self.open_error
        self._error = None

    def read(self) -> np.ndarray:
        """The current frame, at ``fps``."""
        self._pacer.wait()
        if self._error is not None:
            raise self._error
        with self._lock:
            frames, since = self._frames, time.perf_counter() - self._shown_at
        self.reads += 1
        return frames[int(since / self.cycle_s) % len(frames)] if len(frames) > 1 else frames[0]

    def close(self) -> None:
        """Nothing to release."""


class ImageFolderSource:
    """The images of a folder (sorted by name), each shown for ``hold_s`` seconds, looping.

    Raises:
        CameraError: (on open) the folder is missing or holds no image.
    """

    def __init__(self, folder: str | Path, *, hold_s: float = 1.0, fps: float = 15.0, loop: bool = True) -> None:
        self.folder = Path(folder)
        self.name = f"images in {self.folder}"
        self.hold_s = hold_s
        self.loop = loop
        self._pacer = _Pacer(fps)
        self._frames: list[np.ndarray] = []
        self._started = 0.0

    def open(self) -> None:
        """Load every image of the folder."""
        if not self.folder.is_dir():
            raise CameraError(f"image folder {self.folder} does not exist", "check the path")
        paths = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        try:
            self._frames = [load_image(p) for p in paths]
        except ImageError as exc:
            raise CameraError(exc.message, exc.hint) from None
        if not self._frames:
            raise CameraError(f"no images in {self.folder}", f"put {', '.join(IMAGE_SUFFIXES)} files there")
        self._started = time.perf_counter()

    def read(self) -> np.ndarray:
        """The image due now."""
        self._pacer.wait()
        if not self._frames:
            raise CameraError(f"{self.name} is not open", "press Retry")
        step = int((time.perf_counter() - self._started) / self.hold_s)
        if step >= len(self._frames) and not self.loop:
            raise CameraError(f"the last image of {self.folder} has been shown", "press Retry to start again")
        return self._frames[step % len(self._frames)]

    def close(self) -> None:
        """Forget the images."""
        self._frames = []


class VideoFileSource:
    """A video file played at its own frame rate, looping by default."""

    def __init__(self, path: str | Path, *, loop: bool = True) -> None:
        self.path = Path(path)
        self.name = f"video {self.path.name}"
        self.loop = loop
        self._cap: cv2.VideoCapture | None = None
        self._pacer = _Pacer(25.0)

    def open(self) -> None:
        """Open the file. Raises CameraError when it is missing or not a video."""
        import cv2

        _quiet_opencv()
        if not self.path.is_file():
            raise CameraError(f"video file {self.path} does not exist", "check the path")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            raise CameraError(f"cannot play {self.path}: not a video OpenCV can read", "use an MP4 or AVI file")
        fps = cap.get(cv2.CAP_PROP_FPS)
        self._pacer = _Pacer(fps if 1 <= fps <= 120 else 25.0)
        self._cap = cap

    def read(self) -> np.ndarray:
        """The next frame of the video."""
        import cv2

        if self._cap is None:
            raise CameraError(f"{self.name} is not open", "press Retry")
        self._pacer.wait()
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        if not ok or frame is None:
            raise CameraError(f"{self.name} has ended", "press Retry to play it again")
        return frame

    def close(self) -> None:
        """Close the file."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def list_cameras(max_probe: int = 6) -> list[CameraInfo]:
    """The cameras present now, by index.

    Linux: the ``/dev/video*`` capture nodes with their driver names (no device is opened,
    so a camera in use is still listed). Elsewhere: indexes 0..``max_probe``-1 that open.
    """
    if sys.platform.startswith("linux"):
        found = []
        for node in sorted(glob.glob("/dev/video[0-9]*"), key=lambda p: int(p[len("/dev/video") :])):
            index = int(node[len("/dev/video") :])
            sysfs = Path(f"/sys/class/video4linux/video{index}")
            try:
                if (sysfs / "index").is_file() and (sysfs / "index").read_text().strip() not in ("", "0"):
                    continue  # a metadata node of a camera listed already
                name = (
                    (sysfs / "name").read_text(encoding="utf-8", errors="replace").strip()
                    if (sysfs / "name").is_file()
                    else node
                )
            except OSError:
                name = node
            found.append(CameraInfo(index, f"{name} ({node})"))
        return found

    _quiet_opencv()
    found = []
    for index in range(max_probe):
        opened = _open_capture(index)
        if opened is not None:
            cap, backend = opened
            found.append(CameraInfo(index, f"camera {index} ({backend})"))
            cap.release()
    return found
