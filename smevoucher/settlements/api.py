"""Redemption over JSON: the provider's claims, the staff's steps, notices, budget figures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import (
    APPROVER,
    CITY1,
    FINANCE,
    FORBIDDEN,
    LOGIN_REQUIRED,
    MISSING,
    PROV_X,
    PROV_Y,
    PROVINCE,
    PUBLIC,
    REGION_STAFF,
    STAFF_ONLY,
    SYSADMIN,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError
from smevoucher.programs.models import Program
from smevoucher.programs.selectors import program_scope, sees_staff_pages

from . import services
from .selectors import (
    claim_get_for_provider,
    claim_get_for_staff,
    claim_lines,
    claimable_orders,
    program_budget,
    provider_claims,
    public_notices,
)

router = Router(tags=["服务券兑现"])
MAX_FEN = 10**14
UploadId = Annotated[str, Field(max_length=36)]


class ClaimableOrderOut(Schema):
    id: int
    number: str
    enterprise_name: str
    product_name: str
    claimable_fen: int


class ClaimLineIn(Schema):
    order_id: ObjectId
    invoice_number: str = Field(..., min_length=1, max_length=50)
    invoice_amount_fen: int = Field(..., gt=0, le=MAX_FEN)
    invoice_date: dt.date
    invoice_upload_id: UploadId = Field(..., description="发票文件编号（用途 claim_invoice）")


class ClaimIn(Schema):
    program_id: ObjectId
    lines: list[ClaimLineIn] = Field(..., min_length=1, max_length=500)


class ClaimMaterialsIn(Schema):
    stamped_form_upload_id: UploadId | None = Field(
        None, description="盖章兑现申请表扫描件（用途 claim_material）"
    )
    material_upload_ids: list[UploadId] | None = Field(None, max_length=20)


class ClaimLineOut(Schema):
    id: int
    order_number: str
    enterprise_name: str
    claimed_fen: int
    approved_fen: int
    cut_reason: str
    invoice_number: str


class ClaimOut(Schema):
    id: int
    number: str
    program_id: int
    provider_name: str
    status: str
    status_label: str
    claimed_fen: int
    approved_fen: int
    paper_receipt_number: str
    notice_number: str | None = None
    lines: list[ClaimLineOut]


class CutIn(Schema):
    approved_fen: int = Field(..., ge=0, le=MAX_FEN)
    reason: str = Field(..., min_length=1, max_length=300)


class NoticeIn(Schema):
    program_id: ObjectId
    claim_ids: list[ObjectId] = Field(..., min_length=1, max_length=500)
    days: int = Field(5, ge=1, le=30)


class NoticeRowOut(Schema):
    provider_name: str
    orders: int
    amount_fen: int


class NoticeOut(Schema):
    id: int
    number: str
    title: str
    published_at: dt.datetime
    objection_until: dt.date
    open: bool
    rows: list[NoticeRowOut]


class BudgetOut(Schema):
    program_id: int
    funded_fen: int
    unallocated_fen: int
    issued_fen: int
    available_fen: int
    held_fen: int
    deducted_fen: int
    paid_fen: int
    pending_approval_fen: int


def _out(claim) -> dict:
    return {
        "id": claim.pk,
        "number": claim.number,
        "program_id": claim.program_id,
        "provider_name": claim.provider.org.name,
        "status": claim.status,
        "status_label": str(claim.get_status_display()),
        "claimed_fen": claim.claimed_fen,
        "approved_fen": claim.approved_fen,
        "paper_receipt_number": claim.paper_receipt_number,
        "notice_number": claim.notice.number if claim.notice_id else None,
        "lines": [
            {
                "id": line.pk,
                "order_number": line.order.number,
                "enterprise_name": line.order.enterprise.name,
                "claimed_fen": line.claimed_fen,
                "approved_fen": line.approved_fen,
                "cut_reason": line.cut_reason,
                "invoice_number": line.invoice_number,
            }
            for line in claim_lines(claim)
        ],
    }


def _mine(request, claim_id: int):
    return claim_get_for_provider(actor=request.auth, pk=claim_id)


@router.get("/claimable-orders", response=list[ClaimableOrderOut], summary="可申请兑现的订单")
@access(LOGIN_REQUIRED)
def claimable(request):
    return [
        {
            "id": o.pk,
            "number": o.number,
            "enterprise_name": o.enterprise.name,
            "product_name": o.product_name,
            "claimable_fen": o.captured_fen - o.refunded_fen,
        }
        for o in claimable_orders(actor=request.auth)[:500]
    ]


@router.get("/claims", response=list[ClaimOut], summary="服务券兑付：本机构的兑现申请")
@access(LOGIN_REQUIRED)
def claims(request):
    return [
        _out(c) for c in provider_claims(actor=request.auth).select_related("provider__org")[:200]
    ]


@router.post("/claims", response={201: ClaimOut}, summary="申请兑现（选择订单并填写发票）")
# A line for an order of provider X: provider Y does not find it.
@access(
    allow(PROV_X) | {PROV_Y: MISSING},
    sample="claimable",
    data={
        "program_id": "<program_id>",
        "lines": [
            {
                "order_id": "<order_id>",
                "invoice_number": "0445000001",
                "invoice_amount_fen": 100,
                "invoice_date": "2026-01-05",
                "invoice_upload_id": "<upload_id>",
            }
        ],
    },
)
def claim_create(request, payload: ClaimIn):
    claim = services.claim_create(
        actor=request.auth,
        program_id=payload.program_id,
        lines=[services.LineInput(**line.dict()) for line in payload.lines],
    )
    return 201, _out(_mine(request, claim.pk))


@router.get("/claims/{claim_id}", response=ClaimOut, summary="兑现申请详情")
@access(own(PROV_X, *REGION_STAFF), sample="claim")
def claim_detail(request, claim_id: ObjectId):
    if sees_staff_pages(request.auth):
        return _out(claim_get_for_staff(actor=request.auth, pk=claim_id))
    return _out(_mine(request, claim_id))


@router.put("/claims/{claim_id}/materials", response=ClaimOut, summary="上传盖章申请表与其他材料")
@access(own(PROV_X), sample="claim")
def claim_materials(request, claim_id: ObjectId, payload: ClaimMaterialsIn):
    services.claim_update(
        actor=request.auth,
        claim_id=claim_id,
        stamped_form_id=payload.stamped_form_upload_id,
        material_ids=payload.material_upload_ids,
    )
    return _out(_mine(request, claim_id))


@router.post("/claims/{claim_id}/submit", response=ClaimOut, summary="提交兑现申请")
@access(own(PROV_X), sample="claim")
def claim_submit(request, claim_id: ObjectId):
    services.claim_submit(actor=request.auth, claim_id=claim_id)
    return _out(_mine(request, claim_id))


# Reviewers of the claim's region work on it; the other staff roles hold no review step.
@router.post("/staff/lines/{line_id}/cut", response=ClaimOut, summary="核减（审核人员）")
@access(
    own(CITY1, PROVINCE) | dict.fromkeys((APPROVER, FINANCE, SYSADMIN), FORBIDDEN),
    sample="claim_line",
)
def cut(request, line_id: ObjectId, payload: CutIn):
    line = services.claim_line_cut(
        actor=request.auth,
        line_id=line_id,
        approved_fen=payload.approved_fen,
        reason=payload.reason,
    )
    return _out(claim_get_for_staff(actor=request.auth, pk=line.claim_id))


@router.post("/staff/claims/{claim_id}/paper", response=ClaimOut, summary="登记纸质材料接收")
@access(
    own(CITY1, PROVINCE) | dict.fromkeys((APPROVER, FINANCE, SYSADMIN), FORBIDDEN),
    sample="claim_review",
)
def paper(request, claim_id: ObjectId):
    services.claim_paper_received(actor=request.auth, claim_id=claim_id)
    return _out(claim_get_for_staff(actor=request.auth, pk=claim_id))


@router.post("/staff/notices", response={201: NoticeOut}, summary="发布兑现公示（审批人）")
@access(allow(PROVINCE, APPROVER))
def notice_publish(request, payload: NoticeIn):
    notice = services.notice_publish(
        actor=request.auth,
        program_id=payload.program_id,
        claim_ids=payload.claim_ids,
        days=payload.days,
    )
    return 201, _notice_out(public_notices().get(pk=notice.pk))


@router.post(
    "/staff/claims/{claim_id}/pay", response=ClaimOut, summary="兑付（财务人员，公示期满后）"
)
@access(allow(FINANCE), sample="claim_review")
def pay(request, claim_id: ObjectId):
    services.claim_pay(actor=request.auth, claim_id=claim_id)
    return _out(claim_get_for_staff(actor=request.auth, pk=claim_id))


@router.get("/staff/budget/{program_id}", response=BudgetOut, summary="项目预算执行（来自账本）")
@access(STAFF_ONLY, sample="program")
def budget(request, program_id: ObjectId):
    if not sees_staff_pages(request.auth):
        raise DomainError("forbidden", _("无权执行此操作"), status=403)
    program = get_object_or_404(Program.objects.filter(program_scope(request.auth)), pk=program_id)
    return {"program_id": program.pk, **program_budget(program).__dict__}


def _notice_out(notice) -> dict:
    return {
        "id": notice.pk,
        "number": notice.number,
        "title": notice.title,
        "published_at": notice.published_at,
        "objection_until": notice.objection_until,
        "open": timezone.localdate() <= notice.objection_until,
        "rows": [
            {
                "provider_name": claim.provider.org.name,
                "orders": claim.lines.count(),
                "amount_fen": claim.approved_fen,
            }
            for claim in notice.claims.all()
        ],
    }


@router.get("/notices", response=list[NoticeOut], auth=None, summary="兑现公示（公开）")
@access(PUBLIC)
def notices(request):
    return [_notice_out(n) for n in public_notices()[:50]]
