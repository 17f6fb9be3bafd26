"""Named exceptions of the application layer. Each carries a one-line message and a hint."""

from __future__ import annotations

from models.errors import KioskError


class CccdError(KioskError):
    """A payload that is not a CCCD card's QR text (wrong field count, no 12-digit ID, bad date...)."""


class SettingsError(KioskError):
    """A settings file or environment variable that is unknown, malformed or out of bounds."""


class StoreError(KioskError):
    """The database cannot be opened, read or written (locked, read-only, corrupt, wrong schema)."""


class NotEnrolledError(KioskError):
    """The ID number is not in the store."""


class AlreadyEnrolledError(KioskError):
    """Enrolment was asked for a citizen who already has a record (add samples instead)."""


class ConsentRequiredError(KioskError):
    """A face would be stored without the citizen's explicit consent."""


class NotEnoughSamplesError(KioskError):
    """Fewer quality-passing face samples than enrolment requires."""


class SampleSetError(KioskError):
    """A replay set's folder or manifest is missing or malformed."""


class FaceAlreadyEnrolledError(KioskError):
    """The face being stored matches a *different* enrolled citizen (possible identity fraud or a duplicate)."""


class InconsistentSamplesError(KioskError):
    """The face samples of one enrolment do not look like the same person."""


class DataKeyError(KioskError):
    """The data key is missing, malformed or not the one the database was written with."""


class AuthError(KioskError):
    """A wrong administrator PIN, or an administrator action attempted without logging in."""


class LockedOutError(AuthError):
    """Too many wrong PINs: administrator login is locked for a while."""


class RegistryError(KioskError):
    """The province registry is unreachable, refuses the login, or a sync step failed."""


class BundleError(KioskError):
    """A join bundle that cannot be opened: not a bundle, damaged, or not this join code's."""


class ChipError(KioskError):
    """The CCCD's chip cannot be read or fails its checks: no reader or card, access refused,
    data that fail passive authentication or disagree with the card's QR, a face that is
    not the chip photo's holder. ``reason`` names which."""
