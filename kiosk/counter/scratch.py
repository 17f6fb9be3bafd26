"""Throw-away folders (the demo's database and data key) that do not outlive their process.

:func:`scratch_dir` makes a folder in the temp directory and holds an exclusive lock on a
file inside it for as long as the process lives. It removes the folder when the block
ends, and at interpreter exit if the block never ended (atexit). A process that is killed
or aborts cannot clean up, so :func:`clean_stale` (run by :func:`scratch_dir` first)
removes the folders whose lock nobody holds any more: their owner is gone. Folders from
older versions (no lock file) are removed only when nothing in them changed for a day.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_NAME = ".owner.lock"
LEGACY_AGE_S = 24 * 3600
"""A folder without a lock file (made by an older version) is stale after this long unchanged (seconds)."""


def _try_lock(handle: IO[str]) -> bool:
    """Take the exclusive lock on an open file without waiting; False if another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _newest_change(folder: Path) -> float:
    times = [folder.stat().st_mtime]
    for item in folder.rglob("*"):
        try:
            times.append(item.stat().st_mtime)
        except OSError:
            continue
    return max(times)


def clean_stale(prefix: str, root: Path | None = None) -> int:
    """Remove ``root/prefix*`` folders left by processes that died (killed, crashed). Returns how many.

    ``root`` defaults to the temp directory. A folder whose lock is held (a live demo) is kept.
    """
    removed = 0
    for folder in sorted(Path(root or tempfile.gettempdir()).glob(f"{prefix}*")):
        if not folder.is_dir():
            continue
        lock = folder / LOCK_NAME
        if lock.is_file():
            try:
                with open(lock, "a", encoding="utf-8") as handle:
                    if not _try_lock(handle):
                        continue  # its owner is alive
            except OSError:
                continue
        elif time.time() - _newest_change(folder) < LEGACY_AGE_S:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += not folder.exists()
    return removed


@contextmanager
def scratch_dir(prefix: str, root: Path | None = None) -> Iterator[Path]:
    """A new folder ``root/prefix<random>`` (temp directory by default), removed when the block
    ends or the interpreter exits; stale ones of the same prefix are removed first."""
    clean_stale(prefix, root)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    handle = open(path / LOCK_NAME, "w", encoding="utf-8")
    _try_lock(handle)

    def remove() -> None:
        if not handle.closed:
            handle.close()
        shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    try:
        yield path
    finally:
        remove()
        atexit.unregister(remove)
