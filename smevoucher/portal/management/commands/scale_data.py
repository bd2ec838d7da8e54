"""`manage.py scale_data`: a province-scale data set for benchmarks (see portal.scale_data)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smevoucher.portal.scale_data import ScaleDataError, Sizes, scale_data_generate


class Command(BaseCommand):
    help = (
        "Generate a province-scale data set (Guangxi) quickly, for benchmarks, into a freshly "
        "migrated database; refuses a database that already holds users, organizations or "
        "programs. Prints the seconds of each table; --manifest writes the ids a load test needs."
    )

    def add_arguments(self, parser):
        defaults = Sizes()
        for name in ("enterprises", "providers", "products", "vouchers", "orders"):
            parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
        parser.add_argument(
            "--claim-orders",
            type=int,
            default=defaults.claim_orders,
            help="evaluated orders in the redemption claim of the manifest's export_claim",
        )
        parser.add_argument(
            "--hot-orders",
            type=int,
            default=defaults.hot_orders,
            help="orders the manifest's hot voucher allows, exactly",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--manifest", type=Path, help="write the manifest (JSON) here")

    def handle(self, *args, **options):
        sizes = Sizes(
            enterprises=options["enterprises"],
            providers=options["providers"],
            products=options["products"],
            vouchers=options["vouchers"],
            orders=options["orders"],
            claim_orders=options["claim_orders"],
            hot_orders=options["hot_orders"],
            seed=options["seed"],
        )
        try:
            manifest = scale_data_generate(sizes=sizes, log=self.stdout.write)
        except ScaleDataError as exc:
            raise CommandError(str(exc)) from exc
        if options["manifest"]:
            options["manifest"].write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
            self.stdout.write(f"manifest written to {options['manifest']}")
