"""The face index's sealed snapshot: a counter starts without decrypting millions of rows.

Loading the index from the store opens every template's AES-GCM seal one by one (about
6 s per million). The snapshot keeps the compact index (:mod:`recognition.compact`: int8
codes, scales, error bounds, citizen ids, sample ids) in one file beside the database,
``<database>.index``, sealed in large chunks under the same data key: nothing in it is
ever written unsealed, and reading it back is a few large decryptions.

Layout: ``MAGIC``, the header's length (4 bytes, little-endian), the header (JSON:
engine, rows, the store's :meth:`~kiosk.store.records.Store.templates_stamp`, chunk count),
then each chunk as its length (8 bytes) and its seal. A chunk's AES-GCM context is the
header's SHA-256 and the chunk's number, so a chunk from another snapshot, out of order,
or under an edited header does not open.

It is trusted only when its stamp is the store's, or the store has only added templates
since (those rows are then read from the store); anything else (another engine, a
template deleted or changed, a wrong key, a damaged file) is one line in the log and a
rebuild from the store, never a partial index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.errors import DataKeyError
from kiosk.store.crypto import SEAL_OVERHEAD, DataKey
from models import EMBEDDING_SIZE
from recognition.compact import STATE_ARRAYS, CompactMatcher

log = logging.getLogger("cccd_kiosk.index")

MAGIC = b"KIOSKIX1"
CHUNK_BYTES = 32 << 20
"""Plaintext bytes sealed per chunk (bounds the memory a save or load needs beyond the index)."""
_DTYPES = {"codes": np.int8, "scales": np.float32, "errors": np.float32, "citizen_ids": np.int64, "keys": np.int64}
_WIDTHS = {"codes": EMBEDDING_SIZE, "scales": 4, "errors": 4, "citizen_ids": 8, "keys": 8}
"""Bytes per row of each array of :data:`recognition.compact.STATE_ARRAYS`."""


def snapshot_path(db: Path) -> Path:
    """Where the snapshot of the database at ``db`` lives: ``<db file name>.index`` beside it."""
    return db.with_name(db.name + ".index")


@dataclass(frozen=True)
class Stamp:
    """A store's :meth:`~kiosk.store.records.Store.templates_stamp`, parsed: schema version,
    highest template id, templates ever deleted or changed."""

    version: int
    highest: int
    changed: int

    def __str__(self) -> str:
        return f"{self.version}:{self.highest}:{self.changed}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        version, highest, changed = (int(part) for part in text.split(":"))
        return cls(version, highest, changed)

    def grown_from(self, older: Stamp) -> bool:
        """True when the only change since ``older`` is templates added (ids above its highest)."""
        return (self.version, self.changed) == (older.version, older.changed) and self.highest >= older.highest


class SnapshotError(Exception):
    """The snapshot cannot be used (the message says why); the index is rebuilt from the store."""


def save(path: Path, key: DataKey, stamp: str, state: dict[str, np.ndarray], engine: str) -> None:
    """Write a compact matcher's :meth:`~recognition.compact.CompactMatcher.state`, taken when
    the store's stamp was ``stamp``, as the snapshot at ``path``: to a temporary file beside it,
    flushed, then renamed over the old one (a crash leaves the old or the new, never half)."""
    rows = len(state["keys"])
    pieces = [
        np.ascontiguousarray(state[name], dtype=_DTYPES[name]).reshape(-1).view(np.uint8) for name in STATE_ARRAYS
    ]
    chunks = [piece[i : i + CHUNK_BYTES] for piece in pieces for i in range(0, len(piece), CHUNK_BYTES)]
    header = json.dumps({"engine": engine, "rows": rows, "stamp": stamp, "chunks": len(chunks)}).encode()
    context = b"index-snapshot:" + hashlib.sha256(header).digest()
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(MAGIC + struct.pack("<I", len(header)) + header)
            for i, chunk in enumerate(chunks):
                sealed = key.seal(chunk.tobytes(), context + struct.pack("<I", i))
                fh.write(struct.pack("<Q", len(sealed)) + sealed)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(path: Path, key: DataKey, engine: str, matcher: CompactMatcher, usable: Callable[[Stamp], bool]) -> Stamp:
    """Fill an empty ``matcher`` from the snapshot at ``path`` if ``usable(its stamp)``; returns that stamp.

    Raises:
        OSError: the file cannot be read (FileNotFoundError: there is none).
        SnapshotError: it is not a snapshot of ``engine`` sealed with ``key``, is not usable
            (the store changed otherwise than by adding templates), or is damaged; the
            matcher is left empty.
    """
    with open(path, "rb") as fh:
        head = fh.read(len(MAGIC) + 4)
        if len(head) < len(MAGIC) + 4 or head[: len(MAGIC)] != MAGIC:
            raise SnapshotError("it is not an index snapshot")
        header = fh.read(struct.unpack("<I", head[len(MAGIC) :])[0])
        try:
            meta = json.loads(header)
            rows, chunks, stamp = int(meta["rows"]), int(meta["chunks"]), Stamp.parse(meta["stamp"])
        except (ValueError, KeyError, TypeError):
            raise SnapshotError("its header is damaged") from None
        if not 0 <= rows * sum(_WIDTHS.values()) <= os.fstat(fh.fileno()).st_size:  # before allocating for them
            raise SnapshotError("its header promises more rows than the file holds")
        if meta.get("engine") != engine:
            raise SnapshotError(f"it holds {meta.get('engine')} templates, the default engine is {engine}")
        if not usable(stamp):
            raise SnapshotError("templates were deleted or changed in the database since it was taken")
        context = b"index-snapshot:" + hashlib.sha256(header).digest()
        plain = np.empty(rows * sum(_WIDTHS.values()), dtype=np.uint8)
        filled = 0
        for i in range(chunks):
            size_bytes = fh.read(8)
            if len(size_bytes) < 8:
                raise SnapshotError("it is cut short")
            sealed = memoryview(fh.read(struct.unpack("<Q", size_bytes)[0]))
            size = len(sealed) - SEAL_OVERHEAD
            if size < 0 or filled + size > len(plain):
                raise SnapshotError("it holds more than its header says")
            try:  # decrypted straight into the index's buffer
                key.open_into(sealed, context + struct.pack("<I", i), plain[filled : filled + size].data)
            except DataKeyError:
                raise SnapshotError("a part does not open with this data key (damaged, or another key's)") from None
            filled += size
        if filled != len(plain) or fh.read(1):
            raise SnapshotError("its size does not match its header")
    state, offset = {}, 0
    for name in STATE_ARRAYS:
        size = rows * _WIDTHS[name]
        state[name] = plain[offset : offset + size].view(_DTYPES[name])
        offset += size
    matcher.restore(state)
    return stamp


def discard(path: Path) -> None:
    """Delete the snapshot (e.g. after a purge, until the next save)."""
    path.unlink(missing_ok=True)
