"""Image sets on disk: folder-per-person sets and the LFW ``pairs.txt`` protocol.

A *folder-per-person* set is ``DIR/<person>/<image files>``; a person's images are taken
in sorted file-name order (the first ones are enrolled). LFW keeps its images at
``DIR/<name>/<name>_<n as 4 digits>.jpg`` and lists verification pairs in ``pairs.txt``:
a header line (``folds pairs_per_fold``, e.g. ``10 300``, or a single count), then
``name n1 n2`` for a same-person pair and ``name1 n1 name2 n2`` for a different-person pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.measure.errors import DatasetError
from kiosk.words import count

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp"})
DEFAULT_FOLDS = 10


@dataclass(frozen=True)
class Pair:
    """One verification pair: two image files, whether they show the same person, its fold (0-based)."""

    first: Path
    second: Path
    same: bool
    fold: int


def image_files(folder: Path) -> list[Path]:
    """The image files directly in ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def scan_identities(root: Path, *, loose_files_are_people: bool = False) -> dict[str, list[Path]]:
    """``{person: [image files, sorted]}`` for a folder-per-person set, persons sorted by name.

    Folders without images are skipped. With ``loose_files_are_people`` an image directly
    in ``root`` counts as a person of its own (named after the file), as distractor sets
    often come flat.

    Raises:
        DatasetError: ``root`` is not a folder, or holds no images at all.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(
            f"image folder {root} does not exist", "pass a folder with one sub-folder of photos per person"
        )
    people: dict[str, list[Path]] = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        files = image_files(sub)
        if files:
            people[sub.name] = files
    if loose_files_are_people:
        for file in image_files(root):
            people.setdefault(file.stem, [file])
    if not people:
        raise DatasetError(
            f"no face images found in {root}", "expected DIR/<person>/<photo>.jpg (JPEG, PNG, BMP or WebP)"
        )
    return dict(sorted(people.items()))


def lfw_image(images_dir: Path, name: str, number: int) -> Path:
    """Where LFW keeps image ``number`` of ``name``: ``DIR/<name>/<name>_<number:04d>.jpg``."""
    return Path(images_dir) / name / f"{name}_{number:04d}.jpg"


def read_pairs(pairs_file: Path, images_dir: Path) -> list[Pair]:
    """Parse an LFW-format pairs file into :class:`Pair` objects with their folds.

    With a header ``F P`` the file holds ``F`` folds of ``2P`` consecutive lines each (P
    same-person pairs, then P different-person pairs, as in LFW's ``pairs.txt``). With a
    single number the pairs are cut into :data:`DEFAULT_FOLDS` consecutive folds.

    Raises:
        DatasetError: the file is missing or malformed, or names images that do not exist.
    """
    pairs_file = Path(pairs_file)
    try:
        lines = [ln.split() for ln in pairs_file.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError:
        raise DatasetError(
            f"pairs file {pairs_file} does not exist", "pass LFW's pairs.txt (or a file in its format)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"cannot read pairs file {pairs_file}: {exc}", "check the file") from None
    lines = [ln for ln in lines if ln]
    if not lines or not all(tok.isdigit() for tok in lines[0]) or len(lines[0]) not in (1, 2):
        raise DatasetError(
            f"{pairs_file}: the first line must be a header such as '10 300'", "use LFW's pairs.txt format"
        )
    header, body = [int(tok) for tok in lines[0]], lines[1:]
    if len(header) == 2 and header[0] * 2 * header[1] != len(body):
        raise DatasetError(
            f"{pairs_file}: the header promises {header[0]} folds of {2 * header[1]} pairs, "
            f"but {len(body)} pairs follow",
            "fix the header line",
        )
    per_fold = 2 * header[1] if len(header) == 2 else -(-len(body) // DEFAULT_FOLDS)
    pairs = []
    for index, tokens in enumerate(body):
        fold = index // max(1, per_fold)
        try:
            if len(tokens) == 3:
                pair = Pair(
                    lfw_image(images_dir, tokens[0], int(tokens[1])),
                    lfw_image(images_dir, tokens[0], int(tokens[2])),
                    True,
                    fold,
                )
            elif len(tokens) == 4:
                pair = Pair(
                    lfw_image(images_dir, tokens[0], int(tokens[1])),
                    lfw_image(images_dir, tokens[2], int(tokens[3])),
                    False,
                    fold,
                )
            else:
                raise ValueError
        except ValueError:
            raise DatasetError(
                f"{pairs_file}, line {index + 2}: expected 'name n1 n2' or 'name1 n1 name2 n2', got {' '.join(tokens)!r}",
                "fix that line",
            ) from None
        pairs.append(pair)
    if not pairs:
        raise DatasetError(f"{pairs_file} lists no pairs", "use LFW's pairs.txt format")
    missing = sorted({p for pair in pairs for p in (pair.first, pair.second) if not p.is_file()})
    if missing:
        raise DatasetError(
            f"{count(len(missing), 'image')} named in {pairs_file.name} are missing under {images_dir}, e.g. {missing[0]}",
            "pass --images the folder holding <name>/<name>_0001.jpg",
        )
    return pairs


def make_lfw_pairs(
    people: dict[str, list[Path]], out_dir: Path, *, folds: int = DEFAULT_FOLDS, seed: int = 0
) -> tuple[Path, Path]:
    """Lay a folder-per-person set out like LFW and write a balanced ``pairs.txt`` for it.

    Images are linked (symbolic links; copied where links are not allowed) to
    ``out_dir/images/<name>/<name>_<n:04d>.jpg``; the pairs file has ``folds`` folds of P
    same-person then P different-person pairs (P = same-person pairs available // folds;
    different-person pairs drawn with ``seed``). Returns ``(pairs file, images folder)``.
    """
    import itertools
    import random
    import shutil

    images = Path(out_dir) / "images"
    for name, files in people.items():
        (images / name).mkdir(parents=True, exist_ok=True)
        for n, src in enumerate(files, 1):
            dest = lfw_image(images, name, n)
            if dest.exists() or dest.is_symlink():
                continue
            try:
                dest.symlink_to(Path(src).resolve())
            except OSError:
                shutil.copyfile(src, dest)
    rng = random.Random(seed)
    same = [
        (name, a, b) for name, files in people.items() for a, b in itertools.combinations(range(1, len(files) + 1), 2)
    ]
    diff_all = [(p, q) for p, q in itertools.combinations(people, 2)]
    per_fold = len(same) // folds
    if per_fold == 0 or not diff_all:
        raise DatasetError(
            f"too few same-person pairs for {folds} folds", "use more people with 2+ images, or fewer folds"
        )
    rng.shuffle(same)
    lines = [f"{folds}\t{per_fold}"]
    for fold in range(folds):
        lines += [f"{n}\t{a}\t{b}" for n, a, b in same[fold * per_fold : (fold + 1) * per_fold]]
        for _ in range(per_fold):
            p, q = rng.choice(diff_all)
            lines.append(f"{p}\t{rng.randint(1, len(people[p]))}\t{q}\t{rng.randint(1, len(people[q]))}")
    pairs_file = Path(out_dir) / "pairs.txt"
    pairs_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return pairs_file, images
