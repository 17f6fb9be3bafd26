"""Typed settings: defaults, TOML, environment, bounds, unknown keys."""

from __future__ import annotations

import pytest

from kiosk.errors import SettingsError
from kiosk.settings import Settings, load_settings, write_settings


def test_defaults_need_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no kiosk.toml there
    assert load_settings(None, environ={}) == Settings()


def test_file_then_environment(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text(
        'counter_name = "Quầy 3"\nsface_auto_accept_distance = 0.25\nmax_candidates = 4\n', encoding="utf-8"
    )
    s = load_settings(file, environ={"KIOSK_MAX_CANDIDATES": "2"})
    assert (s.counter_name, s.sface_auto_accept_distance, s.max_candidates) == ("Quầy 3", 0.25, 2)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"KIOSK_AUTO_ACCEPT_DISTANCE": "2"}, "outside"),
        ({"KIOSK_MAX_CANDIDATES": "many"}, "must be int"),
        ({"KIOSK_DETECTOR_MODEL": "sift"}, "not one of"),
        ({"KIOSK_NO_SUCH_THING": "1"}, "unknown setting"),
        ({"KIOSK_AUTO_ACCEPT_DISTANCE": "0.55", "KIOSK_CANDIDATE_DISTANCE": "0.5"}, "stricter"),
        ({"KIOSK_DISPLAY_TIMEZONE": "Asia/Saigon_City"}, "not a known timezone"),
        ({"KIOSK_DISPLAY_TIMEZONE": "../../etc/passwd"}, "not a known timezone"),
    ],
)
def test_bad_values_are_named(env, fragment):
    with pytest.raises(SettingsError) as info:
        load_settings(environ=env)
    assert fragment in info.value.one_line()


def test_the_secrets_a_command_takes_from_the_environment_are_not_settings(tmp_path):
    """``KIOSK_NEW_ADMIN_PIN`` (kiosk admin set-pin) was once refused as an unknown setting."""
    from tests.support.data import run_cli

    secrets = {"KIOSK_ADMIN_PIN": "1", "KIOSK_NEW_ADMIN_PIN": "2", "KIOSK_PROVINCE_ADMIN_URL": "x", "KIOSK_CONFIG": ""}
    assert load_settings(environ=secrets) == load_settings(environ={})
    env = {"KIOSK_NEW_ADMIN_PIN": "135790", "KIOSK_KEY_FILE": str(tmp_path / "k.key")}
    assert run_cli("admin", "set-pin", "--db", tmp_path / "k.sqlite", env=env).exit_code == 0


def test_unknown_key_in_file(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text("treshold = 0.5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="treshold"):
        load_settings(file, environ={})


def test_broken_toml_and_missing_file(tmp_path):
    file = tmp_path / "kiosk.toml"
    file.write_text("auto_accept_distance = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(file, environ={})
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_every_field_is_described_with_bounds_or_choices():
    for field in Settings.describe():
        assert field["help"], field["name"]
        if field["type"] in ("int", "float"):
            assert field["min"] is not None and field["max"] is not None, field["name"]


def test_write_then_load_round_trips(tmp_path):
    changed = Settings(counter_name='Quầy "A"', sface_min_margin=0.12, confirm_with="birth_year", face_engine="dlib")
    write_settings(tmp_path / "k.toml", changed)
    assert load_settings(tmp_path / "k.toml", environ={}) == changed


def test_every_setting_has_a_vietnamese_description_for_the_admin_screen():
    from ui.admin_settings import HELP_VI

    missing = [f["name"] for f in Settings.describe() if not HELP_VI.get(f["name"])]
    assert not missing, f"add a Vietnamese description to HELP_VI in ui/admin_settings.py: {missing}"
    names = [f["name"] for f in Settings.describe()]
    assert Settings().display_timezone == "Asia/Ho_Chi_Minh"  # settings added later come at the end, in the order added
    assert names[names.index("language") :] == [
        "language",
        "display_timezone",
        "privacy_clear_s",
        "idle_clear_s",
        "rating_timeout_s",
        "citizen_screen",
        "api_port",
        "api_token",
        "api_allowed_origins",
        "api_bind",
        "api_allow_network",
    ]
