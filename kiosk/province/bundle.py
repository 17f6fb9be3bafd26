"""The join bundle: what a new counter needs to join the province, sealed under a join code.

``kiosk province add-counter`` writes one per counter: the registry's address, the CA
certificate (when the registry speaks TLS), the counter's own login and password, and the
province data key, as JSON sealed with AES-256-GCM under a key derived from a random
**join code** (scrypt, n=2^15, r=8, p=1; 20 characters of a 30-letter alphabet, about 98
bits). The command prints the code; the bundle travels separately (USB stick, e-mail), the
code by another way (telephone, paper). The bundle alone opens nothing: its only clear
text is the format and the counter's name, which the seal also authenticates.

A bundle is good once: ``kiosk join`` replaces the bundle's password with one that only the
counter knows (:mod:`kiosk.counter.join`), so a bundle and code found later open nothing
at the registry (the data key inside them does not change, though: keep both safe).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.errors import BundleError

FORMAT = "cccd-kiosk-join"
VERSION = 1
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
"""Letters and digits that cannot be mistaken for one another when read aloud or written down."""
CODE_LENGTH = 20
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


@dataclass(frozen=True)
class JoinPayload:
    """What a bundle carries.

    Attributes:
        counter: the counter's name in the registry (written on its rows).
        registry: libpq connection string of the registry for counters, without user or password.
        user: the counter's login role.
        password: its password (good until the counter joins and replaces it).
        ca_pem: the CA certificate (PEM) the counter checks the registry's certificate with; "" = none given.
        data_key: the province data key, base64.
        registry_id: the registry's id (a counter keeps one pull cursor per registry).
    """

    counter: str
    registry: str
    user: str
    password: str
    ca_pem: str
    data_key: str
    registry_id: str


def new_join_code() -> str:
    """A fresh join code, e.g. ``K7QM-2XPA-RT4W-9HNB-ZC3E``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def seal_bundle(payload: JoinPayload, code: str) -> bytes:
    """The bundle file's bytes (UTF-8 JSON): ``payload`` sealed under ``code``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt = secrets.token_bytes(16)
    header = {"format": FORMAT, "version": VERSION, "counter": payload.counter, "kdf": "scrypt", **_SCRYPT}
    header["salt"] = _b64(salt)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_derive(code, salt)).encrypt(
        nonce, json.dumps(asdict(payload), ensure_ascii=False).encode("utf-8"), _aad(header)
    )
    return json.dumps({**header, "nonce": _b64(nonce), "sealed": _b64(sealed)}, ensure_ascii=False, indent=1).encode()


def open_bundle(data: bytes, code: str) -> JoinPayload:
    """The payload of a bundle file's bytes, opened with ``code`` (dashes, spaces and case ignored).

    Raises:
        BundleError: not a join bundle, a damaged one, a malformed code, or not this bundle's code.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        outer = json.loads(data.decode("utf-8"))
        if not isinstance(outer, dict) or outer.get("format") != FORMAT:
            raise ValueError("not a join bundle")
        if outer.get("version") != VERSION:
            raise BundleError(
                f"this join bundle has format version {outer.get('version')}, this kiosk reads {VERSION}",
                "install the same kiosk release as the province administrator's",
            )
        header = {k: outer[k] for k in ("format", "version", "counter", "kdf", *_SCRYPT, "salt")}
        if header["kdf"] != "scrypt" or any(header[k] != v for k, v in _SCRYPT.items()):
            raise ValueError("unknown key derivation")
        salt, nonce, sealed = (base64.b64decode(outer[k], validate=True) for k in ("salt", "nonce", "sealed"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BundleError(
            "this file is not a kiosk join bundle (or it is damaged)",
            "use the .bundle file that kiosk province add-counter wrote",
        ) from None
    key = _derive(code, salt)
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, _aad(header))
    except (InvalidTag, ValueError):
        raise BundleError(
            f"the join code does not open this bundle (for counter {header['counter']!r})",
            "check the code letter by letter; each bundle has its own code",
        ) from None
    try:
        fields: dict[str, Any] = json.loads(plain.decode("utf-8"))
        payload = JoinPayload(**fields)
        base64.b64decode(payload.data_key, validate=True)
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(payload.registry)
    except Exception:  # sealed by someone with the code but not by kiosk province add-counter
        raise BundleError(
            "this join bundle opens but does not hold what a counter needs", "ask the administrator for a new bundle"
        ) from None
    return payload


def _normalised(code: str) -> str:
    """The code as sealed: upper case, in groups of 4, whatever the user typed between them.

    Raises:
        BundleError: not 20 letters and digits of the code alphabet.
    """
    raw = "".join(ch for ch in code.upper() if not ch.isspace() and ch != "-")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        raise BundleError(
            f"a join code is {CODE_LENGTH} letters and digits (e.g. K7QM-2XPA-RT4W-9HNB-ZC3E); this one is not",
            "copy the code that kiosk province add-counter printed for this counter",
        )
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _derive(code: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, **_SCRYPT).derive(_normalised(code).encode("ascii"))


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
