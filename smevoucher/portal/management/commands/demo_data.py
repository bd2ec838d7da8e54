"""Create the demo accounts, idempotently: running it twice changes nothing."""

from django.core.management.base import BaseCommand

from smevoucher.accounts.models import User
from smevoucher.accounts.services import user_create

DEMO_PASSWORD = "Demo2026pass"

# phone, name, staff, superuser
DEMO_ACCOUNTS = [
    ("13800000000", "平台系统管理员", True, True),
    ("13800000001", "服务中心审核员", True, False),
    ("13900000001", "柳州市示范机械制造有限公司", False, False),
    ("13900000002", "南宁市示范电子科技有限公司", False, False),
]


class Command(BaseCommand):
    help = "Create the demo accounts (staff and enterprises) if they do not exist yet."

    def handle(self, *args, **options):
        created = 0
        for phone, name, staff, superuser in DEMO_ACCOUNTS:
            if User.objects.filter(phone=phone).exists():
                continue
            user_create(
                actor=None,
                phone=phone,
                display_name=name,
                password=DEMO_PASSWORD,
                is_staff=staff,
                is_superuser=superuser,
            )
            created += 1
        self.stdout.write(
            f"demo data: {created} account(s) created, {len(DEMO_ACCOUNTS) - created} already present; "
            f"password for all: {DEMO_PASSWORD}"
        )
