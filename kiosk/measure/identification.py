"""Open-set identification the way the kiosk is used, through the shipped matcher and policy.

For every person with 2+ images the first ``enrol`` (sorted; at most all but one) are
enrolled as one citizen and the rest are *genuine* probes; people with one image are
*strangers* who must not match anyone. Each probe goes through
:class:`recognition.matcher.Matcher` and :func:`recognition.policy.decide`; a CONFIRM is
resolved by :func:`recognition.policy.resolve_confirm` with simulated keypad digits
(every citizen gets a made-up, seeded 12-digit ID number; genuine probes type their own
last 4 digits, strangers random ones), or, *face alone*, by taking the nearest candidate
as a kiosk without a keypad would (the classic single threshold at ``candidate_distance``).

Stranger modes, for sets where few people have a single image:
``singletons`` (the definition above), ``rotate`` (also every enrolled person's images
probe as a stranger against everyone else: leave-one-identity-out), an integer ``N``
(also hold out N seeded people with all their images), ``auto`` (singletons if there
are any, else rotate).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.measure.encodings import EncodedSet
from kiosk.measure.errors import DatasetError
from models import Candidate, Decision, Match
from recognition.matcher import Matcher
from recognition.policy import KEYPAD_TRIES, PolicyConfig, decide, keypad_digits, keypad_risk, resolve_confirm
from recognition.templates import comparisons, template


@dataclass(frozen=True)
class Probe:
    """One probe image. ``citizen_id``: the person's own citizen (None for a stranger not enrolled);
    ``exclude``: a citizen hidden from the gallery for this probe (a rotated stranger's own record)."""

    file: Path
    person: str
    citizen_id: int | None
    exclude: int | None = None


@dataclass(frozen=True)
class OpenSet:
    """The enrolled gallery and the probes. Citizen ids are 1-based positions in ``gallery``."""

    gallery: dict[str, list[Path]]
    genuine: list[Probe]
    strangers: list[Probe]
    stranger_mode: str
    distractors: int = 0

    @property
    def citizen_ids(self) -> dict[str, int]:
        """``person → citizen id``."""
        return {name: i + 1 for i, name in enumerate(self.gallery)}

    def comparisons(self, citizens: int | None = None) -> int:
        """What a stranger's search of this gallery counts as for the impostor tail; with
        ``citizens``: of a gallery of that many enrolled like these (:func:`comparisons_as`)."""
        return comparisons_as(sum(len(files) for files in self.gallery.values()), len(self.gallery), citizens)

    @property
    def files(self) -> list[Path]:
        """Every image the evaluation needs encoded."""
        out = [f for files in self.gallery.values() for f in files]
        return out + [p.file for p in self.genuine + self.strangers]


@dataclass(frozen=True)
class Outcome:
    """What happened to one probe.

    Attributes:
        branch: the policy's decision before the keypad (match = auto, confirm, unknown).
        final: the decision after the keypad (or after face alone picked the nearest).
        matched: the citizen finally matched, or None.
        own_rank: 0-based rank of the probe's own citizen among the nearest returned, or None.
        own_candidate: the own citizen is among the decision's candidates (auto: the one matched).
        distance / margin: nearest distance and runner-up gap (inf when absent).
        candidates: how many candidates the decision carried.
    """

    branch: Decision
    final: Decision
    matched: int | None
    own_rank: int | None
    own_candidate: bool
    distance: float
    margin: float
    candidates: int


def split_open_set(
    people: dict[str, list[Path]],
    *,
    enrol: int = 1,
    strangers: str = "auto",
    seed: int = 0,
    distractors: dict[str, list[Path]] | None = None,
) -> OpenSet:
    """Cut a folder-per-person set into gallery, genuine probes and stranger probes (see the module doc).

    Raises:
        DatasetError: nobody has 2+ images, or the stranger mode is not understood.
    """
    if enrol < 1:
        raise DatasetError("--enrol must be at least 1", "enrol 1 to 3 images per person")
    singles = [name for name, files in people.items() if len(files) == 1]
    multi = [name for name, files in people.items() if len(files) >= 2]
    mode = strangers.strip().lower()
    if mode == "auto":
        mode = "singletons" if singles else "rotate"
    held: set[str] = set()
    if mode.isdigit():
        if int(mode) >= len(multi):
            raise DatasetError(
                f"cannot hold out {mode} of {len(multi)} people with 2+ images as strangers", "hold out fewer"
            )
        held = set(random.Random(seed).sample(multi, int(mode)))
    elif mode not in ("singletons", "rotate"):
        raise DatasetError(
            f"unknown stranger mode {strangers!r}", "use auto, singletons, rotate or a number of people to hold out"
        )
    enrolled = [name for name in multi if name not in held]
    if not enrolled:
        raise DatasetError(
            "nobody has two or more images, so nobody can be enrolled and probed", "use a folder-per-person set"
        )
    gallery = {name: people[name][: min(enrol, len(people[name]) - 1)] for name in enrolled}
    ids = {name: i + 1 for i, name in enumerate(gallery)}
    genuine = [Probe(f, name, ids[name]) for name in enrolled for f in people[name][len(gallery[name]) :]]
    stranger_probes = [Probe(f, name, None) for name in sorted(set(singles) | held) for f in people[name]]
    if mode == "rotate":
        stranger_probes += [Probe(f, name, None, exclude=ids[name]) for name in enrolled for f in people[name]]
    for name, files in (distractors or {}).items():
        gallery[f"distractor:{name}"] = files[:enrol]
    return OpenSet(gallery, genuine, stranger_probes, mode, len(distractors or {}))


def comparisons_as(samples: int, citizens: int, as_citizens: int | None = None) -> int:
    """What a stranger's search counts as for the impostor tail (:func:`recognition.templates.comparisons`)
    in a gallery of ``samples`` over ``citizens``, or, with ``as_citizens``, in one of that many
    citizens with as many samples each on average."""
    if as_citizens is None or not citizens:
        return comparisons(samples, citizens)
    return comparisons(round(as_citizens * samples / citizens), as_citizens)


def make_id_numbers(count: int, seed: int = 0) -> dict[int, str]:
    """``citizen id (1..count) → made-up unique 12-digit ID number`` (Cà Mau prefix 096), seeded."""
    rng = random.Random(seed)
    numbers: set[str] = set()
    out: dict[int, str] = {}
    for cid in range(1, count + 1):
        while (number := "096" + "".join(rng.choice("0123456789") for _ in range(9))) in numbers:
            pass
        numbers.add(number)
        out[cid] = number
    return out


def build_matcher(gallery: dict[str, list[Path]], encoded: EncodedSet, only: Sequence[int] | None = None) -> Matcher:
    """The kiosk's index over the gallery's embeddings (optionally only the given citizen ids)."""
    rows, ids = [], []
    keep = None if only is None else set(only)
    for cid, files in enumerate(gallery.values(), 1):
        if keep is None or cid in keep:
            rows += [encoded.row(f) for f in files]
            ids += [cid] * len(files)
    matcher = Matcher(max(1, len(rows)), encoded.metric, encoded.engine)
    if rows:
        matcher.add_many(np.asarray(ids, dtype=np.int64), encoded.embeddings[rows])
    return matcher


def search(matcher: Matcher, probes: Sequence[Probe], encoded: EncodedSet, k: int) -> list[list[Candidate]]:
    """The ``k`` nearest citizens for each probe by their templates, as the kiosk ranks them
    (:meth:`recognition.matcher.Membership.nearest`), with a probe's ``exclude`` citizen left out."""
    if not probes:
        return []
    queries = encoded.embeddings[[encoded.row(p.file) for p in probes]]
    return [matcher.nearest(query, k, exclude=probe.exclude) for probe, query in zip(probes, queries)]


def face_alone(match: Match) -> Match:
    """A kiosk without a keypad: a CONFIRM becomes a match to the nearest candidate."""
    if match.decision is not Decision.CONFIRM:
        return match
    best = match.candidates[0]
    return Match(Decision.MATCH, best.citizen_id, (best,), match.distance, match.margin)


def typed_digits(probe: Probe, index: int, id_numbers: dict[int, str], seed: int, digits: int) -> str:
    """What the probe's person types when asked for ``digits`` digits: the last ones of their own
    ID number if enrolled, else seeded random digits."""
    if probe.citizen_id is not None:
        return id_numbers[probe.citizen_id][-digits:]
    return f"{random.Random(f'{seed}:{index}').randrange(10**digits):0{digits}d}"


def _last_digits(id_numbers: dict[int, str], digits: int) -> Callable[[int], str]:
    """A candidate's expected keypad entry: the last ``digits`` digits of their ID number."""
    return lambda citizen_id: id_numbers[citizen_id][-digits:]


def run_policy(
    candidates: Sequence[Sequence[Candidate]],
    probes: Sequence[Probe],
    policy: PolicyConfig,
    id_numbers: dict[int, str],
    *,
    keypad: bool = True,
    seed: int = 0,
) -> list[Outcome]:
    """Decide every probe with the shipped policy, then the keypad (or face alone)."""
    outcomes = []
    for index, (cands, probe) in enumerate(zip(candidates, probes)):
        first = decide(cands, policy)
        if keypad:  # one try, with the digits the kiosk asks for (4 for one candidate, else 6)
            digits = keypad_digits(len(first.candidates), 0)
            final = resolve_confirm(
                first, typed_digits(probe, index, id_numbers, seed, digits), _last_digits(id_numbers, digits)
            )
        else:
            final = face_alone(first)
        ranks = [i for i, c in enumerate(cands) if probe.citizen_id is not None and c.citizen_id == probe.citizen_id]
        outcomes.append(
            Outcome(
                branch=first.decision,
                final=final.decision,
                matched=final.citizen_id if final.decision is Decision.MATCH else None,
                own_rank=ranks[0] if ranks else None,
                own_candidate=any(c.citizen_id == probe.citizen_id for c in first.candidates)
                and probe.citizen_id is not None,
                distance=first.distance,
                margin=first.margin,
                candidates=len(first.candidates),
            )
        )
    return outcomes


def _rate(count: int, total: int) -> float:
    return count / total if total else float("nan")


def summarize(
    genuine: Sequence[Outcome], genuine_probes: Sequence[Probe], strangers: Sequence[Outcome], gallery: int
) -> dict[str, object]:
    """The issue's figures for one run (rates 0–1 over genuine or stranger probes; NaN when there are none)."""
    own = [p.citizen_id for p in genuine_probes]
    correct = [o.matched is not None and o.matched == cid for o, cid in zip(genuine, own)]
    wrong = [o.matched is not None and o.matched != cid for o, cid in zip(genuine, own)]
    matched_strangers = [o.matched is not None for o in strangers]
    branches: dict[str, dict[str, int]] = {}
    for decision, name in ((Decision.MATCH, "auto"), (Decision.CONFIRM, "confirm"), (Decision.UNKNOWN, "unknown")):
        g = [i for i, o in enumerate(genuine) if o.branch is decision]
        s = [o for o in strangers if o.branch is decision]
        branches[name] = {
            "genuine": len(g),
            "rank1": sum(genuine[i].own_rank == 0 for i in g),
            "own_in_candidates": sum(genuine[i].own_candidate for i in g),
            "matched_self": sum(correct[i] for i in g),
            "wrong_person": sum(wrong[i] for i in g),
            "strangers": len(s),
            "strangers_matched": sum(o.matched is not None for o in s),
        }
    n_g, n_s = len(genuine), len(strangers)
    return {
        "gallery": gallery,
        "genuine_probes": n_g,
        "stranger_probes": n_s,
        "rank1": _rate(sum(o.own_rank == 0 for o in genuine), n_g),
        "candidate_recall": _rate(sum(o.own_candidate for o in genuine), n_g),
        "auto_rate": _rate(branches["auto"]["genuine"], n_g),
        "confirm_rate": _rate(branches["confirm"]["genuine"], n_g),
        "fnir": _rate(n_g - sum(correct), n_g),
        "fpir": _rate(sum(matched_strangers), n_s),
        "wrong_person": sum(wrong),
        "stranger_auto_rate": _rate(branches["auto"]["strangers"], n_s),
        "stranger_confirm_rate": _rate(branches["confirm"]["strangers"], n_s),
        "keypad_fpir_expected": sum(
            keypad_risk(o.candidates, KEYPAD_TRIES) for o in strangers if o.branch is Decision.CONFIRM
        )
        / n_s
        if n_s
        else float("nan"),
        "branches": branches,
    }


KEYPAD_AT = (24_000, 1_000_000)
"""Gallery sizes (citizens) at which :func:`evaluate` gives the expected keypad FPIR."""


def keypad_reach(open_set: OpenSet, encoded: EncodedSet, candidate_distance: float) -> float:
    """The chance that a stranger's face is within ``candidate_distance`` of one enrolled
    citizen's template (that citizen would be offered to the keypad), over every stranger ×
    citizen pair of the run (a rotated stranger's own record left out); NaN without strangers."""
    if not open_set.strangers or not open_set.gallery:
        return float("nan")
    templates = np.stack(
        [
            template(encoded.embeddings[[encoded.row(f) for f in files]], encoded.metric)
            for files in open_set.gallery.values()
        ]
    )
    faces = encoded.embeddings[[encoded.row(p.file) for p in open_set.strangers]].astype(np.float64)
    if encoded.metric == "cosine":
        faces /= np.maximum(np.linalg.norm(faces, axis=1, keepdims=True), 1e-12)
        near = 1.0 - faces @ templates.T <= candidate_distance
    else:
        squared = (faces**2).sum(1)[:, None] + (templates**2).sum(1)[None, :] - 2 * faces @ templates.T
        near = np.sqrt(np.maximum(squared, 0.0)) <= candidate_distance
    own = [(i, p.exclude - 1) for i, p in enumerate(open_set.strangers) if p.exclude is not None]
    for row, column in own:
        near[row, column] = False
    return float(near.sum() / (near.size - len(own)))


def keypad_fpir_at(reach: float, citizens: int, policy: PolicyConfig) -> float:
    """The expected share of strangers matched through the keypad with ``citizens`` enrolled
    like the run's: each citizen within ``candidate_distance`` of a stranger independently
    with chance ``reach`` (binomial), at most ``max_candidates`` offered, each stranger typing
    random digits over :data:`KEYPAD_TRIES` tries (:func:`keypad_risk`)."""
    cap = policy.max_candidates
    if reach >= 1.0:
        return keypad_risk(min(citizens, cap), KEYPAD_TRIES) if citizens else 0.0
    chance = below = math.exp(citizens * math.log1p(-reach))  # P(K = 0), then P(K = k) and P(K <= k)
    total = 0.0
    for k in range(1, min(cap, citizens + 1)):
        chance *= (citizens - k + 1) / k * reach / (1.0 - reach)
        total += chance * keypad_risk(k, KEYPAD_TRIES)
        below += chance
    return total + max(0.0, 1.0 - below) * keypad_risk(cap, KEYPAD_TRIES)


def evaluate(open_set: OpenSet, encoded: EncodedSet, policy: PolicyConfig, *, seed: int = 0) -> dict[str, object]:
    """Both runs over one open set: ``{..figures with the keypad.., "face_only": {..}}``, with the
    keypad's reach (:func:`keypad_reach`) and the expected keypad FPIR at :data:`KEYPAD_AT` citizens."""
    matcher = build_matcher(open_set.gallery, encoded)
    ids = make_id_numbers(len(open_set.gallery), seed)
    g_cands = search(matcher, open_set.genuine, encoded, policy.search_k)
    s_cands = search(matcher, open_set.strangers, encoded, policy.search_k)
    runs = {}
    for keypad in (True, False):
        g = run_policy(g_cands, open_set.genuine, policy, ids, keypad=keypad, seed=seed)
        s = run_policy(s_cands, open_set.strangers, policy, ids, keypad=keypad, seed=seed + 1)
        runs[keypad] = summarize(g, open_set.genuine, s, len(open_set.gallery))
    reach = keypad_reach(open_set, encoded, policy.candidate_distance)
    at = {str(n): keypad_fpir_at(reach, n, policy) for n in KEYPAD_AT} if math.isfinite(reach) else {}
    return {**runs[True], "face_only": runs[False], "keypad_reach": reach, "keypad_fpir_at": at}
