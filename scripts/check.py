"""Everything CI checks, in order: ruff lint, ruff format, mypy, then the test suite.

Run it with the project's own interpreter (after ``scripts/setup --test``):
``.venv/bin/python scripts/check.py`` (Windows: ``.venv\\Scripts\\python scripts\\check.py``).
Extra arguments go to pytest (e.g. ``-m "not slow"`` for the fast subset). Exit status: the
first step that fails, else pytest's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(pytest_args: list[str]) -> int:
    """Run the steps in order; stop at the first that fails and return its exit status."""
    steps = [
        ("ruff check", [sys.executable, "-m", "ruff", "check", "."]),
        ("ruff format --check", [sys.executable, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [sys.executable, "-m", "mypy"]),
        ("pytest", [sys.executable, "-m", "pytest", *pytest_args]),
    ]
    for name, command in steps:
        print(f"check: {name}", flush=True)
        status = subprocess.run(command, cwd=ROOT).returncode
        if status != 0:
            print(f"check: {name} failed (exit {status}); fix it and run scripts/check.py again", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
