"""Backup and restore of the database and the uploaded files (`manage.py backup` /
`manage.py restore`; docs/operations/backup.md).

One archive, ``smevoucher-backup-<UTC time>.tar.gz`` (mode 0600), holds:

- ``manifest.json``: when, the database vendor, the applied migrations, the ids of the
  field-encryption keys in use (never the keys), the number of files, and the size and
  sha256 of each part below;
- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``, one consistent snapshot
  while the platform runs) or ``database.sqlite3`` (SQLite: the online backup API, a
  consistent copy while the platform runs);
- ``media.tar``: every file under the local storage's folder (MEDIA_ROOT: uploads,
  contracts, imports), taken *after* the database so that every file a row of the dump
  names is already complete; ``media.sha256``: one ``<sha256>  <path>`` line per file
  (``sha256sum -c`` reads it).

Restore verifies every part's sha256 first, refuses a target database or media folder that
is not empty (unless ``force``), restores into it, checks each file against its sha256, and
then runs the ledger check (and the audit chain check, where the project has one).

Personal data stays as it is at rest: encrypted by FIELD_ENCRYPTION_KEYS, which are not in
the archive and must be kept apart from it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import django
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_PARTS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MEDIA = "media.tar"
MEDIA_SUMS = "media.sha256"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass
class RestoreReport:
    manifest: dict
    files: int
    pending_migrations: list[str] = field(default_factory=list)
    missing_key_ids: list[str] = field(default_factory=list)


# --- helpers ---


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing(io.RawIOBase):
    """A file read through once: what tar stores is exactly what is hashed."""

    def __init__(self, handle: IO[bytes]):
        self.handle, self.digest = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _pg_tool(name: str, bindir: str | None) -> str:
    if bindir:
        tool = Path(bindir, name)
        if not tool.is_file():
            raise BackupError(f"{tool} not found")
        return str(tool)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client or pass --pg-bindir")
    return found


def _pg_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment of pg_dump / pg_restore for a DATABASES entry:
    the password, if any, goes in PGPASSWORD, never on the command line."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args.append(f"{flag}={settings_dict[key]}")
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def _local_media() -> Path | None:
    """The folder of the default storage when it is the local file system."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(default_storage.location)
    return None


def _applied(alias: str) -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _key_ids() -> list[str]:
    return [entry.partition(":")[0] for entry in settings.FIELD_ENCRYPTION_KEYS]


# --- backup ---


def _dump_database(alias: str, target_dir: Path, pg_bindir: str | None) -> str:
    connection = connections[alias]
    part = DATABASE_PARTS.get(connection.vendor)
    if part is None:
        raise BackupError(f"no backup for the {connection.vendor} database")
    if connection.vendor == "postgresql":
        args, env = _pg_args(connection.settings_dict)
        _run(
            [
                _pg_tool("pg_dump", pg_bindir),
                "--format=custom",
                f"--file={target_dir / part}",
                *args,
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            env,
        )
    else:
        # The online backup API through the platform's own connection: one consistent copy,
        # also of an in-memory database, while others keep writing.
        connection.ensure_connection()
        copy = sqlite3.connect(target_dir / part)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()
    return part


def _archive_media(root: Path | None, target_dir: Path, skip: Path) -> tuple[int, int]:
    """media.tar and media.sha256 of every regular file under ``root`` (not following
    links, leaving out ``skip``, the backup folder, if it lies inside)."""
    count = size = 0
    with (
        tarfile.open(target_dir / MEDIA, "w", format=tarfile.PAX_FORMAT) as tar,
        (target_dir / MEDIA_SUMS).open("w", encoding="utf-8") as sums,
    ):
        if root is None or not root.is_dir():
            return 0, 0
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file() or path.is_relative_to(skip):
                continue
            name = path.relative_to(root).as_posix()
            info = tar.gettarinfo(str(path), arcname=name)
            with path.open("rb") as handle:
                reader = _Hashing(handle)
                tar.addfile(info, reader)
            sums.write(f"{reader.digest.hexdigest()}  {name}\n")
            count += 1
            size += info.size
    return count, size


def backup_create(*, directory: Path, alias: str = "default", pg_bindir: str | None = None) -> Path:
    """Write one archive of the database ``alias`` and the local media into ``directory``."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    work = Path(tempfile.mkdtemp(prefix=".backup-", dir=directory))
    try:
        database_part = _dump_database(alias, work, pg_bindir)
        media_root = _local_media()
        files, media_bytes = _archive_media(media_root, work, skip=directory)
        parts = [database_part, MEDIA, MEDIA_SUMS]
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "django": django.get_version(),
            "database": {
                "vendor": connections[alias].vendor,
                "name": str(connections[alias].settings_dict["NAME"]),
                "part": database_part,
            },
            "migrations": _applied(alias),
            "encryption_key_ids": _key_ids(),
            "media": {
                "included": media_root is not None,
                "root": str(media_root) if media_root else None,
                "storage": type(default_storage).__name__,
                "files": files,
                "bytes": media_bytes,
            },
            "parts": {
                name: {"bytes": (work / name).stat().st_size, "sha256": _sha256(work / name)}
                for name in parts
            },
        }
        (work / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        stem = f"smevoucher-backup-{created:%Y%m%dT%H%M%SZ}"
        archive, n = directory / f"{stem}.tar.gz", 1
        while archive.exists():
            n += 1
            archive = directory / f"{stem}-{n}.tar.gz"
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            for name in [MANIFEST, *parts]:
                tar.add(work / name, arcname=name)
        partial.chmod(0o600)
        partial.rename(archive)  # a complete archive or none under its final name
        return archive
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- restore ---


def _unpack(archive: Path, work: Path) -> dict:
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
    except (tarfile.TarError, OSError, EOFError) as broken:
        raise BackupError(f"{archive} is not a readable backup: {broken}") from broken
    try:
        manifest = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as broken:
        raise BackupError(f"{archive} has no readable {MANIFEST}") from broken
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    for name, expected in manifest["parts"].items():
        part = work / name
        if not part.is_file() or _sha256(part) != expected["sha256"]:
            raise BackupError(f"{name} does not match its sha256 in the manifest")
    return manifest


def _database_is_empty(alias: str) -> bool:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def _restore_database(alias: str, part: Path, *, vendor: str, force: bool, pg_bindir) -> None:
    connection = connections[alias]
    if connection.vendor != vendor:
        raise BackupError(
            f"the backup is of a {vendor} database, the target is {connection.vendor}"
        )
    if not _database_is_empty(alias):
        if not force:
            raise BackupError(
                f"the target database {connection.settings_dict['NAME']} is not empty"
                " (use --force to replace what it holds)"
            )
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE")
                cursor.execute("CREATE SCHEMA public")
    if vendor == "postgresql":
        connection.close()
        args, env = _pg_args(connection.settings_dict)
        _run(
            [
                _pg_tool("pg_restore", pg_bindir),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                f"--dbname={connection.settings_dict['NAME']}",
                str(part),
            ],
            env,
        )
    else:
        # Through the backup API into the platform's own connection: it replaces every
        # page of the target, also under --force.
        connection.ensure_connection()
        source = sqlite3.connect(part)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()


def _media_refusal(sums: list[str], root: Path | None, *, force: bool) -> str | None:
    if not sums:
        return None
    if root is None:
        return "the backup holds files but the default storage is not a local folder"
    if root.is_dir() and any(root.iterdir()) and not force:
        return f"the media folder {root} is not empty (use --force to overwrite)"
    return None


def _restore_media(work: Path, root: Path | None, sums: list[str]) -> int:
    if not sums:
        return 0
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(work / MEDIA, "r") as tar:
        tar.extractall(root, filter="data")
    for line in sums:
        digest, name = line.split("  ", 1)
        if _sha256(root / name) != digest:
            raise BackupError(f"restored file {name} does not match its sha256")
    return len(sums)


def _pending(alias: str) -> list[str]:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def backup_restore(
    *, archive: Path, alias: str = "default", force: bool = False, pg_bindir: str | None = None
) -> RestoreReport:
    """Restore ``archive`` into the database ``alias`` and the local media folder."""
    work = Path(tempfile.mkdtemp(prefix="smevoucher-restore-"))
    try:
        manifest = _unpack(Path(archive), work)
        database = manifest["database"]
        root = _local_media()
        sums = (work / MEDIA_SUMS).read_text(encoding="utf-8").splitlines()
        refusal = _media_refusal(sums, root, force=force)
        if refusal:  # before the database is touched
            raise BackupError(refusal)
        _restore_database(
            alias,
            work / database["part"],
            vendor=database["vendor"],
            force=force,
            pg_bindir=pg_bindir,
        )
        files = _restore_media(work, root, sums)
        configured = set(_key_ids())
        return RestoreReport(
            manifest=manifest,
            files=files,
            pending_migrations=_pending(alias),
            missing_key_ids=[k for k in manifest["encryption_key_ids"] if k not in configured],
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
