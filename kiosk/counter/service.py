"""The kiosk's services: read a card, recognise a face, confirm, check in, enrol, purge.

Callers (the CLI, the replay, the desktop app) hold one :class:`Kiosk`, hand frames in and get
plain results out; every failure is a named :class:`models.KioskError`. The Kiosk hands each
piece of work to the module of ``kiosk/counter`` that does it, with the narrow things it needs.
"""

from __future__ import annotations

import getpass
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

from kiosk.cccd.record import CccdRead, mis_encoded
from kiosk.chip.reader import ChipRead
from kiosk.counter import cards, checkin, enrolment, identify, retention
from kiosk.counter.admin import Admin, login
from kiosk.counter.cards import CardCheck
from kiosk.counter.chip import (
    check_against_qr,
    check_holder,
    chip_face,
    chip_required,
    read_card_chip,
    reader_enabled,
)
from kiosk.counter.enrolment import EnrolResult, SampleRules
from kiosk.counter.factories import analyzer_for, key_path, open_store, policy_for, registry_target
from kiosk.counter.gallery import EngineStatus, Gallery
from kiosk.counter.identify import FaceCheck, KeypadAsk
from kiosk.counter.snapshot import snapshot_path
from kiosk.counter.stats import DayStats, today_stats
from kiosk.errors import ChipError, RegistryError
from kiosk.province.sync import PULL_BATCH, SyncReport, sync
from kiosk.settings import Settings, default_db_path
from kiosk.store import auth, counter_state
from kiosk.store.crypto import ENV_KEY, DataKey
from kiosk.store.records import Store
from kiosk.store.sync_rows import SyncRows
from models import CitizenRecord, FaceSample, Rating
from recognition.analyzer import FaceAnalyzer, FrameFaces
from recognition.engines import ENGINE_NAMES, check_engine
from recognition.errors import NoFaceError
from recognition.index import AnyMatcher, FaceIndex
from recognition.policy import PolicyConfig


class Kiosk:
    """One counter's services over its store. Open with :meth:`open`; close when done."""

    def __init__(
        self, settings: Settings, store: Store, *, analyzer: FaceAnalyzer | None = None, actor: str | None = None
    ) -> None:
        self.settings = settings
        self.store = store
        self._analyzer = analyzer
        self.engine = settings.face_engine
        self.policies = {name: policy_for(settings, name) for name in ENGINE_NAMES}
        self.actor = actor or _os_user()
        self._gallery = Gallery(store, self.engine, snapshot_path(store.path))
        self._chip_seen = False
        self._syncing = threading.Lock()  # one sync at a time (the window's background sync, retention, the CLI's)
        self.key_created: Path | None = None
        """The data key file this :meth:`open` wrote (a new database with no key yet); None otherwise.
        The CLI and the window say where it is, once: it must be backed up."""

    @classmethod
    def open(
        cls,
        settings: Settings,
        db_path: str | Path | None = None,
        *,
        create: bool = True,
        analyzer: FaceAnalyzer | None = None,
        actor: str | None = None,
    ) -> Kiosk:
        """Open the store at ``db_path``, else ``settings.db_path``, else the user data folder.

        The data key comes from ``KIOSK_DATA_KEY`` or ``settings.key_file`` (a new database
        with no key yet gets a new key file). ``create=False`` refuses a missing database
        file: a mistyped path must not look like an empty kiosk.
        """
        path = Path(db_path or settings.db_path or default_db_path())
        key = key_path(settings)
        keyless = not os.environ.get(ENV_KEY) and not key.exists()
        store = open_store(path, Path(settings.key_file) if settings.key_file else None, create)
        kiosk = cls(settings, store, analyzer=analyzer, actor=actor)
        kiosk.key_created = key if keyless and key.exists() else None
        return kiosk

    def close(self) -> None:
        """Save the face index's snapshot if the templates changed, then close the store."""
        try:
            self._gallery.close()
        finally:
            self.store.close()

    def __enter__(self) -> Kiosk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def analyzer(self) -> FaceAnalyzer:
        """The face analyzer of the settings (built on first use; models load on the first frame)."""
        if self._analyzer is None:
            self._analyzer = analyzer_for(self.settings)
        return self._analyzer

    @property
    def policy(self) -> PolicyConfig:
        """The default engine's policy (thresholds in its distance)."""
        return self.policies[self.engine]

    # -- the face index ----------------------------------------------------------------
    @property
    def index(self) -> FaceIndex:
        """The in-memory face index (one matcher per engine), loaded from the store on first use.

        The default engine's templates first; then each older engine's, for the citizens
        who have no default-engine template yet (see :class:`recognition.index.FaceIndex`).
        """
        return self._gallery.index

    @property
    def matcher(self) -> AnyMatcher:
        """The default engine's matcher (see :attr:`index`)."""
        return self.index.main

    @property
    def legacy_engines(self) -> tuple[str, ...]:
        """Older engines some citizens are still recognised through: each frame needs their embeddings too."""
        return self.index.legacy_engines

    def check_models(self) -> None:
        """Verify the model files of the default engine and of every older engine still needed
        (size and SHA-256, no model loaded): what the app does before opening its window.

        Raises:
            ModelFileError: a file is missing or damaged (one line, with what to do).
        """
        for name in (self.engine, *self.legacy_engines):
            check_engine(name)

    def engine_status(self) -> EngineStatus:
        """The default engine and how many citizens still lack its templates (``kiosk list``, admin)."""
        return self._gallery.engine_status()

    def sync(
        self,
        url: str | None = None,
        *,
        batch: int = PULL_BATCH,
        after_batch: Callable[[str, int], None] | None = None,
        create_registry: bool = False,
    ) -> SyncReport:
        """Sync this counter with the province registry at ``url`` (default: :meth:`registry`)
        (see :func:`kiosk.province.sync.sync`), one sync at a time. A loaded face index is kept in
        step as batches are stored. For a first pull (no template here yet, or one left
        half-way) the index is loaded first, so that it is ready at the end; the snapshot is
        rewritten when it lags (:meth:`kiosk.counter.gallery.Gallery.keep_snapshot`).

        Raises:
            RegistryError: no registry given, unreachable, another data key, or a failed step.
            DataKeyError: the joined registry's credentials cannot be read from the keystore.
        """
        target = url or self.registry()
        if not target:
            raise RegistryError(
                "this counter has not joined a province registry",
                "join with the bundle from the province administrator (kiosk join BUNDLE --code CODE)",
            )
        with self._syncing:
            if not self._gallery.loaded and (
                self.store.sample_tally(self.engine)[0] == 0 or SyncRows(self.store).first_pull_left()
            ):
                _ = self._gallery.index  # free now, or the rest of a first pull: fed as it is stored
            report = sync(
                self.store,
                target,
                counter=self.settings.counter_name,
                actor=self.actor,
                reindex=self._gallery.update,
                batch=batch,
                after_batch=after_batch,
                create_registry=create_registry,
            )
            self._gallery.keep_snapshot()
        return report

    def registry(self) -> str:
        """The registry connection string this counter syncs with ("" = none; see
        :func:`kiosk.counter.factories.registry_target`). Holds a password: never show or log it."""
        return registry_target(self.settings)

    # -- cards -------------------------------------------------------------------------
    def read_card(self, frame: np.ndarray, *, thorough: bool = True) -> CccdRead:
        """Decode the CCCD QR code in a frame and parse it (see :func:`kiosk.counter.cards.read_card`)."""
        return cards.read_card(frame, thorough=thorough)

    def check_card(self, card: CccdRead) -> CardCheck:
        """Whether the card's citizen is enrolled (the QR read is audited; no visit is logged)."""
        return cards.check_card(self.store, card, actor=self.actor, counter=self.settings.counter_name)

    def correct_card(self, card: CccdRead, *, full_name: str | None = None, address: str | None = None) -> CccdRead:
        """The clerk's correction of the card's name or address before enrolment, audited (see
        :func:`kiosk.counter.cards.correct_card`)."""
        return cards.correct_card(
            self.store,
            card,
            full_name=full_name,
            address=address,
            actor=self.actor,
            counter=self.settings.counter_name,
        )

    def check_in_by_card(
        self, card: CccdRead, seen_at: datetime | None = None, *, faces: Sequence[FaceSample] = ()
    ) -> CardCheck:
        """Check in a citizen by their card: a known citizen gets a visit; an unknown one needs
        enrolment (see :func:`kiosk.counter.cards.check_in_by_card`). ``faces``: live camera
        frames of the face in view while the card was on screen (the counter window, ``kiosk
        serve``); the sharpest of those that are unambiguously the card's citizen may teach their
        template, as a confirmed face does (:meth:`kiosk.counter.enrolment.SampleRules.learnt_by_card`)."""
        rules = self._sample_rules()
        return cards.check_in_by_card(
            self._gallery,
            card,
            seen_at,
            lambda citizen_id: rules.learnt_by_card(
                citizen_id, faces, lambda face: identify.margin_for(self._gallery, self.policies, face, citizen_id)
            ),
            actor=self.actor,
            counter=self.settings.counter_name,
        )

    # -- faces -------------------------------------------------------------------------
    def analyze(self, frame: np.ndarray) -> FrameFaces:
        """Detect, assess and embed the largest face (also through older engines while some
        citizens are only known to them)."""
        return self.analyzer.analyze(frame, also=self.legacy_engines)

    def identify(self, frame: np.ndarray) -> FaceCheck:
        """Recognise the largest face in a frame. Logs nothing; see :meth:`check_in`.

        Raises:
            NoFaceError: no face in the frame.
        """
        faces = self.analyze(frame)
        if faces.primary is None:
            raise NoFaceError("no face found", "the citizen should face the camera, close and in good light")
        return self.identify_sample(faces.primary)

    def identify_sample(self, sample: FaceSample) -> FaceCheck:
        """Recognise an already embedded face (see :func:`kiosk.counter.identify.identify_sample`)."""
        return identify.identify_sample(self._gallery, self.policies, sample)

    def identify_frames(self, samples: Sequence[FaceSample], agreed: FaceCheck) -> FaceCheck:
        """The decision on agreeing frames of one approach, their faces fused (see
        :func:`kiosk.counter.identify.identify_frames`)."""
        return identify.identify_frames(self._gallery, self.policies, samples, agreed)

    def keypad_ask(self, check: FaceCheck, attempt: int = 0) -> KeypadAsk:
        """What the keypad asks for on try ``attempt`` (0 = the first) of a CONFIRM check:
        the last 4 or 6 ID digits, or the birth year (see :func:`kiosk.counter.identify.keypad_ask`)."""
        return identify.keypad_ask(check, self.settings.confirm_with, attempt)

    def confirm(self, check: FaceCheck, typed: str, attempt: int = 0) -> FaceCheck:
        """Resolve a CONFIRM check with the digits the citizen typed on try ``attempt`` (what
        :meth:`keypad_ask` asked for: other digits, or another count of them, fit nobody)."""
        return identify.confirm(
            self.store,
            check,
            typed,
            confirm_with=self.settings.confirm_with,
            attempt=attempt,
            actor=self.actor,
            counter=self.settings.counter_name,
        )

    def check_in(self, check: FaceCheck, seen_at: datetime | None = None, *, learn: bool = False) -> int:
        """Log the visit of a matched face (the clerk pressed confirm); returns the visit id. A
        citizen with no default-engine sample yet gains them from the check's frames that
        qualify; with ``learn`` (live camera frames: the counter window, ``kiosk serve``) one
        may gain the sharpest frame of an unambiguous face, replacing their oldest learnt one
        at ``min_enrol_samples + visit_samples`` (see :meth:`kiosk.counter.enrolment.SampleRules.learnt`)."""
        rules = self._sample_rules()
        return checkin.check_in(
            self._gallery,
            check,
            seen_at,
            lambda citizen_id, c: rules.learnt(citizen_id, c, learn=learn),
            counter=self.settings.counter_name,
            actor=self.actor,
        )

    def mark_visit_done(self, visit_id: int, at: datetime | None = None) -> bool:
        """The clerk finished visit ``visit_id`` (the window's "done", or the local API): stamp
        the time once (``at``, aware UTC, default now: a replay's scripted time). False when
        there is no such visit (purged, or a wrong id)."""
        return self.store.mark_visit_done(visit_id, at or self.store.clock())

    def rate_visit(self, visit_id: int, rating: Rating) -> bool:
        """Record the citizen's satisfaction answer on a visit. False when there is no such visit."""
        return self.store.rate_visit(visit_id, rating)

    # -- enrolment and purge -----------------------------------------------------------
    def enrol(
        self,
        record: CitizenRecord,
        samples: Sequence[FaceSample],
        *,
        consent: bool,
        staff: str | None = None,
        allow_duplicate_face: bool = False,
        seen_at: datetime | None = None,
        chip: ChipRead | None = None,
        chip_photo_sample: bool = False,
    ) -> EnrolResult:
        """Store a new citizen with their face samples and consent (recorded by ``staff``, default
        the kiosk's actor), all or nothing, and log their first visit; at least
        ``settings.min_enrol_samples`` samples must pass (see :func:`kiosk.counter.enrolment.enrol`).

        With ``chip`` (the card's chip, read and verified): it must agree with ``record``, the
        chip's record is stored when its signer chains to the CSCA (the chip then wins over the
        QR: diacritics, address), and the quality-passing live samples must be the chip photo's holder
        (:func:`kiosk.counter.chip.check_holder`) before anything is written. The chip photo is
        stored as one more sample only with ``chip_photo_sample`` (the citizen consented to it).

        Raises:
            ChipError: no chip where ``chip_reader`` is ``required``, the chip is another
                citizen's (``disagree``), its photo has no face, or the live face is not its
                holder (``not_holder``); and what enrolment raises.
        """
        chip_level = ""
        if chip is None and chip_required(self.settings):
            raise ChipError(
                "this counter enrols only with the card's chip read (chip_reader = required)",
                "lay the card on the reader and save again (kiosk enroll: add --chip)",
                reason="no_card",
            )
        if chip is not None:
            check_against_qr(chip, record, name_mis_encoded=bool(mis_encoded(record.full_name)[0]))
            photo = chip_face(self.analyzer, chip)
            check_holder(photo, [s for s in samples if not s.issues], self.policy.holder_distance)
            if chip.verified.level == "csca":  # only a chip chained to the Ministry outranks the QR
                record = replace(chip.record, extra=record.extra)
            samples = [*samples, photo] if chip_photo_sample else samples
            chip_level = chip.verified.level
        return enrolment.enrol(
            self._gallery,
            self._sample_rules(),
            record,
            samples,
            chip_level=chip_level,
            consent=consent,
            staff=staff or self.actor,
            counter=self.settings.counter_name,
            allow_duplicate_face=allow_duplicate_face,
            seen_at=seen_at,
        )

    def read_chip(
        self, card: CccdRead | None, *, mrz: str | None = None, can: str | None = None, csca: Path | None = None
    ) -> ChipRead:
        """Read and verify the card's chip on this counter's reader (see
        :func:`kiosk.counter.chip.read_card_chip`); nothing of it is logged or stored."""
        return read_card_chip(self.settings, card, mrz=mrz, can=can, csca=csca)

    def chip_reader_ready(self) -> bool:
        """Whether this first visit reads the chip: ``chip_reader`` is ``required``, or not ``off``
        and a reader is attached or has ever been used at this counter (remembered in the
        database: unplugging it or restarting then makes saving fail with ``no_reader``, to
        retry, instead of enrolling from the QR alone; an administrator sets ``off`` to retire it)."""
        seen = self._chip_seen or counter_state.chip_reader_seen(self.store)
        ready = reader_enabled(self.settings, seen=seen)
        if ready and not seen and not chip_required(self.settings):  # a reader was found just now
            counter_state.mark_chip_reader_seen(self.store, self.actor, self.settings.counter_name)
        self._chip_seen = seen or ready
        return ready

    def add_samples(self, id_number: str, samples: Sequence[FaceSample]) -> int:
        """Add quality-passing samples to an enrolled citizen (re-enrolment); returns how many
        were stored (see :func:`kiosk.counter.enrolment.add_samples`)."""
        return enrolment.add_samples(
            self._gallery,
            self._sample_rules(),
            id_number,
            samples,
            actor=self.actor,
            counter=self.settings.counter_name,
        )

    def _sample_rules(self) -> SampleRules:
        """Which samples may be stored, under the current settings."""
        return SampleRules(
            store=self.store,
            engine=self.engine,
            max_spread=self.policy.candidate_distance,
            min_samples=self.settings.min_enrol_samples,
            identify=self.identify_sample,
            visit_samples=self.settings.visit_samples,
            min_margin=self.policy.min_margin,
            learn_distance=self.policy.learn_distance,
        )

    def _purge(self, id_number: str, reason: str, actor: str) -> dict[str, int]:
        """Purge the citizen with this ID number (see :func:`kiosk.counter.retention.purge`).
        Reached through :class:`kiosk.counter.admin.Admin`, never directly by clerk code."""
        return retention.purge(self._gallery, id_number, reason, actor=actor, counter=self.settings.counter_name)

    def consent_receipt(self, citizen_id: int) -> str:
        """The printable consent receipt (HTML) right after enrolment, for the citizen at the counter."""
        return enrolment.consent_receipt(
            self.store, citizen_id, self.settings.retention_days, self.settings.display_timezone
        )

    # -- the counter screen's look-ups (ui.flow) --------------------------------------
    def citizen_id_of(self, id_number: str) -> int | None:
        """The internal id of the enrolled citizen with this 12-digit ID number, or None (not audited:
        the counter screen asks after a card read or a save that was audited already).

        Raises:
            StoreError: the database cannot be read.
        """
        found = self.store.find_citizen(id_number)
        return found[0] if found is not None else None

    def counter_stats(self) -> DayStats:
        """Today's figures at this counter (the day in ``settings.display_timezone``).

        Raises:
            StoreError: the database cannot be read.
        """
        return today_stats(self.store, self.settings.counter_name, tz=self.settings.display_timezone)

    # -- retention and administration --------------------------------------------------
    def retention_due(self) -> list[dict[str, object]]:
        """Citizens with no visit for ``settings.retention_days`` (a dry run), oldest first:
        ``{"id_number": masked, "full_name", "last_activity"}``."""
        return retention.due(self.store, self.settings.retention_days)

    def apply_retention(self, actor: str = "retention") -> int:
        """Purge every citizen past the retention period (the app runs this at start-up and daily);
        returns how many. With a registry configured, a sync runs before and after (see
        :func:`kiosk.counter.retention.apply_retention`).

        Raises:
            RegistryError: a registry is configured and the sync failed.
        """
        return retention.apply_retention(
            self._gallery,
            self.settings.retention_days,
            self.sync if self.registry() else None,
            actor=actor,
            counter=self.settings.counter_name,
        )

    def has_admin_pin(self) -> bool:
        """True once an administrator PIN has been set."""
        return auth.has_pin(self.store)

    def set_first_admin_pin(self, pin: str) -> None:
        """Set the administrator PIN of a kiosk that has none yet (first run)."""
        auth.set_pin(self.store, pin, self.actor, self.settings.counter_name, first=True)

    def reset_admin_pin(self, new_pin: str, key: DataKey) -> None:
        """Replace a forgotten administrator PIN, proven by holding this database's data ``key``
        (a backup of the key file); audited as ``pin_reset``. See :func:`kiosk.store.auth.set_pin`."""
        auth.set_pin(self.store, new_pin, self.actor, self.settings.counter_name, reset_with=key)

    def login_admin(self, pin: str, actor: str | None = None) -> Admin:
        """Check the administrator PIN and open a session for ``actor`` (default: the kiosk's);
        see :func:`kiosk.counter.admin.login`."""
        return login(self, pin, actor or self.actor)

    # -- the local API (kiosk/api) -----------------------------------------------------------
    def api_token(self) -> str:
        """The local API's bearer token: the ``api_token`` setting, else the one kept in the
        database (:func:`kiosk.store.auth.api_token`, made on first use)."""
        return self.settings.api_token or auth.api_token(self.store, self.actor, self.settings.counter_name)

    def audit_api_read(self, citizen: CitizenRecord, what: str, client: str) -> None:
        """A citizen's record handed out by the local API (``what``: current or the event's name;
        ``client``: the caller's origin or address), written to the audit log like any look-up."""
        self.store.audit("api_read", "api", self.settings.counter_name, citizen.masked_id, what=what, client=client)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
