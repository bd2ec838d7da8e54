"""Every change to a redemption claim: drafting, materials, submission (checked against the
provider's caps), cuts by reviewers, paper receipt, the notice and its objections, payout.

Money moves only through the ledger (`vouchers.services.ledger_redeem` / `ledger_disallow`),
each with an idempotency key derived from the claim and its lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.core.money import MAX_FEN, yuan
from smevoucher.core.numbers import next_number
from smevoucher.notifications.services import notify
from smevoucher.orders.choices import OrderStatus
from smevoucher.orders.models import Order
from smevoucher.orgs.selectors import org_acting_for, org_people
from smevoucher.providers.models import Provider
from smevoucher.staff.choices import StaffRole
from smevoucher.staff.permissions import has_role, in_jurisdiction
from smevoucher.uploads.models import Upload
from smevoucher.uploads.selectors import upload_owned
from smevoucher.vouchers import services as ledger

from .choices import ClaimStatus
from .models import Claim, ClaimLine, Notice, Objection
from .selectors import cap_problem, claimable_fen

S = ClaimStatus
EDITABLE = (S.DRAFT, S.RETURNED)
KIND = "redemption"


@dataclass(frozen=True)
class LineInput:
    order_id: int
    invoice_number: str
    invoice_amount_fen: int
    invoice_date: dt.date
    invoice_upload_id: str


def _provider_of(actor, program_id: int) -> Provider:
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    provider = (
        Provider.objects.filter(org=org, program_id=program_id).select_related("program").first()
        if org
        else None
    )
    if provider is None or not provider.is_active:
        raise DomainError("claim.not_provider", _("贵机构不是该项目已入驻的服务机构"), status=403)
    return provider


def _upload(actor, upload_id: str, purpose: str, field: str) -> Upload:
    upload = upload_owned(actor=actor, pk=upload_id, purpose=purpose)
    if upload is None:
        raise DomainError("upload.invalid", _("文件无效，请重新上传"), field=field)
    return upload


def _lines(actor, provider: Provider, claim: Claim, lines: list[LineInput]) -> list[ClaimLine]:
    if not lines:
        raise DomainError("claim.no_orders", _("请选择要兑现的订单"), field="orders")
    ids = [line.order_id for line in lines]
    if len(set(ids)) != len(ids):
        raise DomainError("claim.order_twice", _("同一订单不能重复选择"), field="orders")
    orders = {
        o.pk: o
        for o in Order.objects.select_for_update(of=("self",)).filter(pk__in=ids, provider=provider)
    }
    made = []
    for line in lines:
        order = orders.get(line.order_id)
        if order is None:
            raise NotFound()
        if order.status != OrderStatus.EVALUATED or claimable_fen(order) <= 0:
            raise DomainError(
                "claim.order_not_ready",
                _("订单 %(number)s 尚未完成评价或没有可兑现的服务券金额")
                % {"number": order.number},
                field="orders",
            )
        number = (line.invoice_number or "").strip()
        if not number or len(number) > 50:
            raise DomainError("claim.invoice_number", _("请填写发票号码"), field="invoice_number")
        if (
            not isinstance(line.invoice_amount_fen, int)
            or not 0 < line.invoice_amount_fen <= MAX_FEN
        ):
            raise DomainError(
                "claim.invoice_amount", _("请填写正确的发票金额"), field="invoice_amount"
            )
        if line.invoice_date is None or line.invoice_date > timezone.localdate():
            raise DomainError("claim.invoice_date", _("请填写正确的开票日期"), field="invoice_date")
        made.append(
            ClaimLine(
                claim=claim,
                order=order,
                claimed_fen=claimable_fen(order),
                approved_fen=claimable_fen(order),
                invoice_number=number,
                invoice_amount_fen=line.invoice_amount_fen,
                invoice_date=line.invoice_date,
                invoice=_upload(actor, line.invoice_upload_id, "claim_invoice", "invoice"),
            )
        )
    return made


def _save_lines(claim: Claim, lines: list[ClaimLine]) -> None:
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(lines)
    except IntegrityError as exc:
        raise DomainError(
            "claim.order_in_live_claim", _("所选订单已在另一兑现申请中"), field="orders", status=409
        ) from exc
    claim.claimed_fen = claim.approved_fen = sum(line.claimed_fen for line in lines)


@transaction.atomic
def claim_create(*, actor, program_id: int, lines: list[LineInput]) -> Claim:
    """Start a claim (兑现申请) for completed orders with their invoices; not yet submitted."""
    provider = _provider_of(actor, program_id)
    claim = Claim(
        number=next_number("DX"), program_id=program_id, provider=provider, created_by=actor
    )
    claim.save(force_insert=True)
    _save_lines(claim, _lines(actor, provider, claim, lines))
    claim.save(update_fields=["claimed_fen", "approved_fen"])
    audit_record(
        actor=actor,
        subject=claim,
        action="claim.created",
        to_state=claim.status,
        data={"orders": [line.order_id for line in lines], "claimed_fen": claim.claimed_fen},
    )
    return claim


def _claim_for_provider(actor, claim_id: int) -> Claim:
    claim = (
        Claim.objects.select_for_update()
        .select_related("provider", "program")
        .filter(pk=claim_id)
        .first()
    )
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if claim is None or org is None or claim.provider.org_id != org.pk:
        raise NotFound()
    return claim


@transaction.atomic
def claim_update(
    *,
    actor,
    claim_id: int,
    lines: list[LineInput] | None = None,
    stamped_form_id: str | None = None,
    material_ids: list[str] | None = None,
) -> Claim:
    """Change a draft or returned claim: its orders and invoices, the stamped application
    form scan (盖章扫描件) and the other materials the program asks for."""
    claim = _claim_for_provider(actor, claim_id)
    if claim.status not in EDITABLE:
        raise DomainError("claim.not_editable", _("该兑现申请已提交，不能修改"), status=409)
    if lines is not None:
        claim.lines.all().delete()
        _save_lines(claim, _lines(actor, claim.provider, claim, lines))
    if stamped_form_id:
        claim.stamped_form = _upload(actor, stamped_form_id, "claim_material", "stamped_form")
    if material_ids is not None:
        claim.other_materials.set(
            [_upload(actor, i, "claim_material", "materials") for i in material_ids]
        )
    claim.save(update_fields=["claimed_fen", "approved_fen", "stamped_form"])
    audit_record(
        actor=actor,
        subject=claim,
        action="claim.updated",
        data={"claimed_fen": claim.claimed_fen, "stamped_form": bool(claim.stamped_form_id)},
    )
    return claim


@transaction.atomic
def claim_submit(*, actor, claim_id: int) -> Claim:
    """Submit the claim to the review chain, once the stamped form is uploaded and the
    total stays within the provider's caps."""
    from smevoucher.reviews.choices import ReviewAction, ReviewStatus
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_submit, review_transition

    claim = _claim_for_provider(actor, claim_id)
    if claim.status not in EDITABLE:
        raise DomainError("claim.not_editable", _("该兑现申请已提交"), status=409)
    if not claim.lines.exists():
        raise DomainError("claim.no_orders", _("请选择要兑现的订单"), field="orders")
    if claim.stamped_form_id is None:
        raise DomainError(
            "claim.stamped_form", _("请上传加盖公章的兑现申请表扫描件"), field="stamped_form"
        )
    problem = cap_problem(claim)
    if problem:
        raise DomainError("claim.over_cap", problem, status=409)
    returned = Review.objects.filter(
        kind=KIND, object_id=str(claim.pk), status=ReviewStatus.RETURNED
    ).first()
    before = claim.status
    if returned is not None:
        review_transition(actor=actor, review_id=returned.pk, action=ReviewAction.RESUBMIT)
    else:
        review_submit(
            actor=actor,
            subject=claim,
            kind=KIND,
            region_code=claim.provider.org.region_code,
            label=f"{claim.provider.org.name} · {claim.number} · {yuan(claim.claimed_fen)}",
        )
    claim.status = S.SUBMITTED
    claim.submitted_at = timezone.now()
    claim.save(update_fields=["status", "submitted_at"])
    if returned is None:
        audit_record(
            actor=actor,
            subject=claim,
            action="claim.submitted",
            from_state=before,
            to_state=claim.status,
            data={"claimed_fen": claim.claimed_fen},
        )
    return claim


def _review_of(claim: Claim):
    from smevoucher.reviews.models import Review

    return Review.objects.filter(kind=KIND, object_id=str(claim.pk)).order_by("-pk").first()


def _staff_may_work(actor, claim: Claim) -> None:
    review = _review_of(claim)
    if (
        review is None
        or claim.status != S.SUBMITTED
        or not actor.is_staff
        or not in_jurisdiction(actor, review.region_code)
        or not has_role(actor, review.step_role)
    ):
        raise DomainError("claim.not_reviewing", _("该兑现申请当前不在您的审核环节"), status=403)


@transaction.atomic
def claim_line_cut(*, actor, line_id: int, approved_fen: int, reason: str) -> ClaimLine:
    """A reviewer allows less for one order (核减), with a reason; never more than claimed."""
    line = (
        ClaimLine.objects.select_related("claim", "claim__provider__org").filter(pk=line_id).first()
    )
    if line is None or not (
        actor.is_superuser or in_jurisdiction(actor, line.claim.provider.org.region_code)
    ):
        raise NotFound()
    claim = Claim.objects.select_for_update().get(pk=line.claim_id)
    _staff_may_work(actor, claim)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise DomainError("claim.cut_reason", _("请填写核减原因（300字以内）"), field="reason")
    if not isinstance(approved_fen, int) or not 0 <= approved_fen <= line.claimed_fen:
        raise DomainError(
            "claim.cut_amount",
            _("核定金额应在0至%(max)s元之间") % {"max": yuan(line.claimed_fen)},
            field="approved",
        )
    before = line.approved_fen
    line.approved_fen = approved_fen
    line.cut_reason = reason
    line.save(update_fields=["approved_fen", "cut_reason"])
    claim.approved_fen = sum(claim.lines.values_list("approved_fen", flat=True))
    claim.save(update_fields=["approved_fen"])
    audit_record(
        actor=actor,
        subject=line,
        action="claim.line_cut",
        reason=reason,
        data={"from_fen": before, "to_fen": approved_fen, "claim": claim.number},
    )
    return line


@transaction.atomic
def claim_paper_received(*, actor, claim_id: int) -> Claim:
    """The service center received the paper materials (纸质材料接收): a receipt number the
    provider can show."""
    claim = (
        Claim.objects.select_for_update()
        .select_related("provider__org")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None or not (
        actor.is_superuser or in_jurisdiction(actor, claim.provider.org.region_code)
    ):
        raise NotFound()
    _staff_may_work(actor, claim)
    if claim.paper_receipt_number:
        raise DomainError("claim.paper_done", _("纸质材料已登记接收"), status=409)
    claim.paper_receipt_number = next_number("SJ")
    claim.paper_received_at = timezone.now()
    claim.paper_received_by = actor
    claim.save(update_fields=["paper_receipt_number", "paper_received_at", "paper_received_by"])
    audit_record(
        actor=actor,
        subject=claim,
        action="claim.paper_received",
        data={"receipt": claim.paper_receipt_number},
    )
    _tell_provider(
        claim,
        gettext_lazy("兑现申请 %(number)s 的纸质材料已接收，回执编号 %(receipt)s"),
        {"receipt": claim.paper_receipt_number},
    )
    return claim


def _tell_provider(claim: Claim, title, params: dict | None = None) -> None:
    from django.urls import reverse

    text = platform_text(title, {"number": claim.number, **(params or {})})
    for user in org_people(claim.provider.org):
        notify(user=user, title=text, link=reverse("settlements:detail", args=[claim.pk]))


def on_review_moved(*, claim_id: int, outcome: str) -> None:
    """The review of a claim moved (inside its transaction): the claim follows it."""
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    status = {
        "approved": S.APPROVED,
        "returned": S.RETURNED,
        "rejected": S.REJECTED,
        "withdrawn": S.WITHDRAWN,
        "submitted": S.SUBMITTED,
    }[outcome]
    claim.status = status
    fields = ["status"]
    if status == S.APPROVED:
        claim.approved_at = timezone.now()
        fields.append("approved_at")
    claim.save(update_fields=fields)
    if status in (S.REJECTED, S.WITHDRAWN):
        # its orders may be claimed again
        claim.lines.update(live=False)


@transaction.atomic
def notice_publish(*, actor, program_id: int, claim_ids: list[int], days: int = 5) -> Notice:
    """Publish approved claims of a round as a notice (公示) with an objection window."""
    if not (actor.is_superuser or has_role(actor, StaffRole.APPROVER)):
        raise DomainError("notice.forbidden", _("只有审批人可以发布兑现公示"), status=403)
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise DomainError("notice.days", _("公示期应为1至30天"), field="days")
    claims = list(
        Claim.objects.select_for_update()
        .select_related("provider__org")
        .filter(pk__in=claim_ids, program_id=program_id, status=S.APPROVED)
    )
    claims = [
        c
        for c in claims
        if actor.is_superuser or in_jurisdiction(actor, c.provider.org.region_code)
    ]
    if not claims or len(claims) != len(set(claim_ids)):
        raise DomainError("notice.claims", _("请选择审核通过、待公示的兑现申请"), field="claims")
    from smevoucher.programs.models import Program

    program = Program.objects.get(pk=program_id)
    notice = Notice.objects.create(
        program=program,
        number=next_number("GS"),
        title=_("%(program)s 服务券兑现公示") % {"program": program.name},
        objection_until=timezone.localdate() + dt.timedelta(days=days),
        published_by=actor,
    )
    for claim in claims:
        claim.status = S.NOTICE
        claim.notice = notice
        claim.save(update_fields=["status", "notice"])
    audit_record(
        actor=actor,
        subject=notice,
        action="notice.published",
        data={"claims": [c.number for c in claims], "until": str(notice.objection_until)},
    )
    for claim in claims:
        _tell_provider(claim, gettext_lazy("兑现申请 %(number)s 已进入公示"))
    return notice


@transaction.atomic
def objection_raise(
    *, actor, notice_id: int, content: str, claim_id: int | None = None
) -> Objection:
    """Anyone logged in may object to a notice while its window is open."""
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    if timezone.localdate() > notice.objection_until:
        raise DomainError("objection.closed", _("公示期已结束，不再受理异议"), status=409)
    content = (content or "").strip()
    if not content or len(content) > 1000:
        raise DomainError("objection.content", _("请填写异议内容（1000字以内）"), field="content")
    claim = None
    if claim_id is not None:
        claim = notice.claims.filter(pk=claim_id).first()
        if claim is None:
            raise NotFound()
    objection = Objection.objects.create(
        notice=notice, claim=claim, content=content, raised_by=actor
    )
    audit_record(actor=actor, subject=objection, action="objection.raised")
    # the staff who published the notice answer it (shown with the notice to all staff)
    from django.urls import reverse

    notify(
        user=notice.published_by,
        title=platform_text(
            gettext_lazy("兑现公示 %(number)s 收到新的异议，请及时处理"), {"number": notice.number}
        ),
        link=reverse("settlements:notice", args=[notice.pk]),
    )
    return objection


@transaction.atomic
def objection_answer(*, actor, objection_id: int, answer: str, upheld: bool) -> Objection:
    """Staff answer an objection; an upheld one sends its claim back to review (rejected)."""
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("notice__program", "claim__provider__org")
        .filter(pk=objection_id)
        .first()
    )
    if objection is None:
        raise NotFound()
    # the staff of the region of the claim objected to (of the program, for the whole notice)
    region = (
        objection.claim.provider.org.region_code
        if objection.claim_id
        else objection.notice.program.region_code
    )
    if not (
        actor.is_superuser
        or (has_role(actor, StaffRole.APPROVER) and in_jurisdiction(actor, region))
    ):
        raise NotFound()
    answer = (answer or "").strip()
    if not answer:
        raise DomainError("objection.answer", _("请填写处理意见"), field="answer")
    objection.answer = answer[:1000]
    objection.upheld = bool(upheld)
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "upheld", "answered_by", "answered_at"])
    if upheld and objection.claim_id:
        claim = Claim.objects.select_for_update().get(pk=objection.claim_id)
        if claim.status == S.NOTICE:
            claim.status = S.REJECTED
            claim.save(update_fields=["status"])
            claim.lines.update(live=False)
    audit_record(
        actor=actor,
        subject=objection,
        action="objection.answered",
        data={"upheld": objection.upheld},
    )
    return objection


@transaction.atomic
def claim_pay(*, actor, claim_id: int) -> Claim:
    """Pay a claim after its notice window closed with no open objection (兑付): the
    approved amount leaves the payable account; what the reviewers cut goes back to the
    budget. Paying a paid claim again returns it unchanged (idempotent)."""
    if not (actor.is_superuser or has_role(actor, StaffRole.FINANCE)):
        raise DomainError("claim.pay_forbidden", _("只有财务人员可以办理兑付"), status=403)
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("notice", "provider__org")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None or not (
        actor.is_superuser or in_jurisdiction(actor, claim.provider.org.region_code)
    ):
        raise NotFound()
    if claim.status == S.PAID:
        return claim  # a retry whose answer was lost: paid once, nothing more to do
    if claim.status != S.NOTICE or claim.notice is None:
        raise DomainError("claim.not_noticed", _("兑现申请须经公示后才能兑付"), status=409)
    if timezone.localdate() <= claim.notice.objection_until:
        raise DomainError(
            "claim.notice_open",
            _("公示期至%(day)s，公示期结束后才能兑付") % {"day": claim.notice.objection_until},
            status=409,
        )
    if (
        claim.objections.filter(answered_at__isnull=True).exists()
        or claim.notice.objections.filter(claim__isnull=True, answered_at__isnull=True).exists()
    ):
        raise DomainError("claim.objection_open", _("有尚未处理的异议，暂不能兑付"), status=409)
    if claim.approved_fen:
        ledger.ledger_redeem(
            actor=actor,
            program_id=claim.program_id,
            amount_fen=claim.approved_fen,
            idempotency_key=f"claim:{claim.number}:redeem",
            ref=claim.number,
            provider_id=claim.provider_id,
            record=False,
        )
    for line in claim.lines.select_related("order").filter(approved_fen__lt=F("claimed_fen")):
        ledger.ledger_disallow(
            actor=actor,
            program_id=claim.program_id,
            amount_fen=line.claimed_fen - line.approved_fen,
            idempotency_key=f"claim:{claim.number}:cut:{line.pk}",
            provider_id=claim.provider_id,
            city_code=line.order.city_code,
            ref=claim.number,
            record=False,
        )
    claim.status = S.PAID
    claim.paid_at = timezone.now()
    claim.paid_by = actor
    claim.save(update_fields=["status", "paid_at", "paid_by"])
    audit_record(
        actor=actor,
        subject=claim,
        action="claim.paid",
        from_state=S.NOTICE,
        to_state=S.PAID,
        data={"approved_fen": claim.approved_fen, "cut_fen": claim.cut_fen},
    )
    _tell_provider(
        claim,
        gettext_lazy("兑现申请 %(number)s 已兑付 %(amount)s 元"),
        {"amount": yuan(claim.approved_fen)},
    )
    return claim
