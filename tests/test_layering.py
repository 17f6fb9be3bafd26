"""Layers only call downwards, no module cycle, and nothing heavy is loaded at import time.

Every import counts: module-level, inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Top to bottom: a module may import its own room and the rooms below it, never above.
ROOMS = (
    "kiosk.cli",  # the command; may open the window
    "ui",  # the window (PySide6)
    "kiosk.doctor",  # kiosk doctor: whether this PC can run a counter (the window's checks are ui's)
    "kiosk.api",  # the local HTTP API (Starlette + uvicorn) for the province's web forms
    "kiosk.measure",  # evaluation, calibration, benchmarks, replay
    "kiosk.counter",  # the counter service, watcher, screen guard, admin session
    "kiosk.province",  # registry (PostgreSQL) and sync
    "kiosk.chip",  # the card's chip (ICAO eMRTD): BAC, secure messaging, data groups, passive authentication, PC/SC
    "kiosk.cccd",  # the card's record and reading it from a frame
    "kiosk.store",  # the counter's SQLite file: all of its SQL
    "kiosk.install",  # the locked wheels per platform and the offline installer (no product code)
    "kiosk",  # shared: settings, errors, words, timefmt
    "recognition",  # faces and codes in images
    "models",  # plain data types
)

# Third-party libraries a layer may not touch (converted at the edge below it).
FORBIDDEN = {
    "models": {
        "cv2",
        "dlib",
        "face_recognition",
        "pyzbar",
        "zxingcpp",
        "PySide6",
        "sqlite3",
        "sqlite_utils",
        "psycopg",
    },
    "recognition": {"PySide6", "sqlite3", "sqlite_utils", "psycopg"},
    "kiosk": {"PySide6"},
    "ui": {"face_recognition", "dlib", "pyzbar", "zxingcpp", "sqlite3", "sqlite_utils", "psycopg"},
}

PACKAGES = ("models", "recognition", "kiosk", "ui")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported_names(path: Path) -> set[str]:
    """Every absolute name ``path`` imports, anywhere in the file (``from a import b`` gives ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def room_of(module: str) -> str | None:
    for room in ROOMS:
        if module == room or module.startswith(room + "."):
            return room
    return None


def project_deps(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (the longest known prefix of each imported name)."""
    deps = set()
    for name in imported_names(path):
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name:
            deps.add(name)
    return deps - {module_name(path)}


def test_rooms_import_only_downwards():
    modules = project_modules()
    offences = set()
    for module, path in modules.items():
        mine = ROOMS.index(room_of(module))
        for dep in project_deps(path, modules):
            theirs = room_of(dep)
            if theirs is not None and ROOMS.index(theirs) < mine:
                offences.add(f"{module} ({ROOMS[mine]}) imports {dep} ({theirs})")
    assert not offences, sorted(offences)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_no_forbidden_library(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"{layer}/ has no modules"
    offences = {
        f"{f.relative_to(ROOT)} imports {name}"
        for f in files
        for name in imported_names(f)
        if name.split(".")[0] in FORBIDDEN[layer]
    }
    assert not offences, sorted(offences)


EDGES = {"smartcard": {"kiosk.chip.pcsc"}, "asn1crypto": {"kiosk.chip.passive"}}
"""Libraries only one module may import: pyscard's types stay in the reader's module, ASN.1 in passive authentication."""


@pytest.mark.parametrize("library", sorted(EDGES))
def test_a_library_stays_in_its_edge_module(library):
    offences = {
        module
        for module, path in project_modules().items()
        if any(name.split(".")[0] == library for name in imported_names(path)) and module not in EDGES[library]
    }
    assert not offences, f"{library} imported outside {EDGES[library]}: {sorted(offences)}"
    assert EDGES[library] <= set(project_modules()), "the edge module moved: update EDGES"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_cycle_among_modules():
    modules = project_modules()
    graph = {m: project_deps(p, modules) for m, p in modules.items()}
    assert not cycles(graph)


def test_checkers_catch_offences(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kiosk.counter.service import Kiosk\n"
        "def f():\n    from PySide6 import QtCore\n",
        encoding="utf-8",
    )
    assert {"PySide6.QtCore", "kiosk.counter.service.Kiosk"} <= imported_names(bad)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert room_of("kiosk.store.records") == "kiosk.store" and room_of("kiosk.words") == "kiosk"


QT_FREE = ("ui.flow", "ui.flow_enrol", "ui.flow_keypad", "ui.flow_visit", "ui.screens", "ui.enrolment")
"""The counter's flow and what it shows: states and transitions without Qt, tested without a display;
the widgets render them (DESIGN.md, ui/)."""


def reached(module: str, modules: dict[str, Path]) -> set[str]:
    """``module`` and every project module it imports, directly or through others."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += project_deps(modules[name], modules)
    return seen


def qt_importers(module: str, modules: dict[str, Path]) -> list[str]:
    """The modules reached from ``module`` that import PySide6 themselves."""
    return sorted(
        m for m in reached(module, modules) if "PySide6" in {n.split(".")[0] for n in imported_names(modules[m])}
    )


@pytest.mark.parametrize("module", QT_FREE)
def test_the_counter_flow_imports_no_qt(module):
    modules = project_modules()
    assert not qt_importers(module, modules)
    code = f"import sys\nimport {module}\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6'))\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # nor through a third-party library


def test_the_qt_check_sees_the_widgets():
    modules = project_modules()
    assert "ui.counter" in qt_importers("ui.counter", modules) and "ui.i18n" in qt_importers("ui.window", modules)


def test_importing_every_module_loads_no_model_or_vision_library():
    modules = [m for m in project_modules() if not m.startswith("ui")]
    code = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "heavy = sorted({'face_recognition', 'dlib', 'cv2', 'pyzbar', 'zxingcpp', 'sqlite_utils', 'PySide6'} & set(sys.modules))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
