"""What the settings build for a counter: its store (with the data key), each face engine's
configuration and decision policy, and the face analyzer. No model loads here."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import DataKeyError
from kiosk.settings import Settings
from kiosk.store.crypto import default_key_path, load_key, read_key_file
from kiosk.store.keystore import load_secret
from kiosk.store.records import Store
from recognition.analyzer import FaceAnalyzer
from recognition.engines import ENGINE_NAMES, EngineConfig, load_engine
from recognition.policy import ImpostorTail, PolicyConfig
from recognition.quality import QualityConfig


def open_store(path: Path, key_file: Path | None, create: bool) -> Store:
    """Open the store with its data key; finish a key rotation that was cut off half-way.

    A rotation writes the new key to ``<key file>.new``, re-encrypts the database in one
    transaction, then renames the file. If the program died between the commit and the
    rename, the database only opens with the ``.new`` key: use it and finish the rename.
    """
    try:
        return Store.open(path, lambda may_create: load_key(key_file, create=may_create), create=create)
    except DataKeyError:
        current = key_file or default_key_path()
        pending = current.with_name(current.name + ".new")
        if not pending.is_file() or os.environ.get("KIOSK_DATA_KEY"):
            raise
        store = Store.open(path, lambda _: read_key_file(pending), create=False)
        os.replace(pending, current)
        return store


def key_path(settings: Settings) -> Path:
    """The data key's file: ``settings.key_file``, else ``kiosk.key`` in the user's config folder."""
    return Path(settings.key_file) if settings.key_file else default_key_path()


def registry_secret_path(settings: Settings) -> Path:
    """Where ``kiosk join`` keeps the registry's connection string (``kiosk.registry`` beside the
    key file): the string itself (0600) or a pointer into the OS keystore."""
    return key_path(settings).with_suffix(".registry")


def registry_ca_path(settings: Settings) -> Path:
    """Where ``kiosk join`` writes the CA certificate the registry's certificate is checked against."""
    path = key_path(settings)
    return path.with_name(path.stem + "-registry-ca.pem")


def registry_target(settings: Settings) -> str:
    """The registry this counter syncs with: ``settings.registry_url`` when set, else what
    ``kiosk join`` stored; empty when there is none (the counter works alone).

    Raises:
        DataKeyError: the stored connection string cannot be read (its keystore is locked or gone).
    """
    if settings.registry_url:
        return settings.registry_url
    try:
        return load_secret(registry_secret_path(settings))
    except FileNotFoundError:
        return ""


def engine_config(settings: Settings, name: str | None = None) -> EngineConfig:
    """How to build engine ``name`` (default: the settings' ``face_engine``) under these settings."""
    return EngineConfig(
        name or settings.face_engine, settings.detect_width_px, settings.detector_model, settings.detect_upsample
    )


def analyzer_for(settings: Settings) -> FaceAnalyzer:
    """The face analyzer the settings describe: the default engine, the older engines it may
    also need, and the quality gates. Models load on the first frame, not here."""
    others = [load_engine(engine_config(settings, name)) for name in ENGINE_NAMES if name != settings.face_engine]
    return FaceAnalyzer(
        load_engine(engine_config(settings)),
        QualityConfig(
            settings.min_face_px,
            settings.min_sharpness,
            settings.min_brightness,
            settings.max_brightness,
            settings.max_yaw,
        ),
        others,
    )


def policy_for(settings: Settings, engine: str) -> PolicyConfig:
    """The decision policy of one face engine under these settings (its ``<engine>_*`` thresholds)."""

    def value(name: str) -> float:
        return float(getattr(settings, f"{engine}_{name}"))

    return PolicyConfig(
        value("auto_accept_distance"),
        value("min_margin"),
        value("candidate_distance"),
        settings.max_candidates,
        ImpostorTail(value("impostor_tail_at_one"), value("impostor_tail_scale")),
        settings.auto_accept_fpir,
        value("holder_distance"),
    )
