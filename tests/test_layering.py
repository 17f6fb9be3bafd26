"""Layers only call downwards, and nothing heavy is loaded at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "models": {"kiosk", "recognition", "ui", "cv2", "dlib", "face_recognition", "pyzbar", "zxingcpp", "PySide6", "sqlite3", "sqlite_utils"},
    "recognition": {"kiosk", "ui", "PySide6", "sqlite3", "sqlite_utils"},
    "kiosk": {"ui", "PySide6"},
    "ui": {"recognition", "face_recognition", "dlib", "pyzbar", "zxingcpp", "sqlite3", "sqlite_utils"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"{layer}/ has no modules"
    offences = {f"{f.relative_to(ROOT)} imports {bad}" for f in files for bad in imported_roots(f) & FORBIDDEN[layer]}
    assert not offences, sorted(offences)


def test_checker_catches_an_offence(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from PySide6 import QtCore\n", encoding="utf-8")
    assert "PySide6" in imported_roots(bad)


def test_importing_every_module_loads_no_model_or_vision_library():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for layer in ("models", "recognition", "kiosk")
               for p in sorted((ROOT / layer).rglob("*.py"))]
    code = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "heavy = sorted({'face_recognition', 'dlib', 'cv2', 'pyzbar', 'zxingcpp', 'sqlite_utils'} & set(sys.modules))\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
