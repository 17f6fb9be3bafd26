"""CLI commands that measure accuracy: ``eval pairs``, ``eval identify`` and ``calibrate``.

Each prints a readable summary, or with ``--json`` exactly one JSON object (the summary)
on stdout; progress goes to stderr. Encodings are cached (``--cache``), so a rerun over the
same images takes seconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from kiosk.cli.support import kiosk_errors, settings_from

if TYPE_CHECKING:  # imported late below: keeps `kiosk --help` fast
    from recognition.policy import PolicyConfig

F = TypeVar("F", bound=Callable[..., Any])
APP_NAME = "cccd-kiosk"
FUSED = "fused"
"""``--engine fused``: the sface and dlib distances of each pair fused (recognition.fusion)."""
FUSED_ENGINES = ("sface", "dlib")
FUSED_TITLE = "sface + dlib, distances fused (weights chosen on the other folds) and the cascade"


def eval_options(func: F) -> F:
    """Options every evaluation command shares."""
    for decorator in reversed(
        [
            click.option(
                "--images",
                "images",
                required=True,
                type=click.Path(file_okay=False, path_type=Path),
                help="Image folder: one sub-folder of photos per person (LFW layout for pairs).",
            ),
            click.option(
                "--plots",
                "plots",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="Write PNG plots into this folder.",
            ),
            click.option(
                "--cache",
                "cache",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Encodings cache file (SQLite). Default: encodings.sqlite in the user's cache folder.",
            ),
            click.option("--no-cache", is_flag=True, help="Encode every image again and keep nothing."),
            click.option(
                "--workers", type=click.IntRange(1, 64), default=None, help="Encoding processes (default: every core)."
            ),
            click.option("--quiet", is_flag=True, help="No progress on stderr."),
            click.option(
                "--config",
                "config_path",
                type=click.Path(dir_okay=False, path_type=Path),
                envvar="KIOSK_CONFIG",
                help="Settings file (TOML): the detector and the thresholds evaluated.",
            ),
            click.option(
                "--engine",
                "engines",
                multiple=True,
                type=click.Choice(["sface", "dlib", FUSED, "all"]),
                default=(),
                help="Face engine(s) to evaluate, each with its own thresholds (repeatable; all = every engine). "
                f"{FUSED} = sface and dlib scores fused (eval pairs only; all includes it there). "
                "Default: the settings' face_engine.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print one JSON object: the summary."),
        ]
    ):
        func = decorator(func)
    return func


def open_set_options(func: F) -> F:
    """How a folder-per-person set is cut into gallery and probes."""
    for decorator in reversed(
        [
            click.option(
                "--enrol",
                type=click.IntRange(1, 20),
                default=1,
                show_default=True,
                help="Images enrolled per person (the first ones, sorted); the rest are genuine probes.",
            ),
            click.option(
                "--strangers",
                default="auto",
                show_default=True,
                help="Stranger probes: singletons (people with one image), rotate (also each enrolled person against "
                "everyone else), N (also hold out N people), auto (singletons if any, else rotate).",
            ),
            click.option(
                "--seed",
                type=int,
                default=0,
                show_default=True,
                help="Seed for made-up ID numbers, typed digits, draws.",
            ),
        ]
    ):
        func = decorator(func)
    return func


def _engines(chosen: tuple[str, ...], config_path: Path | None, *, fused: bool = False) -> list[str]:
    """The engines asked for with --engine (none: the settings' face_engine), in the release's order,
    then :data:`FUSED` where ``fused`` allows it (asked for, or ``all``).

    Raises:
        click.BadParameter: ``fused`` asked for by a command that cannot fuse.
    """
    from recognition.engines import ENGINE_NAMES

    if FUSED in chosen and not fused:
        raise click.BadParameter(f"{FUSED} is for eval pairs only; pick sface or dlib", param_hint="--engine")
    if not chosen:
        return [settings_from(config_path).face_engine]
    names = [name for name in ENGINE_NAMES if name in chosen or "all" in chosen]
    return names + [FUSED] if fused and (FUSED in chosen or "all" in chosen) else names


def _emit_engines(
    runs: dict[str, tuple[dict[str, Any], Any]], as_json: bool, text: Callable[[dict[str, Any]], str]
) -> None:
    """Print one engine's result as before (with ``engine``), or several side by side:
    JSON ``{"engines": {name: result}}``, text one section per engine. A run's second item is
    its encoded set, or a tuple of them (:data:`FUSED`: one per engine)."""
    from kiosk.measure.report import encoding_line, to_json
    from recognition.engines import engine_info

    results = {name: {**result, "engine": name} for name, (result, _) in runs.items()}
    if as_json:
        click.echo(to_json(next(iter(results.values())) if len(results) == 1 else {"engines": results}))
        return
    for name, (_, encoded) in runs.items():
        if len(runs) > 1:
            click.echo(f"\n== engine {name}: {FUSED_TITLE if name == FUSED else engine_info(name).title} ==")
        sets = encoded if isinstance(encoded, tuple) else (encoded,)
        click.echo("\n".join([text(results[name]), *(encoding_line(e) for e in sets)]))


def _encode(
    files: list[Path],
    engine: str,
    config_path: Path | None,
    cache: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
    burst: int = 1,
) -> Any:
    from platformdirs import user_cache_dir

    from kiosk.counter.factories import engine_config
    from kiosk.measure.encodings import encode_files

    path = None if no_cache else (cache or Path(user_cache_dir(APP_NAME, appauthor=False)) / "encodings.sqlite")
    return encode_files(
        files,
        engine_config(settings_from(config_path), engine),
        cache=path,
        workers=workers,
        progress=not quiet,
        burst=burst,
    )


def _policy(config_path: Path | None, engine: str) -> PolicyConfig:
    from kiosk.counter.factories import policy_for

    return policy_for(settings_from(config_path), engine)


def _pair_plots(
    folder: Path,
    prefix: str,
    people: dict[str, list[Path]],
    encoded: Any,
    thresholds: dict[str, float],
    own: Any = None,
    nearest: Any = None,
) -> None:
    """Histogram and ROC/DET over every pair of the set's images (at most 3000 images, seeded)."""
    import random

    from kiosk.measure import plots
    from kiosk.measure.verification import all_pair_distances

    items = [(f, name) for name, files in people.items() for f in files]
    if len(items) > 3000:
        items = random.Random(0).sample(items, 3000)
    genuine, impostor = all_pair_distances(
        encoded.embeddings[[encoded.row(f) for f, _ in items]], [n for _, n in items], encoded.metric
    )
    plots.histograms(
        folder / f"{prefix}_hist.png", genuine, impostor, thresholds, title=prefix, own=own, nearest_stranger=nearest
    )
    plots.roc_det(folder / f"{prefix}_roc_det.png", genuine, impostor, title=prefix, marks=thresholds)


@click.group(name="eval")
def eval_group() -> None:
    """Measure accuracy on image sets: LFW pairs (verification) and open-set identification (1:N)."""


@eval_group.command("pairs")
@click.option(
    "--pairs",
    "pairs_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="LFW-format pairs file (header, then 'name n1 n2' / 'name1 n1 name2 n2').",
)
@click.option("--far", type=float, default=1e-3, show_default=True, help="False accept rate at which TAR is reported.")
@eval_options
@kiosk_errors
def pairs(
    pairs_file: Path,
    far: float,
    images: Path,
    plots: Path | None,
    cache: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
    config_path: Path | None,
    engines: tuple[str, ...],
    as_json: bool,
) -> None:
    """Face verification on the LFW protocol: 10-fold accuracy, best threshold, TAR at FAR=1e-3.

    Images at IMAGES/<name>/<name>_0001.jpg. Faces the detector misses are encoded from the
    centre of the image (LFW faces are centred) and counted under no_face. With several
    --engine, each is run on the same pairs and reported side by side. --engine fused
    encodes with both engines and fuses their distances (scales, weights and threshold
    chosen on the other folds), and reports the cascade that runs dlib only when SFace is
    unsure, with the share of pairs that needed it.
    """
    from kiosk.measure.datasets import read_pairs
    from kiosk.measure.report import fused_pairs_text, pairs_text

    pair_list = read_pairs(pairs_file, images)
    files = [f for p in pair_list for f in (p.first, p.second)]
    encoded: dict[str, Any] = {}

    def encode(engine: str) -> Any:
        if engine not in encoded:
            encoded[engine] = _encode(files, engine, config_path, cache, no_cache, workers, quiet)
        return encoded[engine]

    runs = {
        name: _pairs_fused(pair_list, far, tuple(encode(e) for e in FUSED_ENGINES), config_path)
        if name == FUSED
        else _pairs_one(pair_list, far, name, encode(name), plots)
        for name in _engines(engines, config_path, fused=True)
    }
    _emit_engines(runs, as_json, lambda r: fused_pairs_text(r) if r["engine"] == FUSED else pairs_text(r))


def _pairs_fused(
    pair_list: list[Any], far: float, encoded: tuple[Any, ...], config_path: Path | None
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The :data:`FUSED` run over encodings of :data:`FUSED_ENGINES` (in that order)."""
    from kiosk.measure.fused_pairs import pair_arrays, verify_fused
    from kiosk.measure.verification import pair_distances
    from recognition.fusion import Fusion

    first, second = (pair_distances(pair_list, e) for e in encoded)
    same, folds = pair_arrays(pair_list)
    tails = {name: _policy(config_path, name).tail for name in FUSED_ENGINES}
    shipped = Fusion.from_tails(tails) if all(t.fitted for t in tails.values()) else None
    result = verify_fused(first, second, same, folds, (FUSED_ENGINES[0], FUSED_ENGINES[1]), shipped, far)
    out = {
        **{k: v for k, v in dataclasses.asdict(result).items() if k != "tar_at_far"},
        "tar_at_far_1e-3": result.tar_at_far,
        "no_face": {name: e.no_face for name, e in zip(FUSED_ENGINES, encoded)},
        "images": len(encoded[0].files),
    }
    return out, encoded


def _pairs_one(
    pair_list: list[Any], far: float, engine: str, encoded: Any, plots: Path | None
) -> tuple[dict[str, Any], Any]:
    from kiosk.measure.verification import pair_distances, verify

    result = verify(pair_list, encoded, far)
    out = {
        "pairs": result.pairs,
        "accuracy": result.accuracy,
        "accuracy_std": result.accuracy_std,
        "threshold": result.threshold,
        "tar_at_far_1e-3": result.tar_at_far,
        "no_face": encoded.no_face,
        "no_face_handling": "encoded from the centre region (LFW faces are centred); no pair dropped",
        **{
            k: v
            for k, v in dataclasses.asdict(result).items()
            if k not in ("pairs", "accuracy", "accuracy_std", "threshold", "tar_at_far")
        },
        "images": len(encoded.files),
        "images_per_s": encoded.images_per_s,
    }
    if plots:
        from kiosk.measure import plots as plotting

        d = pair_distances(pair_list, encoded)
        same = [p.same for p in pair_list]
        g = d[[i for i, s in enumerate(same) if s]]
        im = d[[i for i, s in enumerate(same) if not s]]
        marks = {"best": result.threshold, f"FAR {far:g}": result.far_threshold - 1e-9}  # accepted: distance < it
        plotting.histograms(
            plots / f"pairs_{engine}_hist.png",
            g,
            im,
            {"best threshold": result.threshold},
            title=f"pairs file, {engine}",
        )
        plotting.roc_det(
            plots / f"pairs_{engine}_roc_det.png",
            g,
            im,
            title=f"pairs file, {engine}",
            marks={k: v for k, v in marks.items() if v < 2},
        )
    return out, encoded


@eval_group.command("identify")
@open_set_options
@click.option(
    "--no-keypad", is_flag=True, help="Report face alone (a CONFIRM takes the nearest candidate) as the main figures."
)
@click.option(
    "--distractors",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Extra people enrolled but never probed (folder per person, or loose files: one person each).",
)
@click.option("--sweep", is_flag=True, help="Also run a grid of auto thresholds, margins and candidate distances.")
@click.option(
    "--as-gallery",
    type=click.IntRange(1),
    default=None,
    help="Decide with the automatic threshold the kiosk would use with this many citizens enrolled "
    "(as many samples each as here): a province's threshold on a smaller data set.",
)
@click.option(
    "--burst",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Probe with a burst of this many camera-like frames made from each probe photo, their embeddings "
    "fused (the photo and seeded variants; enrolled photos stay single).",
)
@click.option(
    "--sequence",
    is_flag=True,
    help="Also run the visit sequence: every later photo of a person is a visit that may teach their template "
    "(beyond the photos enrolled, up to the settings' visit_samples, then each new one replacing the oldest learnt: "
    "'retired'; the photos have no dates, so the counter's 30-day rule is not applied), auto share over visits "
    "2..n with and without learning.",
)
@click.option(
    "--growth/--no-growth",
    default=True,
    show_default=True,
    help="FPIR as the number enrolled grows (measured and extrapolated).",
)
@eval_options
@kiosk_errors
def identify(
    enrol: int,
    strangers: str,
    seed: int,
    no_keypad: bool,
    distractors: Path | None,
    sweep: bool,
    as_gallery: int | None,
    burst: int,
    sequence: bool,
    growth: bool,
    images: Path,
    plots: Path | None,
    cache: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
    config_path: Path | None,
    engines: tuple[str, ...],
    as_json: bool,
) -> None:
    """Open-set identification through the shipped matcher and decision policy, keypad simulated.

    Per person with 2+ images the first --enrol are enrolled and the rest are genuine
    probes; strangers must match nobody. Reports rank-1, candidate recall, auto/confirm
    rates, FNIR, FPIR and wrong-person matches, with the keypad and face alone. The auto
    threshold is the one the kiosk would use at this gallery size (it tightens with the
    number of templates when the engine's impostor tail is fitted). --distractors enrols
    extra people who are never probed: how province scale is measured.
    """
    from kiosk.measure.datasets import scan_identities
    from kiosk.measure.identification import split_open_set
    from kiosk.measure.report import identify_text

    people = scan_identities(images)
    extra = scan_identities(distractors, loose_files_are_people=True) if distractors else None
    open_set = split_open_set(people, enrol=enrol, strangers=strangers, seed=seed, distractors=extra)
    runs = {
        name: _identify_one(
            open_set,
            people,
            name,
            enrol,
            no_keypad,
            sweep,
            as_gallery,
            burst,
            sequence,
            growth,
            seed,
            plots,
            cache,
            no_cache,
            workers,
            quiet,
            config_path,
        )
        for name in _engines(engines, config_path)
    }
    _emit_engines(runs, as_json, identify_text)


def _identify_one(
    open_set: Any,
    people: dict[str, list[Path]],
    engine: str,
    enrol: int,
    no_keypad: bool,
    sweep: bool,
    as_gallery: int | None,
    burst: int,
    sequence: bool,
    growth: bool,
    seed: int,
    plots: Path | None,
    cache: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
    config_path: Path | None,
) -> tuple[dict[str, Any], Any]:
    from kiosk.measure.identification import evaluate

    encoded = _encode(open_set.files, engine, config_path, cache, no_cache, workers, quiet)
    if burst > 1:
        enrolled = {f for files in open_set.gallery.values() for f in files}
        probes = [p.file for p in open_set.genuine + open_set.strangers if p.file not in enrolled]
        bursts = _encode(probes, engine, config_path, cache, no_cache, workers, quiet, burst)
        encoded = encoded.with_rows(bursts, probes)
    policy = _policy(config_path, engine).at_scale(open_set.comparisons(as_gallery))
    result: dict[str, Any] = evaluate(open_set, encoded, policy, seed=seed)  # a JSON report of numbers and sub-reports
    if no_keypad:
        result = {**result["face_only"], "face_only": result["face_only"]}
    out: dict[str, Any] = {
        **result,
        "keypad": not no_keypad,
        "enrol": enrol,
        "stranger_mode": open_set.stranger_mode,
        "distractors": open_set.distractors,
        "policy_gallery": as_gallery or len(open_set.gallery),
        "burst": burst,
        "policy": dataclasses.asdict(policy),
        "images": len(encoded.files),
        "no_face": encoded.no_face,
        "images_per_s": encoded.images_per_s,
    }
    if growth:
        from kiosk.measure.growth import growth_report

        out["growth"] = growth_report(open_set, encoded, policy, seed=seed)
    if sweep:
        out["sweep"] = _sweep(open_set, encoded, policy, seed)
    if sequence:
        from kiosk.measure.sequence import run_sequence

        out["sequence"] = run_sequence(
            open_set,
            encoded,
            _policy(config_path, engine),
            visit_samples=settings_from(config_path).visit_samples,
            as_gallery=as_gallery,
            seed=seed,
        )
    if plots:
        from kiosk.measure import plots as plotting
        from kiosk.measure.calibration import probe_stats

        g, s = probe_stats(open_set, encoded, policy.search_k)
        marks = {"auto_accept_distance": policy.auto_accept_distance, "candidate_distance": policy.candidate_distance}
        _pair_plots(
            plots,
            f"identify_{engine}",
            people,
            encoded,
            marks,
            own=g.own_distance[g.own_distance < 9],
            nearest=s.d1[s.d1 < 9],
        )
        if growth:
            plotting.growth(plots / f"identify_{engine}_growth.png", out["growth"])
    return out, encoded


def _sweep(open_set: Any, encoded: Any, policy: Any, seed: int) -> list[dict[str, Any]]:
    from kiosk.measure.identification import evaluate

    a0, c0 = policy.auto_accept_distance, policy.candidate_distance
    grid = [(round(a0 + d, 3), m, c0) for d in (-0.10, -0.05, 0.0, 0.05, 0.10) for m in (0.0, 0.03, 0.06, 0.10)]
    grid += [(a0, policy.min_margin, round(c0 + d, 3)) for d in (-0.10, -0.05, 0.05, 0.10)]
    rows = []
    for a, m, c in grid:
        if a > c:
            continue
        varied = dataclasses.replace(policy, auto_accept_distance=a, min_margin=m, candidate_distance=c)
        r: dict[str, Any] = evaluate(open_set, encoded, varied, seed=seed)
        rows.append(
            {
                "auto_accept_distance": a,
                "min_margin": m,
                "candidate_distance": c,
                "auto_rate": r["auto_rate"],
                "candidate_recall": r["candidate_recall"],
                "fnir": r["fnir"],
                "fpir": r["fpir"],
                "wrong_person": r["wrong_person"],
                "face_only_fpir": r["face_only"]["fpir"],
                "face_only_wrong_person": r["face_only"]["wrong_person"],
            }
        )
    return rows


@click.command()
@click.option(
    "--target-fpir",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    default=1e-3,
    show_default=True,
    help="Largest fraction of strangers that may be auto-matched.",
)
@click.option(
    "--target-recall",
    type=click.FloatRange(0.0, 1.0),
    default=0.99,
    show_default=True,
    help="Fraction of genuine probes whose right citizen must be among the keypad candidates.",
)
@click.option(
    "--safety",
    type=click.FloatRange(0.0, 0.2),
    default=0.02,
    show_default=True,
    help="Distance buffer kept between the auto rule and every stranger or wrong-person probe (and added to candidate_distance).",
)
@click.option(
    "--write",
    "write_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    is_flag=False,
    flag_value="",
    help="Write the recommended thresholds into the settings file the kiosk reads (--config, else kiosk.toml "
    "in the user's config folder), or into PATH with --write PATH (other values in it are kept).",
)
@click.option(
    "--distractors",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Extra people enrolled but never probed, to calibrate at the gallery size the counter will hold.",
)
@open_set_options
@eval_options
@kiosk_errors
def calibrate(
    target_fpir: float,
    target_recall: float,
    safety: float,
    write_path: Path | None,
    distractors: Path | None,
    enrol: int,
    strangers: str,
    seed: int,
    images: Path,
    plots: Path | None,
    cache: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
    config_path: Path | None,
    engines: tuple[str, ...],
    as_json: bool,
) -> None:
    """Recommend one face engine's thresholds (auto_accept_distance, min_margin,
    candidate_distance) and its impostor tail from local data.

    Uses the open-set split of `kiosk eval identify`, shows the trade-off, fits the tail
    that makes the auto threshold follow the gallery size, checks the recommendation end
    to end through the shipped matcher and policy, and with --write stores it in a
    settings file (as <engine>_* settings).
    """
    from kiosk.measure.calibration import calibrate as run
    from kiosk.measure.calibration import write_recommendation
    from kiosk.measure.datasets import scan_identities
    from kiosk.measure.identification import split_open_set

    chosen = _engines(engines, config_path)
    if len(chosen) != 1:
        raise click.BadParameter("calibrate one engine at a time", param_hint="--engine")
    engine = chosen[0]
    people = scan_identities(images)
    extra = scan_identities(distractors, loose_files_are_people=True) if distractors else None
    open_set = split_open_set(people, enrol=enrol, strangers=strangers, seed=seed, distractors=extra)
    encoded = _encode(open_set.files, engine, config_path, cache, no_cache, workers, quiet)
    current = _policy(config_path, engine)
    cal = run(
        open_set,
        encoded,
        target_fpir=target_fpir,
        target_recall=target_recall,
        safety=safety,
        max_candidates=current.max_candidates,
        current_margin=current.min_margin,
        seed=seed,
    )
    names = ("auto_accept_distance", "min_margin", "candidate_distance")
    tail = {"impostor_tail_at_one": cal.tail.at_one, "impostor_tail_scale": cal.tail.scale}
    now: dict[str, float] = {
        **{n: getattr(current, n) for n in names},
        "impostor_tail_at_one": current.tail.at_one,
        "impostor_tail_scale": current.tail.scale,
    }
    out = {
        "engine": engine,
        "recommended": {**{n: getattr(cal, n) for n in names}, **tail},
        "current": now,
        "feasible": cal.feasible,
        "target_fpir": target_fpir,
        "target_recall": target_recall,
        "safety": safety,
        "gallery": len(open_set.gallery),
        "enrol": enrol,
        "stranger_mode": open_set.stranger_mode,
        "genuine_probes": cal.genuine,
        "stranger_probes": cal.strangers,
        "fpir_upper_95": cal.fpir_upper_95,
        "strangers_needed": cal.strangers_needed,
        "evidence": cal.evidence,
        "tradeoff": cal.tradeoff,
        "margins": cal.margins,
        "candidates": cal.candidates,
        "verified": cal.verified,
        "written": None,
    }
    if write_path is not None:
        from kiosk.settings import default_config_path

        read_by_kiosk = config_path or default_config_path()
        target = read_by_kiosk if str(write_path) in ("", ".") else write_path
        write_recommendation(str(target), cal)
        out["written"] = str(target)
        if Path(target).resolve() != Path(read_by_kiosk).resolve():
            click.echo(
                f"note: the kiosk reads its settings from {read_by_kiosk}; use --config {target} to apply these",
                err=True,
            )
    if plots:
        from kiosk.measure import plots as plotting
        from kiosk.measure.calibration import probe_stats

        plotting.tradeoff(plots / "calibrate_tradeoff.png", cal, now)
        g, s = probe_stats(open_set, encoded, current.search_k)
        marks = {"auto_accept_distance": cal.auto_accept_distance, "candidate_distance": cal.candidate_distance}
        _pair_plots(
            plots, "calibrate", people, encoded, marks, own=g.own_distance[g.own_distance < 9], nearest=s.d1[s.d1 < 9]
        )
    from kiosk.measure.report import calibrate_text

    _emit_engines({engine: (out, encoded)}, as_json, calibrate_text)
