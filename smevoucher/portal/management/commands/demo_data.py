"""Create the demo data, idempotently: running it twice changes nothing.

Everything goes through the same services a person would use: accounts, staff created by
the system admin, enterprises that certify with an SMS code and are approved by the
reviewer of their city, the three seed programs and this year's demo program; then the
demo providers (``demo_providers``) and their products (``demo_catalog``).
"""

import re

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from smevoucher.accounts.models import User
from smevoucher.accounts.services import sms_code_send, user_create
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orgs.models import Organization
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.programs.models import Program
from smevoucher.programs.presets import guangxi_2024, rules_for_year
from smevoucher.programs.services import classification_add, program_create
from smevoucher.quotas.models import QuotaApplication
from smevoucher.quotas.services import quota_apply
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.staff.services import staff_create

DEMO_PASSWORD = "Demo2026pass"
ADMIN_PHONE = "13800000000"

# phone, name, title, region, roles
STAFF = [
    ("13800000001", "柳州市服务中心审核员", "柳州市中小企业服务中心", "4502", ["reviewer"]),
    ("13800000002", "南宁市服务中心审核员", "南宁市中小企业服务中心", "4501", ["reviewer"]),
    ("13800000003", "自治区审核员", "自治区工业和信息化厅", "45", ["reviewer", "approver"]),
    ("13800000004", "自治区财务人员", "自治区财政厅", "45", ["finance"]),
    ("13800000005", "自治区审计员", "自治区审计部门", "45", ["auditor"]),
    ("13800000006", "自治区系统管理员", "自治区工业和信息化厅", "45", ["sysadmin"]),
    ("13800000007", "自治区工信厅审批人", "自治区工业和信息化厅", "45", ["approver"]),
]

# phone, organization, USCC, district, legal representative, ID number, approved by
ENTERPRISES = [
    (
        "13900000001",
        "柳州市示范机械制造有限公司",
        "91450202MA5N000018",
        "450202",
        "李建国",
        "450202198503120017",
        "13800000001",
    ),
    (
        "13900000002",
        "南宁市示范电子科技有限公司",
        "91450103MA5N00002L",
        "450103",
        "黄晓梅",
        "450103199007180024",
        "13800000002",
    ),
    # Submitted and waiting in the queue of the province (Guilin has no city reviewer here).
    (
        "13900000003",
        "桂林市示范新材料有限公司",
        "91450302MA5N00003K",
        "450302",
        "王志强",
        "450302199011050032",
        None,
    ),
]
# Registered only: to try certification from the start.
NEWCOMERS = [("13900000004", "柳州市待认证商贸有限公司")]

# demo_providers and demo_catalog call this command when the demo program is missing; while
# it runs, a nested call does not start them again (no loop, whatever the order of calls).
_running = False


class Command(BaseCommand):
    help = "Create the demo accounts, staff, certified enterprises and the seed programs."

    def handle(self, *args, **options):
        global _running
        nested, _running = _running, True
        try:
            self._base()
            if not nested:
                call_command("demo_providers", stdout=self.stdout)
                call_command("demo_catalog", stdout=self.stdout)
                call_command("demo_orders", stdout=self.stdout)
                call_command("demo_claims", stdout=self.stdout)
                call_command("demo_community", stdout=self.stdout)
        finally:
            _running = nested
        self.stdout.write(f"demo data ready; every demo account's password is {DEMO_PASSWORD}")

    def _base(self):
        admin = User.objects.filter(phone=ADMIN_PHONE).first() or user_create(
            actor=None,
            phone=ADMIN_PHONE,
            display_name="平台系统管理员",
            password=DEMO_PASSWORD,
            is_superuser=True,
        )
        for phone, name, title, region, roles in STAFF:
            if not User.objects.filter(phone=phone).exists():
                staff_create(
                    actor=admin,
                    phone=phone,
                    display_name=name,
                    title=title,
                    region_code=region,
                    roles=roles,
                    password=DEMO_PASSWORD,
                )
        for phone, name, uscc, district, legal_rep, id_number, approver in ENTERPRISES:
            user = User.objects.filter(phone=phone).first() or user_create(
                actor=None, phone=phone, display_name=name, password=DEMO_PASSWORD
            )
            if not Organization.objects.filter(uscc=uscc).exists():
                self._certify(user, name, uscc, district, legal_rep, id_number, approver)
        for phone, name in NEWCOMERS:
            if not User.objects.filter(phone=phone).exists():
                user_create(actor=None, phone=phone, display_name=name, password=DEMO_PASSWORD)
        call_command("load_program_presets", stdout=self.stdout)
        self._demo_program(admin)

    def _demo_program(self, admin):
        """The Guangxi rules moved to this year, so quota applications can be tried today,
        with the two certified demo enterprises on its lists."""
        year = timezone.localdate().year
        code = f"guangxi-demo-{year}"
        program = Program.objects.filter(code=code).first()
        if program is None:
            program = program_create(
                actor=admin,
                code=code,
                name=f"广西制造业企业培优育强服务券（演示 {year}年度）",
                policy_title=guangxi_2024.POLICY,
                region_code=guangxi_2024.REGION,
                year=year,
                rules=rules_for_year(guangxi_2024.RULES, year, guangxi_2024.YEAR),
            )
        for uscc, class_code, name in (
            ("91450202MA5N000018", "little_giant", "柳州市示范机械制造有限公司"),
            ("91450103MA5N00002L", "above_scale", "南宁市示范电子科技有限公司"),
            ("91450302MA5N00003K", "gx_digital_workshop", "桂林市示范新材料有限公司"),
        ):
            classification_add(
                actor=admin,
                program_id=program.pk,
                uscc=uscc,
                class_code=class_code,
                enterprise_name=name,
            )
        # The Liuzhou little giant holds its general voucher already, so its product pages show
        # the price after voucher; the Nanning enterprise is left to apply by itself.
        holder = User.objects.get(phone="13900000001")
        if not QuotaApplication.objects.filter(program=program, applicant=holder).exists():
            application = quota_apply(actor=holder, program_id=program.pk, voucher_type="general")
            review = Review.objects.get(kind="quota_application", object_id=str(application.pk))
            review_transition(
                actor=User.objects.get(phone="13800000003"), review_id=review.pk, action="approve"
            )

    def _certify(self, user, name, uscc, district, legal_rep, id_number, approver_phone):
        org = org_save(
            actor=user,
            kind="enterprise",
            name=name,
            uscc=uscc,
            region_code=district,
            address="",
            legal_rep_name=legal_rep,
            legal_rep_id_type="resident_id",
            legal_rep_id_number=id_number,
        )
        sms_code_send(phone=user.phone, purpose="certify", ip_address=None)
        outbox = SmsOutbox.objects.filter(phone=user.phone).order_by("-pk").first()
        match = re.search(r"\d{6}", outbox.text if outbox else "")
        if match is None:
            raise CommandError(
                "demo data needs the SMS outbox backend (SMS_BACKEND) and in-process tasks"
            )
        org_submit(actor=user, org_id=org.pk, sms_code=match.group(0), agreed=True)
        if approver_phone:
            review = Review.objects.get(
                kind="org_certification", object_id=str(org.pk), status="submitted"
            )
            review_transition(
                actor=User.objects.get(phone=approver_phone), review_id=review.pk, action="approve"
            )
