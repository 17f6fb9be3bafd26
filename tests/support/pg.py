"""A real PostgreSQL server for the registry tests.

Uses ``KIOSK_TEST_PG`` (a libpq URL of a server where the user may create databases) or
127.0.0.1:5432; if nothing answers there but PostgreSQL's binaries are installed, starts
a throw-away server in a temporary folder; with neither, the tests are skipped, saying why.
"""

from __future__ import annotations

import datetime
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _answers(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


def _binaries() -> str | None:
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(candidates[-1]) if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server() -> Iterator[str | None]:
    """Yields an admin URL (database ``postgres``), or None when no server can be had."""
    url = os.environ.get("KIOSK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    if _answers(url):
        yield url
        return
    bindir = _binaries()
    if bindir is None or os.geteuid() == 0:  # initdb refuses to run as root
        yield None
        return
    folder = tempfile.mkdtemp(prefix="kiosk-pg-")
    port = _free_port()
    subprocess.run([f"{bindir}/initdb", "-D", folder, "-U", "postgres", "-A", "trust"], check=True, capture_output=True)
    subprocess.run(
        [f"{bindir}/pg_ctl", "-D", folder, "-o", f"-p {port} -k {folder} -h 127.0.0.1", "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([f"{bindir}/pg_ctl", "-D", folder, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """A new empty database; returns its connection string (the admin's, another database)."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return make_conninfo(admin_url, dbname=name)


def dbname(url: str) -> str:
    """The database a connection string names (a registry's roles are named after it)."""
    from psycopg.conninfo import conninfo_to_dict

    return str(conninfo_to_dict(url)["dbname"])


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by :func:`create_database`, closing its connections first, and the
    roles ``kiosk province init`` made for it (named after the database)."""
    import psycopg

    name = dbname(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for _ in range(20):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            try:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                break
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
        roles = conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", [name + "_"]).fetchall()
        for (role,) in sorted(roles, key=lambda r: r[0].endswith(("_owner", "_counters"))):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@dataclass(frozen=True)
class TlsServer:
    """A PostgreSQL server of the tests' own that checks passwords (SCRAM) and speaks only TLS.

    Attributes:
        admin_url: the superuser's connection string, ``sslmode=verify-full`` against ``ca``.
        ca: the test CA that signed the server's certificate (for ``localhost`` and 127.0.0.1).
        other_ca: a CA that signed nothing here (a counter given it must refuse the server).
    """

    admin_url: str
    ca: Path
    other_ca: Path


def _make_ca(name: str) -> tuple[Any, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _server_cert(ca_key: Any, ca_cert: Any) -> tuple[bytes, bytes]:
    """A certificate for ``localhost`` and 127.0.0.1 signed by the CA: (certificate PEM, key PEM)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@contextmanager
def tls_server() -> Iterator[TlsServer | None]:
    """Start a throw-away PostgreSQL with ``ssl=on`` and SCRAM passwords on TCP (as the ``postgres``
    user through ``runuser`` when run as root: initdb refuses root); None when PostgreSQL's
    binaries (or, as root, the ``postgres`` user) are missing."""
    import pwd

    from cryptography.hazmat.primitives import serialization

    bindir = _binaries()
    as_root = os.geteuid() == 0
    if bindir is None or (as_root and (shutil.which("runuser") is None or not _has_user("postgres"))):
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-tls-"))
    os.chmod(folder, 0o755)
    data = folder / "data"
    password = uuid.uuid4().hex
    ca_key, ca_cert = _make_ca("Kiosk test CA")
    _, other_cert = _make_ca("Another CA")
    cert_pem, key_pem = _server_cert(ca_key, ca_cert)
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "other-ca.pem").write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.crt").write_bytes(cert_pem)
    (folder / "server.key").write_bytes(key_pem)
    (folder / "pw").write_text(password)
    os.chmod(folder / "server.key", 0o600)
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (folder / "server.key", folder / "server.crt", folder / "pw"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        os.chown(folder, owner.pw_uid, owner.pw_gid)

    def run(*cmd: str) -> None:
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if as_root else []), *cmd], check=True, capture_output=True
        )

    port = _free_port()
    run(f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--pwfile", str(folder / "pw"), "-A", "scram-sha-256")
    (data / "pg_hba.conf").write_text(
        "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n"
    )
    with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = 'localhost'\nunix_socket_directories = '{folder}'\n"
            f"ssl = on\nssl_cert_file = '{folder / 'server.crt'}'\nssl_key_file = '{folder / 'server.key'}'\n"
        )
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (data / "pg_hba.conf", data / "postgresql.conf"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    run(f"{bindir}/pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "start")
    try:
        yield TlsServer(
            f"postgresql://postgres:{password}@localhost:{port}/postgres?sslmode=verify-full&sslrootcert={folder / 'ca.pem'}",
            folder / "ca.pem",
            folder / "other-ca.pem",
        )
    finally:
        subprocess.run(
            [
                *(["runuser", "-u", "postgres", "--"] if as_root else []),
                f"{bindir}/pg_ctl",
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
