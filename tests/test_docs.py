"""The README and docs/ hold together: every relative link (and its #anchor) resolves, the
README stays short, opens with the two commands, and ``.ci/run`` runs its test command;
docs/USAGE.md shows every CLI command."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_BYTES = 11_000

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def prose(text: str) -> str:
    """The Markdown without fenced code blocks (links inside code are not links)."""
    return FENCE.sub("", text)


def links(text: str) -> list[str]:
    """Every link target in ``text``, in order, outside code blocks and inline code."""
    return LINK.findall(INLINE_CODE.sub("code", prose(text)))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text
    text = unicodedata.normalize("NFC", text).lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes for ``path``'s headings (repeats get -1, -2...)."""
    seen: dict[str, int] = {}
    out: set[str] = set()
    for heading in HEADING.findall(prose(path.read_text(encoding="utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` whose file, folder or heading anchor does not exist."""
    broken: list[str] = []
    for target in links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.exists():
            broken.append(target)
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(target)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert links(page.read_text(encoding="utf-8")) or page != README
    assert not broken_links(page), f"{page.relative_to(ROOT)}: broken links {broken_links(page)}"


def test_the_link_check_finds_a_broken_file_and_a_broken_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Some title: here (really)\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#some-title-here-really) [gone](missing.md) [bad](other.md#nope)\n"
        "`[not a link](missing.md)`\n```\n[nor this](missing.md)\n```\n[web](https://x.org/a)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["missing.md", "other.md#nope"]


def test_the_readme_stays_short() -> None:
    size = len(README.read_bytes())
    assert size < README_MAX_BYTES, f"README.md is {size} bytes; move details into docs/"


def readme_commands() -> list[str]:
    """The commands of the README's first code block, without their comments."""
    block = re.search(r"^```\w*\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    assert block, "README.md has no code block"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_opens_with_setup_and_run_then_setup_and_test() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.index("```")
    assert "## Quick start" in text[:first_block]
    run, test = readme_commands()[:2]
    assert run.startswith("scripts/setup &&") and run.endswith("kiosk demo")
    assert test.startswith("scripts/setup --test &&") and test.endswith("scripts/check.py")  # lint, types, pytest
    assert "scripts\\setup.ps1" in text and "scripts\\setup.ps1 -Test" in text  # Windows


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    test = readme_commands()[1]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in ci if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == [test], f".ci/run runs {commands}, the README says {test!r}"


def test_every_page_gives_the_readmes_test_command() -> None:
    """A page that shows how to set up and test says what the README says (on Linux and Windows)."""
    test = readme_commands()[1]
    windows = test.replace("scripts/setup --test", "powershell -ExecutionPolicy Bypass -File scripts\\setup.ps1 -Test")
    windows = windows.replace(".venv/bin/python scripts/check.py", ".venv\\Scripts\\python scripts\\check.py")
    for page in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for line in page.read_text(encoding="utf-8").splitlines():
            for given, expected in (("scripts/setup --test &&", test), ("setup.ps1 -Test &&", windows)):
                if given in line:
                    assert expected in line, f"{page.name}: {line.strip()!r} is not the README's {expected!r}"


def test_every_command_is_in_the_usage_page() -> None:
    from kiosk.cli.main import main

    usage = (ROOT / "docs" / "USAGE.md").read_text(encoding="utf-8")
    missing = [name for name in sorted(main.commands) if not re.search(rf"`kiosk {re.escape(name)}(?![\w-])", usage)]
    assert not missing, f"docs/USAGE.md does not show: {', '.join(missing)}"


def test_the_readme_credits_the_face_photos_and_shows_the_counter_window() -> None:
    text = README.read_text(encoding="utf-8")
    for credit in ("DeBruine", "Jones", "CC BY 4.0", "doi:10.6084/m9.figshare.5047666"):
        assert credit in text, f"README.md no longer credits the face photos ({credit})"
    assert re.search(r"!\[[^\]]*\]\(docs/screenshots/[^)]+\.png\)", text), "README.md shows no screenshot"
