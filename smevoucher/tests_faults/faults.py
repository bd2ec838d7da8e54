"""Tools of the fault tests: an administrator's connection beside Django's, a service paused
inside its transaction in a worker thread, a snapshot of every row, a private PostgreSQL
that can really be restarted, and the platform served by gunicorn against a database."""

from __future__ import annotations

import glob
import os
import pkgutil
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connection, connections

# --- an administrator's connection, as psql would open it ---


def dsn_of(settings_dict: dict, **overrides) -> dict[str, Any]:
    """psycopg connection arguments for a Django DATABASES entry (empty values left out)."""
    values = {
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
        "dbname": settings_dict.get("NAME"),
        **overrides,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def sql(dsn: dict, query: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on a fresh autocommit connection (it survives any restart)."""
    with psycopg.connect(**dsn, autocommit=True, connect_timeout=10) as admin:
        cursor = admin.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def terminate(dsn: dict, pids: list[int]) -> None:
    """``pg_terminate_backend`` each pid and wait until it is gone (PostgreSQL 14+)."""
    for pid in pids:
        sql(dsn, "SELECT pg_terminate_backend(%s, 10000)", (pid,))


def backends_of(dsn: dict, database: str) -> list[int]:
    """Every backend connected to ``database`` except the one asking."""
    rows = sql(
        dsn,
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    )
    return [pid for (pid,) in rows]


# --- every row of the database, to compare before and after ---


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model's table, in primary-key order (through this thread's
    connection). Two equal snapshots mean that nothing was written in between."""
    rows = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        rows[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        label for label in before.keys() | after.keys() if before.get(label) != after.get(label)
    )


# --- a service killed in the middle of its transaction ---


@dataclass
class Killed:
    """What a worker did when its connection was killed inside ``pause_after``."""

    error: BaseException | None
    result: Any
    backend_state: str  # pg_stat_activity.state of the worker's backend at the kill
    had_written: bool  # the worker's transaction had a transaction id (it had written rows)


def kill_inside(work: Callable[[], Any], *, pause_after: str, admin: dict) -> Killed:
    """Run ``work()`` in a thread with its own database connection; when it returns from
    the function at the dotted path ``pause_after`` (patched where the service looks it up),
    pause it there, inside its still-open transaction, and kill its backend with
    ``pg_terminate_backend``; then let it carry on and report how it ended."""
    real = pkgutil.resolve_name(pause_after)
    inside, carry_on = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        if not inside.is_set():
            seen["pid"] = connection.connection.info.backend_pid
            seen["in_atomic"] = connection.in_atomic_block
            inside.set()
            carry_on.wait(timeout=60)
        return result

    outcome: dict[str, Any] = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    with mock.patch(pause_after, paused):
        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            while not inside.wait(timeout=0.05):
                if not worker.is_alive():
                    raise AssertionError(f"the worker ended before {pause_after}: {outcome}")
            assert seen["in_atomic"], "the pause must be inside the service's transaction"
            ((state, xid),) = sql(
                admin,
                "SELECT state, backend_xid FROM pg_stat_activity WHERE pid = %s",
                (seen["pid"],),
            )
            terminate(admin, [seen["pid"]])
        finally:
            carry_on.set()
            worker.join(timeout=60)
    assert not worker.is_alive(), "the worker hangs after its connection was killed"
    return Killed(
        error=outcome.get("error"),
        result=outcome.get("result"),
        backend_state=state,
        had_written=xid is not None,
    )


# --- a PostgreSQL of our own, to restart for real ---


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bindir() -> str | None:
    """The server binaries (initdb, pg_ctl) of the major version that runs the test
    database; ``PG_BINDIR`` wins. None when they are not installed."""
    wanted = os.environ.get("PG_BINDIR")
    if wanted:
        return wanted if Path(wanted, "pg_ctl").is_file() else None
    major = connection.pg_version // 10000
    for candidate in (f"/usr/lib/postgresql/{major}/bin", *glob.glob("/usr/pgsql-*/bin")):
        if Path(candidate, "pg_ctl").is_file() and Path(candidate, "initdb").is_file():
            return candidate
    return None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder on a free port: initdb, start,
    restart (``pg_ctl restart -m fast``: every session is ended, the server stops and
    starts again), stop. As root the server runs as the ``postgres`` system user, since
    PostgreSQL refuses to run as root."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="smevoucher-faults-pg-"))
        self.data = self.root / "data"
        self.user = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            self.user = account.pw_name
            os.chown(self.root, account.pw_uid, account.pw_gid)

    def _run(self, *args: str, timeout: int = 60) -> None:
        subprocess.run(  # noqa: S603  the PostgreSQL binaries with our own arguments
            [str(Path(self.bindir, args[0])), *args[1:]],
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd=self.root,
            user=self.user,
        )

    def dsn(self, dbname: str = "postgres") -> dict:
        return {"host": "127.0.0.1", "port": self.port, "user": "postgres", "dbname": dbname}

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c shared_buffers=16MB -c max_connections=20"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-t",
            "30",
            "-o",
            options,
            "start",
        )

    def restart(self) -> None:
        # -l: the new postmaster writes to the log, not to the pipe that pg_ctl's caller reads
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-m",
            "fast",
            "-w",
            "-t",
            "30",
            "restart",
        )

    def stop(self) -> None:
        with suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def copy_of(self, settings_dict: dict, name: str) -> None:
        """A new database ``name`` here holding what the database of ``settings_dict``
        holds now (pg_dump piped into pg_restore)."""
        sql(self.dsn(), f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
        source = dsn_of(settings_dict)
        env = {**os.environ, "PGPASSWORD": source.get("password", "")}
        dump = subprocess.Popen(  # noqa: S603  pg_dump of the test database
            [
                str(Path(self.bindir, "pg_dump")),
                "--format=custom",
                "-h",
                str(source.get("host", "")),
                "-p",
                str(source.get("port", 5432)),
                "-U",
                str(source.get("user", "")),
                source["dbname"],
            ],
            stdout=subprocess.PIPE,
            env=env,
        )
        subprocess.run(  # noqa: S603  pg_restore into our own cluster
            [
                str(Path(self.bindir, "pg_restore")),
                "--no-owner",
                "--exit-on-error",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                name,
            ],
            stdin=dump.stdout,
            check=True,
            capture_output=True,
            timeout=120,
        )
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0, "pg_dump failed"


# --- the platform served as in production ---

SERVER_NAME = "smevoucher-faults-server"


def database_url(dsn: dict) -> str:
    """A DATABASE_URL for ``dsn``; the server's sessions carry ``SERVER_NAME`` as their
    application_name, so that pg_stat_activity tells them apart."""
    auth = dsn.get("user", "")
    if dsn.get("password"):
        auth += ":" + dsn["password"]
    return (
        f"postgres://{auth}@{dsn.get('host', '127.0.0.1')}:{dsn.get('port', 5432)}/"
        f"{dsn['dbname']}?application_name={SERVER_NAME}"
    )


@contextmanager
def served(database: str, *, log: Path) -> Iterator[str]:
    """gunicorn with one sync worker (as in production: one process, one persistent
    database connection, requests one after another), CONN_MAX_AGE 600 and the health
    checks of the base settings; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smevoucher.settings.test",
        "DATABASE_URL": database,
        "DATABASE_CONN_MAX_AGE": "600",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603  gunicorn from this virtualenv
            [
                sys.executable,
                "-m",
                "gunicorn",
                "smevoucher.wsgi:application",
                "--workers=1",
                f"--bind=127.0.0.1:{port}",
                "--timeout=60",
                "--graceful-timeout=2",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    probe = base + "/api/v1/openapi.json"
                    urllib.request.urlopen(probe, timeout=5).close()  # noqa: S310  http://127.0.0.1
                    break
                except (OSError, urllib.error.URLError):
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(
                            "gunicorn did not start:\n" + log.read_text(errors="replace")
                        ) from None
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def call(base: str, method: str, path: str, *, token: str, body: bytes | None = None):
    """(status, body text) of one request, errors included."""
    request = urllib.request.Request(  # noqa: S310  http://127.0.0.1 only
        base + path,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
