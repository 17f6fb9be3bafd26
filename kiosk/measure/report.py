"""Text and JSON forms of evaluation results, for the CLI and docs/BENCHMARKS.md."""

from __future__ import annotations

import json
import math
from typing import Any

from kiosk.words import count

ROWS = (
    ("rank1", "rank-1 (right citizen nearest)"),
    ("candidate_recall", "candidate recall"),
    ("auto_rate", "auto (genuine)"),
    ("confirm_rate", "confirm (genuine)"),
    ("fnir", "FNIR (genuine not matched to self)"),
    ("fpir", "FPIR (strangers matched)"),
    ("wrong_person", "wrong-person matches"),
)


def to_json(obj: Any) -> str:
    """One JSON line; floats to 6 significant digits, inf/NaN as null."""
    return json.dumps(_clean(obj), ensure_ascii=False)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isinf(value) or math.isnan(value) else float(f"{value:.6g}")
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _clean(value.item())
    return value


def num(value: Any, digits: int = 3) -> str:
    """A rate or distance for a table: ``0.968``, ``-`` for NaN/None, ``inf``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def encoding_line(encoded: Any) -> str:
    """``images: 84 (no face: 0, encoded from the centre region); computed 84 in 9.1 s: 9.2 images/s``."""
    text = f"images: {len(encoded.files)} (no face detected: {encoded.no_face}, encoded from the centre region)"
    if encoded.computed:
        text += f"; encoded {encoded.computed} in {encoded.seconds:.1f} s: {encoded.images_per_s:.1f} images/s"
    else:
        text += "; all from the cache"
    return text


def pairs_text(result: dict[str, Any]) -> str:
    """The ``eval pairs`` summary as lines of text."""
    folds = ", ".join(f"{a:.3f}" for a in result["fold_accuracies"])
    return "\n".join(
        [
            f"pairs: {result['pairs']} ({result['same_pairs']} same person, {result['pairs'] - result['same_pairs']} different), "
            f"{len(result['fold_accuracies'])} folds",
            f"accuracy: {result['accuracy']:.4f} ± {result['accuracy_std']:.4f} (threshold chosen on the other folds; per fold: {folds})",
            f"best threshold on all pairs: {result['threshold']:.3f}",
            f"TAR at FAR={result['far']:g}: {num(result['tar_at_far_1e-3'], 4)} (accept if distance < {num(result['far_threshold'])}; "
            f"smallest measurable FAR with these pairs: {result['far_resolution']:.1e})",
            f"no face detected: {count(result['no_face'], 'image')}, {result['no_face_handling']}",
        ]
    )


def fused_pairs_text(result: dict[str, Any]) -> str:
    """The ``eval pairs --engine fused`` summary as lines of text."""
    first, second = result["engines"]
    folds = ", ".join(f"{a:.3f}" for a in result["fold_accuracies"])
    weights = ", ".join(f"{w:.2f}" for w in result["fold_weights"])
    no_face = ", ".join(f"{name} {n}" for name, n in result["no_face"].items())
    return "\n".join(
        [
            f"pairs: {result['pairs']} ({result['same_pairs']} same person, {result['pairs'] - result['same_pairs']} different), "
            f"{len(result['fold_accuracies'])} folds",
            f"fused accuracy: {result['accuracy']:.4f} ± {result['accuracy_std']:.4f} (scales, weights and threshold chosen "
            f"on the other folds; per fold: {folds})",
            f"{first} weight per fold: {weights} ({second} gets the rest)",
            f"{first} alone on these pairs: {result['first_accuracy']:.4f}; fused with the settings' impostor tails, "
            f"equal weights: {num(result['shipped_accuracy'], 4)}",
            f"cascade ({second} only when {first} is near its threshold): {result['cascade_accuracy']:.4f}, "
            f"{second} ran for {100 * result['cascade_second_share']:.1f} % of pairs",
            f"TAR at FAR={result['far']:g}: {num(result['tar_at_far_1e-3'], 4)} ({first} alone "
            f"{num(result['first_tar_at_far'], 4)}; fusion fitted on all pairs for accuracy; "
            f"smallest measurable FAR with these pairs: {result['far_resolution']:.1e})",
            f"no face detected: {no_face} (encoded from the centre region; no pair dropped)",
        ]
    )


def identify_text(result: dict[str, Any]) -> str:
    """The ``eval identify`` summary as lines of text."""
    p = result["policy"]
    face = result["face_only"]
    lines = [
        f"open set: {count(result['gallery'], 'citizen')} enrolled (the first {count(result['enrol'], 'image')} "
        "of each person, at most all but one"
        + (f", {result['distractors']} distractors" if result.get("distractors") else "")
        + f"), {result['genuine_probes']} genuine probes, {result['stranger_probes']} stranger probes (strangers: {result['stranger_mode']})"
        + (f"; each probe a burst of {result['burst']} frames, fused" if result.get("burst", 1) > 1 else ""),
        f"policy: auto if nearest <= {p['auto_accept_distance']:.3f}"
        + (
            f" (the threshold of {result['policy_gallery']:,} citizens)"
            if result.get("policy_gallery", result["gallery"]) != result["gallery"]
            else ""
        )
        + f" and runner-up >= {p['min_margin']:.2f} farther; "
        f"else keypad over <= {p['max_candidates']} citizens within {p['candidate_distance']:.2f}",
        f"{'':38}{'with keypad':>12}{'face alone':>12}",
    ]
    lines += [f"{label:<38}{num(result[key]):>12}{num(face[key]):>12}" for key, label in ROWS]
    lines.append(
        "expected keypad FPIR (strangers' random digits over 3 tries: 4 for one candidate on the first try, "
        f"else 6): {result['keypad_fpir_expected']:.1e}"
        if not math.isnan(result["keypad_fpir_expected"])
        else "expected keypad FPIR: - (no strangers)"
    )
    if result.get("keypad_fpir_at"):
        lines.append(
            "expected keypad FPIR with more citizens enrolled like these ("
            f"a citizen within {p['candidate_distance']:.2f} of a stranger's face: {result['keypad_reach']:.1e}): "
            + ", ".join(f"{int(n):,}: {v:.1e}" for n, v in result["keypad_fpir_at"].items())
        )
    lines.append("per branch (" + ("with keypad" if result.get("keypad", True) else "face alone") + "):")
    for name, b in result["branches"].items():
        lines.append(
            f"  {name:<8} genuine {b['genuine']:>4} (matched self {b['matched_self']}, wrong person {b['wrong_person']}, "
            f"own in candidates {b['own_in_candidates']})   strangers {b['strangers']:>4} (matched {b['strangers_matched']})"
        )
    growth = result.get("growth")
    if growth and growth["measured"]:
        lines.append(
            "FPIR as the gallery grows (enrolled: face alone / with keypad): "
            + ", ".join(f"{r['enrolled']}: {r['fpir_face_only']:.3f}/{r['fpir']:.3f}" for r in growth["measured"])
        )
        for key in ("at_candidate_distance", "at_auto_accept_distance"):
            e = growth[key]
            if e.get("extrapolated"):
                lines.append(
                    f"face alone at {e['threshold']:.2f}: {e['false_matches']} false matches in {e['comparisons']} "
                    f"comparisons (FMR {e['fmr']:.4f}, <= {e['fmr_upper_95']:.4f} at 95%); extrapolated FPIR: "
                    + ", ".join(
                        f"{r['enrolled']:,}: {r['fpir_face_only']:.3f} (<= {r['fpir_face_only_upper_95']:.3f})"
                        for r in e["extrapolated"]
                    )
                )
    seq = result.get("sequence")
    if seq:
        for name, label in (
            ("learning", f"learning {seq['visit_samples']} samples, the oldest replaced"),
            ("no_learning", "no learning"),
        ):
            r = seq[name]
            lines.append(
                f"visit sequence, {label}: {r['visits']} visits, auto {num(r['auto_rate'])}, FNIR {num(r['fnir'])}, "
                f"wrong {r['wrong_person']}, learnt {r['learnt']} ({r['learnt_by_card']} at a visit by card, "
                f"{r['retired']} replacing an older one), "
                f"auto threshold at the end {r['auto_threshold_at_end']:.3f}; "
                f"strangers after it: {r['stranger_auto']} auto, "
                f"{r['strangers_matched']} matched, {r['strangers_learnt']} learnt of {r['strangers']}, "
                f"{r['strangers_learnt_by_card']} would be learnt with the card of whom they look most like; auto by visit "
                + ", ".join(f"{v}: {a:.2f}" for v, a in r["by_visit"].items())
            )
    for row in result.get("sweep", []):
        lines.append(
            f"sweep auto {row['auto_accept_distance']:.2f} margin {row['min_margin']:.2f} candidates {row['candidate_distance']:.2f}: "
            f"auto {num(row['auto_rate'])}, FNIR {num(row['fnir'])}, FPIR {num(row['fpir'])}, wrong {row['wrong_person']}, "
            f"face-alone FPIR {num(row['face_only_fpir'])}"
        )
    return "\n".join(lines)


def calibrate_text(result: dict[str, Any]) -> str:
    """The ``calibrate`` summary as lines of text."""
    r, c, e, v = result["recommended"], result["current"], result["evidence"], result["verified"]
    names = ("auto_accept_distance", "min_margin", "candidate_distance")
    lines = [
        f"calibration on {result['genuine_probes']} genuine and {result['stranger_probes']} stranger probes "
        f"({count(result['gallery'], 'citizen')} enrolled, {count(result['enrol'], 'image')} each; strangers: {result['stranger_mode']})",
        f"target: strangers auto-matched <= {result['target_fpir']:g}; right citizen among the candidates >= {result['target_recall']:g}; "
        f"safety buffer {result['safety']:.2f}",
        "",
        f"engine {result['engine']} (distances in its own unit)",
        "recommended  " + "   ".join(f"{n} = {r[n]:.2f}" for n in names),
        "current      " + "   ".join(f"{n} = {c[n]:.2f}" for n in names),
        f"impostor tail: recommended at_one {r['impostor_tail_at_one']:.4f} scale {r['impostor_tail_scale']:.5f}; "
        f"current at_one {c['impostor_tail_at_one']:.4f} scale {c['impostor_tail_scale']:.5f} "
        f"(fitted on the nearest of {e['impostor_comparisons']:,} impostor comparisons, nearest {num(e['nearest_impostor_distance'])})",
        "auto threshold the kiosk would use with N templates enrolled (recommended thresholds and tail): "
        + ", ".join(f"{int(n):,}: {d:.3f}" for n, d in e["auto_at_templates"].items()),
    ]
    if not result["feasible"]:
        lines.append(
            "warning: no auto threshold meets the target on this data: the recommendation auto-accepts nobody safely"
        )
    lines += [
        "",
        f"evidence: {e['genuine_auto']} of {result['genuine_probes']} genuine probes auto-accepted, the farthest at "
        f"{num(e['genuine_auto_max_distance'])} (smallest margin {num(e['genuine_auto_min_margin'])}); nearest stranger at "
        f"{num(e['nearest_stranger_distance'])} (limit {num(e['stranger_limit'])} after the safety buffer); "
        f"{count(e['lookalikes'], 'look-alike confusion')} (genuine probe nearest to someone else) with runner-up gaps up to "
        f"{num(e['lookalike_max_margin'])}; at the recommendation: strangers auto-matched {e['strangers_auto']}, "
        f"wrong-person auto {e['wrong_person_auto']}",
        f"candidate_distance: {e['candidate_distance_base']:.2f} already holds the right citizen for "
        f"{e['candidate_recall_at_base']:.3f} of genuine probes; + safety {result['safety']:.2f}",
        f"confidence: {e['strangers_within_auto']} of {result['stranger_probes']} strangers within the auto distance: FPIR <= "
        f"{num(result['fpir_upper_95'])} at 95% (rule of three); showing <= {result['target_fpir']:g} needs >= "
        f"{result['strangers_needed']} stranger probes with none accepted",
        "",
        f"trade-off at min_margin {r['min_margin']:.2f}: auto_accept_distance -> genuine auto rate, strangers within it, "
        "strangers auto-matched, wrong-person auto",
    ]
    lines += [
        f"  {row['auto_accept_distance']:.2f}  {row['genuine_auto_rate']:.3f}  {row['strangers_within']:>3}  "
        f"{row['strangers_auto']:>3}  {row['wrong_person_auto']:>3}" + ("" if row["allowed"] else "  (not allowed)")
        for row in result["tradeoff"]
        if round(row["auto_accept_distance"] * 100) % 2 == 0
    ]
    lines.append(
        f"trade-off at auto_accept_distance {r['auto_accept_distance']:.2f}: min_margin -> genuine auto rate, "
        "wrong-person auto, strangers auto-matched"
    )
    lines += [
        f"  {row['min_margin']:.2f}  {row['genuine_auto_rate']:.3f}  {row['wrong_person_auto']:>3}  {row['strangers_auto']:>3}"
        for row in result["margins"]
        if round(row["min_margin"] * 100) % 2 == 0 and row["min_margin"] <= 0.3 + 1e-9
    ]
    lines.append("candidate_distance -> candidate recall, strangers sent to the keypad")
    lines += [
        f"  {row['candidate_distance']:.2f}  {num(row['candidate_recall'])}  {num(row['stranger_confirm_rate'])}"
        for row in result["candidates"]
        if round(row["candidate_distance"] * 100) % 5 == 0
    ]
    lines.append(
        f"verified end to end (shipped matcher + policy, keypad simulated): rank-1 {num(v['rank1'])}, auto {num(v['auto_rate'])}, "
        f"candidate recall {num(v['candidate_recall'])}, FNIR {num(v['fnir'])}, FPIR {num(v['fpir'])}, wrong-person {v['wrong_person']}"
    )
    if result.get("written"):
        lines.append(f"written to {result['written']}")
    return "\n".join(lines)


_BENCH_HEADERS = {
    "matcher": "\nmatcher: ms per identify (search + best per citizen + decision), 3 samples per citizen, same run\n"
    f"{'N samples':>10} {'ms/query':>9} {'naive ms':>9} {'speedup':>8} {'gemv ms':>8} {'x gemv':>7} "
    f"{'GB/s':>6} {'gemv GB/s':>9} {'best x gemv':>11} {'index MB':>9} {'RSS MB':>8}\n"
    "(under each row: the compact int8 index a counter uses for SFace, same rows, same run)",
    "pipeline": "\npipeline: ms per frame with one face (qr_fast: QR scan with no code in view; qr_card: with a card in view;\n"
    "face total = detect + landmarks + align/encode; x plain = face total / plain face_recognition's, same frame, same run)\n"
    f"{'frame':>9} {'engine / detector':<26} {'qr_fast':>7} {'qr_card':>7} {'detect':>7} {'landm.':>7} {'encode':>7} "
    f"{'match':>6} {'face total':>10} {'x plain':>7}",
    "cards": "\ncards: QR reading per frame on webcam photos of CCCD-like cards (sample_images/card_photos), ms (read: + exact, - not)\n"
    "(zbar = the fast path before zxing-cpp, same run; fast = every live frame; card = fast path + card path, a CARD-mode frame;\n"
    " full = decode_qr thorough: files and the periodic slow try)\n"
    f"{'photo':<22} {'frame':>9} {'px/mod':>6} {'glare':>5} {'blur':>4} {'zbar':>8} {'fast':>8} {'card':>8} {'full':>8}",
    "startup": "\nstart-up: open the kiosk and load N samples into the index: from the sealed snapshot (every start), and\n"
    "rebuilt from SQLite, decrypting each template, then saving the snapshot (a first start, or after a damaged one)\n"
    f"{'N samples':>10} {'seconds':>8} {'rebuild s':>9} {'samples/s':>10} {'plain SQL read s':>16} {'DB MB':>8} "
    f"{'snapshot MB':>11} {'index MB':>8} {'identify ms':>11}",
}


def bench_header(section: str) -> str:
    """The header lines of one ``kiosk bench`` table."""
    return _BENCH_HEADERS[section]


def bench_line(section: str, row: dict[str, Any]) -> str:
    """One row of a ``kiosk bench`` table (``machine``: the one-line machine description)."""
    if section == "machine":
        load = ", ".join(f"{x:.2f}" for x in row["load_avg"]) if row.get("load_avg") else "-"
        return (
            f"machine: {row['cores']} cores, {row['cpu']}, {row['ram_gb']} GiB RAM, numpy {row['numpy']} with {row['blas']}, "
            f"Python {row['python']}; load average {load}"
        )
    if section == "matcher":
        return (
            f"{row['n']:>10} {row['ms_per_query']:>9.3f} {row['naive_ms_per_query']:>9.2f} {row['speedup']:>7.1f}x "
            f"{row['gemv_ms']:>8.3f} {row['ratio_to_gemv']:>7.2f} {row['gb_per_s']:>6.1f} {row['gemv_gb_per_s']:>9.1f} "
            f"{row['ratio_to_gemv_min']:>11.2f} {row['index_mb']:>9.1f} {num(row['rss_mb'], 0):>8}\n"
            f"{'':>10} compact int8: {row['compact_ms']:.3f} ms per identify = {row['compact_vs_gemv']:.2f} x one float32 "
            f"mat-vec over the unit rows ({row['compact_gemv_ms']:.3f} ms); index {row['compact_index_mb']:.1f} MB; "
            f"{row['compact_rescored']} rows re-scored exactly; same answers as float32: {row['compact_same']}"
        )
    if section == "pipeline":
        cells = [
            num(row.get(k), 1) for k in ("qr_fast", "qr_card", "detect", "landmarks", "encode", "match", "face_total")
        ]
        mark = "  <- shipped default" if row.get("default") else ""
        return (
            f"{row['frame']:>9} {row['detector']:<26} "
            + " ".join(f"{c:>7}" for c in cells[:5])
            + f" {cells[5]:>6} {cells[6]:>10}"
            f" {num(row.get('vs_baseline'), 2):>7}" + ("" if row["faces_found"] else "  (no face found)") + mark
        )
    if section == "cards":

        def cell(path: str) -> str:
            mark = {True: "+", False: "-", None: " "}[row[f"{path}_read"]]
            return f"{row[f'{path}_ms']:>7.1f}{mark}"

        conditions = (
            "" if row["module_px"] is None else f"{row['module_px']:>6.1f} {row['glare']:>5.1f} {row['blur']:>4.1f}"
        )
        return f"{row['file']:<22} {row['frame']:>9} {conditions:>17} " + " ".join(
            cell(p) for p in ("zbar", "fast", "card", "full")
        )
    return (
        f"{row['n']:>10} {row['seconds']:>8.2f} {row['rebuild_seconds']:>9.2f} {row['samples_per_s']:>10.0f} "
        f"{row['plain_read_seconds']:>16.2f} {row['db_mb']:>8.1f} {row['snapshot_mb']:>11.1f} {row['index_mb']:>8.1f} "
        f"{row['identify_ms']:>11.1f}"
    )
