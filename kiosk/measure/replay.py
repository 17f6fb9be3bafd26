"""Replay a sample set through the whole pipeline and check every step against its manifest.

A set is a folder with ``manifest.toml``: ``[set]`` (name, description) and ordered
``[[step]]`` tables. Actions and the outcomes they may expect:

- ``card`` (``card`` image): ``new`` (not enrolled), ``known`` (checked in by QR), ``error``.
- ``enrol`` (``card`` image, ``faces`` frames, optional ``consent = false``): ``enrolled``, ``refused``.
- ``visit`` (``face`` frame, optional ``keypad`` digits typed if asked to confirm):
  ``match`` (with ``id_number``), ``unknown``, ``error``.
- ``purge`` (``id_number``): ``purged``.

A step that logs a visit (``enrolled``, ``match``, ``known``) may say how the visit went, for
``kiosk report``: ``seen_s`` (seconds from the face or card in view to the confirmation; the
visit's ``seen_at`` is that long before it is logged; default: when the step started),
``done_s`` (seconds from the confirmation to the clerk's "done"; absent: never marked done)
and ``rating`` (the citizen's answer, one of :class:`models.Rating`'s values, or ``none``:
no answer, nothing recorded).

Paths are relative to the set folder.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.counter.admin import Admin
from kiosk.counter.identify import answer
from kiosk.counter.service import Kiosk
from kiosk.errors import AuthError, SampleSetError
from kiosk.words import count
from models import Decision, KioskError, Rating
from recognition.engines.weights import ModelFileError
from recognition.images import load_image

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_EXPECT = {
    "card": {"new", "known", "error"},
    "enrol": {"enrolled", "refused"},
    "visit": {"match", "unknown", "error"},
    "purge": {"purged"},
}
_FILES = {"card": ("card",), "enrol": ("card", "faces"), "visit": ("face",), "purge": ()}


@dataclass(frozen=True)
class StepResult:
    """One replayed step: what was expected, what happened, and whether they agree.

    ``branch`` is the face path for visits (``auto``, ``keypad``, ``unknown``), else ``""``.
    ``wrong_person`` is True when a face ended matched to somebody other than expected.
    """

    index: int
    action: str
    label: str
    expected: str
    got: str
    ok: bool
    detail: str = ""
    branch: str = ""
    wrong_person: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "step": self.index,
            "action": self.action,
            "label": self.label,
            "expected": self.expected,
            "got": self.got,
            "ok": self.ok,
            "detail": self.detail,
            "branch": self.branch,
            "wrong_person": self.wrong_person,
        }


@dataclass
class ReplaySummary:
    """Counts over a whole replay. ``passed`` only if every step held and nobody was mistaken for another."""

    steps: int = 0
    failed: int = 0
    wrong_person: int = 0
    branches: Counter[str] = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return self.failed == 0 and self.wrong_person == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "summary": True,
            "steps": self.steps,
            "failed": self.failed,
            "passed": self.passed,
            "wrong_person": self.wrong_person,
            "branches": dict(self.branches),
        }


def load_manifest(set_dir: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read and check ``set_dir/manifest.toml``. Returns ``(set info, steps)``.

    Raises:
        SampleSetError: the folder or manifest is missing, malformed, names an unknown
            action or outcome, or refers to a file that does not exist.
    """
    manifest = set_dir / "manifest.toml"
    if not manifest.is_file():
        raise SampleSetError(
            f"{set_dir} is not a sample set: no manifest.toml", "pass a folder such as sample_images/counter_day"
        )
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SampleSetError(f"cannot read {manifest}: {exc}", "fix the manifest") from None
    steps = data.get("step")
    if not isinstance(steps, list) or not steps:
        raise SampleSetError(f"{manifest} has no [[step]] entries", "add steps to the manifest")
    for number, step in enumerate(steps, start=1):
        action, expect = step.get("action"), step.get("expect")
        if action not in _EXPECT:
            raise SampleSetError(
                f"{manifest} step {number}: unknown action {action!r}", f"use one of {', '.join(_EXPECT)}"
            )
        if expect not in _EXPECT[action]:
            raise SampleSetError(
                f"{manifest} step {number}: {action} cannot expect {expect!r}",
                f"use one of {', '.join(sorted(_EXPECT[action]))}",
            )
        if action == "purge" or (action == "visit" and expect == "match"):
            if not step.get("id_number"):
                raise SampleSetError(
                    f"{manifest} step {number}: {action} needs id_number", "add the citizen's ID number"
                )
        _check_service(manifest, number, step)
        for key in _FILES[action]:
            names = step.get(key)
            for name in names if isinstance(names, list) else [names]:
                if not isinstance(name, str) or not (set_dir / name).is_file():
                    raise SampleSetError(
                        f"{manifest} step {number}: {key} file {name!r} not found",
                        "fix the path (relative to the set folder)",
                    )
    return data.get("set", {}), steps


_RATINGS = {r.value for r in Rating} | {"none"}


def _check_service(manifest: Path, number: int, step: dict[str, Any]) -> None:
    """``seen_s`` / ``done_s`` must be seconds (0..86400); ``rating`` one of the four answers or none."""
    for key in ("seen_s", "done_s"):
        value = step.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 86400
        ):
            raise SampleSetError(
                f"{manifest} step {number}: {key} = {value!r} is not seconds", "give 0 to 86400 seconds"
            )
    if "rating" in step and step["rating"] not in _RATINGS:
        raise SampleSetError(
            f"{manifest} step {number}: unknown rating {step['rating']!r}", f"use one of {', '.join(sorted(_RATINGS))}"
        )


def replay(
    kiosk: Kiosk, set_dir: Path, on_step: Callable[[StepResult], None] | None = None, admin: Admin | None = None
) -> ReplaySummary:
    """Run every step of a set against ``kiosk``; ``on_step`` is called after each step.

    ``admin`` (a logged-in administrator) is needed only by ``purge`` steps.

    Raises:
        ModelFileError: a face model file is missing or damaged: checked before the first step,
            and the replay stops at the first step that meets one (no step can succeed without it).
    """
    _, steps = load_manifest(set_dir)
    kiosk.check_models()
    summary = ReplaySummary()
    for result in _run(kiosk, admin, set_dir, steps):
        summary.steps += 1
        summary.failed += not result.ok
        summary.wrong_person += result.wrong_person
        if result.branch:
            summary.branches[result.branch] += 1
        if on_step:
            on_step(result)
    return summary


def _run(kiosk: Kiosk, admin: Admin | None, set_dir: Path, steps: list[dict[str, Any]]) -> Iterator[StepResult]:
    for index, step in enumerate(steps, start=1):
        action, expect = step["action"], step["expect"]
        step = {**step, "_started": kiosk.store.clock()}
        try:
            if action == "purge":
                if admin is None:
                    raise AuthError(
                        "this set purges a citizen, which needs an administrator", "give the administrator PIN (--pin)"
                    )
                got, detail, branch, who = _purge(admin, step)
            else:
                got, detail, branch, who = _ACTIONS[action](kiosk, set_dir, step)
        except ModelFileError:
            raise  # the install, not the step: every later step would fail the same way
        except KioskError as exc:
            got, detail, branch, who = ("refused" if action == "enrol" else "error"), exc.one_line(), "", None
        wrong = action == "visit" and got == "match" and who != step.get("id_number")
        ok = got == expect and not wrong
        yield StepResult(index, action, str(step.get("label", "")), expect, got, ok, detail, branch, wrong)


Outcome = tuple[str, str, str, "str | None"]


def _card(kiosk: Kiosk, set_dir: Path, step: dict[str, Any]) -> Outcome:
    card = kiosk.read_card(load_image(set_dir / step["card"]))
    check = kiosk.check_in_by_card(card, seen_at=_seen_at(kiosk, step))
    _finish(kiosk, check.visit_id, step)
    record = card.record
    warnings = "; ".join(w.message for w in card.warnings)
    detail = f"{record.full_name} ({record.masked_id})" + (f" - warnings: {warnings}" if warnings else "")
    return ("known" if check.known else "new"), detail, "", record.id_number


def _enrol(kiosk: Kiosk, set_dir: Path, step: dict[str, Any]) -> Outcome:
    record = kiosk.read_card(load_image(set_dir / step["card"])).record
    samples = []
    refused = []
    for name in step["faces"]:
        faces = kiosk.analyze(load_image(set_dir / name))
        if faces.primary is None:
            refused.append(f"{Path(name).name}: no face")
            continue
        samples.append(faces.primary)
        if faces.primary.issues:
            refused.append(f"{Path(name).name}: {', '.join(i.message for i in faces.primary.issues)}")
    result = kiosk.enrol(
        record, samples, consent=bool(step.get("consent", True)), staff="replay", seen_at=_seen_at(kiosk, step)
    )
    _finish(kiosk, result.visit_id, step)
    detail = f"{record.full_name} ({record.masked_id}): {count(result.samples_stored, 'sample')} stored"
    if refused:
        detail += f"; refused {'; '.join(refused)}"
    return "enrolled", detail, "", record.id_number


def _visit(kiosk: Kiosk, set_dir: Path, step: dict[str, Any]) -> Outcome:
    check = kiosk.identify(load_image(set_dir / step["face"]))
    branch = "auto"
    detail = f"distance {check.distance:.3f}, margin {check.margin:.3f}"
    if check.decision is Decision.CONFIRM:
        typed = answer(kiosk.keypad_ask(check), str(step.get("keypad", "")))
        detail += f"; {count(check.candidate_count, 'candidate')}, keypad {typed or '(nothing typed)'}"
        check = kiosk.confirm(check, typed)
        branch = "keypad" if check.decision is Decision.MATCH else "unknown"
    elif check.decision is Decision.UNKNOWN:
        branch = "unknown"
    if check.decision is Decision.MATCH and check.citizen is not None:
        _finish(kiosk, kiosk.check_in(check, seen_at=_seen_at(kiosk, step)), step)
        return (
            "match",
            f"{check.citizen.full_name} ({check.citizen.masked_id}); {detail}",
            branch,
            check.citizen.id_number,
        )
    return "unknown", detail, branch, None


def _seen_at(kiosk: Kiosk, step: dict[str, Any]) -> datetime:
    """When the step's face or card came into view: ``seen_s`` before now, else when the step started."""
    seen_s = step.get("seen_s")
    started: datetime = step["_started"]
    return started if seen_s is None else kiosk.store.clock() - timedelta(seconds=float(seen_s))


def _finish(kiosk: Kiosk, visit_id: int | None, step: dict[str, Any]) -> None:
    """The clerk's "done" ``done_s`` after the confirmation, then the citizen's answer (none: nothing)."""
    if not visit_id:
        return
    if step.get("done_s") is not None:
        kiosk.mark_visit_done(visit_id, at=kiosk.store.clock() + timedelta(seconds=float(step["done_s"])))
    if step.get("rating", "none") != "none":
        kiosk.rate_visit(visit_id, Rating(step["rating"]))


def _purge(admin: Admin, step: dict[str, Any]) -> Outcome:
    counts = admin.purge(str(step["id_number"]), reason="replay")
    return "purged", ", ".join(f"{v} {k}" for k, v in counts.items()), "", None


_ACTIONS: dict[str, Callable[[Kiosk, Path, dict[str, Any]], Outcome]] = {
    "card": _card,
    "enrol": _enrol,
    "visit": _visit,
}
