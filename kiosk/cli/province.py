"""CLI commands of the province administrator (``kiosk province ...``, each with the registry's
owner/superuser URL) and of a counter joining the province (``kiosk join``)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import click

from kiosk.cli.support import config_option, db_option, emit, kiosk_errors, settings_from, warn
from kiosk.words import printable
from models import KioskError

ADMIN_URL_ENV = "KIOSK_PROVINCE_ADMIN_URL"

registry_option = click.option(
    "--registry",
    "admin_url",
    required=True,
    envvar=ADMIN_URL_ENV,
    metavar="ADMIN_URL",
    help=f"The registry database's owner/superuser URL (or {ADMIN_URL_ENV}); a password may come from PGPASSWORD or ~/.pgpass.",
)
json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Machine-readable output: one JSON object per line (per counter, per entry).",
)


@click.group()
def province() -> None:
    """The province registry's administration: set it up, add, list and revoke counters, read its record."""


@province.command()
@registry_option
@click.option("--prefix", default=None, help="Start of the registry's role names (default: the database's name).")
@click.option(
    "--purge-limit",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Purges one counter may push per hour (default 20).",
)
@click.option(
    "--retention-days",
    type=click.IntRange(30, 3650),
    default=None,
    help="A 'retention' purge of a citizen the registry has seen nothing of for this long is not counted against the limit (default 730).",
)
@config_option
@json_option
@kiosk_errors
def init(
    admin_url: str,
    prefix: str | None,
    purge_limit: int | None,
    retention_days: int | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Set up the province registry once (again to change its limits): tables owned by a NOLOGIN
    owner role, a group role for counters, the functions counters write through.

    The province data key is this administrator's (made now if there is none: back it up);
    every counter receives it in its join bundle.
    """
    from kiosk.counter.factories import key_path
    from kiosk.province.admin import init_province
    from kiosk.store.crypto import DataKey, load_key, write_key_file

    settings = settings_from(config_path)
    path = key_path(settings)
    made = not path.exists() and not os.environ.get("KIOSK_DATA_KEY")
    key = DataKey.generate() if made else load_key(path)
    if made:  # written before the registry records its check, removed again if the set-up is refused
        write_key_file(path, key)
    try:
        done = init_province(
            admin_url, key.check_value().hex(), prefix=prefix, purge_limit=purge_limit, retention_days=retention_days
        )
    except KioskError:
        if made:
            path.unlink(missing_ok=True)
        raise
    for rule in done.weak_rules:
        warn(
            f"{rule}: a counter could log in there without a checked password or without TLS; "
            "use hostssl ... scram-sha-256 for counters (docs/REGISTRY.md)"
        )
    emit(
        {
            "ok": True,
            "database": done.database,
            "owner_role": f"{done.prefix}_owner",
            "counters_role": f"{done.prefix}_counters",
            "registry_id": done.registry_id,
            "purge_limit_per_hour": done.purge_limit,
            "retention_days": done.retention_days,
            "key_file": str(path),
            "key_made": made,
        },
        as_json,
        f"province registry ready in database {done.database}: tables owned by {done.prefix}_owner (no login); "
        f"counters join as members of {done.prefix}_counters; at most {done.purge_limit} purges per counter per hour\n"
        + (f"the province data key was made now: {path}" if made else f"the province data key: {path}")
        + " - back it up: every counter's data is sealed with it. Next: kiosk province add-counter NAME --out FILE",
    )


@province.command(name="add-counter")
@click.argument("name")
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The join bundle file to write (new).",
)
@registry_option
@click.option(
    "--counter-url",
    default=None,
    help="The registry's address as counters reach it, e.g. postgresql://registry.camau.gov.vn/kiosk?sslmode=verify-full "
    "(default: the admin URL's host, port, database and sslmode).",
)
@click.option(
    "--ca",
    "ca_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CA certificate (PEM) that signed the registry's certificate (default: the admin URL's sslrootcert).",
)
@config_option
@json_option
@kiosk_errors
def add_counter(
    name: str,
    out_path: Path,
    admin_url: str,
    counter_url: str | None,
    ca_path: Path | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Add counter NAME: its own login role with a random password, and a join bundle holding the
    registry's address, the CA certificate, the credentials and the data key, sealed under a
    one-time join code that is printed once. The bundle alone opens nothing."""
    from kiosk.counter.factories import key_path
    from kiosk.province.admin import issue_bundle
    from kiosk.store.crypto import read_key_file
    from kiosk.store.keystore import write_private_file

    if out_path.exists():
        raise KioskError(f"{out_path} exists already", "write each counter's bundle to a new file")
    if not out_path.parent.is_dir():
        raise KioskError(f"the folder {out_path.parent} does not exist", "create it first, or choose another --out")
    key = read_key_file(key_path(settings_from(config_path)))
    issued = issue_bundle(admin_url, name, key, counter_url=counter_url, ca_path=ca_path)
    try:
        write_private_file(out_path, issued.bundle.decode("utf-8"))
    except OSError as exc:
        raise KioskError(
            f"counter {name!r} was added but its bundle could not be written: {exc.strerror}",
            f"revoke it (kiosk province revoke-counter {name!r}) and add it again with a writable --out",
        ) from None
    login = issued.login
    if not issued.sslmode.startswith("verify"):
        warn(
            f"counters will not check the registry's certificate (sslmode={issued.sslmode}); "
            "on a real network use ?sslmode=verify-full and --ca"
        )
    emit(
        {"ok": True, "counter": login.name, "role": login.role, "bundle": str(out_path), "join_code": issued.code},
        as_json,
        f"counter {printable(login.name)!r} added (login role {login.role}); join bundle: {out_path}\n"
        f"join code: {issued.code}\n"
        "Give the bundle and the code to the counter by two different ways; the code is shown only now. "
        f"On the counter: kiosk join {out_path} --code {issued.code}",
    )


@province.command(name="revoke-counter")
@click.argument("name")
@registry_option
@config_option
@json_option
@kiosk_errors
def revoke_counter(name: str, admin_url: str, config_path: Path | None, as_json: bool) -> None:
    """Cut counter NAME off: it can no longer log in, its open sessions end, anything it sends is refused."""
    from kiosk.province.admin import revoke_counter as revoke

    role, ended = revoke(admin_url, name)
    emit(
        {"ok": True, "counter": name, "role": role, "sessions_ended": ended},
        as_json,
        f"counter {printable(name)!r} revoked: its role {role} can no longer log in; {ended} open session(s) ended",
    )


@province.command()
@registry_option
@config_option
@json_option
@kiosk_errors
def counters(admin_url: str, config_path: Path | None, as_json: bool) -> None:
    """Every counter: when it last pulled and pushed, its purges in the last 24 hours, whether it is
    revoked, and any transaction it holds open (which holds up the other counters' pushes)."""
    from kiosk.province.admin import list_counters
    from kiosk.timefmt import local_time

    rows = list_counters(admin_url)
    tz = settings_from(config_path).display_timezone

    def when(t: datetime | None) -> str:
        return local_time(t, tz, empty="never")

    width = max([len(printable(r.name)) for r in rows] + [7])
    if rows and not as_json:
        click.echo(f"{'counter':<{width}}  {'state':<24} {'last pull':<16} {'last push':<16} purges/24h")
    for r in rows:
        held = r.open_transaction_s is not None and r.open_transaction_s > 30
        emit(
            {
                "counter": r.name,
                "role": r.role,
                "added_at": r.added_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
                "last_pull": r.last_pull.isoformat() if r.last_pull else None,
                "last_push": r.last_push.isoformat() if r.last_push else None,
                "purges_24h": r.purges_24h,
                "purges_refused_24h": r.purges_refused_24h,
                "open_transaction_s": r.open_transaction_s,
            },
            as_json,
            f"{printable(r.name):<{width}}  {'revoked ' + when(r.revoked_at) if r.revoked_at else 'active':<24} "
            f"{when(r.last_pull):<16} {when(r.last_push):<16} {r.purges_24h}"
            + (f"  PURGES REFUSED {r.purges_refused_24h} time(s)" if r.purges_refused_24h else "")
            + (f"  TRANSACTION OPEN {r.open_transaction_s:.0f} s (holds up pushes?)" if held else ""),
        )
    if not rows and not as_json:
        click.echo("no counter yet: kiosk province add-counter NAME --out FILE")


@province.command(name="audit")
@registry_option
@click.option("--counter", "counter_name", default=None, help="Only this counter's entries.")
@click.option(
    "--limit", default=200, show_default=True, type=click.IntRange(1, 100_000), help="The newest entries shown."
)
@config_option
@json_option
@kiosk_errors
def province_audit(
    admin_url: str, counter_name: str | None, limit: int, config_path: Path | None, as_json: bool
) -> None:
    """The registry-side record of writes: which counter (by its login role) wrote what, and when."""
    from kiosk.province.admin import read_log
    from kiosk.timefmt import local_time

    tz = settings_from(config_path).display_timezone
    entries = read_log(admin_url, counter=counter_name, limit=limit)
    width = max([len(printable(e.counter)) for e in entries] + [7])
    if entries and not as_json:
        click.echo(f"{'#':>6} {'when':<16}  {'counter':<{width}} {'what':<28} {'rows':>6}  login role, detail")
    for e in entries:
        emit(
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "role": e.role,
                "counter": e.counter,
                "action": e.action,
                "rows": e.rows,
                "detail": e.detail,
            },
            as_json,
            f"{e.id:>6} {local_time(e.at, tz):<16}  {printable(e.counter):<{width}} {e.action:<28} {e.rows:>6}  {e.role}"
            + (f"  {printable(e.detail)}" if e.detail else ""),
        )


@click.command()
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--code", required=True, help="The join code printed with the bundle (dashes and case do not matter).")
@db_option
@config_option
@json_option
@kiosk_errors
def join(bundle: Path, code: str, db_path: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Join the province with a bundle from its administrator: store the credentials and the data key
    (in the OS keystore where there is one), make the bundle useless for anyone else, sync once.

    With --config FILE other than the user's, the data key, the registry connection and the
    database default to FILE's name beside it (FILE.key, FILE.registry, FILE.sqlite)."""
    import getpass

    from kiosk.counter.join import join as run
    from kiosk.words import table_counts

    try:
        data = bundle.read_bytes()
    except FileNotFoundError:
        raise KioskError(f"the join bundle {bundle} does not exist", "check the path of the .bundle file") from None
    except OSError as exc:
        raise KioskError(f"cannot read the join bundle {bundle}: {exc.strerror}", "check its permissions") from None

    done = run(data, code, config_path=config_path, db_path=db_path, actor=getpass.getuser())
    if not done.checks_password:
        warn(
            "the registry let this counter in with a wrong password (a trust rule in its pg_hba.conf): anyone who "
            "reaches it can act as this counter; tell the province administrator (docs/REGISTRY.md)"
        )
    if not done.secrets.in_keystore:
        warn(
            "no keystore of the operating system answers here: the data key and the registry password are in "
            f"files readable only by this user ({done.key_path} and beside it); protect this account and encrypt "
            "the disk"
        )
    where = (
        f"the data key and the registry password are in the {done.secrets.where} keystore"
        if done.secrets.in_keystore
        else "the data key and the registry password are in files readable only by this user"
    )
    if done.report is None:
        warn(f"the first sync failed ({done.sync_error}); the counter syncs again on its own, or run kiosk sync")
    synced = (
        "first sync: pulled " + (table_counts(done.report.pulled, skip_zero=True) or "nothing")
        if done.report
        else "first sync: not done yet"
    )
    emit(
        {
            "ok": True,
            "counter": done.counter,
            "registry": done.registry,
            "keystore": done.secrets.where if done.secrets.in_keystore else None,
            "settings": str(done.settings_path),
            "db": str(done.db_path),
            "resealed": done.resealed,
            "pulled": done.report.pulled if done.report else None,
            "sync_error": done.sync_error or None,
        },
        as_json,
        f"joined the province registry {done.registry} as counter {done.counter!r}; settings: {done.settings_path}\n"
        + ("this counter's database was re-sealed under the province's data key\n" if done.resealed else "")
        + where
        + "\n"
        + synced,
    )
