from django.core.management.base import BaseCommand, CommandError

from smevoucher.vouchers.checks import ledger_problems


class Command(BaseCommand):
    help = "Check every cached balance against the ledger entries and the program budgets; exit 1 on any mismatch."

    def handle(self, *args, **options):
        problems = ledger_problems()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger check failed: {len(problems)} problem(s)")
        self.stdout.write("ledger check passed: every balance agrees with its entries")
