"""A counter joins the province: ``kiosk join BUNDLE --code CODE``.

In this order, so that a crash at any step loses nothing and the same command can simply
be run again:

1. open the bundle with the code (:mod:`kiosk.province.bundle`);
2. log in to the registry with the bundle's password, over TLS checked against the bundle's
   CA when it has one (or, when this PC already replaced that password in an earlier run
   that broke off, with the one it stored), and say hello (the role is a counter there, the
   data key is the province's);
3. the counter's database: a new one is made under the province key; one already under it
   is kept; one under this PC's own key that never synced is re-sealed under the province
   key (:func:`kiosk.store.rotation.rotate_key`, crash-safe through ``<key>.new``);
4. the data key goes to the OS keystore (or a 0600 file, with a warning), then the settings
   file gets the counter's name, the key file's place and the database;
5. a new random password, known only to this PC, is stored, then set at the registry: from
   then on the bundle opens nothing there. If setting it fails, a fresh log-in tells
   whether it took (a reply lost after the commit); only if not is the bundle's stored back;
6. a first sync.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk.counter import snapshot
from kiosk.counter.factories import open_store, registry_ca_path, registry_secret_path
from kiosk.counter.snapshot import snapshot_path
from kiosk.errors import DataKeyError, RegistryError
from kiosk.province.bundle import JoinPayload, open_bundle
from kiosk.province.registry import Registry, redact
from kiosk.province.sync import SyncReport
from kiosk.settings import Settings, default_config_path, default_db_path, load_settings, write_settings
from kiosk.store.crypto import ENV_KEY, DataKey, default_key_path
from kiosk.store.keystore import Saved, forget_secret, load_secret, save_secret, write_private_file
from kiosk.store.records import Store
from kiosk.store.rotation import rotate_key
from kiosk.store.sync_rows import SyncRows
from models import KioskError


@dataclass(frozen=True)
class Joined:
    """What :func:`join` did.

    Attributes:
        counter: this counter's name in the registry.
        registry: the registry's address, password shown as ``***``.
        secrets: where the data key and the registry password went.
        settings_path: the settings file written.
        key_path: the data key's file (the key itself, or a pointer into the keystore).
        db_path: the counter's database.
        resealed: the database existed under this PC's own key and was re-sealed under the province's.
        report: the first sync, or None when it failed (``sync_error`` says why; the join stands).
        checks_password: False when the registry let this counter's role in with a wrong password
            (a ``trust`` rule): anyone who reaches the server could then act as this counter.
    """

    counter: str
    registry: str
    secrets: Saved
    settings_path: Path
    key_path: Path
    db_path: Path
    resealed: bool
    report: SyncReport | None
    sync_error: str
    checks_password: bool


def join(bundle: bytes, code: str, *, config_path: Path | None, db_path: Path | None, actor: str) -> Joined:
    """Join the province with a bundle from ``kiosk province add-counter`` and its join code.

    ``config_path``: the settings file to write (default: the user's); ``db_path``: this
    counter's database (default: the settings', else the user's data folder for the default
    settings file, else ``<settings name>.sqlite`` beside it; the data key likewise).

    Raises:
        BundleError: not a bundle, or the wrong code.
        RegistryError: the registry cannot be reached or refuses the bundle (used already,
            revoked, an untrusted certificate), or the bundle's key is not the registry's.
        DataKeyError: a database here under a key that is neither this PC's nor the
            province's, one that synced with another registry, or the keystore failed.
        SettingsError: the settings file cannot be read.
        KioskError: an environment variable would override what the join stores, or a file
            cannot be written.
    """
    payload = open_bundle(bundle, code)
    key = DataKey.from_bytes(base64.b64decode(payload.data_key))
    _check_environment(key)
    settings_file = (config_path or default_config_path()).absolute()
    on_file = load_settings(settings_file, environ={}, missing_ok=True)
    current = load_settings(settings_file, missing_ok=True)
    keys = (Path(current.key_file) if current.key_file else _beside(settings_file, ".key")).absolute()
    db = Path(db_path or current.db_path or _beside(settings_file, ".sqlite")).absolute()
    place = {"key_file": str(keys), "counter_name": payload.counter, "registry_url": "", "db_path": str(db)}
    joined = current.replace(**place)
    ca, secret_path = registry_ca_path(joined), registry_secret_path(joined)
    if payload.ca_pem:
        with _writing(ca):
            write_private_file(ca, payload.ca_pem.strip())

    def store(password: str) -> None:
        save_secret(secret_path, _conninfo(payload, password, ca))

    registry, changed_before = _log_in(payload, ca, secret_path)
    with registry:
        registry.hello(key.check_value().hex(), payload.counter)
        resealed = _adopt_key(db, keys, key, actor, payload.counter)
        saved = save_secret(keys, key.encoded())
        forget_secret(keys.with_name(keys.name + ".new"))  # the re-sealing's pending key, if it was kept there
        with _writing(settings_file):
            write_settings(settings_file, on_file.replace(**place))
        if not changed_before:
            new_password = secrets.token_urlsafe(24)
            store(new_password)
            try:
                registry.change_password(new_password)
                registry.note_join()
            except KioskError:
                if not _logs_in(_conninfo(payload, new_password, ca)):
                    store(payload.password)
                    raise
    checked = not _logs_in(_conninfo(payload, "not-" + secrets.token_urlsafe(8), ca))
    report, error = _first_sync(joined, db, actor)
    return Joined(
        payload.counter,
        redact(_conninfo(payload, "x", ca)),
        saved,
        settings_file,
        keys,
        db,
        resealed,
        report,
        error,
        checked,
    )


def _check_environment(key: DataKey) -> None:
    """Refuse environment variables that would win over what the join stores."""
    if os.environ.get(ENV_KEY) and os.environ[ENV_KEY].strip() != key.encoded():
        raise DataKeyError(
            f"{ENV_KEY} is set to another data key than the province's, and it would win over the joined one",
            f"unset {ENV_KEY}, then run kiosk join again",
        )
    if os.environ.get("KIOSK_REGISTRY_URL"):
        raise KioskError(
            "KIOSK_REGISTRY_URL is set, and it would win over the registry connection this join stores",
            "unset KIOSK_REGISTRY_URL, then run kiosk join again",
        )


def _log_in(payload: JoinPayload, ca: Path, secret_path: Path) -> tuple[Registry, bool]:
    """A connection with the bundle's password, or (when the registry refuses it and this PC
    stored its own password for the same role in an earlier run) with that one. Returns the
    connection and whether the password was already this PC's.

    Raises:
        RegistryError: the registry refuses both, or cannot be reached.
    """
    try:
        return Registry.connect(_conninfo(payload, payload.password, ca)), False
    except RegistryError as refused:
        if refused.reason != "registry_revoked":
            raise
        try:
            stored = load_secret(secret_path)
        except (FileNotFoundError, DataKeyError):
            raise refused from None
        from psycopg.conninfo import conninfo_to_dict

        if conninfo_to_dict(stored).get("user") != payload.user:
            raise refused from None
        try:
            return Registry.connect(stored), True
        except RegistryError:
            raise refused from None


def _logs_in(conninfo: str) -> bool:
    try:
        Registry.connect(conninfo).close()
        return True
    except RegistryError:
        return False


def _beside(settings_file: Path, suffix: str) -> Path:
    """The data key's file (``suffix`` ``.key``) or the database (``.sqlite``) of a counter whose
    settings are ``settings_file``: the user's defaults for the default settings, else
    ``<settings name><suffix>`` beside the file (two counters on one PC, each with its own
    settings, keep their data and secrets apart)."""
    if settings_file.resolve() == default_config_path().resolve():
        return default_key_path() if suffix == ".key" else default_db_path()
    return settings_file.with_suffix(suffix)


def _conninfo(payload: JoinPayload, password: str, ca: Path) -> str:
    """The counter's connection string: the bundle's registry, its role, ``password``, and the CA file."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(payload.registry)
    params.update(user=payload.user, password=password)
    if payload.ca_pem:
        params["sslrootcert"] = str(ca)
    return make_conninfo("", **params)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A file the join writes: a failure is one line naming it."""
    try:
        yield
    except OSError as exc:
        raise KioskError(
            f"cannot write {path}: {exc.strerror}", "choose a folder this user may write (--config)"
        ) from None


def _adopt_key(db: Path, keys: Path, key: DataKey, actor: str, counter: str) -> bool:
    """Make sure the database at ``db`` (if any) opens with the province ``key``; re-seal one that
    never synced from this PC's own key (in ``keys``), the pending key kept where the key will
    be (the keystore when there is one). Returns True when it re-sealed.

    Raises:
        DataKeyError: the database opens with neither key, or synced with another registry.
    """
    if not db.is_file():
        return False
    try:
        Store.open(db, lambda _: key, create=False).close()
        return False
    except DataKeyError:
        pass
    try:
        store = open_store(db, keys, False)
    except DataKeyError:
        raise DataKeyError(
            f"{db} was written with a data key that is neither the province's nor in {keys}",
            "join with a new database (--db NEW.sqlite), or with the settings that open it (--config)",
        ) from None
    try:
        if SyncRows(store).has_synced():
            raise DataKeyError(
                f"{db} already syncs with another registry under another data key",
                "join with a new database (--db NEW.sqlite); a counter belongs to one province",
            )

        def keep_pending(path: Path, pending: DataKey) -> None:
            save_secret(path, pending.encoded())

        rotate_key(store, keys, actor, counter, new=key, write_key=keep_pending)
        snapshot.discard(snapshot_path(store.path))  # sealed with the old key: rebuilt under the new one
    finally:
        store.close()
    return True


def _first_sync(settings: Settings, db: Path, actor: str) -> tuple[SyncReport | None, str]:
    from kiosk.counter.service import Kiosk

    try:
        with Kiosk.open(settings, db, actor=actor) as kiosk:
            return kiosk.sync(), ""
    except (RegistryError, DataKeyError) as exc:
        return None, exc.one_line()
