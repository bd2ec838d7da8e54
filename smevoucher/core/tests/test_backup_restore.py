"""Backup and restore (`manage.py backup` / `manage.py restore`): orders, ledger entries and
uploaded files are backed up from the test database and its media folder, restored by the
command in another process into a new, empty database and an empty media folder, and the
restored copy holds the same rows in every table and the same files, its personal data still
encrypted, and passes the ledger check. On SQLite (the restored copy a file in a temporary
folder) and on PostgreSQL (restored into a database created for the test and dropped after)."""

from __future__ import annotations

import filecmp
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from smevoucher.core.backup import BackupError, backup_restore
from smevoucher.orders import services as orders
from smevoucher.orders.tests.conftest import (  # noqa: F401  shared fixtures
    _media,
    enterprise,
    enterprise_org,
    issue_voucher,
    key,
    make_product,
    make_provider,
    program,
    provider,
    provider_org,
    provider_user,
    range_product,
    top_tier,
    voucher,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PLAIN_ID = "11010519491231002X"  # the legal representative's ID number of the test orgs


@pytest.fixture
def platform(request, enterprise, voucher):  # noqa: F811  fixtures imported above
    """Orders with their ledger movements (issue, holds, a release) and uploaded files (the
    products' material PDFs under MEDIA_ROOT)."""
    product = request.getfixturevalue("make_product")("on_sale")
    placed = [
        orders.order_place(
            actor=enterprise, product_id=product.pk, voucher_id=voucher.pk, idempotency_key=key()
        )
        for _n in range(3)
    ]
    orders.order_act(actor=enterprise, order_id=placed[0].pk, action="cancel")
    media = Path(settings.MEDIA_ROOT)
    assert len([p for p in media.rglob("*") if p.is_file()]) >= 3
    return product, media


@pytest.fixture
def work(tmp_path_factory):
    """A folder for archives and restored copies, apart from MEDIA_ROOT (``tmp_path``)."""
    return tmp_path_factory.mktemp("backup-work")


def _backup(directory: Path) -> Path:
    out = io.StringIO()
    call_command("backup", str(directory), stdout=out)
    archive = Path(out.getvalue().strip())
    assert archive.parent == directory.resolve()
    assert archive.name.startswith("smevoucher-backup-")
    assert archive.name.endswith(".tar.gz")
    assert archive.stat().st_mode & 0o077 == 0, "the archive is readable by its owner only"
    return archive


def _restore(archive: Path, *, database_url: str, media: Path, force: bool = False):
    """`manage.py restore` in its own process, configured as an operator would: the
    base settings, DATABASE_URL and MEDIA_ROOT of the target, the same encryption keys."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "smevoucher.settings.base",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
    }
    command = [
        sys.executable,
        "manage.py",
        "restore",
        str(archive),
        *(["--force"] if force else []),
    ]
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


def _contents(cursor, tables: list[str]) -> dict[str, list[str]]:
    """Every row of every table, order-independent."""
    contents = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')  # names from introspection
        contents[table] = sorted(repr(row) for row in cursor.fetchall())
    return contents


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _same_files(source: Path, restored: Path) -> None:
    names = _files(source)
    assert names
    assert _files(restored) == names
    _match, mismatch, errors = filecmp.cmpfiles(source, restored, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def _encrypted_id_numbers(cursor) -> list[str]:
    cursor.execute("SELECT legal_rep_id_number FROM orgs_organization")
    return [value for (value,) in cursor.fetchall()]


def _assert_restored(result) -> None:
    assert result.returncode == 0, result.stderr
    assert "sha256 verified" in result.stdout
    assert "ledger check passed" in result.stdout


# --- SQLite ---


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the suite runs on PostgreSQL")
def test_sqlite_backup_restores_into_a_new_file_with_the_same_rows_and_files(platform, work):
    # given orders, ledger entries and files; when they are backed up
    _product, media = platform
    archive = _backup(work / "backups")

    # and restored into a new database file and an empty media folder
    restored_db, restored_media = work / "restored.sqlite3", work / "restored-media"
    result = _restore(archive, database_url=f"sqlite:///{restored_db}", media=restored_media)

    # then the restore verified the parts and the ledger check passed on the copy
    _assert_restored(result)
    # and every table holds the same rows, every file is the same, personal data encrypted
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        expected = _contents(cursor, tables)
    # read with the converters Django's own connection uses (datetimes, decimals)
    copy = sqlite3.connect(
        restored_db, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    )
    try:
        assert _contents(copy.cursor(), tables) == expected
        ids = _encrypted_id_numbers(copy.cursor())
    finally:
        copy.close()
    assert ids
    assert all(value and PLAIN_ID not in value for value in ids)
    assert expected["orders_order"]
    assert expected["vouchers_ledgerentry"]
    _same_files(media, restored_media)

    # when restored again into the copy, which is no longer empty
    again = _restore(archive, database_url=f"sqlite:///{restored_db}", media=work / "other")
    # then it is refused
    assert again.returncode != 0
    assert "not empty" in again.stderr


@pytest.mark.skipif(
    connection.vendor == "postgresql" and shutil.which("pg_dump") is None,
    reason="pg_dump is not installed",
)
def test_a_tampered_archive_is_refused_before_anything_is_touched(platform, work):
    # given a backup whose database part was altered after the manifest was written
    archive = _backup(work / "backups")
    unpacked = work / "unpacked"
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    (part,) = [p for p in unpacked.iterdir() if p.name.startswith("database.")]
    with part.open("ab") as handle:
        handle.write(b"\0")
    tampered = work / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as tar:
        for member in sorted(unpacked.iterdir()):
            tar.add(member, arcname=member.name)
    # when it is restored, then the sha256 check refuses it (the test database, not empty,
    # is never reached)
    with pytest.raises(BackupError, match="sha256"):
        backup_restore(archive=tampered)


# --- PostgreSQL ---


def _pg_url(settings_dict: dict, name: str) -> str:
    auth = settings_dict.get("USER") or ""
    if settings_dict.get("PASSWORD"):
        auth += f":{settings_dict['PASSWORD']}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    return f"postgres://{auth}@{host}:{settings_dict.get('PORT') or 5432}/{name}"


def _pg(settings_dict: dict, name: str):
    values = {
        "host": settings_dict.get("HOST"),
        "port": settings_dict.get("PORT"),
        "user": settings_dict.get("USER"),
        "password": settings_dict.get("PASSWORD"),
    }
    values = {k: v for k, v in values.items() if v}
    return psycopg.connect(**values, dbname=name, autocommit=True)


@pytest.fixture
def fresh_database():
    """An empty UTF-8 database beside the test database, dropped afterwards."""
    source = connection.settings_dict
    name = f"{source['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with _pg(source, "postgres") as admin:
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        yield name
    finally:
        with _pg(source, "postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_postgres_backup_while_orders_come_in_restores_a_consistent_copy(
    platform,
    work,
    fresh_database,
    enterprise,  # noqa: F811  a fixture imported above
    voucher,  # noqa: F811  a fixture imported above
):
    product, media = platform
    source = connection.settings_dict
    url = _pg_url(source, fresh_database)

    # given enterprises placing orders all the while
    stop, placed, failed = threading.Event(), [], []

    def keep_ordering():
        try:
            while not stop.is_set():
                placed.append(
                    orders.order_place(
                        actor=enterprise,
                        product_id=product.pk,
                        voucher_id=voucher.pk,
                        idempotency_key=key(),
                    )
                )
        except BaseException as error:
            failed.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=keep_ordering, daemon=True)
    writer.start()
    try:
        # when the backup is taken meanwhile (pg_dump: one snapshot)
        while len(placed) < 3 and writer.is_alive():
            stop.wait(0.05)
        during = _backup(work / "backups")
    finally:
        stop.set()
        writer.join(timeout=60)
    assert failed == []

    # and restored into a new database and an empty media folder
    result = _restore(during, database_url=url, media=work / "media-during")

    # then the copy is consistent: the ledger check passes on it
    _assert_restored(result)

    # given now a quiet platform, backed up again
    quiet = _backup(work / "backups")
    # when restored over the first copy, then it is refused while the copy is not empty
    refused = _restore(quiet, database_url=url, media=work / "media-quiet")
    assert refused.returncode != 0
    assert "not empty" in refused.stderr
    # and, with --force, every table holds the same rows as the source, every file is the same
    restored_media = work / "media-quiet"
    _assert_restored(_restore(quiet, database_url=url, media=restored_media, force=True))
    tables = connection.introspection.table_names()
    with _pg(source, source["NAME"]) as original, _pg(source, fresh_database) as copy:
        expected = _contents(original.cursor(), tables)
        assert _contents(copy.cursor(), tables) == expected
        ids = _encrypted_id_numbers(copy.cursor())
    assert ids
    assert all(value and PLAIN_ID not in value for value in ids)
    assert len(expected["orders_order"]) >= 3 + len(placed)
    _same_files(media, restored_media)
