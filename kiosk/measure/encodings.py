"""Face embeddings of many image files: both cores, cached on disk, progress on stderr.

Each image is embedded the way the kiosk embeds a frame (:mod:`recognition.engines`: the
chosen engine's detector, one face, its 128-d embedding), except for which face: the one
nearest the image's centre (:func:`labelled_face`: a data set labels its centred person; in
6 of lfw-cdg's 1,761 photos a larger face is somebody else's). When the detector
finds no face the centred square of :data:`CENTRE_FRACTION` of the shorter side is used
instead (LFW's faces are centred; for engines that align on landmarks, the alignment
template is laid on that square), and the image is counted as *no face*.

The cache is one SQLite file keyed by the image's real path, size and modification time
and by the engine and its detector settings, so a rerun over the same files costs only
the look-up. It holds face templates of the evaluated images: delete it with the data set.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from kiosk.measure.errors import DatasetError, EncodingCacheError
from kiosk.words import count
from models import EMBEDDING_SIZE, FaceBox, KioskError, Landmarks
from recognition.engines import EngineConfig, engine_info
from recognition.engines.base import DetectedFace

CENTRE_FRACTION = 0.45
"""Side of the fallback face box as a fraction of the image's shorter side (LFW: 112 of 250 px)."""
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CACHE_VERSION = 3
"""Bump when the encoding procedure changes, so stale cache rows are never used."""


@dataclass(frozen=True)
class EncodedSet:
    """Encodings of a list of files, in the order given.

    Attributes:
        files: the image files.
        embeddings: ``(len(files), 128)`` float32.
        centre: bool ``(len(files),)``: True where no face was detected and the centre region was encoded.
        computed: how many encodings were computed in this run (the rest came from the cache).
        seconds: wall-clock seconds spent computing them (not counting cache hits).
        engine: the face engine that made the embeddings.
        metric: how they are compared (the engine's: ``"cosine"`` or ``"euclidean"``).
    """

    files: tuple[Path, ...]
    embeddings: np.ndarray
    centre: np.ndarray
    computed: int = 0
    seconds: float = 0.0
    engine: str = "dlib"
    metric: str = "euclidean"
    _index: dict[Path, int] = field(default_factory=dict, repr=False, compare=False)

    def with_rows(self, other: EncodedSet, files: Sequence[Path]) -> EncodedSet:
        """A copy whose ``files`` rows come from ``other`` (e.g. the probes' bursts over the gallery's
        photos); what both computed, and how long it took, is counted."""
        embeddings = self.embeddings.copy()
        for f in files:
            embeddings[self.row(f)] = other.embeddings[other.row(f)]
        return replace(
            self,
            embeddings=embeddings,
            computed=self.computed + other.computed,
            seconds=self.seconds + other.seconds,
            _index={},
        )

    def row(self, file: Path) -> int:
        """The row of ``file`` in :attr:`embeddings`."""
        if not self._index:
            self._index.update({f: i for i, f in enumerate(self.files)})
        return self._index[Path(file)]

    @property
    def no_face(self) -> int:
        """How many images had no detected face (encoded from the centre region)."""
        return int(self.centre.sum())

    @property
    def images_per_s(self) -> float | None:
        """Encoding throughput of this run, images per second (None when everything was cached)."""
        return self.computed / self.seconds if self.computed and self.seconds > 0 else None


def centre_box(shape: tuple[int, ...], fraction: float = CENTRE_FRACTION) -> FaceBox:
    """The centred square face box used when no face is detected, in frame pixels."""
    height, width = shape[:2]
    side = max(1, round(fraction * min(height, width)))
    top, left = (height - side) // 2, (width - side) // 2
    return FaceBox(top, left + side, top + side, left)


def centre_face(shape: tuple[int, ...]) -> DetectedFace:
    """The fallback face: :func:`centre_box`, with the alignment template's points laid on it."""
    from recognition.align import CROP_PX, TEMPLATE

    box = centre_box(shape)
    points = [(box.left + x * box.width / CROP_PX, box.top + y * box.height / CROP_PX) for x, y in TEMPLATE]
    return DetectedFace(box, Landmarks(*points))


def labelled_face(faces: Sequence[DetectedFace], shape: tuple[int, ...]) -> DetectedFace:
    """The face a data set's label names: of the detected ``faces`` (at least one), the one whose
    box centre is nearest the image's centre (LFW centres every photo on its labelled person;
    a larger face behind or beside them is someone else), the larger on a tie."""
    height, width = shape[:2]

    def off_centre(face: DetectedFace) -> tuple[float, int]:
        box = face.box
        dx, dy = (box.left + box.right) / 2 - width / 2, (box.top + box.bottom) / 2 - height / 2
        return dx * dx + dy * dy, -box.width * box.height

    return min(faces, key=off_centre)


def encode_image(path: Path, config: EngineConfig, burst: int = 1) -> tuple[np.ndarray, bool]:
    """``(embedding (128,) float32, centre fallback used)`` for the labelled face of one image
    file (:func:`labelled_face`; the counter itself takes the largest face in its frames).
    ``burst`` > 1: the fused embedding of that many camera-like frames made from the photo
    (:mod:`kiosk.measure.burst`; the fallback flag is the photo's own)."""
    from kiosk.measure.burst import variants
    from recognition.engines import load_engine
    from recognition.images import load_image
    from recognition.templates import template

    engine = load_engine(config)
    photo = load_image(path)
    embeddings, first_found = [], True
    for k, frame in enumerate(variants(photo, max(1, burst), path.name)):
        faces = engine.detect(frame)
        if k == 0:
            first_found = bool(faces)
        if faces or k == 0:
            face = labelled_face(faces, frame.shape) if faces else centre_face(frame.shape)
            embeddings.append(engine.embed(frame, face))
    if len(embeddings) == 1:
        return embeddings[0], not first_found
    return template(np.array(embeddings), engine_info(config.name).metric).astype(np.float32), not first_found


def _worker_init() -> None:
    """One thread per worker process: the pool already uses every core."""
    import cv2

    cv2.setNumThreads(1)


def _encode_job(job: tuple[int, str, EngineConfig, int]) -> tuple[int, bytes | None, bool, str]:
    """Worker entry point (top level so a spawned process can import it)."""
    index, path, config, burst = job
    try:
        embedding, centre = encode_image(Path(path), config, burst)
    except KioskError as exc:
        return index, None, False, exc.one_line()
    return index, np.ascontiguousarray(embedding, dtype="<f4").tobytes(), centre, ""


class Progress:
    """``label: done/total (rate/s, ETA)`` on stderr: rewritten in place on a terminal,
    otherwise a line every ``every_s`` seconds. Silent when disabled."""

    def __init__(self, total: int, label: str, *, enabled: bool = True, every_s: float = 10.0) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.tty = sys.stderr.isatty()
        self.every_s = 0.25 if self.tty else every_s
        self.start = self.last = time.perf_counter()

    def update(self, done: int, *, final: bool = False) -> None:
        """Report ``done`` of ``total`` items finished."""
        now = time.perf_counter()
        if not self.enabled or (not final and now - self.last < self.every_s):
            return
        self.last = now
        rate = done / (now - self.start) if now > self.start else 0.0
        eta = f", {(self.total - done) / rate:.0f} s left" if rate > 0 and done < self.total else ""
        text = f"{self.label}: {done}/{self.total} ({rate:.1f}/s{eta})"
        sys.stderr.write(("\r" + text + ("\n" if final else "")) if self.tty else text + "\n")
        sys.stderr.flush()


def _cache_key(path: Path, config: EngineConfig, burst: int = 1) -> str:
    real = os.path.realpath(path)
    stat = os.stat(real)
    detector = f"{config.dlib_detector}|{config.dlib_upsample}" if config.name == "dlib" else ""
    return (
        f"v{CACHE_VERSION}|{config.name}|{engine_info(config.name).model_version}|{config.detect_width}|{detector}|"
        f"{real}|{stat.st_size}|{stat.st_mtime_ns}" + (f"|burst{burst}" if burst > 1 else "")
    )


class EncodingCache:
    """Encodings stored in one SQLite file (``None`` path: a cache that forgets)."""

    def __init__(self, path: Path | None) -> None:
        import sqlite3

        self.path = path
        self._memory: dict[str, tuple[bytes, bool]] = {}
        self._conn = None
        if path is None:
            return
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(path))
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS encodings (key TEXT PRIMARY KEY, centre INTEGER NOT NULL, embedding BLOB NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise EncodingCacheError(
                f"cannot open the encodings cache {path}: {exc}", "pass --cache with a writable file, or --no-cache"
            ) from None

    def get(self, keys: Sequence[str]) -> dict[str, tuple[bytes, bool]]:
        """The cached ``key → (embedding bytes, centre)`` among ``keys``."""
        if self._conn is None:
            return {k: self._memory[k] for k in keys if k in self._memory}
        found: dict[str, tuple[bytes, bool]] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for key, centre, blob in self._conn.execute(
                f"SELECT key, centre, embedding FROM encodings WHERE key IN ({marks})", chunk
            ):
                found[key] = (blob, bool(centre))
        return found

    def put(self, rows: Sequence[tuple[str, bytes, bool]]) -> None:
        """Store ``(key, embedding bytes, centre)`` rows (committed at once)."""
        if self._conn is None:
            self._memory.update({k: (b, c) for k, b, c in rows})
            return
        import sqlite3

        try:
            with self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO encodings VALUES (?, ?, ?)", [(k, int(c), b) for k, b, c in rows]
                )
        except sqlite3.Error as exc:
            raise EncodingCacheError(
                f"cannot write the encodings cache {self.path}: {exc}",
                "pass --cache with a writable file, or --no-cache",
            ) from None

    def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            self._conn.close()


def default_workers() -> int:
    """The CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - Windows, macOS
        return max(1, os.cpu_count() or 1)


def encode_files(
    files: Sequence[Path],
    engine: EngineConfig = EngineConfig(),
    *,
    cache: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    burst: int = 1,
) -> EncodedSet:
    """Encode every file (each once, in the order given), reusing and filling the cache;
    ``burst`` > 1: each file's burst of that many frames, fused (see :func:`encode_image`).

    ``workers`` processes (default: every core) encode the uncached files; progress goes
    to stderr when more than a few files need encoding and ``progress`` is on.

    Raises:
        DatasetError: some files could not be read as images (the others are cached).
        EncodingCacheError: the cache file cannot be used.
    """
    unique = list(dict.fromkeys(Path(f) for f in files))
    try:
        keys = [_cache_key(f, engine, burst) for f in unique]
    except OSError as exc:
        raise DatasetError(f"cannot read {exc.filename}: {exc.strerror}", "check the image folder") from None
    store = EncodingCache(cache)
    try:
        found = store.get(keys)
        todo = [i for i, k in enumerate(keys) if k not in found]
        start = time.perf_counter()
        failures = _compute(unique, keys, todo, engine, burst, store, found, workers or default_workers(), progress)
        seconds = time.perf_counter() - start
    finally:
        store.close()
    if failures:
        first = sorted(failures.items())[0]
        raise DatasetError(
            f"{count(len(failures), 'image')} could not be read, e.g. {first[1]}",
            "remove or replace them; the rest are cached",
        )
    embeddings = np.frombuffer(b"".join(found[k][0] for k in keys), dtype="<f4").reshape(len(keys), EMBEDDING_SIZE)
    centre = np.array([found[k][1] for k in keys], dtype=bool)
    info = engine_info(engine.name)
    return EncodedSet(
        tuple(unique),
        embeddings.astype(np.float32),
        centre,
        len(todo) - len(failures),
        seconds if todo else 0.0,
        info.name,
        info.metric,
    )


def _compute(
    files: list[Path],
    keys: list[str],
    todo: list[int],
    engine: EngineConfig,
    burst: int,
    store: EncodingCache,
    found: dict[str, tuple[bytes, bool]],
    workers: int,
    progress: bool,
) -> dict[Path, str]:
    """Encode ``files[todo]`` into ``found`` and the cache; returns ``{file: error}`` for unreadable ones."""
    failures: dict[Path, str] = {}
    if not todo:
        return failures
    jobs = [(i, str(files[i]), engine, burst) for i in todo]
    meter = Progress(len(jobs), "encoding faces", enabled=progress and len(jobs) > 8)
    pending: list[tuple[str, bytes, bool]] = []

    def take(result: tuple[int, bytes | None, bool, str], done: int) -> None:
        index, blob, centre, error = result
        if blob is None:
            failures[files[index]] = error
        else:
            found[keys[index]] = (blob, centre)
            pending.append((keys[index], blob, centre))
        if len(pending) >= 64:
            store.put(pending)
            pending.clear()
        meter.update(done)

    if workers <= 1 or len(jobs) < 4:
        for done, job in enumerate(jobs, 1):
            take(_encode_job(job), done)
    else:
        import multiprocessing

        # spawn everywhere: a fresh interpreter per worker, no fork of a threaded parent;
        # BLAS/OpenMP limited to one thread per worker (inherited through the environment).
        saved = {k: os.environ.get(k) for k in _THREAD_VARS}
        os.environ.update({k: "1" for k in _THREAD_VARS})
        try:
            pool = multiprocessing.get_context("spawn").Pool(min(workers, len(jobs)), initializer=_worker_init)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        with pool:
            for done, result in enumerate(pool.imap_unordered(_encode_job, jobs, chunksize=2), 1):
                take(result, done)
    store.put(pending)
    meter.update(len(jobs), final=True)
    return failures
