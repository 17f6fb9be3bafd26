"""One typed settings object: defaults, bounds and a description for every field.

Sources, later ones winning: the defaults below; a TOML file (``--config PATH``, else
``kiosk.toml`` in the user's config folder when it exists); environment variables named
``KIOSK_<FIELD>`` in upper case (e.g. ``KIOSK_AUTO_ACCEPT_DISTANCE=0.38``). Unknown keys
and out-of-bounds values are a :class:`SettingsError`, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

APP_NAME = "cccd-kiosk"
ENV_PREFIX = "KIOSK_"


def _f(
    default: Any, help: str, *, lo: float | None = None, hi: float | None = None, choices: tuple[str, ...] = ()
) -> Any:
    """A settings field with its bounds (inclusive) or allowed values and a one-line description."""
    return field(default=default, metadata={"help": help, "min": lo, "max": hi, "choices": choices})


@dataclass(frozen=True)
class Settings:
    """Every tunable of the kiosk. Face thresholds belong to one face engine each (``sface_*``:
    cosine distance between SFace embeddings, 1 - cosine similarity; ``dlib_*``: Euclidean
    distance between dlib embeddings); lower distances are more alike."""

    db_path: str = _f("", "SQLite file of this counter; empty = kiosk.sqlite in the user's data folder")
    counter_name: str = _f("Quầy 1", "name of this counter, written on every visit, consent and audit entry")
    face_engine: str = _f(
        "sface",
        "face engine for new templates and the first look at every face: sface (YuNet + SFace, ~13 ms a face) or dlib (HOG + ResNet, ~100 ms)",
        choices=("sface", "dlib"),
    )
    detector_model: str = _f(
        "hog",
        "the dlib engine's face detector: hog (fast, CPU) or cnn (about 1-8 s per frame without a GPU)",
        choices=("hog", "cnn"),
    )
    detect_width_px: int = _f(
        480, "frames wider than this are downscaled before face detection; 0 = never", lo=0, hi=4096
    )
    detect_upsample: int = _f(
        0, "times the dlib detector upsamples the frame to find small faces; each costs ~4x", lo=0, hi=2
    )
    sface_auto_accept_distance: float = _f(
        0.28,
        "sface: cosine distance (1 - similarity) at or under which a face fills the form by itself; lower is stricter",
        lo=0.05,
        hi=0.80,
    )
    sface_min_margin: float = _f(
        0.10,
        "sface: how much farther (cosine distance) the runner-up citizen must be for an automatic match; higher is stricter",
        lo=0.0,
        hi=0.5,
    )
    sface_candidate_distance: float = _f(
        0.65,
        "sface: citizens within this cosine distance are offered to the keypad confirmation; lower is stricter",
        lo=0.10,
        hi=1.00,
    )
    sface_impostor_tail_at_one: float = _f(
        0.9365,
        "sface: fitted impostor tail, the cosine distance where the tail's probability reaches 1 (kiosk calibrate)",
        lo=0.0,
        hi=2.0,
    )
    sface_impostor_tail_scale: float = _f(
        0.0447,
        "sface: fitted impostor tail, its scale in cosine distance; 0 = the auto threshold does not follow the gallery",
        lo=0.0,
        hi=0.5,
    )
    sface_holder_distance: float = _f(
        0.59,
        "sface: cosine distance at or under which the face being enrolled is the chip photo's holder (1:1; one stranger "
        "in 10,000 passes on the development faces); lower is stricter",
        lo=0.20,
        hi=0.80,
    )
    dlib_auto_accept_distance: float = _f(
        0.40,
        "dlib: Euclidean distance at or under which a face fills the form by itself; lower is stricter",
        lo=0.20,
        hi=0.60,
    )
    dlib_min_margin: float = _f(
        0.06,
        "dlib: how much farther the runner-up citizen must be for an automatic match; higher is stricter",
        lo=0.0,
        hi=0.5,
    )
    dlib_candidate_distance: float = _f(
        0.60,
        "dlib: citizens within this distance are offered to the keypad confirmation; lower is stricter",
        lo=0.20,
        hi=0.80,
    )
    dlib_impostor_tail_at_one: float = _f(
        0.80,
        "dlib: fitted impostor tail, the distance where the tail's probability reaches 1 (kiosk calibrate)",
        lo=0.0,
        hi=2.0,
    )
    dlib_impostor_tail_scale: float = _f(
        0.029,
        "dlib: fitted impostor tail, its scale; 0 = the auto threshold does not follow the gallery",
        lo=0.0,
        hi=0.5,
    )
    dlib_holder_distance: float = _f(
        0.49,
        "dlib: Euclidean distance at or under which the face being enrolled is the chip photo's holder (1:1); lower is stricter",
        lo=0.30,
        hi=0.70,
    )
    auto_accept_fpir: float = _f(
        0.001,
        "share of strangers the automatic match may fill in at any gallery size (with a fitted impostor tail); lower is stricter",
        lo=1e-6,
        hi=0.1,
    )
    max_candidates: int = _f(5, "most citizens a keypad confirmation may be checked against", lo=1, hi=20)
    confirm_with: str = _f(
        "id_last4",
        "what the citizen types to confirm: id_last4 (the last 4 digits of the ID number; 6 when several "
        "citizens are offered, and after a miss) or birth_year (the birth year instead of 4 ID digits)",
        choices=("id_last4", "birth_year"),
    )
    min_enrol_samples: int = _f(3, "quality-passing face samples needed to enrol a citizen", lo=3, hi=10)
    visit_samples: int = _f(
        2,
        "face samples a citizen's confirmed visits may add to their enrolment samples (the face unambiguous, "
        "quality-passing); past that, a visit's sample replaces the oldest learnt one; 0 = templates never learn "
        "from visits",
        lo=0,
        hi=5,
    )
    min_face_px: int = _f(
        80, "smallest face width, in pixels of the camera frame, accepted for enrolment", lo=40, hi=1000
    )
    min_sharpness: float = _f(
        25.0, "variance of the Laplacian on a 160 px face crop below which a face is too blurred", lo=0.0, hi=1000.0
    )
    min_brightness: float = _f(40.0, "mean grey level (0-255) of the face below which it is too dark", lo=0.0, hi=255.0)
    max_brightness: float = _f(
        220.0, "mean grey level (0-255) of the face above which it is over-exposed", lo=0.0, hi=255.0
    )
    max_yaw: float = _f(
        0.20,
        "how far the face may be turned, nose offset / eye distance (0 frontal, ~0.5 three-quarter)",
        lo=0.05,
        hi=1.0,
    )
    retention_days: int = _f(730, "citizens with no visit for this many days are purged automatically", lo=30, hi=3650)
    key_file: str = _f(
        "",
        "file holding the data key (base64, or a pointer into the OS keystore after kiosk join); empty = kiosk.key "
        "in the user's config folder; KIOSK_DATA_KEY overrides",
    )
    registry_url: str = _f(
        "",
        "province registry, a PostgreSQL URL (postgresql://user@host/db?sslmode=verify-full); empty = this counter alone",
    )
    sync_interval_s: int = _f(
        60, "seconds between background syncs with the registry in the app; 0 = only on demand", lo=0, hi=86400
    )
    agreement_frames: int = _f(
        3, "consecutive camera frames that must agree before a face decision is shown", lo=1, hi=15
    )
    camera_index: int = _f(
        0, "the counter app's webcam: 0 = the first camera (/dev/video0 on Linux), 1 = the second...", lo=0, hi=15
    )
    camera_width_px: int = _f(
        640, "capture width asked of the webcam, in pixels (the camera may choose the nearest it has)", lo=320, hi=1920
    )
    camera_height_px: int = _f(480, "capture height asked of the webcam, in pixels", lo=240, hi=1080)
    qr_serial_port: str = _f(
        "",
        "serial (USB-CDC) port of a QR scanner, e.g. COM3 or /dev/ttyACM0; empty = none (keyboard-wedge scanners need nothing)",
    )
    chip_reader: str = _f(
        "auto",
        "PC/SC reader of the CCCD's chip at first visits: auto (the first attached; none seen this run = the QR alone), "
        "required (no enrolment without reading the chip), off, or part of a reader's name",
    )
    chip_csca: str = _f(
        "",
        "CSCA certificate file (DER or PEM) the chip's document signer must chain to; empty = verify the chip's own signature only",
    )
    language: str = _f(
        "vi",
        "language the counter app starts in: vi (Vietnamese) or en (English); the window's header button switches it for one run",
        choices=("vi", "en"),
    )
    display_timezone: str = _f(
        "Asia/Ho_Chi_Minh", "IANA timezone in which times are shown (stored times stay UTC), e.g. Asia/Ho_Chi_Minh"
    )
    privacy_clear_s: int = _f(
        8,
        "seconds a screen with a citizen's data (form, keypad, card, consent) stays up once their face has "
        "left the camera (or a key was last pressed); then it clears itself",
        lo=2,
        hi=120,
    )
    idle_clear_s: int = _f(
        90,
        "seconds with no key press after which any citizen's screen clears itself, even with a face in view "
        "(an empty capture or card request too)",
        lo=15,
        hi=1800,
    )
    rating_timeout_s: int = _f(
        8,
        "seconds the citizen is asked how satisfied they were after the clerk marks a visit done; "
        "no answer records nothing",
        lo=3,
        hi=60,
    )
    citizen_screen: int = _f(
        -1,
        "the citizen-facing monitor (Qt screen number: 0 = the first, 1 = the second...) for the satisfaction "
        "question; -1, or a monitor not attached = on the counter window",
        lo=-1,
        hi=8,
    )
    api_port: int = _f(
        47615,
        "TCP port of the local API for the province's web forms (kiosk/api, docs/API.md); 0 = no API",
        lo=0,
        hi=65535,
    )
    api_token: str = _f(
        "",
        "bearer token every API call but /v1/health needs; empty = one made on first run and kept in the "
        "database (kiosk admin api-token, Administration > Settings show it)",
    )
    api_allowed_origins: str = _f(
        "",
        "web origins whose pages may call the API, comma-separated (e.g. https://dichvucong.camau.gov.vn); "
        "empty = no browser page may",
    )
    api_bind: str = _f(
        "127.0.0.1",
        "address the API listens on; anything but loopback (127.0.0.1, ::1, localhost) needs api_allow_network = 1",
    )
    api_allow_network: int = _f(
        0,
        "1 = the administrator lets the API listen beyond this PC (api_bind); other machines could then ask it",
        lo=0,
        hi=1,
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(f, getattr(self, f.name))
        for engine in ("sface", "dlib"):
            auto, candidate = (
                getattr(self, f"{engine}_auto_accept_distance"),
                getattr(self, f"{engine}_candidate_distance"),
            )
            if auto > candidate:
                raise SettingsError(
                    f"{engine}_auto_accept_distance ({auto}) is above {engine}_candidate_distance ({candidate})",
                    f"{engine}_auto_accept_distance must be the stricter (lower) of the two",
                )
        if self.min_brightness >= self.max_brightness:
            raise SettingsError("min_brightness must be below max_brightness", "fix the settings file")
        _check_timezone(self.display_timezone)

    @property
    def api_origins(self) -> tuple[str, ...]:
        """``api_allowed_origins`` as a tuple of origins, without blanks or trailing slashes."""
        return tuple(o.strip().rstrip("/") for o in self.api_allowed_origins.split(",") if o.strip())

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated like any other)."""
        return dataclasses.replace(self, **changes)

    @staticmethod
    def describe() -> list[dict[str, Any]]:
        """Every field as ``{"name","type","default","min","max","choices","help"}``, in declaration order."""
        return [
            {
                "name": f.name,
                "type": f.type,
                "default": f.default,
                **{k: f.metadata[k] for k in ("min", "max", "choices", "help")},
            }
            for f in dataclasses.fields(Settings)
        ]


_TYPES = {"str": str, "int": int, "float": float}


def _check_timezone(name: str) -> None:
    from kiosk.timefmt import UnknownTimezoneError, zone

    try:
        zone(name)
    except UnknownTimezoneError:
        raise SettingsError(
            f"setting display_timezone = {name!r} is not a known timezone", "use an IANA name such as Asia/Ho_Chi_Minh"
        ) from None


def _check(f: dataclasses.Field[Any], value: Any) -> None:
    meta = f.metadata
    kind = _TYPES[str(f.type)]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise SettingsError(f"setting {f.name} must be {f.type}, got {value!r}", f"see `kiosk settings` for {f.name}")
    if meta["choices"] and value not in meta["choices"]:
        raise SettingsError(
            f"setting {f.name} = {value!r} is not one of {', '.join(meta['choices'])}", "pick one of the listed values"
        )
    lo, hi = meta["min"], meta["max"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SettingsError(
            f"setting {f.name} = {value} is outside {lo}..{hi}", f"choose a value between {lo} and {hi}"
        )


def _coerce(name: str, raw: Any) -> Any:
    """Convert a TOML or environment value to the field's type (env values arrive as text)."""
    kind = _TYPES[str(Settings.__dataclass_fields__[name].type)]
    if isinstance(raw, str) and kind is not str:
        try:
            return kind(raw.strip())
        except ValueError:
            raise SettingsError(f"setting {name} must be {kind.__name__}, got {raw!r}", "fix the value") from None
    if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    return raw


def default_config_path() -> Path:
    """``kiosk.toml`` in the user's config folder (e.g. ``~/.config/cccd-kiosk`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "kiosk.toml"


def default_db_path() -> Path:
    """``kiosk.sqlite`` in the user's data folder (e.g. ``~/.local/share/cccd-kiosk`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "kiosk.sqlite"


def sample_images() -> Path:
    """The bundled sample images (``counter_day``, ``card_photos``): the repository's
    ``sample_images`` in a clone, else the one the offline installer puts beside the virtual
    environment (``FOLDER/sample_images`` for ``FOLDER/.venv``)."""
    clone = Path(__file__).resolve().parents[1] / "sample_images"
    if clone.is_dir():
        return clone
    return Path(sys.prefix).resolve().parent / "sample_images"


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None, *, missing_ok: bool = False
) -> Settings:
    """Build the settings from defaults, a TOML file and ``KIOSK_*`` environment variables.

    ``path`` None means the default config file when it exists (no file is fine); a ``path``
    that does not exist is an error unless ``missing_ok`` (a file about to be written).
    Raises:
        SettingsError: the file is unreadable or malformed, a key is unknown, or a value
            has the wrong type or is out of bounds.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, tuple[Any, str]] = {}  # name → (raw value, where it came from)
    file = Path(path) if path is not None else default_config_path()
    if (path is not None and not missing_ok) or file.is_file():
        values.update({LEGACY_NAMES.get(name, name): (raw, f"in {file}") for name, raw in _read_toml(file).items()})
    known = Settings.__dataclass_fields__
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key in _NOT_SETTINGS:
            continue
        name = key[len(ENV_PREFIX) :].lower()
        name = LEGACY_NAMES.get(name, name)
        if name not in known:
            raise SettingsError(
                f"unknown setting in environment: {key}",
                f"remove it, or see `kiosk settings` for valid {ENV_PREFIX}* names",
            )
        values[name] = (raw, f"from {key}")
    typed = {}
    for name, (raw, source) in values.items():
        try:
            typed[name] = _coerce(name, raw)
            _check(known[name], typed[name])
        except SettingsError as exc:
            raise SettingsError(f"{exc.message} ({source})", exc.hint) from None
    return Settings(**typed)


LEGACY_NAMES = {
    "auto_accept_distance": "dlib_auto_accept_distance",
    "min_margin": "dlib_min_margin",
    "candidate_distance": "dlib_candidate_distance",
}
"""Names of releases before face engines (their thresholds were dlib's) → today's names."""

_NOT_SETTINGS = frozenset(
    {"KIOSK_CONFIG", "KIOSK_DATA_KEY", "KIOSK_ADMIN_PIN", "KIOSK_NEW_ADMIN_PIN", "KIOSK_PROVINCE_ADMIN_URL"}
)
"""Variables with the prefix that are not settings: the config path and four secrets."""


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"settings file {file} does not exist", "check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"cannot read settings file {file}: {exc}", "check the file's permissions and encoding (UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {file} is not valid TOML: {exc}", "fix the line it names") from None
    unknown = sorted(set(data) - set(Settings.__dataclass_fields__) - set(LEGACY_NAMES))
    if unknown:
        raise SettingsError(
            f"unknown setting(s) in {file}: {', '.join(unknown)}",
            "remove them, or see `kiosk settings` for valid names",
        )
    return data


def write_settings(path: str | Path, settings: Settings) -> None:
    """Write the fields that differ from the defaults as TOML, each with its description as a comment."""
    lines = ["# cccd-kiosk settings: only values that differ from the defaults are listed.", ""]
    defaults = Settings()
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value == getattr(defaults, f.name):
            continue
        lines.append(f"# {f.metadata['help']}")
        lines.append(f"{f.name} = {_toml_value(value)}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
