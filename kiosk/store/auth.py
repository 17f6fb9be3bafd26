"""The administrator PIN: scrypt-hashed in the database, with lock-out after failures; and
the local API's bearer token kept beside it.

Clerks run the counter; purges, exports, retention, settings and key rotation need an
administrator. The PIN is stored as ``scrypt(pin, salt, n=2**15, r=8, p=1)`` (about
0.1 s and 32 MB per try: slow to brute-force from a copied file). After
:data:`MAX_FAILURES` wrong PINs in a row, login is refused for :data:`LOCKOUT`; the
count lives in the database, so restarting the program does not reset it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.errors import AuthError, LockedOutError
from kiosk.store.crypto import DataKey
from kiosk.store.meta import ADMIN_PIN as PIN_META
from kiosk.store.meta import API_TOKEN as API_TOKEN_META
from kiosk.store.meta import LOCKED_UNTIL as LOCKED_META
from kiosk.store.meta import PIN_FAILURES as FAILURES_META
from kiosk.store.records import Store

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=5)
SESSION_LENGTH = timedelta(minutes=30)
MIN_PIN_LENGTH = 6
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


@dataclass(frozen=True)
class AdminSession:
    """Proof of a successful administrator login, valid until ``expires`` (UTC)."""

    actor: str
    expires: datetime
    token: str


def _hash(pin: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=params["n"], r=params["r"], p=params["p"], maxmem=256 * 1024 * 1024, dklen=32
    )


def has_pin(store: Store) -> bool:
    """True when an administrator PIN has been set."""
    return store.meta_get(PIN_META) is not None


def set_pin(
    store: Store, new_pin: str, actor: str, counter: str, *, first: bool = False, reset_with: DataKey | None = None
) -> None:
    """Store a new PIN and audit it, in one transaction (the caller has checked the old PIN;
    with ``first``, refuse if a PIN was set meanwhile).

    ``reset_with``: a forgotten PIN is replaced without the old one by whoever holds this
    database's data key (which reads every record anyway): the key must be the store's, the
    lock-out is lifted, and the audit log says ``pin_reset``.

    Raises:
        AuthError: ``reset_with`` is not this database's data key (``reset_wrong_key``).
        AuthError: the PIN holds something else than letters and digits (``pin_not_alnum``), or is
            shorter than :data:`MIN_PIN_LENGTH` (``pin_too_short``).
    """
    others = sorted({ch for ch in new_pin if not ch.isalnum()})
    if others:
        shown = ", ".join("a space" if ch == " " else repr(ch) for ch in others)
        raise AuthError(
            f"the PIN may hold only letters and digits, not {shown}",
            "leave out spaces and signs",
            reason="pin_not_alnum",
        )
    if len(new_pin) < MIN_PIN_LENGTH:
        raise AuthError(
            f"the PIN must be at least {MIN_PIN_LENGTH} letters or digits ({len(new_pin)} given)",
            "choose a longer PIN",
            reason="pin_too_short",
            facts={"min": MIN_PIN_LENGTH},
        )
    if reset_with is not None and not hmac.compare_digest(reset_with.check_value(), store.key.check_value()):
        raise AuthError(
            "that is not this database's data key: the PIN was not reset",
            "give the backup of the data key this counter's database is sealed with",
            reason="reset_wrong_key",
        )
    salt = secrets.token_bytes(16)
    if first and has_pin(store):
        raise AuthError(
            "an administrator PIN is already set",
            "log in and change it from the admin area (kiosk admin set-pin --pin OLD)",
            reason="pin_already_set",
        )
    value = {"salt": salt.hex(), **_SCRYPT, "hash": _hash(new_pin, salt, _SCRYPT).hex()}
    with store.transaction("save the PIN"):
        if first and store.meta_get(PIN_META) is not None:
            raise AuthError(
                "an administrator PIN is already set",
                "log in and change it from the admin area",
                reason="pin_already_set",
            )
        store.meta_set(PIN_META, json.dumps(value))
        store.meta_set(FAILURES_META, "0")
        if reset_with is not None:
            store.meta_set(LOCKED_META, "")
        store.audit("pin_reset" if reset_with is not None else "pin_set", actor, counter)


def check_pin(store: Store, pin: str, now: datetime) -> None:
    """Verify a PIN, counting failures and enforcing the lock-out.

    The attempt is counted (in one write transaction, with the lock-out check) *before* the
    slow scrypt runs, and uncounted only on success: parallel guesses cannot slip past the
    lock-out.

    Raises:
        AuthError: no PIN set, or a wrong PIN (the message says how many tries are left).
        LockedOutError: too many wrong PINs; says until when.
    """
    with store.transaction("log in"):
        stored = store.meta_get(PIN_META)
        if stored is None:
            raise AuthError(
                "no administrator PIN has been set", "set one first: kiosk admin set-pin", reason="pin_not_set"
            )
        locked_until = store.meta_get(LOCKED_META)
        if locked_until and now < datetime.fromisoformat(locked_until):
            minutes = max(1, math.ceil((datetime.fromisoformat(locked_until) - now).total_seconds() / 60))
            raise LockedOutError(
                f"administrator login is locked for {minutes} more minute{'s' if minutes != 1 else ''} "
                f"after {MAX_FAILURES} wrong PINs",
                "wait, then try again",
                reason="locked",
                facts={"minutes": minutes, "failures": MAX_FAILURES},
            )
        attempts = int(store.meta_get(FAILURES_META) or 0) + 1
        store.meta_set(FAILURES_META, str(attempts))
        if attempts >= MAX_FAILURES:  # this is the last allowed try: lock now, lift it below if the PIN is right
            store.meta_set(LOCKED_META, (now + LOCKOUT).isoformat())
    params = json.loads(stored)
    if hmac.compare_digest(_hash(pin, bytes.fromhex(params["salt"]), params), bytes.fromhex(params["hash"])):
        with store.transaction("log in"):
            store.meta_set(FAILURES_META, "0")
            store.meta_set(LOCKED_META, "")
        return
    if attempts >= MAX_FAILURES:
        with store.transaction("log in"):
            store.meta_set(FAILURES_META, "0")
        minutes = int(LOCKOUT.total_seconds() // 60)
        raise LockedOutError(
            f"wrong PIN; administrator login is locked for {minutes} minutes",
            "wait, then try again",
            reason="locked",
            facts={"minutes": minutes, "failures": MAX_FAILURES},
        )
    left = MAX_FAILURES - attempts
    raise AuthError(
        f"wrong PIN ({left} {'try' if left == 1 else 'tries'} left before a lock-out)",
        "try again",
        reason="wrong_pin",
        facts={"left": left},
    )


def new_session(actor: str, now: datetime) -> AdminSession:
    """A session token for a successful login."""
    return AdminSession(actor, now + SESSION_LENGTH, secrets.token_hex(16))


def api_token(store: Store, actor: str, counter: str) -> str:
    """The local API's bearer token kept in the database, made (32 random bytes, URL-safe
    text; audited as ``actor`` at ``counter``) the first time it is asked for."""
    with store.transaction("make the API token"):
        token = store.meta_get(API_TOKEN_META)
        if token is None:
            token = secrets.token_urlsafe(32)
            store.meta_set(API_TOKEN_META, token)
            store.audit("api_token_made", actor, counter)
    return token
