from django.core.management.base import BaseCommand, CommandError

from smevoucher.audit.chain import chain_verify


class Command(BaseCommand):
    help = (
        "Walk the audit log's integrity chain in primary-key order and recompute every hash; "
        "exit 1 at the first broken link."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect-head",
            default="",
            help="a head hash printed by an earlier run, kept outside the database: it must "
            "still be in the chain (catches a rewritten tail)",
        )
        parser.add_argument("--chunk-size", type=int, default=2000)

    def handle(self, *args, expect_head: str, chunk_size: int, **options):
        report = chain_verify(chunk_size=chunk_size, expect_head=expect_head)
        if report.broken is not None:
            broken = report.broken
            cause = (
                "a record before it was removed, inserted or re-hashed"
                if broken.field == "prev_hash"
                else "its content or hash was changed"
            )
            raise CommandError(
                f"audit chain broken at record {broken.record_id} ({cause}) after "
                f"{report.checked - 1} intact record(s): {broken.field} expected "
                f"{broken.expected or '(empty)'}, found {broken.found or '(empty)'}"
            )
        if report.head_found is False:
            raise CommandError(
                f"audit chain intact over {report.checked} record(s), but the expected head "
                f"{expect_head} is not in it: records were rewritten or removed"
            )
        self.stdout.write(
            f"audit chain intact: {report.checked} record(s) checked, head {report.head or '(empty)'}"
        )
