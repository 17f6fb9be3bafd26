"""Rows for the start-up benchmark (``kiosk bench``): many templates written fast, and read
back without decrypting. Not used by the counter itself.

The rows are clones of one citizen enrolled through :meth:`kiosk.store.records.Store.enrol`,
so every column is filled as the product fills it; templates are sealed with the store's
data key (their citizens' records are the template citizen's, never read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from kiosk.store.records import Store, new_uid


def fill_with_clones(
    store: Store,
    template_id: int,
    embeddings: np.ndarray,
    per_citizen: int,
    id_number: Callable[[int], str],
    rows_per_batch: int = 50_000,
) -> None:
    """Replace the templates of citizen ``template_id`` by ``embeddings`` (``(n, 128)`` float32, in
    row order), ``per_citizen`` per citizen: the first ones are the template citizen's, the
    next ones those of clones with ids ``template_id + 1``, ``+ 2``... (blind index of
    ``id_number(citizen id)``), as many as needed. One transaction.

    Raises:
        StoreError: the database cannot be written (nothing is kept).
    """
    conn = store.db.conn
    key = store.key
    n_samples = len(embeddings)
    n_citizens = -(-n_samples // per_citizen)
    with store.transaction("bench rows"):
        cursor = conn.execute("SELECT * FROM citizens WHERE id = ?", [template_id])
        citizen = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        cursor = conn.execute("SELECT * FROM face_samples WHERE citizen_id = ?", [template_id])
        sample = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        c_cols = list(citizen)
        s_cols = [c for c in sample if c != "id"]
        hashes = {template_id: citizen["id_hash"]}
        conn.execute("DELETE FROM face_samples WHERE citizen_id = ?", [template_id])
        rows = []
        for cid in range(template_id + 1, template_id + n_citizens):
            hashes[cid] = key.blind_index(id_number(cid))
            rows.append(
                [
                    cid if c == "id" else hashes[cid] if c == "id_hash" else new_uid() if c == "uid" else citizen[c]
                    for c in c_cols
                ]
            )
        conn.executemany(f"INSERT INTO citizens ({', '.join(c_cols)}) VALUES ({', '.join('?' * len(c_cols))})", rows)
        s_sql = f"INSERT INTO face_samples ({', '.join(s_cols)}) VALUES ({', '.join('?' * len(s_cols))})"
        for start in range(0, n_samples, rows_per_batch):
            batch = []
            for i in range(start, min(n_samples, start + rows_per_batch)):
                cid = template_id + i // per_citizen
                sealed = key.seal(embeddings[i].astype("<f4").tobytes(), b"sample:" + hashes[cid])
                batch.append(
                    [
                        cid
                        if c == "citizen_id"
                        else sealed
                        if c == "embedding"
                        else new_uid()
                        if c == "uid"
                        else sample[c]
                        for c in s_cols
                    ]
                )
            conn.executemany(s_sql, batch)


def iter_sealed_templates(store: Store, batch: int = 65536) -> Iterator[tuple[np.ndarray, bytes]]:
    """Stream every stored template as it lies in the file, not decrypted:
    ``(citizen ids (k,) int64, the k sealed BLOBs joined)`` batches (what reading costs without the seal)."""
    with store.snapshot():
        cursor = store.db.conn.execute("SELECT citizen_id, embedding FROM face_samples")
        while rows := cursor.fetchmany(batch):
            yield np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), b"".join(r[1] for r in rows)
