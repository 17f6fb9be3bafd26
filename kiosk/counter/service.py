"""The kiosk's services: read a card, recognise a face, confirm, check in, enrol, purge.

Callers (the CLI, the replay, the desktop app) hand frames in and get plain results out;
every failure is a named :class:`models.KioskError`. Nothing personal about a citizen
leaves this module for a face until the decision is a MATCH.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from kiosk.cccd.record import CccdRead, parse_cccd
from kiosk.counter.admin import Admin, EngineStatus
from kiosk.counter.consent import CONSENT_TEXT_VERSION, PURPOSE_FACE_CHECKIN
from kiosk.counter.factories import analyzer_for, engine_config, open_store, policy_for
from kiosk.counter.stats import DayStats, today_stats
from kiosk.errors import (
    AlreadyEnrolledError,
    AuthError,
    CccdError,
    ConsentRequiredError,
    FaceAlreadyEnrolledError,
    InconsistentSamplesError,
    NotEnoughSamplesError,
    NotEnrolledError,
    RegistryError,
)
from kiosk.province.sync import PULL_BATCH, SyncReport, sync
from kiosk.settings import Settings, default_db_path
from kiosk.store import auth
from kiosk.store.records import ConsentRecord, Store
from kiosk.store.sync_rows import AppliedBatch
from models import CitizenRecord, Decision, FaceBox, FaceSample, KioskError, Match, Rating, Visit
from models.citizen import mask_id_number
from recognition.analyzer import FaceAnalyzer, FrameFaces
from recognition.engines import ENGINE_NAMES, check_engine, engine_info
from recognition.errors import NoFaceError, QrNotFoundError
from recognition.index import FaceIndex
from recognition.matcher import Matcher, pairwise_distances
from recognition.policy import PolicyConfig, combine, decide, resolve_confirm
from recognition.qr import decode_qr

# The factories are exported here only for kiosk/cli/eval.py and kiosk/measure/startup.py, which are
# being changed on main: once that is merged, they import them from kiosk.counter.factories.
__all__ = ["CardCheck", "EnrolResult", "FaceCheck", "Kiosk", "engine_config", "open_store", "policy_for"]


@dataclass(frozen=True)
class FaceCheck:
    """The outcome of showing a face to the kiosk.

    Attributes:
        decision: match / confirm / unknown.
        candidate_count: how many citizens the keypad would be checked against (CONFIRM).
        distance: distance to the nearest enrolled citizen (inf when nobody is enrolled).
        margin: runner-up distance minus ``distance`` (inf without a runner-up).
        box: the face that was matched (the largest in the frame), frame pixels.
        citizen: the record to fill in, **only** when ``decision`` is MATCH.
        via_keypad: True when the match came from confirming typed digits.
        engine: the face engine whose distances these are.
        samples: the frames' faces behind this check (the agreeing frames at the counter);
            a confirmed citizen who lacks templates of the default engine gains them from these.
    """

    decision: Decision
    candidate_count: int
    distance: float
    margin: float
    box: FaceBox | None = None
    citizen: CitizenRecord | None = None
    via_keypad: bool = False
    engine: str = ""
    samples: tuple[FaceSample, ...] = field(default=(), repr=False, compare=False)
    _match: Match = field(default_factory=lambda: Match(Decision.UNKNOWN), repr=False, compare=False)


@dataclass(frozen=True)
class CardCheck:
    """A CCCD card read at the counter: the parsed card, whether the citizen is enrolled, and
    the visit logged by :meth:`Kiosk.check_in_by_card` (None: none)."""

    card: CccdRead
    known: bool
    visit_id: int | None = None  # the visit a card check-in logged (None: no visit, the citizen is not enrolled)


@dataclass(frozen=True)
class EnrolResult:
    """What an enrolment stored: the internal id, how many samples, and the first visit logged with it."""

    citizen_id: int
    record: CitizenRecord
    samples_stored: int
    visit_id: int = 0


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
        self._index: FaceIndex | None = None

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
        store = open_store(path, Path(settings.key_file) if settings.key_file else None, create)
        return cls(settings, store, analyzer=analyzer, actor=actor)

    def close(self) -> None:
        """Close the store."""
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

    @property
    def index(self) -> FaceIndex:
        """The in-memory face index (one matcher per engine), loaded from the store on first use.

        The default engine's templates first; then each older engine's, for the citizens
        who have no default-engine template yet (see :class:`recognition.index.FaceIndex`).
        """
        if self._index is None:
            metrics = {name: engine_info(name).metric for name in ENGINE_NAMES}
            index = FaceIndex(self.engine, metrics, capacity=max(1024, self.store.sample_count(self.engine)))
            for name in self._engines_default_first():
                for ids, embeddings in self.store.iter_embeddings(name):
                    index.add(name, ids, embeddings)
            self._index = index
        return self._index

    def _engines_default_first(self) -> tuple[str, ...]:
        """Every engine, the default one first (older templates are indexed only for citizens
        the default engine's templates do not cover, so it must be loaded first)."""
        return (self.engine, *(n for n in ENGINE_NAMES if n != self.engine))

    @property
    def index_loaded(self) -> bool:
        """True once :attr:`index` has been loaded (a sync then keeps it up to date)."""
        return self._index is not None

    def reindex(self, citizen_id: int) -> None:
        """Reload one citizen's templates from the store into a loaded index (after some were deleted)."""
        if self._index is None:
            return
        self._index.remove(citizen_id)
        for name in self._engines_default_first():
            kept = self.store.embeddings_of(citizen_id, name)
            if len(kept):
                self._index.add(name, np.full(len(kept), citizen_id, dtype=np.int64), kept)

    def update_index(self, changes: AppliedBatch) -> None:
        """Bring an already loaded index in line with what a sync stored (before the index is
        loaded there is nothing to do: it will be read from the store)."""
        if self._index is None:
            return
        for citizen_id in changes.gone:
            self._index.remove(citizen_id)
        for citizen_id in changes.changed:
            self.reindex(citizen_id)
        engines = sorted({e for _, e, _ in changes.faces}, key=lambda e: e != self.engine)  # the default engine's first
        for engine in engines:
            rows = [(c, e) for c, name, e in changes.faces if name == engine]
            self._index.add(engine, np.array([c for c, _ in rows], dtype=np.int64), np.stack([e for _, e in rows]))

    def sync(
        self,
        url: str | None = None,
        *,
        batch: int = PULL_BATCH,
        after_batch: Callable[[str, int], None] | None = None,
        create_registry: bool = False,
    ) -> SyncReport:
        """Sync this counter with the province registry at ``url`` (default: ``settings.registry_url``),
        keeping a loaded face index in step (see :func:`kiosk.province.sync.sync`).

        Raises:
            RegistryError: no registry given, unreachable, another data key, or a failed step.
        """
        target = url or self.settings.registry_url
        if not target:
            raise RegistryError(
                "no registry configured", "pass --registry postgresql://... or set registry_url in the settings"
            )
        return sync(
            self.store,
            target,
            counter=self.settings.counter_name,
            actor=self.actor,
            reindex=self.update_index,
            batch=batch,
            after_batch=after_batch,
            create_registry=create_registry,
        )

    @property
    def matcher(self) -> Matcher:
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
        coverage = self.store.engine_coverage()
        total = coverage.pop("citizens")
        return {
            "engine": self.engine,
            "citizens": total,
            "with_engine": coverage.get(self.engine, 0),
            "lacking": total - coverage.get(self.engine, 0),
            "templates_by_engine": coverage,
        }

    # -- cards -------------------------------------------------------------------------
    def read_card(self, frame: np.ndarray, *, thorough: bool = True) -> CccdRead:
        """Decode the CCCD QR code in a frame and parse it.

        Raises:
            QrNotFoundError: no QR code could be read.
            CccdError: a QR code was read but is not a CCCD card.
        """
        reads = decode_qr(frame, thorough=thorough)
        if not reads:
            raise QrNotFoundError(
                "no QR code found", "hold the CCCD card's QR code flat, close to the camera, in good light"
            )
        first_error: CccdError | None = None
        for read in reads:  # several codes in view (a poster behind the citizen...): the card's wins
            try:
                return parse_cccd(read.data)
            except CccdError as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def check_card(self, card: CccdRead) -> CardCheck:
        """Whether the card's citizen is enrolled (the QR read is audited; no visit is logged)."""
        known = self.store.find_citizen(card.record.id_number) is not None
        self.store.audit("qr_read", self.actor, self.settings.counter_name, card.record.masked_id, known=known)
        return CardCheck(card, known)

    def check_in_by_card(self, card: CccdRead, seen_at: datetime | None = None) -> CardCheck:
        """Check in a citizen by their card: a known citizen gets a visit; an unknown one needs enrolment.

        ``seen_at``: when the citizen's face or card was first in view (aware UTC; None: unknown).
        """
        found = self.store.find_citizen(card.record.id_number)
        with self.store.transaction("record the card check-in"):
            self.store.audit(
                "qr_read", self.actor, self.settings.counter_name, card.record.masked_id, known=found is not None
            )
            visit_id = None
            if found is not None:
                now = self.store.clock()
                visit = Visit(found[0], now, self.settings.counter_name, "qr", seen_at=_not_after(seen_at, now))
                visit_id = self.store.record_visit(visit)
        return CardCheck(card, found is not None, visit_id)

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
        """Recognise an already embedded face: through the default engine's index, and through
        each older engine's index (citizens not yet upgraded) with the sample's embedding by
        that engine. The face fills the form alone only if exactly one index found anyone."""
        if sample.engine != self.engine:
            raise ValueError(f"a {sample.engine} sample cannot be matched by a kiosk whose engine is {self.engine}")
        index = self.index
        probes = {
            self.engine: sample.embedding,
            **{e: sample.other_embeddings[e] for e in index.legacy_engines if e in sample.other_embeddings},
        }
        while True:
            found = {
                name: index.matchers[name].search(emb, self.policies[name].search_k) for name, emb in probes.items()
            }
            gone = {c.citizen_id for cands in found.values() for c in cands if not self.store.has_citizen(c.citizen_id)}
            for citizen_id in gone:  # purged by another program (a CLI purge, a sync) since the index was loaded
                index.remove(citizen_id)
            if gone:
                continue
            decisions = [
                decide(cands, self.policies[name].at_scale(len(index.matchers[name]))) for name, cands in found.items()
            ]
            try:
                return self._face_check(combine(decisions), sample.box, via_keypad=False, samples=(sample,))
            except KeyError as exc:  # purged on another thread between the search and the lookup: search again
                index.remove(exc.args[0])

    def confirm(self, check: FaceCheck, typed: str) -> FaceCheck:
        """Resolve a CONFIRM check with the digits the citizen typed (last 4 of the ID, or birth year)."""
        if check.decision is not Decision.CONFIRM:
            return check
        resolved = resolve_confirm(check._match, typed, self._keypad_entry)
        self.store.audit(
            "keypad",
            self.actor,
            self.settings.counter_name,
            "",
            fitted=resolved.decision is Decision.MATCH,
            candidates=len(check._match.candidates),
        )
        return self._face_check(resolved, check.box, via_keypad=True, samples=check.samples)

    def check_in(self, check: FaceCheck, seen_at: datetime | None = None) -> int:
        """Log the visit of a matched face (the clerk pressed confirm). Returns the visit id.

        ``seen_at``: when the face was first in view (aware UTC; None: unknown); the visit's
        ``at`` is now, so ``at - seen_at`` is the time the citizen waited to be confirmed.

        A citizen who has no template of the default engine yet (enrolled under an older
        one) gains one from each of the check's quality-passing frames, in the same
        transaction (the upgrade on the next visit); frames that do not qualify are skipped.
        """
        if check.decision is not Decision.MATCH or check._match.citizen_id is None or check.citizen is None:
            raise ValueError("only a MATCH can be checked in")
        citizen_id = check._match.citizen_id
        now = self.store.clock()
        visit = Visit(
            citizen_id,
            now,
            self.settings.counter_name,
            "confirm" if check.via_keypad else "face",
            check.distance,
            _finite(check.margin),
            seen_at=_not_after(seen_at, now),
        )
        upgrade = self._upgrade_samples(citizen_id, check.samples)
        with self.store.transaction("record the visit"):
            visit_id = self.store.record_visit(visit)
            self.store.audit(
                "identify",
                self.actor,
                self.settings.counter_name,
                check.citizen.masked_id,
                method=visit.method,
                distance=round(check.distance, 4),
                engine=check.engine,
            )
            if upgrade:
                self.store.add_samples(citizen_id, upgrade, self.settings.counter_name)
                self.store.audit(
                    "upgrade_samples",
                    self.actor,
                    self.settings.counter_name,
                    check.citizen.masked_id,
                    engine=self.engine,
                    samples=len(upgrade),
                )
        if upgrade:
            self._index_samples(citizen_id, upgrade)
        return visit_id

    def mark_visit_done(self, visit_id: int, at: datetime | None = None) -> bool:
        """The clerk finished visit ``visit_id`` (the window's "done", or the local API): stamp
        the time once (``at``, aware UTC, default now: a replay's scripted time). False when
        there is no such visit (purged, or a wrong id)."""
        return self.store.mark_visit_done(visit_id, at or self.store.clock())

    def rate_visit(self, visit_id: int, rating: Rating) -> bool:
        """Record the citizen's satisfaction answer on a visit. False when there is no such visit."""
        return self.store.rate_visit(visit_id, rating)

    def _index_samples(self, citizen_id: int, samples: Sequence[FaceSample]) -> None:
        """Put a citizen's newly stored default-engine samples into the index."""
        self.index.add(
            self.engine, np.full(len(samples), citizen_id, dtype=np.int64), np.stack([s.embedding for s in samples])
        )

    def _upgrade_samples(self, citizen_id: int, samples: Sequence[FaceSample]) -> list[FaceSample]:
        """The check's frames worth storing as the citizen's first default-engine templates
        (empty when they already have some, or when no frame qualifies)."""
        if not samples or self.engine in self.store.engines_of(citizen_id):
            return []
        try:
            return self._usable([s for s in samples if s.engine == self.engine], citizen_id, minimum=1)
        except KioskError:  # blurred, turned, inconsistent, or like another citizen: try again next visit
            return []

    def _face_check(
        self, match: Match, box: FaceBox | None, *, via_keypad: bool, samples: tuple[FaceSample, ...] = ()
    ) -> FaceCheck:
        citizen = (
            self.store.citizen(match.citizen_id)
            if match.decision is Decision.MATCH and match.citizen_id is not None
            else None
        )
        return FaceCheck(
            match.decision,
            len(match.candidates) if match.decision is Decision.CONFIRM else 0,
            match.distance,
            match.margin,
            box,
            citizen,
            via_keypad,
            match.engine,
            samples,
            match,
        )

    def _keypad_entry(self, citizen_id: int) -> str:
        record = self.store.citizen(citizen_id)
        return str(record.date_of_birth.year) if self.settings.confirm_with == "birth_year" else record.id_number[-4:]

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
    ) -> EnrolResult:
        """Store a new citizen with their face samples and consent, all or nothing, and log
        their first visit (method ``qr``, ``first_visit`` set; ``seen_at``: when their card or
        face was first in view, aware UTC, None: unknown).

        Only samples that pass every quality gate are stored; at least
        ``settings.min_enrol_samples`` must. ``consent`` must be literally ``True``: the
        citizen accepted the consent text explicitly.

        Raises:
            ConsentRequiredError, AlreadyEnrolledError, NotEnoughSamplesError,
            InconsistentSamplesError, FaceAlreadyEnrolledError, StoreError.
        """
        if consent is not True:
            raise ConsentRequiredError(
                "the citizen has not given explicit consent to store their face",
                "show the consent text and record the citizen's acceptance first",
            )
        if self.store.find_citizen(record.id_number) is not None:
            raise AlreadyEnrolledError(
                f"citizen {record.masked_id} is already enrolled", "add samples to the existing record instead"
            )
        self.index  # noqa: B018 - loaded before anything is written: a failure here leaves nothing half-done
        good = self._usable(samples, None, allow_duplicate_face=allow_duplicate_face)
        staff_name = staff or self.actor
        consent_record = ConsentRecord(
            PURPOSE_FACE_CHECKIN, CONSENT_TEXT_VERSION, self.store.clock(), self.settings.counter_name, staff_name
        )
        with self.store.transaction("enrol"):
            citizen_id = self.store.enrol(record, good, consent_record, self.settings.counter_name)
            now = self.store.clock()
            visit_id = self.store.record_visit(
                Visit(
                    citizen_id,
                    now,
                    self.settings.counter_name,
                    "qr",
                    seen_at=_not_after(seen_at, now),
                    first_visit=True,
                )
            )
            self.store.audit(
                "enrol",
                staff_name,
                self.settings.counter_name,
                record.masked_id,
                samples=len(good),
                consent_version=CONSENT_TEXT_VERSION,
            )
        self._index_samples(citizen_id, good)
        return EnrolResult(citizen_id, record, len(good), visit_id)

    def add_samples(self, id_number: str, samples: Sequence[FaceSample]) -> int:
        """Add quality-passing samples to an enrolled citizen (re-enrolment). Returns how many were stored."""
        found = self.store.find_citizen(id_number)
        if found is None:
            raise NotEnrolledError(
                f"citizen {mask_id_number(id_number)} is not enrolled", "enrol them first (card, consent, face)"
            )
        citizen_id, record = found
        good = self._usable(samples, citizen_id, minimum=1)
        with self.store.transaction("add samples"):
            self.store.add_samples(citizen_id, good, self.settings.counter_name)
            self.store.audit("add_samples", self.actor, self.settings.counter_name, record.masked_id, samples=len(good))
        self._index_samples(citizen_id, good)
        return len(good)

    def _purge(self, id_number: str, reason: str, actor: str) -> dict[str, int]:
        """Purge the citizen with this ID number (see :meth:`_purge_citizen`). Reached through
        :class:`kiosk.counter.admin.Admin`, never directly by clerk code."""
        found = self.store.find_citizen(id_number)
        if found is None:
            raise NotEnrolledError(f"citizen {mask_id_number(id_number)} is not enrolled", "check the ID number")
        return self._purge_citizen(found[0], found[1], reason, actor)

    def _purge_citizen(self, citizen_id: int, record: CitizenRecord, reason: str, actor: str) -> dict[str, int]:
        """Delete a citizen's record, samples, consents and visits (leaving a tombstone for the
        registry), drop them from the index at once, and checkpoint the WAL so no copy of
        their pages stays behind."""
        with self.store.transaction("purge"):
            counts = self.store.delete_citizen(citizen_id, self.settings.counter_name, reason)
            self.store.audit("purge", actor, self.settings.counter_name, record.masked_id, reason=reason, **counts)
        if self._index is not None:
            self._index.remove(citizen_id)
        self.store.checkpoint()
        return counts

    def consent_receipt(self, citizen_id: int) -> str:
        """The printable consent receipt (HTML) right after enrolment, for the citizen at the counter."""
        from kiosk.counter.receipt import render_receipt

        return render_receipt(
            self.store.citizen(citizen_id),
            self.store.latest_consent(citizen_id),
            self.settings.retention_days,
            self.settings.display_timezone,
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
        return [
            {"id_number": record.masked_id, "full_name": record.full_name, "last_activity": last}
            for _, record, last in self._stale()
        ]

    def apply_retention(self, actor: str = "retention") -> int:
        """Purge every citizen past the retention period (the app runs this at start-up and daily). Returns how many.

        With a registry configured, a sync runs first: a visit at another counter keeps a
        citizen, so the decision needs the province's latest visits (and the purges then
        travel at once). If the registry cannot be reached, nothing is purged.

        Raises:
            RegistryError: a registry is configured and the sync failed.
        """
        if self.settings.registry_url:
            self.sync()
        stale = self._stale()
        for citizen_id, record, _ in stale:
            self._purge_citizen(citizen_id, record, "retention", actor)
        if stale and self.settings.registry_url:
            self.sync()
        return len(stale)

    def _stale(self) -> list[tuple[int, CitizenRecord, str]]:
        cutoff = self.store.clock() - timedelta(days=self.settings.retention_days)
        return [(cid, self.store.citizen(cid), last) for cid, last in self.store.inactive_since(cutoff)]

    def has_admin_pin(self) -> bool:
        """True once an administrator PIN has been set."""
        return auth.has_pin(self.store)

    def set_first_admin_pin(self, pin: str) -> None:
        """Set the administrator PIN of a kiosk that has none yet (first run)."""
        auth.set_pin(self.store, pin, self.actor, self.settings.counter_name, first=True)

    def login_admin(self, pin: str, actor: str | None = None) -> Admin:
        """Check the administrator PIN (with lock-out) and open an administrator session.

        Raises:
            AuthError: no PIN set, or a wrong PIN. LockedOutError: too many wrong PINs.
        """
        name = actor or self.actor
        try:
            auth.check_pin(self.store, pin, self.store.clock())
        except AuthError as exc:
            self.store.audit("login_failed", name, self.settings.counter_name, "", reason=exc.message)
            raise
        self.store.audit("login", name, self.settings.counter_name)
        return Admin(self, auth.new_session(name, self.store.clock()))

    # -- the local API (kiosk/api) -----------------------------------------------------------
    def api_token(self) -> str:
        """The local API's bearer token: the ``api_token`` setting, else the one kept in the
        database, made (32 random bytes, URL-safe text; audited) the first time it is asked for."""
        if self.settings.api_token:
            return self.settings.api_token
        with self.store.transaction("make the API token"):
            token = self.store.meta_get(API_TOKEN_META)
            if token is None:
                import secrets

                token = secrets.token_urlsafe(32)
                self.store.meta_set(API_TOKEN_META, token)
                self.store.audit("api_token_made", self.actor, self.settings.counter_name)
        return token

    def audit_api_read(self, citizen: CitizenRecord, what: str, client: str) -> None:
        """A citizen's record handed out by the local API (``what``: current or the event's name;
        ``client``: the caller's origin or address), written to the audit log like any look-up."""
        self.store.audit("api_read", "api", self.settings.counter_name, citizen.masked_id, what=what, client=client)

    def _usable(
        self,
        samples: Sequence[FaceSample],
        citizen_id: int | None,
        minimum: int | None = None,
        allow_duplicate_face: bool = False,
    ) -> list[FaceSample]:
        """The quality-passing samples, checked to be one person and nobody else enrolled."""
        needed = self.settings.min_enrol_samples if minimum is None else minimum
        if any(s.engine != self.engine for s in samples):
            raise ValueError(f"samples of another engine than {self.engine} cannot be stored for it")
        good = [s for s in samples if s.passes]
        if len(good) < needed:
            reasons = sorted({issue.message for s in samples for issue in s.issues})
            raise NotEnoughSamplesError(
                f"{len(good)} of {len(samples)} face samples passed the quality checks, {needed} needed"
                + (f" ({'; '.join(reasons)})" if reasons else ""),
                "capture more frames of the citizen looking straight at the camera",
            )
        spread = float(
            np.max(pairwise_distances(np.stack([s.embedding for s in good]), engine_info(self.engine).metric))
        )
        if spread > self.policy.candidate_distance:
            raise InconsistentSamplesError(
                f"the face samples do not look like one person (spread {spread:.2f})",
                "capture again with only the citizen in front of the camera",
            )
        for sample in [] if allow_duplicate_face else good:
            match = self.identify_sample(replace(sample, other_embeddings={}))._match
            if match.decision is Decision.MATCH and match.citizen_id != citizen_id:
                assert match.citizen_id is not None  # a MATCH always names its citizen
                other = self.store.citizen(match.citizen_id)
                raise FaceAlreadyEnrolledError(
                    f"this face is already enrolled as citizen {other.masked_id}",
                    "an administrator must check both records before enrolling",
                )
        return good


API_TOKEN_META = "api_token"
"""The meta row holding the local API's token when the ``api_token`` setting is empty."""


def _not_after(seen_at: datetime | None, now: datetime) -> datetime | None:
    """A first-seen time for a visit logged ``now``: never later than the visit itself."""
    return None if seen_at is None else min(seen_at, now)


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
