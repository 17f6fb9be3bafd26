"""Purging a citizen for good, and the retention rule that purges those not seen for too long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from kiosk.counter.gallery import Gallery
from kiosk.errors import NotEnrolledError
from kiosk.store.records import Store
from models import CitizenRecord
from models.citizen import mask_id_number


def purge(gallery: Gallery, id_number: str, reason: str, *, actor: str, counter: str) -> dict[str, int]:
    """Purge the citizen with this 12-digit ID number (see :func:`purge_citizen`).

    Raises:
        NotEnrolledError: nobody has this ID number.
    """
    found = gallery.store.find_citizen(id_number)
    if found is None:
        raise NotEnrolledError(f"citizen {mask_id_number(id_number)} is not enrolled", "check the ID number")
    return purge_citizen(gallery, found[0], found[1], reason, actor=actor, counter=counter)


def purge_citizen(
    gallery: Gallery, citizen_id: int, record: CitizenRecord, reason: str, *, actor: str, counter: str
) -> dict[str, int]:
    """Delete a citizen's record, samples, consents and visits (leaving a tombstone for the
    registry), drop them from the index at once, and checkpoint the WAL so no copy of
    their pages stays behind. Audited as ``actor`` at ``counter``; returns rows deleted per table."""
    store = gallery.store
    with store.transaction("purge"):
        counts = store.delete_citizen(citizen_id, counter, reason)
        store.audit("purge", actor, counter, record.masked_id, reason=reason, **counts)
    gallery.remove(citizen_id)
    store.checkpoint()
    return counts


def stale(store: Store, retention_days: int) -> list[tuple[int, CitizenRecord, str]]:
    """Citizens with no visit for ``retention_days`` (by the store's clock), oldest first:
    ``(citizen id, record, last activity as ISO-8601 UTC text)``."""
    cutoff = store.clock() - timedelta(days=retention_days)
    return [(cid, store.citizen(cid), last) for cid, last in store.inactive_since(cutoff)]


def due(store: Store, retention_days: int) -> list[dict[str, object]]:
    """The dry run of :func:`apply_retention`: whom it would purge now, oldest first, as
    ``{"id_number": masked, "full_name", "last_activity"}``."""
    return [
        {"id_number": record.masked_id, "full_name": record.full_name, "last_activity": last}
        for _, record, last in stale(store, retention_days)
    ]


def apply_retention(
    gallery: Gallery, retention_days: int, sync: Callable[[], object] | None, *, actor: str, counter: str
) -> int:
    """Purge every citizen past the retention period. Returns how many.

    ``sync``: syncs with the province registry (None: no registry configured). It runs first,
    since a visit at another counter keeps a citizen, and again after a purge so the purges
    travel at once. If it fails, nothing is purged.

    Raises:
        RegistryError: ``sync`` failed.
    """
    if sync is not None:
        sync()
    stale_now = stale(gallery.store, retention_days)
    for citizen_id, record, _ in stale_now:
        purge_citizen(gallery, citizen_id, record, "retention", actor=actor, counter=counter)
    if stale_now and sync is not None:
        sync()
    return len(stale_now)
