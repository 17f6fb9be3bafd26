"""A real PostgreSQL server for the registry tests.

Uses ``KIOSK_TEST_PG`` (a libpq URL of a server where the user may create databases) or
127.0.0.1:5432; if nothing answers there but PostgreSQL's binaries are installed, starts
a throw-away server in a temporary folder; with neither, the tests are skipped, saying why.
"""

from __future__ import annotations

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
    """A new empty database; returns its URL."""
    import psycopg

    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, url: str) -> None:
    """Drop a database made by :func:`create_database`, closing its connections first."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for _ in range(20):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            try:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
                return
            except psycopg.errors.ObjectInUse:
                time.sleep(0.1)
