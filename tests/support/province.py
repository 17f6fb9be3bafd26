"""A province set up as its administrator would, through the CLI: ``kiosk province init`` on a
fresh database, counters added with ``kiosk province add-counter`` and joined with ``kiosk join``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.counter.service import Kiosk
from kiosk.settings import load_settings
from tests.support.data import run_cli


@dataclass
class Province:
    """One province: the registry's admin URL, the administrator's settings, the counters opened."""

    admin_url: str
    folder: Path
    opened: list[Kiosk] = field(default_factory=list)

    @property
    def admin_config(self) -> Path:
        return self.folder / "admin" / "kiosk.toml"

    def cli(self, *args: object):
        """``kiosk province ARGS --registry ADMIN_URL`` as the administrator."""
        return run_cli("province", *args, "--registry", self.admin_url)

    def add(self, name: str, *extra: object) -> tuple[Path, str]:
        """Add counter ``name``; its bundle's path and join code."""
        bundle = self.folder / f"{name.replace(' ', '_')}.bundle"
        result = self.cli("add-counter", name, "--out", bundle, "--config", self.admin_config, "--json", *extra)
        assert result.exit_code == 0, result.output
        return bundle, json.loads(result.stdout)["join_code"]

    def config(self, name: str) -> Path:
        """Counter ``name``'s settings file (its own folder, as on its own PC)."""
        return self.folder / name.replace(" ", "_") / "kiosk.toml"

    def join(self, name: str) -> Kiosk:
        """Add counter ``name``, join it from its own folder, and open it as the app would."""
        bundle, code = self.add(name)
        config = self.config(name)
        result = run_cli("join", bundle, "--code", code, "--config", config, "--json")
        assert result.exit_code == 0, result.output
        return self.open(name)

    def open(self, name: str) -> Kiosk:
        kiosk = Kiosk.open(load_settings(self.config(name)), actor=f"staff-{name}")
        self.opened.append(kiosk)
        return kiosk

    def close(self) -> None:
        for kiosk in self.opened:
            kiosk.close()


def set_up(admin_url: str, folder: Path, key_file: Path | None = None) -> Province:
    """A province on the database of ``admin_url``, set up by ``kiosk province init`` with an
    administrator's settings of its own in ``folder``, and the data key in ``key_file`` (default:
    a new one beside those settings)."""
    made = Province(admin_url, folder)
    made.admin_config.parent.mkdir(parents=True)
    key = key_file or made.admin_config.with_name("province.key")
    made.admin_config.write_text(f'key_file = "{key.as_posix()}"\n')
    result = made.cli("init", "--config", made.admin_config)
    assert result.exit_code == 0, result.output
    return made
