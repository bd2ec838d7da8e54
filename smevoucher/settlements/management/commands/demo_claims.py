"""Demo redemption claims, idempotently: the Liuzhou provider's claims at each step — a
draft, one at the service center's initial review, one whose paper materials were received,
one approved by all four steps awaiting its notice, and one in its notice window — through
the same services and review workflow staff use. (A paid claim needs its notice window to
pass; pay it with the finance account once the window has closed.)"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.utils import timezone
from pypdf import PdfWriter

from smevoucher.accounts.models import User
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition
from smevoucher.settlements import services
from smevoucher.settlements.models import Claim
from smevoucher.settlements.selectors import claimable_orders
from smevoucher.uploads.services import upload_create

PROVIDER = "13900000013"  # 柳州市中小企业服务站有限公司
INITIAL = "13800000001"  # 柳州市服务中心审核员: 服务中心初审
PAPER = "13800000003"  # 自治区审核员: 纸质材料接收
APPROVER = "13800000007"  # 自治区工信厅审批人: 工信局审批, publishes the notice
FINANCE = "13800000004"  # 自治区财务: 财政局审批, pays
STEPS = ("draft", "initial", "paper", "approved", "notice")


def _pdf(name: str) -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


class Command(BaseCommand):
    help = "Create demo redemption claims at each step of their review."

    def handle(self, *args, **options):
        provider = User.objects.get(phone=PROVIDER)
        if Claim.objects.filter(created_by=provider).exists():
            self.stdout.write("demo claims ready (0 new)")
            return
        staff = {
            phone: User.objects.get(phone=phone) for phone in (INITIAL, PAPER, APPROVER, FINANCE)
        }
        orders = list(claimable_orders(actor=provider))
        made = 0
        for step, order in zip(STEPS, orders, strict=False):
            invoice = upload_create(
                actor=provider, uploaded=_pdf("发票.pdf"), purpose="claim_invoice"
            )
            claim = services.claim_create(
                actor=provider,
                program_id=order.program_id,
                lines=[
                    services.LineInput(
                        order_id=order.pk,
                        invoice_number=f"0445{order.pk:06d}",
                        invoice_amount_fen=order.captured_fen,
                        invoice_date=timezone.localdate() - dt.timedelta(days=1),
                        invoice_upload_id=str(invoice.pk),
                    )
                ],
            )
            made += 1
            if step == "draft":
                continue
            form = upload_create(
                actor=provider, uploaded=_pdf("兑现申请表（盖章）.pdf"), purpose="claim_material"
            )
            services.claim_update(actor=provider, claim_id=claim.pk, stamped_form_id=str(form.pk))
            services.claim_submit(actor=provider, claim_id=claim.pk)
            if step == "initial":
                continue
            review = Review.objects.get(kind="redemption", object_id=str(claim.pk))
            review_transition(actor=staff[INITIAL], review_id=review.pk, action="approve")
            services.claim_paper_received(actor=staff[PAPER], claim_id=claim.pk)
            if step == "paper":
                continue
            for phone in (PAPER, APPROVER, FINANCE):
                review_transition(actor=staff[phone], review_id=review.pk, action="approve")
            if step == "notice":
                services.notice_publish(
                    actor=staff[APPROVER], program_id=claim.program_id, claim_ids=[claim.pk], days=5
                )
        self.stdout.write(f"demo claims ready ({made} new)")
