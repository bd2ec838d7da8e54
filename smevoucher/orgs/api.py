"""Organization certification over JSON (企业信息认证 / 经办人 / 支付认证 / 信息变更).

Everything is about the organization the user acts for ("mine"): as the account that
certified it or as its agent. Endpoints parse, call the services and shape answers; the
rules live in the services and the review workflow.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Router

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.schemas import MessageOut, SmsCodeSentOut
from smevoucher.accounts.services import sms_code_send
from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import ENT_A, ENTERPRISE, ENTERPRISES, MISSING, access, allow, own
from smevoucher.core.errors import NotFound
from smevoucher.core.http import client_ip
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition

from .models import Organization
from .schemas import (
    AgentIn,
    AgentOut,
    BankAccountIn,
    BankAccountOut,
    ChangeIn,
    HistoryOut,
    MyChangeOut,
    MyOrgOut,
    OrgIn,
    SubmitIn,
)
from .selectors import org_acting_for
from .services import (
    bank_account_save,
    org_agent_designate,
    org_agent_remove,
    org_change_request,
    org_save,
    org_submit,
)

router = Router(tags=["机构认证"])


def _mine(request) -> Organization:
    org = org_acting_for(request.auth)
    if org is None:
        raise NotFound(_("尚未填写机构认证信息"))
    return org


# Staff act for no organization: each "mine" answers 404 to them.
@router.get("/mine", response=MyOrgOut, summary="本账号所属机构的认证信息")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine(request):
    return _mine(request)


@router.put("/mine", response=MyOrgOut, summary="填写或修改认证信息（提交前）")
@access(ENTERPRISE)
def org_mine_save(request, payload: OrgIn):
    return org_save(actor=request.auth, **payload.dict())


@router.post("/mine/sms-code", response=SmsCodeSentOut, summary="发送认证确认验证码到本账号手机")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_sms_code(request):
    _mine(request)
    sms = sms_code_send(
        phone=request.auth.phone, purpose=SmsPurpose.CERTIFY, ip_address=client_ip(request)
    )
    return {
        "message": _("验证码已发送至%(phone)s") % {"phone": request.auth.masked_phone},
        "expires_at": sms.expires_at,
        "resend_after_seconds": settings.SMS_RESEND_SECONDS,
    }


@router.post("/mine/submit", response=MyOrgOut, summary="提交认证")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_submit(request, payload: SubmitIn):
    org = _mine(request)
    return org_submit(
        actor=request.auth, org_id=org.pk, sms_code=payload.sms_code, agreed=payload.agreed
    )


@router.put("/mine/agent", response=AgentOut, summary="指定经办人")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_agent_designate(request, payload: AgentIn):
    org = _mine(request)
    return org_agent_designate(actor=request.auth, org_id=org.pk, **payload.dict())


@router.delete("/mine/agent", response=MessageOut, summary="取消经办人")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_agent_remove(request):
    org = _mine(request)
    org_agent_remove(actor=request.auth, org_id=org.pk)
    return {"message": _("已取消经办人")}


@router.put("/mine/bank-account", response=BankAccountOut, summary="支付认证（收款银行账户）")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_bank_account(request, payload: BankAccountIn):
    org = _mine(request)
    return bank_account_save(actor=request.auth, org_id=org.pk, **payload.dict())


@router.get("/mine/changes", response=list[MyChangeOut], summary="信息变更申请（新的在前）")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_changes(request):
    return _mine(request).changes.select_related("region")


@router.post("/mine/changes", response=MyChangeOut, summary="申请变更机构信息")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_change_request(request, payload: ChangeIn):
    org = _mine(request)
    return org_change_request(actor=request.auth, org_id=org.pk, **payload.dict())


@router.post("/mine/changes/{change_id}/withdraw", response=MyChangeOut, summary="撤回信息变更申请")
@access(own(ENT_A), sample="org_change")
def org_mine_change_withdraw(request, change_id: ObjectId):
    change = _mine(request).changes.filter(pk=change_id).first()
    review = review_latest_for_subject(subject=change) if change else None
    if review is None:
        raise NotFound()
    review_transition(actor=request.auth, review_id=review.pk, action=ReviewAction.WITHDRAW)
    change.refresh_from_db()
    return change


@router.get("/mine/history", response=list[HistoryOut], summary="已通过的信息变更记录")
@access(allow(*ENTERPRISES, others=MISSING))
def org_mine_history(request):
    return _mine(request).history.all()
