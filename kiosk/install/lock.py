"""Which files a counter PC needs, read from ``uv.lock`` alone (no network, no resolver).

The lock pins every package of every platform and Python the project supports. For one
*target* (an operating system, a machine and a CPython version) this module walks the
project's dependencies from ``cccd-kiosk`` down, keeping the edges whose environment
markers hold on that target, and picks for each package the locked wheel that target
installs: a ``win_amd64`` or ``manylinux_*_x86_64`` wheel of that CPython, an ``abi3``
one, or a pure-Python ``none-any`` one. A package left with no such wheel would have to
be compiled on the counter PC (:attr:`Pick.wheel` is None): the suite fails on it
(tests/test_lock.py), and ``scripts/bundle`` refuses to make an installer without it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT = "cccd-kiosk"
PURE_SDISTS = frozenset({"face-recognition-models"})
"""Packages locked only as a source archive with nothing to compile (face_recognition_models:
Python and model files): the machine that makes the bundle builds their ``py3-none-any``
wheel once; a counter PC never builds anything."""
MANYLINUX_GLIBC = (2, 35)
"""The newest glibc a Linux counter is assumed to have (Ubuntu 22.04, Debian 12 has 2.36):
a ``manylinux_2_X`` wheel with X above it does not count."""


@dataclass(frozen=True)
class Target:
    """One kind of counter PC: ``system`` (``windows`` or ``linux``), x86-64, CPython ``python`` (3, minor)."""

    system: str
    python: tuple[int, int]

    @property
    def name(self) -> str:
        """E.g. ``windows-cp311``."""
        return f"{self.system}-cp{self.python[0]}{self.python[1]}"

    def environment(self) -> dict[str, str]:
        """The values PEP 508 markers are evaluated with on this target."""
        version = f"{self.python[0]}.{self.python[1]}"
        windows = self.system == "windows"
        return {
            "python_version": version,
            "python_full_version": f"{version}.0",
            "sys_platform": "win32" if windows else "linux",
            "platform_system": "Windows" if windows else "Linux",
            "platform_machine": "AMD64" if windows else "x86_64",
            "os_name": "nt" if windows else "posix",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_version": "",
            "implementation_version": f"{version}.0",
            "extra": "",
        }

    def platforms(self) -> list[str]:
        """Wheel platform tags this target installs, most specific first."""
        if self.system == "windows":
            return ["win_amd64"]
        major, newest = MANYLINUX_GLIBC
        tags = [f"manylinux_{major}_{minor}_x86_64" for minor in range(newest, 4, -1)]
        return tags + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]

    def tags(self) -> list[Any]:
        """Every wheel tag this target installs, in pip's order of preference (packaging.tags)."""
        from packaging import tags

        return [
            *tags.cpython_tags(self.python, platforms=self.platforms()),
            *tags.compatible_tags(self.python, f"cp{self.python[0]}{self.python[1]}", self.platforms()),
        ]


TARGETS = tuple(Target(system, (3, minor)) for system in ("windows", "linux") for minor in (11, 12))
"""What the offline installer serves: Windows and Linux x86-64, CPython 3.11 and 3.12."""


@dataclass(frozen=True)
class Wheel:
    """One locked wheel: its file name, download address, ``sha256:…`` hash and size in bytes."""

    filename: str
    url: str
    hash: str
    size: int


@dataclass(frozen=True)
class Pick:
    """A package the target needs, the locked wheel it installs (None: none fits) and its
    locked source archive (None: wheels only)."""

    name: str
    version: str
    wheel: Wheel | None
    sdist: Wheel | None = None

    @property
    def builds_here(self) -> bool:
        """No wheel, but a source archive with nothing to compile (:data:`PURE_SDISTS`)."""
        from packaging.utils import canonicalize_name

        return self.wheel is None and self.sdist is not None and canonicalize_name(self.name) in PURE_SDISTS


def read_lock(path: Path) -> dict[str, Any]:
    """``uv.lock`` (or any TOML file, such as ``pyproject.toml``) as data."""
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return data


def needed(lock: dict[str, Any], target: Target, *, extras: Iterable[str] = ()) -> list[Pick]:
    """The packages ``target`` installs for the project (with its optional ``extras``), sorted
    by name, each with the wheel it takes from the lock. The project itself is left out."""
    from packaging.markers import Marker
    from packaging.utils import canonicalize_name

    packages: dict[str, list[dict[str, Any]]] = {}
    for package in lock["package"]:
        packages.setdefault(canonicalize_name(package["name"]), []).append(package)
    environment = target.environment()

    def holds(edge: dict[str, Any], extra: str = "") -> bool:
        marker = edge.get("marker")
        return marker is None or Marker(marker).evaluate({**environment, "extra": extra})

    def resolve(edge: dict[str, Any]) -> dict[str, Any]:
        candidates = packages[canonicalize_name(edge["name"])]
        if "version" in edge:
            candidates = [p for p in candidates if p["version"] == edge["version"]]
        if len(candidates) != 1:
            raise ValueError(f"uv.lock: {edge['name']} {edge.get('version', '')} is not one package")
        return candidates[0]

    def edges(package: dict[str, Any], chosen_extras: Iterable[str]) -> Iterator[dict[str, Any]]:
        yield from (e for e in package.get("dependencies", []) if holds(e))
        optional = package.get("optional-dependencies", {})
        for extra in chosen_extras:
            yield from (e for e in optional.get(extra, []) if holds(e, extra))

    [root] = packages[canonicalize_name(PROJECT)]
    seen: dict[str, dict[str, Any]] = {}
    walked: set[tuple[str, tuple[str, ...]]] = set()  # (package, extras) already followed
    todo = [(root, tuple(extras))]
    while todo:
        package, chosen = todo.pop()
        for edge in edges(package, chosen):
            dependency = resolve(edge)
            key = f"{canonicalize_name(dependency['name'])}=={dependency['version']}"
            state = (key, tuple(sorted(edge.get("extra", ()))))
            if state not in walked:
                walked.add(state)
                seen[key] = dependency
                todo.append((dependency, state[1]))
    return sorted((_pick(p, target) for p in seen.values()), key=lambda pick: pick.name)


def _pick(package: dict[str, Any], target: Target) -> Pick:
    from packaging.utils import parse_wheel_filename

    rank = {tag: i for i, tag in enumerate(target.tags())}
    best: tuple[int, Wheel] | None = None
    for entry in package.get("wheels", []):
        filename = entry["url"].rsplit("/", 1)[-1]
        _, _, _, wheel_tags = parse_wheel_filename(filename)
        score = min((rank[tag] for tag in wheel_tags if tag in rank), default=None)
        if score is not None and (best is None or score < best[0]):
            best = (score, Wheel(filename, entry["url"], entry["hash"], int(entry.get("size", 0))))
    source = package.get("sdist")
    sdist = None
    if source is not None:
        sdist = Wheel(source["url"].rsplit("/", 1)[-1], source["url"], source["hash"], int(source.get("size", 0)))
    return Pick(package["name"], package["version"], best[1] if best else None, sdist)


def lacking(picks: Iterable[Pick]) -> list[str]:
    """``name version`` of every package with no wheel for the target that is not a known
    pure-Python source archive: it would need a compiler on the counter PC."""
    return [f"{p.name} {p.version}" for p in picks if p.wheel is None and not p.builds_here]
