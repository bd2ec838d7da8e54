from django.core.management.base import BaseCommand

from smevoucher.programs.models import Program
from smevoucher.programs.presets import PRESETS
from smevoucher.programs.services import program_create


class Command(BaseCommand):
    help = "Load the Liuzhou, Guangdong and Guangxi 2024 programs (idempotent)."

    def handle(self, *args, **options):
        for preset in PRESETS:
            if Program.objects.filter(code=preset.CODE).exists():
                self.stdout.write(f"{preset.CODE}: already present")
                continue
            program_create(
                actor=None,
                code=preset.CODE,
                name=preset.NAME,
                policy_title=preset.POLICY,
                region_code=preset.REGION,
                year=preset.YEAR,
                rules=preset.RULES,
            )
            self.stdout.write(f"{preset.CODE}: loaded")
