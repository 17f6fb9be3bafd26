"""Shared fixtures: settings, fresh SQLite files, a kiosk with citizens, PostgreSQL registries, the
counter's flow on a moved clock.

Helpers (paths, analysed photos, the CLI runner) are in :mod:`tests.support`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from tests.support import pg
from tests.support.data import ADMIN_PIN, CARDS, LEGACY, LEGACY_KEY, analyzed, enrol_frames
from tests.support.flow import Clock, Worker, start_flow
from tests.support.province import Province, set_up

# Never touch the developer's own keystore: keyring's null backend (no keystore) unless a test
# installs one of its own (tests/kiosk/store/test_keystore.py); child processes inherit it.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Shipped defaults, with the data key file in the test's own folder."""
    return Settings(key_file=str(tmp_path / "kiosk.key"))


@pytest.fixture
def legacy_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the schema-3 dlib database, with its data key in the environment."""
    monkeypatch.setenv("KIOSK_DATA_KEY", LEGACY_KEY)
    path = tmp_path / "old.sqlite"
    shutil.copy(LEGACY, path)
    return path


@pytest.fixture
def admin(kiosk: Kiosk):
    """An administrator session on ``kiosk`` (PIN :data:`ADMIN_PIN`)."""
    kiosk.set_first_admin_pin(ADMIN_PIN)
    return kiosk.login_admin(ADMIN_PIN, actor="admin-tester")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite path in the test's own folder."""
    return tmp_path / "kiosk.sqlite"


@pytest.fixture
def kiosk(settings: Settings, db_path: Path) -> Iterator[Kiosk]:
    """A kiosk over a fresh SQLite file."""
    with Kiosk.open(settings, db_path, actor="tester") as k:
        yield k


@pytest.fixture
def card_record():
    """Factory: the parsed record on a sample-set card (real QR image through the decoder)."""
    cache: dict[str, object] = {}

    def make(folder: str):
        if folder not in cache:
            from kiosk.cccd.record import parse_cccd
            from recognition.qr import read_qr_file

            cache[folder] = parse_cccd(read_qr_file(CARDS / f"{folder}.jpg")[0].data).record
        return cache[folder]

    return make


@pytest.fixture
def enrolled(kiosk: Kiosk, card_record) -> Kiosk:
    """A kiosk with four sample-set citizens enrolled from their real cards and frames."""
    for folder in ("london_005", "london_043", "london_099", "lisa"):
        samples = [analyzed(p).primary for p in enrol_frames(folder)]
        kiosk.enrol(card_record(folder), samples, consent=True, staff="tester")
    return kiosk


@pytest.fixture
def api_counter(enrolled: Kiosk):
    """A counter flow over four enrolled citizens, its local API served on a free port, and a
    client with the token: (flow, client, server)."""
    from tests.support.api_client import served

    yield from served(enrolled)


@pytest.fixture
def api_bare(kiosk: Kiosk):
    """The same over an empty kiosk."""
    from tests.support.api_client import served

    yield from served(kiosk)


@pytest.fixture
def clock() -> Clock:
    """Seconds (monotonic) for the counter's flow, moved by the test."""
    return Clock()


@pytest.fixture
def make_flow(clock: Clock):
    """Factory: ``make(kiosk, worker=None)`` gives a counter flow over ``kiosk`` on ``clock`` with a recording
    view and watcher, at idle: ``(flow, view, watcher)`` (tests.support.flow)."""

    def make(kiosk: Kiosk, worker: Worker | None = None):
        return start_flow(kiosk, clock, worker)

    return make


@pytest.fixture(scope="session")
def pg_admin():
    """An admin URL of a real PostgreSQL server (see tests/support/pg.py), or the test is skipped with the reason."""

    with pg.server() as url:
        if url is None:
            pytest.skip("no PostgreSQL server reachable and no PostgreSQL binaries to start one (set KIOSK_TEST_PG)")
        yield url


@pytest.fixture
def registry_url(pg_admin):
    """A fresh, empty registry database, dropped after the test."""
    from kiosk.province.registry import Registry

    url = pg.create_database(pg_admin)
    with Registry.connect(url) as registry:  # as `kiosk sync --init-registry` does once per province
        registry.create_tables()
    yield url
    pg.drop_database(pg_admin, url)


@pytest.fixture
def province(pg_admin, tmp_path: Path) -> Iterator[Province]:
    """A province registry made by ``kiosk province init`` on a fresh database (roles named after
    it), with the administrator's data key; the database and its roles are dropped afterwards."""

    url = pg.create_database(pg_admin)
    made = set_up(url, tmp_path)
    yield made
    made.close()
    pg.drop_database(pg_admin, url)


@pytest.fixture
def memory_keyring():
    """An OS keystore for the test (:class:`tests.support.keystore.MemoryKeyring`), removed afterwards."""
    import keyring

    from tests.support.keystore import MemoryKeyring

    before = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(before)


@pytest.fixture
def counters(tmp_path: Path):
    """Factory of counters by name ("A", "B"...): separate SQLite files sharing one province data key."""
    opened: dict[str, Kiosk] = {}

    def counter(name: str) -> Kiosk:
        if name not in opened:
            counter_settings = Settings(counter_name=name, key_file=str(tmp_path / "province.key"))
            opened[name] = Kiosk.open(counter_settings, tmp_path / f"{name}.sqlite", actor=f"staff-{name}")
        return opened[name]

    yield counter
    for k in opened.values():
        k.close()
