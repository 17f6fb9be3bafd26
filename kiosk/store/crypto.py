"""Encryption at rest: one data key, kept outside the database.

The 32-byte data key comes from the ``KIOSK_DATA_KEY`` environment variable (base64) or a
key file readable only by the kiosk's user (default ``kiosk.key`` in the user's config
folder). Three sub-keys are derived from it with HKDF-SHA256:

- **seal**: AES-256-GCM for citizens' personal fields and face embeddings. Each value is
  ``nonce (12 bytes) || ciphertext || tag (16 bytes)``, with associated data binding it
  to its column and citizen, so ciphertexts cannot be swapped between rows.
- **index**: HMAC-SHA256 of the 12-digit ID number (a blind index), so the store finds a
  citizen by ID number without storing the number in clear.
- **audit**: HMAC-SHA256 chaining the audit log, so an edit without the key is detected.

Every counter of a province shares the key (the registry holds the same ciphertexts).
A copied database without the key yields no name, no ID number and no template.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.errors import DataKeyError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES
"""Bytes a sealed value is longer than its plaintext."""
ENV_KEY = "KIOSK_DATA_KEY"


def _hkdf(master: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cccd-kiosk", info=info).derive(master)


@dataclass(frozen=True)
class DataKey:
    """The data key and its derived sub-keys. Build with :meth:`from_bytes` or :func:`load_key`."""

    master: bytes = field(repr=False)
    seal_key: bytes = field(repr=False)
    index_key: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)

    @classmethod
    def from_bytes(cls, master: bytes) -> DataKey:
        """Derive the sub-keys from a 32-byte master key."""
        if len(master) != KEY_BYTES:
            raise DataKeyError(
                f"the data key must be {KEY_BYTES} bytes, got {len(master)}", "check the key file or KIOSK_DATA_KEY"
            )
        return cls(master, _hkdf(master, b"seal-v1"), _hkdf(master, b"index-v1"), _hkdf(master, b"audit-v1"))

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh random key."""
        return cls.from_bytes(secrets.token_bytes(KEY_BYTES))

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """AES-256-GCM encrypt; ``context`` (e.g. ``b"sample:" + id_hash``) is authenticated, not stored."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aes.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        """Decrypt and authenticate what :meth:`seal` made with the same ``context``.

        Raises:
            DataKeyError: the value was not sealed with this key and context (wrong key, or tampered).
        """
        [plain] = self.open_each([(sealed, context)])
        if plain is None:
            raise _not_this_key()
        return plain

    def open_each(self, sealed: Iterable[tuple[bytes, bytes]]) -> list[bytes | None]:
        """:meth:`open` for many ``(sealed value, context)`` pairs (a pulled batch): each
        plaintext in order, None for a value that does not authenticate."""
        from cryptography.exceptions import InvalidTag

        aes, out = self.opener(), list[bytes | None]()
        for value, context in sealed:
            try:
                out.append(aes.decrypt(value[:NONCE_BYTES], value[NONCE_BYTES:], context))
            except (InvalidTag, ValueError):
                out.append(None)
        return out

    def open_into(self, sealed: memoryview, context: bytes, out: memoryview) -> None:
        """:meth:`open` for large values: the plaintext is written into ``out`` (exactly
        ``len(sealed) - SEAL_OVERHEAD`` bytes), nothing is copied.

        Raises:
            DataKeyError: as :meth:`open`; also when ``out`` is not of the plaintext's length.
        """
        from cryptography.exceptions import InvalidTag

        try:
            self.opener().decrypt_into(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context, out)
        except (InvalidTag, ValueError):
            raise _not_this_key() from None

    def opener(self) -> AESGCM:
        """A reusable AES-GCM object for bulk decryption (``.decrypt(nonce, data, context)``);
        made once per key (a first pull opens millions of values)."""
        return self._aes

    @cached_property
    def _aes(self) -> AESGCM:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self.seal_key)

    def blind_index(self, id_number: str) -> bytes:
        """HMAC-SHA256 of an ID number: the same number always gives the same 32 bytes."""
        return hmac.new(self.index_key, id_number.encode("ascii", "replace"), hashlib.sha256).digest()

    def check_value(self) -> bytes:
        """A value stored in the database to recognise its key (reveals nothing about it)."""
        return hmac.new(self.index_key, b"key-check", hashlib.sha256).digest()

    def chain(self, previous: bytes, entry: bytes) -> bytes:
        """Audit chain: HMAC-SHA256 over the previous entry's hash and this entry's bytes."""
        return hmac.new(self.audit_key, previous + entry, hashlib.sha256).digest()

    def encoded(self) -> str:
        """The master key as base64 text (what a key file and KIOSK_DATA_KEY hold)."""
        return base64.b64encode(self.master).decode("ascii")


def _not_this_key() -> DataKeyError:
    return DataKeyError(
        "a stored value does not decrypt with this key (wrong key or tampered data)",
        "use the key this database was written with",
    )


def default_key_path() -> Path:
    """``kiosk.key`` in the user's config folder."""
    from kiosk.settings import default_config_path

    return default_config_path().with_name("kiosk.key")


def read_key_file(path: Path) -> DataKey:
    """Read a key file (base64 text, or a pointer to the OS keystore: :mod:`kiosk.store.keystore`).

    Raises:
        DataKeyError: the file is missing, unreadable or does not hold a 32-byte key.
    """
    from kiosk.store.keystore import load_secret

    try:
        text = load_secret(path)
    except FileNotFoundError:
        raise DataKeyError(
            f"the data key file {path} is missing",
            "restore it from your key backup (the database cannot be read without it), or set KIOSK_DATA_KEY",
            reason="key_missing",
            facts={"path": str(path)},
        ) from None
    except DataKeyError as exc:
        raise DataKeyError(
            exc.message, exc.hint, reason=exc.reason or "key_unreadable", facts={"path": str(path)}
        ) from None
    return _decode(text, str(path))


def _decode(text: str, where: str) -> DataKey:
    """A key written as base64: the standard alphabet (``+/``, what the kiosk writes) or the
    URL-safe one (``-_``), padding optional."""
    bare = text.strip().rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        raw = base64.b64decode(bare + "=" * (-len(bare) % 4), validate=True)
    except ValueError:
        raise DataKeyError(
            f"the data key in {where} is not base64 (letters, digits and + / or - _)",
            "restore the key from your backup",
        ) from None
    return DataKey.from_bytes(raw)


def write_key_file(path: Path, key: DataKey) -> None:
    """Write a key file readable only by the current user (0600), atomically."""
    from kiosk.store.keystore import write_private_file

    write_private_file(path, key.encoded())


def load_key(key_file: Path | None = None, environ: dict[str, str] | None = None, *, create: bool = False) -> DataKey:
    """The data key: ``KIOSK_DATA_KEY`` if set, else the key file (created when ``create``).

    Raises:
        DataKeyError: no key where one must exist, or a malformed key.
    """
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY):
        return _decode(env[ENV_KEY].strip(), ENV_KEY)
    path = key_file or default_key_path()
    if create and not path.exists():
        key = DataKey.generate()
        write_key_file(path, key)
        return key
    return read_key_file(path)
