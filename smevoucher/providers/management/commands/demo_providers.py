"""Demo providers, idempotently: a directory for the demo program, providers of each level
admitted through the same services a person would use, and one institution that is not on
the directory (to try the refusal). Run after ``demo_data``."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from pypdf import PdfWriter
from stdnum.cn import ric, uscc

from smevoucher.accounts.models import User
from smevoucher.accounts.services import sms_code_send, user_create
from smevoucher.notifications.models import SmsOutbox
from smevoucher.orgs.models import Organization
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.portal.management.commands.demo_data import DEMO_PASSWORD
from smevoucher.programs.models import Program
from smevoucher.providers.models import DirectoryEntry, Provider
from smevoucher.providers.services import (
    directory_import_run,
    directory_import_start,
    provider_apply,
)
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.uploads.services import upload_create

DIRECTORY_STAFF = "13800000003"  # 自治区审核员 (reviewer, region 45)


def _uscc(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def _id_number(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # (it ignores the last character)


# phone, name, USCC, district, legal rep, ID, certified by, level, city, categories,
# phone, address, hours, intro, admitted by (None: on the directory but not applying)
PROVIDERS = [
    (
        "13900000011",
        "广西中小企业公共服务中心有限公司",
        _uscc("91450103MA5P00011"),
        "450103",
        "韦德华",
        _id_number("45010319900312003"),
        "13800000002",
        "national",
        "",
        ["企业诊断", "数字化转型", "技术创新", "融资服务", "直接设备租赁", "融资担保"],
        "0771-5601234",
        "南宁市青秀区民族大道100号",
        "周一至周五 8:30-12:00，14:30-17:30",
        "国家中小企业公共服务示范平台，为全区中小企业提供企业诊断、数字化转型咨询、"
        "技术创新和融资对接等一站式服务，累计服务企业5000余家。",
        DIRECTORY_STAFF,
    ),
    (
        "13900000012",
        "广西数字化转型促进服务有限公司",
        _uscc("91450103MA5P00022"),
        "450103",
        "陆海燕",
        _id_number("45010319920716002"),
        "13800000002",
        "provincial",
        "",
        ["数字化转型", "高阶检验检测验证"],
        "0771-5602345",
        "南宁市西乡塘区科园大道68号",
        "周一至周五 9:00-17:30",
        "自治区中小企业公共服务示范平台，专注制造业数字化车间、智能工厂的诊断评估与改造实施。",
        DIRECTORY_STAFF,
    ),
    (
        "13900000013",
        "柳州市中小企业服务站有限公司",
        _uscc("91450202MA5P00033"),
        "450202",
        "覃志明",
        _id_number("45020219880905001"),
        "13800000001",
        "city",
        "柳州市",
        ["企业诊断", "中高端市场开拓", "其他服务"],
        "0772-2861234",
        "柳州市城中区文昌路1号",
        "周一至周五 8:00-12:00，14:30-17:30",
        "柳州市市级中小企业公共服务示范平台，服务范围为柳州市，提供管理诊断、市场开拓等服务。",
        "13800000001",
    ),
    (
        "13900000014",
        "桂林市创业服务平台有限公司",
        _uscc("91450302MA5P00044"),
        "450302",
        "莫小兰",
        _id_number("45030219880101002"),
        None,
        "city",
        "桂林",
        [],
        "",
        "",
        "",
        "",
        None,
    ),
]
# Certified, but not on the directory: its application is refused.
OUTSIDER = (
    "13900000015",
    "柳州市未入名录咨询有限公司",
    _uscc("91450202MA5P00055"),
    "450202",
    "梁文",
    _id_number("45020219900220003"),
    "13800000001",
)


def _pdf(name: str) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


class Command(BaseCommand):
    help = "Create a provider directory and admitted providers of each level (after demo_data)."

    def handle(self, *args, **options):
        program = Program.objects.filter(code=f"guangxi-demo-{timezone.localdate().year}").first()
        staff = User.objects.filter(phone=DIRECTORY_STAFF).first()
        if program is None or staff is None:
            call_command("demo_data", stdout=self.stdout)
            return self.handle(*args, **options)
        if not DirectoryEntry.objects.filter(program=program).exists():
            self._directory(program, staff)
        for phone, name, code, district, rep, id_number, certified_by in [
            *(row[:7] for row in PROVIDERS),
            OUTSIDER,
        ]:
            if certified_by and not Organization.objects.filter(uscc=code).exists():
                user = User.objects.filter(phone=phone).first() or user_create(
                    actor=None, phone=phone, display_name=name, password=DEMO_PASSWORD
                )
                self._certify(user, name, code, district, rep, id_number, certified_by)
        for row in PROVIDERS:
            self._admit(program, *row)
        self.stdout.write(
            f"demo providers ready; {OUTSIDER[1]} ({OUTSIDER[0]}) is not on the directory"
        )
        return None

    def _certify(self, user, name, code, district, rep, id_number, approver_phone):
        """As ``demo_data`` certifies its enterprises, as a service provider."""
        org = org_save(
            actor=user,
            kind="provider",
            name=name,
            uscc=code,
            region_code=district,
            address="",
            legal_rep_name=rep,
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
        review = Review.objects.get(
            kind="org_certification", object_id=str(org.pk), status="submitted"
        )
        review_transition(
            actor=User.objects.get(phone=approver_phone), review_id=review.pk, action="approve"
        )

    def _directory(self, program, staff):
        lines = ["机构全称,统一社会信用代码,级别,所在城市"]
        levels = {"national": "国家级", "provincial": "省级", "city": "市级"}
        lines += [f"{r[1]},{r[2]},{levels[r[7]]},{r[8]}" for r in PROVIDERS]
        content = "\r\n".join(lines).encode("utf-8-sig")
        job = directory_import_start(
            actor=staff,
            program_id=program.pk,
            uploaded=SimpleUploadedFile("2024年广西中小企业公共服务示范平台名录.csv", content),
        )
        job = directory_import_run(import_id=job.pk)  # done already with in-process tasks
        job.refresh_from_db()
        if job.status != "done":
            raise CommandError(f"directory import {job.pk} ended {job.status}: {job.refused}")

    def _admit(self, program, phone, name, code, *rest):
        categories, contact, address, hours, intro, admitted_by = rest[-6:]
        org = Organization.objects.filter(uscc=code).first()
        if admitted_by is None or org is None or Provider.objects.filter(org=org).exists():
            return
        owner = org.owner
        license_ = upload_create(
            actor=owner, uploaded=_pdf("营业执照副本.pdf"), purpose="provider_qualification"
        )
        letter = upload_create(
            actor=owner, uploaded=_pdf("服务机构承诺书.pdf"), purpose="provider_commitment"
        )
        provider = provider_apply(
            actor=owner,
            program_id=program.pk,
            categories=categories,
            intro=intro,
            contact_phone=contact,
            address=address,
            working_hours=hours,
            qualification_ids=[license_.pk],
            commitment_letter_id=letter.pk,
        )
        review = Review.objects.get(kind="provider_admission", object_id=str(provider.pk))
        review_transition(
            actor=User.objects.get(phone=admitted_by), review_id=review.pk, action="approve"
        )
