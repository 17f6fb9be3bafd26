"""The registry over TLS with passwords, as on a real network: a PostgreSQL server of the tests'
own (``ssl=on``, SCRAM, TLS-only ``hostssl`` rules, a certificate from a test CA), counters
that check it with ``sslmode=verify-full`` against the CA their bundle brings."""

from __future__ import annotations

import json

import pytest

from kiosk.errors import RegistryError
from models import Decision
from tests.support import pg
from tests.support.data import FRAMES, analyzed, enrol_frames, run_cli
from tests.support.province import set_up

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tls_pg():
    with pg.tls_server() as server:
        if server is None:
            pytest.skip("no PostgreSQL binaries (or, as root, no postgres user and runuser) to start a TLS server")
        yield server


@pytest.fixture
def tls_province(tls_pg, tmp_path):
    url = pg.create_database(tls_pg.admin_url)
    made = set_up(url, tmp_path)
    yield made
    made.close()
    pg.drop_database(tls_pg.admin_url, url)


def test_counters_join_over_verify_full_share_a_citizen_and_a_bundle_is_good_once(tls_province, card_record):
    bundle, code = tls_province.add("Quầy A")
    result = run_cli("join", bundle, "--code", code, "--config", tls_province.config("Quầy A"))
    assert result.exit_code == 0 and "wrong password" not in result.stderr, result.output
    init = tls_province.cli("init", "--config", tls_province.admin_config)
    assert init.exit_code == 0 and "warning" not in init.stderr  # hostssl + scram-sha-256 only: nothing to say
    a = tls_province.open("Quầy A")
    b = tls_province.join("Quầy B")
    assert "sslmode=verify-full" in a.registry() and "sslrootcert=" in a.registry()
    a.enrol(card_record("london_043"), [analyzed(p).primary for p in enrol_frames("london_043")], consent=True)
    a.sync()
    b.sync()
    check = b.identify_sample(analyzed(FRAMES / "london_043" / "visit_2.jpg").primary)
    assert check.decision is Decision.MATCH and check.citizen.full_name == "Trần Văn Đức"
    again = run_cli("join", bundle, "--code", code, "--config", tls_province.folder / "thief" / "kiosk.toml")
    assert again.exit_code == 1 and "refused this counter's password" in again.output
    assert again.output.count("\n") == 1


def test_a_counter_given_another_ca_refuses_the_registry_in_one_line(tls_province, tls_pg):
    bundle, code = tls_province.add("Quầy A", "--ca", tls_pg.other_ca)
    result = run_cli("join", bundle, "--code", code, "--config", tls_province.config("Quầy A"))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "is not the one this counter trusts" in result.output and "certificate verify failed" in result.output


def test_a_revoked_counter_cannot_log_in_with_its_password(tls_province):
    a = tls_province.join("Quầy A")
    a.sync()
    assert json.loads(tls_province.cli("revoke-counter", "Quầy A", "--json").stdout)["role"].endswith("_c_quay_a")
    with pytest.raises(RegistryError, match="refused this counter's password") as info:
        a.sync()
    assert info.value.reason == "registry_revoked"
    listed = json.loads(tls_province.cli("counters", "--json").stdout)
    assert listed["revoked_at"] is not None and listed["last_pull"] is not None


def test_join_run_again_after_it_broke_off_uses_the_password_it_already_set(tls_province, monkeypatch):
    from kiosk.counter import service

    bundle, code = tls_province.add("Quầy A")
    config = tls_province.config("Quầy A")

    def unplugged(self, url=None, **kw):  # the network goes after the password change: no first sync
        raise RegistryError("cannot reach the registry", "later")

    monkeypatch.setattr(service.Kiosk, "sync", unplugged)
    first = run_cli("join", bundle, "--code", code, "--config", config)
    assert first.exit_code == 0 and "the first sync failed" in first.output
    monkeypatch.undo()
    again = run_cli("join", bundle, "--code", code, "--config", config)  # the clerk simply runs it again
    assert again.exit_code == 0 and "first sync: pulled" in again.output, again.output
    assert tls_province.open("Quầy A").sync().pulled is not None


def test_a_password_change_whose_answer_was_lost_is_found_out(tls_province, monkeypatch):
    from kiosk.province.registry import Registry

    bundle, code = tls_province.add("Quầy A")
    real = Registry.change_password

    def lost_answer(self, password):  # the registry commits, the reply never arrives
        real(self, password)
        raise RegistryError("registry password change failed: server closed the connection unexpectedly", "")

    monkeypatch.setattr(Registry, "change_password", lost_answer)
    result = run_cli("join", bundle, "--code", code, "--config", tls_province.config("Quầy A"))
    assert result.exit_code == 0, result.output
    tls_province.open("Quầy A").sync()  # with the password that took


def test_a_password_change_that_failed_leaves_the_bundle_usable(tls_province, monkeypatch):
    from kiosk.province.registry import Registry

    bundle, code = tls_province.add("Quầy A")
    config = tls_province.config("Quầy A")

    def refused(self, password):
        raise RegistryError("registry password change failed: the server went away", "")

    monkeypatch.setattr(Registry, "change_password", refused)
    result = run_cli("join", bundle, "--code", code, "--config", config)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    monkeypatch.undo()
    assert run_cli("join", bundle, "--code", code, "--config", config).exit_code == 0
