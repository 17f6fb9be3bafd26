"""A counter's secrets at rest: the province data key and the registry password.

Each secret has a file at a known path (``kiosk.key`` for the data key, ``kiosk.registry``
for the registry's connection string). Where the operating system has a keystore (Windows
Credential Manager, the macOS Keychain, Secret Service on a Linux desktop: through the
``keyring`` library), the secret goes there and its file holds only a pointer
(``keystore:<entry>``), so a copy of the disk does not carry it. Where none answers (a
Linux PC without a desktop session, a service account), the file holds the secret itself,
readable by the user only (0600), and :func:`save_secret` says so, so the caller can warn.

Nothing here imports ``keyring`` until a secret is saved or a pointer is followed: opening
a database whose key file holds the key itself costs nothing more than before.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import DataKeyError

POINTER = "keystore:"
"""What a secret file holds when the secret is in the OS keystore: this, then the entry's name."""
SERVICE = "cccd-kiosk"
"""The keystore service name every entry of the kiosk is filed under."""


@dataclass(frozen=True)
class Saved:
    """Where :func:`save_secret` put a secret: ``in_keystore`` True for the OS keystore (``where``
    names it), False for a file readable by this user only (``where`` is its path)."""

    in_keystore: bool
    where: str


def save_secret(path: Path, secret: str) -> Saved:
    """Keep ``secret`` for ``path``: in the OS keystore with a pointer in ``path``, or (no keystore)
    in ``path`` itself, 0600. Atomic: a crash leaves the old file or the new.

    Raises:
        DataKeyError: the keystore or the file cannot be written.
    """
    backend = _backend()
    try:
        if backend is not None:
            entry = _entry(path)
            try:
                backend.set_password(SERVICE, entry, secret)
            except Exception as exc:  # keyring's errors vary by backend; say which keystore failed
                raise DataKeyError(
                    f"the {type(backend).__name__} keystore refused to store a secret: {exc}",
                    "unlock the keystore (log in to the desktop session), then try again",
                ) from None
            write_private_file(path, POINTER + entry)
            return Saved(True, type(backend).__name__)
        write_private_file(path, secret)
        return Saved(False, str(path))
    except OSError as exc:
        raise DataKeyError(
            f"cannot write {path}: {exc.strerror}", "choose a folder this user may write (the --config file's)"
        ) from None


def forget_secret(path: Path) -> None:
    """Remove the OS keystore's entry named after ``path`` (when there is a keystore and such an
    entry); the file at ``path`` is not touched. Never fails: it only tidies up."""
    backend = _backend()
    if backend is not None:
        try:
            backend.delete_password(SERVICE, _entry(path))
        except Exception:  # no such entry, or a keystore that cannot delete: nothing to tidy
            pass


def load_secret(path: Path) -> str:
    """The secret kept for ``path`` (following a pointer into the OS keystore).

    Raises:
        FileNotFoundError: no secret file at ``path``.
        DataKeyError: the file is unreadable, or points into a keystore that is not there or
            lost the entry.
    """
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise DataKeyError(f"cannot read {path}: {exc}", "check its permissions") from None
    if not text.startswith(POINTER):
        return text
    entry = text[len(POINTER) :]
    facts = {"path": str(path)}
    backend = _backend()
    if backend is None:
        raise DataKeyError(
            f"{path} says its secret is in the operating system's keystore, which does not answer here",
            "log in to the desktop session that holds it (or run kiosk join again with the province's bundle)",
            reason="key_in_keystore",
            facts=facts,
        )
    try:
        secret = backend.get_password(SERVICE, entry)
    except Exception as exc:
        raise DataKeyError(
            f"the {type(backend).__name__} keystore cannot be read: {exc}",
            "unlock it, then try again",
            reason="key_in_keystore",
            facts=facts,
        ) from None
    if secret is None:
        raise DataKeyError(
            f"the keystore has no entry for {path}",
            "restore the data key from the province's backup, or run kiosk join again with a new bundle",
            reason="key_in_keystore",
            facts=facts,
        )
    return str(secret)


def write_private_file(path: Path, text: str) -> None:
    """Write ``text`` (and a newline) to ``path`` readable only by the current user (0600),
    atomically and durably (fsync of the file and, on POSIX, of the folder).

    Raises:
        OSError: the folder cannot be made or written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover of a crash keeps its own mode: never write into it
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _entry(path: Path) -> str:
    """The keystore entry's name for the secret kept at ``path``: its absolute path."""
    return str(path.resolve())


_NOT_A_KEYSTORE = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
"""keyring backends that are no keystore: nothing there, or secrets in a (plain or
password-prompting) file of their own."""


def _secure(backend: Any) -> bool:
    module = type(backend).__module__
    if module.startswith("keyring.backends.chainer"):  # several keystores chained: fine if one is real
        return any(_secure(inner) for inner in getattr(backend, "backends", ()))
    return getattr(backend, "priority", 0) > 0 and not module.startswith(_NOT_A_KEYSTORE)


def _backend() -> Any | None:
    """keyring's chosen backend when it is a real OS keystore, else None."""
    import keyring

    backend = keyring.get_keyring()
    return backend if _secure(backend) else None
