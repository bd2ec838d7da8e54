"""`manage.py backup <dir>`: one archive of the database and the uploaded files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smevoucher.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom, or the SQLite online backup) and "
        "the files under MEDIA_ROOT into one archive in <dir>, with a manifest of sha256s. "
        "The field-encryption keys are not in it: keep them apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="folder for the archive")
        parser.add_argument(
            "--pg-bindir", default=None, help="folder of pg_dump (default: found on PATH)"
        )

    def handle(self, *args, directory: Path, pg_bindir: str | None, **options):
        try:
            archive = backup_create(directory=directory, pg_bindir=pg_bindir)
        except BackupError as failed:
            raise CommandError(f"backup failed: {failed}") from failed
        self.stdout.write(str(archive))
