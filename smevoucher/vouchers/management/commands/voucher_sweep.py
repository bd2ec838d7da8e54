from django.core.management.base import BaseCommand

from smevoucher.core.money import yuan
from smevoucher.vouchers.sweep import reminders_send, sweep_due, sweep_run


class Command(BaseCommand):
    help = "Recall vouchers past their batch deadline or validity and send reminders (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="only list what would be recalled"
        )

    def handle(self, *args, dry_run=False, **options):
        due = sweep_due()
        for item in due:
            self.stdout.write(
                f"{item.voucher.number} {yuan(item.voucher.available_fen)} {item.reason}"
            )
        if dry_run:
            self.stdout.write(f"{len(due)} voucher(s) would be recalled")
            return
        recalled = sweep_run()
        reminded = reminders_send()
        self.stdout.write(f"{len(recalled)} voucher(s) recalled, {reminded} reminder(s) sent")
