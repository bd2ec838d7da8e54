"""`manage.py restore <archive>`: the database and the files back, then the checks."""

from pathlib import Path

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from smevoucher.core.backup import BackupError, backup_restore

# Checks run on the restored copy, each when the project has it.
CHECKS = ("ledger_check", "audit_verify")


class Command(BaseCommand):
    help = (
        "Restore an archive of `manage.py backup` into the configured database and MEDIA_ROOT "
        "(both must be empty unless --force), verify every sha256, then run the ledger check."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="a smevoucher-backup-*.tar.gz")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what the target database and media folder hold",
        )
        parser.add_argument(
            "--pg-bindir", default=None, help="folder of pg_restore (default: found on PATH)"
        )

    def handle(self, *args, archive: Path, force: bool, pg_bindir: str | None, **options):
        try:
            report = backup_restore(archive=archive, force=force, pg_bindir=pg_bindir)
        except BackupError as failed:
            raise CommandError(f"restore failed: {failed}") from failed
        manifest = report.manifest
        self.stdout.write(
            f"restored the backup of {manifest['created_at']}: "
            f"{manifest['database']['vendor']} database, {report.files} files (sha256 verified)"
        )
        if report.missing_key_ids:
            self.stderr.write(
                "WARNING: encryption key ids not configured here: "
                + ", ".join(report.missing_key_ids)
                + " (encrypted personal data cannot be read until FIELD_ENCRYPTION_KEYS has them)"
            )
        if report.pending_migrations:
            self.stdout.write(
                f"{len(report.pending_migrations)} migrations of this code are not applied to "
                "the restored database: run `manage.py migrate`, then `manage.py ledger_check`"
            )
            return
        available = get_commands()
        for check in CHECKS:
            if check in available:
                call_command(check, stdout=self.stdout, stderr=self.stderr)
        if "ledger_check" not in available:
            raise CommandError("ledger_check is missing: the restored copy was not checked")
