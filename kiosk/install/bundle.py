"""``scripts/bundle --platform windows|linux --out DIR``: an installer folder that needs no network.

What goes in ``DIR`` (and ``DIR.zip``):

- ``wheels/``: every wheel the lock pins for that platform and CPython 3.11 and 3.12
  (:mod:`kiosk.install.lock`), each checked against the lock's SHA-256; the project's own
  wheel; the wheels built here from a pure-Python source archive (:data:`PURE_SDISTS`).
- ``requirements-cp311.txt``, ``requirements-cp312.txt``: exact versions with their hashes,
  so the install takes nothing else and nothing altered; ``overrides.txt``: the project's
  uv overrides (dlib is never built: dlib-bin provides it).
- ``uv/``: the ``uv`` program for that platform (from its PyPI wheel, the version this
  machine's ``scripts/setup`` uses), which makes the virtual environment and installs.
- ``sample_images/``: the bundled sample set, so ``kiosk demo`` runs after the install.
- ``install.sh [FOLDER]`` (Linux) or ``install.ps1 [-Target FOLDER] [-AutoStart]`` (Windows):
  the counter lands in ``FOLDER/.venv`` as with ``scripts/setup``; no administrator rights.

Downloads are kept in a cache (``~/.cache/cccd-kiosk/bundle`` by their SHA-256), so a
second bundle is made offline. The counter PC needs a CPython 3.11 or 3.12 of its own
(python.org's installer on Windows; the distribution's python3 on Linux).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from kiosk.install.lock import TARGETS, Pick, Target, Wheel, lacking, needed, read_lock

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "templates"
UV_PLATFORM = {"windows": "win_amd64", "linux": "manylinux_2_17_x86_64"}
"""The platform tag of the uv wheel each system gets."""


class BundleError(Exception):
    """The bundle cannot be made (one line: what is wrong and what to do)."""


def cache_dir() -> Path:
    """Where downloaded files are kept by SHA-256."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("cccd-kiosk", appauthor=False)) / "bundle"


def fetch(wheel: Wheel, into: Path) -> Path:
    """``wheel`` (or source archive) in ``into``, from the cache or downloaded, its SHA-256 checked.

    Raises:
        BundleError: the download failed or its digest is not the lock's.
    """
    algorithm, _, digest = wheel.hash.partition(":")
    cached = cache_dir() / digest / wheel.filename
    if not cached.is_file() or _digest(cached, algorithm) != digest:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(cached.suffix + ".part")
        try:
            with urllib.request.urlopen(wheel.url, timeout=120) as answer, partial.open("wb") as out:
                shutil.copyfileobj(answer, out, 1 << 20)
        except OSError as exc:
            raise BundleError(f"cannot download {wheel.filename}: {exc} - check the connection to PyPI") from None
        if _digest(partial, algorithm) != digest:
            partial.unlink()
            raise BundleError(f"{wheel.filename} does not match the SHA-256 in uv.lock - download it again")
        partial.replace(cached)
    target = into / wheel.filename
    shutil.copyfile(cached, target)
    return target


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(*command: object, cwd: Path | None = None) -> None:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BundleError(f"{Path(str(command[0])).name} {command[1]} failed: {tail[0]}")


def uv_program() -> Path:
    """This machine's uv (``scripts/setup`` installs it into ``.tools/uv``), else one on PATH."""
    for candidate in (ROOT / ".tools" / "uv" / "bin" / "uv", ROOT / ".tools" / "uv" / "Scripts" / "uv.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which("uv")
    if found is None:
        raise BundleError("uv is not installed here - run scripts/setup first")
    return Path(found)


def build_wheels(picks: list[Pick], wheels: Path) -> dict[str, str]:
    """The project's wheel and the wheels of pure-Python source archives, built into ``wheels``;
    ``{file name: sha256}`` of each."""
    uv = uv_program()
    built: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-bundle-") as tmp:
        out = Path(tmp)
        _run(uv, "build", "--wheel", "--out-dir", out, ROOT, cwd=ROOT)
        for pick in picks:
            if pick.builds_here and pick.sdist is not None:
                source = fetch(pick.sdist, out)
                _run(uv, "build", "--wheel", "--out-dir", out, source, cwd=ROOT)
                source.unlink()
        for wheel in out.glob("*.whl"):
            shutil.copyfile(wheel, wheels / wheel.name)
            built[wheel.name] = _digest(wheel, "sha256")
    return built


def fetch_uv(system: str, into: Path) -> Path:
    """The ``uv`` program for ``system`` (the version used here), unpacked from its PyPI wheel
    (found through PyPI's simple index in JSON, PEP 691; its SHA-256 checked) into ``into``."""
    import json

    wanted = subprocess.run([str(uv_program()), "--version"], capture_output=True, text=True).stdout.split()[1]
    index = urllib.request.Request(
        "https://pypi.org/simple/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(index, timeout=60) as answer:
            files = json.load(answer)["files"]
    except OSError as exc:
        raise BundleError(f"cannot ask PyPI for uv {wanted}: {exc} - check the connection to PyPI") from None
    name = f"uv-{wanted}-py3-none-{UV_PLATFORM[system]}"
    entries = [f for f in files if f["filename"].startswith(name) and f["filename"].endswith(".whl")]
    if not entries:
        raise BundleError(f"PyPI has no uv {wanted} wheel for {system} - update uv here (scripts/setup)")
    entry = entries[0]
    wheel = fetch(Wheel(entry["filename"], entry["url"], f"sha256:{entry['hashes']['sha256']}", entry["size"]), into)
    program_name = "uv.exe" if system == "windows" else "uv"
    with zipfile.ZipFile(wheel) as archive:
        member = next(m for m in archive.namelist() if m.endswith(f"/scripts/{program_name}"))
        program = into / program_name
        program.write_bytes(archive.read(member))
    wheel.unlink()
    program.chmod(0o755)
    return program


def requirements(picks: list[Pick], built: dict[str, str], target: Target) -> str:
    """The pinned, hashed requirements of ``target`` (uv pip install --require-hashes)."""
    from packaging.utils import canonicalize_name

    lines = [f"# {target.name}: every package the counter installs, pinned to uv.lock, with its SHA-256"]
    for pick in picks:
        if pick.wheel is not None:
            digest = pick.wheel.hash
        else:
            name = canonicalize_name(pick.name)
            [digest] = [f"sha256:{d}" for f, d in built.items() if canonicalize_name(f.split("-")[0]) == name]
        lines.append(f"{pick.name}=={pick.version} --hash={digest}")
    [project] = [f for f in built if f.startswith("cccd_kiosk-")]
    lines.append(f"cccd-kiosk=={project.split('-')[1]} --hash=sha256:{built[project]}")
    return "\n".join(lines) + "\n"


def uv_overrides() -> list[str]:
    """The project's ``[tool.uv] override-dependencies`` (dlib is never built: dlib-bin provides it),
    which ``uv pip install --overrides`` applies as ``uv sync`` does."""
    project = read_lock(ROOT / "pyproject.toml")  # any TOML file
    return list(project.get("tool", {}).get("uv", {}).get("override-dependencies", []))


def make_bundle(system: str, out: Path, *, say: Callable[[str], None] = print) -> Path:
    """Make the installer folder ``out`` for ``system`` (``windows`` or ``linux``) and its ``.zip``;
    returns the zip's path.

    Raises:
        BundleError: a package has no wheel for a target, a download or build failed.
    """
    lock = read_lock(ROOT / "uv.lock")
    targets = [t for t in TARGETS if t.system == system]
    plans = {t: needed(lock, t) for t in targets}
    for target, picks in plans.items():
        if lacking(picks):
            raise BundleError(f"{target.name}: no wheel for {', '.join(lacking(picks))} - lock a version with wheels")
    if out.exists():
        shutil.rmtree(out)
    wheels = out / "wheels"
    wheels.mkdir(parents=True)
    every = {p.wheel.filename: p.wheel for picks in plans.values() for p in picks if p.wheel is not None}
    say(f"{len(every)} locked wheels for {system} (CPython 3.11 and 3.12)...")
    for wheel in sorted(every.values(), key=lambda w: w.filename):
        fetch(wheel, wheels)
    say("building the project's wheel...")
    built = build_wheels(sorted({p for picks in plans.values() for p in picks}, key=lambda p: p.name), wheels)
    for target, picks in plans.items():
        (out / f"requirements-cp{target.python[0]}{target.python[1]}.txt").write_text(
            requirements(picks, built, target), encoding="utf-8"
        )
    (out / "overrides.txt").write_text("\n".join(uv_overrides()) + "\n", encoding="utf-8")
    say("uv for the counter PC...")
    (out / "uv").mkdir()
    fetch_uv(system, out / "uv")
    shutil.copytree(ROOT / "sample_images", out / "sample_images")
    script = "install.ps1" if system == "windows" else "install.sh"
    shutil.copyfile(TEMPLATES / script, out / script)
    (out / script).chmod(0o755)
    shutil.copyfile(TEMPLATES / "README.txt", out / "README.txt")
    archive = Path(shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    say(f"bundle ready: {out} ({size / 2**20:.0f} MB) and {archive}; on the counter PC run {script}")
    return archive


def main(argv: list[str] | None = None) -> int:
    """``scripts/bundle --platform windows|linux --out DIR``."""
    parser = argparse.ArgumentParser(prog="scripts/bundle", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--platform", choices=("windows", "linux"), required=True)
    parser.add_argument("--out", type=Path, required=True, help="the installer folder to make (replaced if present)")
    args = parser.parse_args(argv)
    try:
        make_bundle(args.platform, args.out.resolve())
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
