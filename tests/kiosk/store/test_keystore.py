"""Secrets at rest: in the operating system's keystore with a pointer on disk, or in a file for
this user only. The keystore is an in-memory keyring backend here (the machine has no desktop
session); keyring and every call of ours through it are real."""

from __future__ import annotations

import os
import stat

import keyring
import pytest

from kiosk.counter.service import Kiosk
from kiosk.errors import DataKeyError
from kiosk.settings import Settings
from kiosk.store.crypto import DataKey, read_key_file
from kiosk.store.keystore import POINTER, SERVICE, _backend, load_secret, save_secret


def test_without_a_keystore_the_secret_is_a_file_only_this_user_can_read(tmp_path):
    assert _backend() is None  # keyring's null backend (tests/conftest.py): no keystore
    saved = save_secret(tmp_path / "kiosk.registry", "host=db password=s3cret")
    assert not saved.in_keystore and saved.where == str(tmp_path / "kiosk.registry")
    assert stat.S_IMODE(os.stat(tmp_path / "kiosk.registry").st_mode) == 0o600
    assert load_secret(tmp_path / "kiosk.registry") == "host=db password=s3cret"


def test_with_a_keystore_the_disk_holds_only_a_pointer(tmp_path, memory_keyring):
    key = DataKey.generate()
    saved = save_secret(tmp_path / "kiosk.key", key.encoded())
    assert saved.in_keystore and saved.where == "MemoryKeyring"
    on_disk = (tmp_path / "kiosk.key").read_text()
    assert on_disk.startswith(POINTER) and key.encoded() not in on_disk
    assert memory_keyring.entries == {(SERVICE, str((tmp_path / "kiosk.key").resolve())): key.encoded()}
    assert read_key_file(tmp_path / "kiosk.key").master == key.master


def test_a_database_whose_key_is_in_the_keystore_opens_and_fails_in_one_line_once_it_is_gone(
    tmp_path, memory_keyring, card_record
):
    settings = Settings(key_file=str(tmp_path / "kiosk.key"))
    key = DataKey.generate()
    save_secret(tmp_path / "kiosk.key", key.encoded())
    with Kiosk.open(settings, tmp_path / "k.sqlite") as kiosk:
        assert kiosk.store.key.master == key.master
    memory_keyring.entries.clear()  # another Windows account, or the entry deleted
    with pytest.raises(DataKeyError, match="keystore has no entry") as info:
        Kiosk.open(settings, tmp_path / "k.sqlite")
    assert info.value.reason == "key_in_keystore" and "\n" not in info.value.one_line()
    keyring.set_keyring(keyring.backends.null.Keyring())  # no keystore at all on this PC any more
    with pytest.raises(DataKeyError, match="does not answer here"):
        Kiosk.open(settings, tmp_path / "k.sqlite")


def test_a_keystore_that_refuses_says_so_and_writes_no_pointer(tmp_path, memory_keyring, monkeypatch):
    def locked(*_: object) -> None:
        raise keyring.errors.KeyringLocked("the collection is locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    with pytest.raises(DataKeyError, match="refused to store a secret: the collection is locked"):
        save_secret(tmp_path / "kiosk.key", DataKey.generate().encoded())
    assert not (tmp_path / "kiosk.key").exists()


def test_failing_and_null_backends_are_not_keystores(memory_keyring, tmp_path):
    from keyring.backends import fail, null

    for backend in (fail.Keyring(), null.Keyring()):
        keyring.set_keyring(backend)
        assert _backend() is None
        assert not save_secret(tmp_path / "s", "x").in_keystore
    keyring.set_keyring(memory_keyring)
    assert _backend() is memory_keyring and save_secret(tmp_path / "s", "x").in_keystore
