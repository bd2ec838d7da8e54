"""服务券配额 over JSON: the cards, quotes, applications of the organization the user acts for."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import (
    ENT_A,
    ENTERPRISES,
    INVALID,
    LOGIN_REQUIRED,
    STAFF,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import program_version_at, programs_for_region
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition

from . import services
from .models import QuotaApplication
from .schemas import ApplicationOut, ApplyIn, ProgramCardsOut, QuoteOut, ResubmitIn
from .selectors import quota_cards, quota_quote

router = Router(tags=["服务券配额"])


def _voucher(voucher) -> dict:
    return {
        "number": voucher.number,
        "voucher_type": voucher.voucher_type,
        "type_name": voucher.type_name,
        "status": voucher.status,
        "status_label": voucher.get_status_display(),
        "valid_from": voucher.valid_from,
        "valid_until": voucher.valid_until,
        "use_deadline": voucher.use_deadline,
        "total_fen": voucher.total_fen,
        "available_fen": voucher.available_fen,
        "held_fen": voucher.held_fen,
        "used_fen": voucher.used_fen,
        "recalled_fen": voucher.recalled_fen,
    }


def _application(application: QuotaApplication, reason: str | None = None) -> dict:
    if reason is None:
        review = review_latest_for_subject(subject=application)
        reason = (
            review.last_reason if review and application.status in ("returned", "rejected") else ""
        )
    return {
        "id": application.pk,
        "program_id": application.program_id,
        "voucher_type": application.voucher_type,
        "type_name": application.type_name,
        "status": application.status,
        "status_label": application.get_status_display(),
        "amount_fen": application.amount_fen,
        "base_fen": application.base_fen,
        "tier_name": application.tier_name,
        "reason": reason,
        "voucher_number": application.voucher.number if application.voucher_id else None,
        "created_at": application.created_at,
    }


def _org(request):
    org = org_acting_for(request.auth)
    if org is None:
        raise DomainError(
            "quota.not_certified", _("请先完成企业信息认证，认证通过后再申请服务券"), status=409
        )
    return org


# Staff hold no organization: the quota endpoints refuse them as not certified (409).
@router.get("", response=list[ProgramCardsOut], summary="服务券配额：每个项目每个券种一张卡片")
@access(allow(*ENTERPRISES) | dict.fromkeys(STAFF, INVALID))
def cards(request):
    org = _org(request)
    answer = []
    for program in programs_for_region(region_code=org.region_code):
        version = program_version_at(program=program)
        answer.append(
            {
                "program_id": program.pk,
                "program_code": program.code,
                "program_name": program.name,
                "cards": [
                    {
                        "voucher_type": card["rule"].key,
                        "name": card["rule"].name,
                        "kind": card["rule"].kind,
                        "valid_from": card["rule"].valid_from,
                        "valid_until": card["rule"].valid_until,
                        "rule_text": card["rule"].rule_text,
                        "may_apply": card["may_apply"],
                        "quote_amount_fen": card["quote"].amount_fen,
                        "refusal": "" if card["may_apply"] else card["quote"].reason,
                        "application": _application(card["application"], card["reason"])
                        if card["application"]
                        else None,
                        "vouchers": [_voucher(v) for v in card["vouchers"]],
                    }
                    for card in quota_cards(org=org, program=program, version=version)
                ],
            }
        )
    return answer


@router.get("/{program_id}/{voucher_type}/quote", response=QuoteOut, summary="试算可申请额度")
@access(allow(*ENTERPRISES) | dict.fromkeys(STAFF, INVALID), sample="quota")
def quote(
    request,
    program_id: ObjectId,
    voucher_type: str = Path(..., max_length=40),
    base_fen: int | None = Query(None, gt=0, le=10**14),
    requested_fen: int | None = Query(None, gt=0, le=10**14),
):
    org = _org(request)
    program = Program.objects.filter(pk=program_id, status=ProgramStatus.ACTIVE).first()
    if program is None or not org.region_code.startswith(program.region_code):
        raise NotFound()
    result = quota_quote(
        org=org,
        version=program_version_at(program=program),
        voucher_type=voucher_type,
        base_fen=base_fen,
        requested_fen=requested_fen,
    )
    return {
        "eligible": result.eligible,
        "code": result.code,
        "reason": result.reason,
        "amount_fen": result.amount_fen,
        "limit_fen": result.limit_fen,
        "quota_fen": result.quota_fen,
        "issued_fen": result.issued_fen,
        "tier_name": result.tier_name,
    }


@router.get("/applications", response=list[ApplicationOut], summary="我的配额申请")
@access(allow(*ENTERPRISES) | dict.fromkeys(STAFF, INVALID))
def applications(request):
    org = _org(request)
    return [
        _application(a) for a in QuotaApplication.objects.filter(org=org).select_related("voucher")
    ]


@router.post("/applications", response={201: ApplicationOut}, summary="提交配额申请")
@access(
    LOGIN_REQUIRED, sample="quota", data={"program_id": "<program_id>", "voucher_type": "general"}
)
def apply(request, payload: ApplyIn):
    application = services.quota_apply(
        actor=request.auth,
        program_id=payload.program_id,
        voucher_type=payload.voucher_type,
        requested_fen=payload.requested_fen,
        base_fen=payload.base_fen,
        proof_upload_id=payload.proof_upload_id,
    )
    return 201, _application(application)


def _own(request, application_id: int) -> QuotaApplication:
    org = org_acting_for(request.auth)
    application = (
        QuotaApplication.objects.filter(pk=application_id, org=org).first() if org else None
    )
    if application is None:
        raise NotFound()
    return application


@router.post(
    "/applications/{application_id}/resubmit", response=ApplicationOut, summary="修改后重新提交"
)
@access(own(ENT_A), sample="quota_application")
def resubmit(request, application_id: ObjectId, payload: ResubmitIn):
    _own(request, application_id)
    application = services.quota_resubmit(
        actor=request.auth,
        application_id=application_id,
        requested_fen=payload.requested_fen,
        base_fen=payload.base_fen,
        proof_upload_id=payload.proof_upload_id,
    )
    return _application(application)


@router.post(
    "/applications/{application_id}/withdraw", response=ApplicationOut, summary="撤回配额申请"
)
@access(own(ENT_A), sample="quota_application")
def withdraw(request, application_id: ObjectId):
    application = _own(request, application_id)
    review = review_latest_for_subject(subject=application)
    review_transition(actor=request.auth, review_id=review.pk, action="withdraw")
    application.refresh_from_db()
    return _application(application)
