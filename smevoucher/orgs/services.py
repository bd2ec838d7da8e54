"""Writes of organizations: certification, agent, bank account, key-field changes.

The certification and each change request are reviewed by the one review workflow
(reviews.services); the callbacks in orgs.reviewing move the organization with it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.models import User
from smevoucher.accounts.services import sms_code_consume
from smevoucher.audit.services import audit_record
from smevoucher.core.crypto import blind_index
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.i18n import platform_text
from smevoucher.core.phone import normalize_phone
from smevoucher.core.privacy import mask_bank_account
from smevoucher.notifications.services import notify
from smevoucher.regions.models import Region
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_submit, review_transition

from .choices import CertStatus, ChangeStatus, IdType, MemberRole, OrgKind
from .models import BankAccount, Organization, OrgChange, OrgMember
from .selectors import org_acting_for
from .validation import clean_bank_account, clean_id_number, clean_uscc

USCC_TAKEN_MESSAGE = gettext_lazy(
    "该统一社会信用代码已由其他账号认证。如确属本单位，请携营业执照与法定代表人身份证明"
    "联系所在地服务中心或通过“我要留言”联系平台处理。"
)
EDITABLE = (CertStatus.DRAFT, CertStatus.RETURNED, CertStatus.REJECTED)


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"{field}.required", _("请填写%(label)s") % {"label": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            f"{field}.too_long",
            _("%(label)s不能超过%(n)d个字") % {"label": label, "n": max_length},
            field=field,
        )
    return value


def _region(code: str, *, field: str = "region_code") -> Region:
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        raise DomainError("region.invalid", _("请选择正确的地区"), field=field)
    if region.level == "province" and region.children.exists():
        raise DomainError("region.too_coarse", _("请选择到市或区县"), field=field)
    return region


def _id_type(value: str) -> str:
    if value not in IdType.values:
        raise DomainError("id.type", _("请选择证件类型"), field="legal_rep_id_type")
    return value


def _org_for_actor(
    actor, org_id: int, *, lock: bool = False, owner_only: bool = False
) -> Organization:
    queryset = Organization.objects.select_for_update() if lock else Organization.objects
    org = queryset.filter(pk=org_id).first()
    member = OrgMember.objects.filter(org_id=org_id, user=actor).first() if org else None
    if org is None or member is None:
        raise NotFound()
    if owner_only and member.role != MemberRole.OWNER:
        raise DomainError("org.owner_only", _("只有机构认证账号可以进行此操作"), status=403)
    return org


def org_save(
    *,
    actor: User,
    kind: str,
    name: str,
    uscc: str,
    region_code: str,
    address: str,
    legal_rep_name: str,
    legal_rep_id_type: str,
    legal_rep_id_number: str,
) -> Organization:
    """Fill in (or correct) the organization's certification details, before submitting."""
    if actor.is_staff:
        raise DomainError("org.staff", _("平台工作人员账号不能认证机构"), status=403)
    if kind not in OrgKind.values:
        raise DomainError("org.kind", _("请选择机构类型"), field="kind")
    name = _text(name, field="name", label=_("机构名称"), max_length=100)
    code = clean_uscc(uscc)
    region = _region(region_code)
    address = _text(address, field="address", label=_("注册地址"), max_length=200, required=False)
    legal_rep_name = _text(
        legal_rep_name, field="legal_rep_name", label=_("法定代表人姓名"), max_length=50
    )
    id_type = _id_type(legal_rep_id_type)
    id_number = clean_id_number(id_type, legal_rep_id_number, field="legal_rep_id_number")
    fields = {
        "kind": kind,
        "name": name,
        "uscc": code,
        "region": region,
        "region_code": region.code,
        "address": address,
        "legal_rep_name": legal_rep_name,
        "legal_rep_id_type": id_type,
        "legal_rep_id_number": id_number,
        "legal_rep_id_index": blind_index(id_number, purpose="id_number"),
    }
    try:
        with transaction.atomic():
            existing = org_acting_for(actor)
            if (
                Organization.objects.filter(uscc=code)
                .exclude(pk=getattr(existing, "pk", None))
                .exists()
            ):
                raise DomainError("uscc.taken", str(USCC_TAKEN_MESSAGE), field="uscc")
            if existing is None:
                org = Organization.objects.create(owner=actor, status=CertStatus.DRAFT, **fields)
                OrgMember.objects.create(org=org, user=actor, role=MemberRole.OWNER)
                audit_record(actor=actor, subject=org, action="org.created", to_state=org.status)
                return org
            org = Organization.objects.select_for_update().get(pk=existing.pk)
            if org.status not in EDITABLE:
                raise DomainError(
                    "org.not_editable",
                    _("认证信息已提交或已通过，不能直接修改；已通过的机构请提交信息变更申请"),
                    status=409,
                )
            for key, value in fields.items():
                setattr(org, key, value)
            org.save(update_fields=[*fields.keys(), "updated_at"])
            audit_record(actor=actor, subject=org, action="org.updated", to_state=org.status)
            return org
    except IntegrityError as exc:  # two claims of one USCC at the same moment
        raise DomainError("uscc.taken", str(USCC_TAKEN_MESSAGE), field="uscc") from exc


def org_submit(*, actor: User, org_id: int, sms_code: str, agreed: bool) -> Organization:
    """Submit for review (提交): confirmed by an SMS code to the actor's phone."""
    if not agreed:
        raise DomainError(
            "org.agreement", _("请阅读并同意平台用户服务协议和隐私政策"), field="agreed"
        )
    org = _org_for_actor(actor, org_id)
    if org.status not in EDITABLE:
        raise DomainError("org.already_submitted", _("认证信息已提交，请等待审核"), status=409)
    sms_code_consume(phone=actor.phone, purpose=SmsPurpose.CERTIFY, code=sms_code)
    with transaction.atomic():
        org = _org_for_actor(actor, org_id, lock=True)
        if org.status not in EDITABLE:
            raise DomainError("org.already_submitted", _("认证信息已提交，请等待审核"), status=409)
        org.agreed_at = timezone.now()
        org.save(update_fields=["agreed_at", "updated_at"])
        review = review_latest_for_subject(subject=org)
        if org.status == CertStatus.RETURNED and review is not None and review.status == "returned":
            # The review records the resubmission (one audit record) and moves the org back.
            review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
        else:
            from_state = org.status
            review_submit(
                actor=actor,
                subject=org,
                kind="org_certification",
                region_code=org.region_code,
                label=org.name,
            )
            audit_record(
                actor=actor,
                subject=org,
                action="org.submitted",
                from_state=from_state,
                to_state=CertStatus.SUBMITTED,
            )
        org.refresh_from_db()
    return org


def org_agent_designate(
    *, actor: User, org_id: int, person_name: str, id_type: str, id_number: str, phone: str
) -> OrgMember:
    """Designate the agent (经办人) who may act for the organization with their own account."""
    person_name = _text(person_name, field="person_name", label=_("经办人姓名"), max_length=50)
    if id_type not in IdType.values:
        raise DomainError("id.type", _("请选择证件类型"), field="id_type")
    number = clean_id_number(id_type, id_number, field="id_number")
    phone = normalize_phone(phone)
    with transaction.atomic():
        org = _org_for_actor(actor, org_id, lock=True, owner_only=True)
        agent_user = User.objects.filter(phone=phone, is_active=True).first()
        if agent_user is None:
            raise DomainError(
                "agent.unregistered",
                _("经办人手机号尚未注册，请经办人先注册平台账号"),
                field="phone",
            )
        if agent_user.is_staff:
            raise DomainError("agent.staff", _("平台工作人员账号不能作为经办人"), field="phone")
        other = (
            OrgMember.objects.filter(user=agent_user)
            .exclude(org=org, role=MemberRole.AGENT)
            .first()
        )
        if other is not None:
            raise DomainError(
                "agent.taken", _("该账号已属于其他机构或就是本机构认证账号"), field="phone"
            )
        OrgMember.objects.filter(org=org, role=MemberRole.AGENT).exclude(user=agent_user).delete()
        member, _created = OrgMember.objects.update_or_create(
            org=org,
            user=agent_user,
            defaults={
                "role": MemberRole.AGENT,
                "person_name": person_name,
                "id_type": id_type,
                "id_number": number,
                "id_index": blind_index(number, purpose="id_number"),
            },
        )
        audit_record(
            actor=actor,
            subject=org,
            action="org.agent_designated",
            data={"agent_user": agent_user.pk},
        )
        notify(
            user=agent_user,
            title=gettext_lazy("您已被指定为经办人"),
            body=platform_text(
                gettext_lazy("%(org)s已指定您为经办人，您可以代表该机构办理服务券业务。"),
                {"org": org.name},
            ),
        )
    return member


def org_agent_remove(*, actor: User, org_id: int) -> None:
    with transaction.atomic():
        org = _org_for_actor(actor, org_id, lock=True, owner_only=True)
        removed, _detail = OrgMember.objects.filter(org=org, role=MemberRole.AGENT).delete()
        if not removed:
            raise DomainError("agent.none", _("本机构尚未指定经办人"), status=409)
        audit_record(actor=actor, subject=org, action="org.agent_removed")


def bank_account_save(
    *,
    actor: User,
    org_id: int,
    account_name: str,
    bank_name: str,
    branch_name: str,
    region_code: str,
    account_number: str,
) -> BankAccount:
    """Payment certification (支付认证): the account that receives payments and refunds."""
    account_name = _text(account_name, field="account_name", label=_("银行开户名"), max_length=100)
    bank_name = _text(bank_name, field="bank_name", label=_("开户银行"), max_length=100)
    branch_name = _text(branch_name, field="branch_name", label=_("开户支行名称"), max_length=100)
    region = _region(region_code)
    number = clean_bank_account(account_number)
    with transaction.atomic():
        org = _org_for_actor(actor, org_id, lock=True)
        if account_name != org.name:
            raise DomainError(
                "bank.name_mismatch", _("银行开户名须与机构名称一致"), field="account_name"
            )
        old = BankAccount.objects.filter(org=org).first()
        account, _created = BankAccount.objects.update_or_create(
            org=org,
            defaults={
                "account_name": account_name,
                "bank_name": bank_name,
                "branch_name": branch_name,
                "region": region,
                "account_number": number,
                "account_index": blind_index(number, purpose="bank_account"),
                "account_last4": number[-4:],
            },
        )
        audit_record(
            actor=actor,
            subject=org,
            action="org.bank_account_saved",
            from_state=mask_bank_account(old.account_number) if old else "",
            to_state=mask_bank_account(number),
        )
        if old is not None and old.account_number != number:
            notify(
                user=org.owner,
                title=gettext_lazy("收款银行账户已变更"),
                body=platform_text(
                    gettext_lazy(
                        "机构收款账户已变更为尾号%(last4)s的账户。如非本机构操作，请立即联系平台。"
                    ),
                    {"last4": number[-4:]},
                ),
                sms=True,
            )
    return account


def org_change_request(
    *,
    actor: User,
    org_id: int,
    name: str,
    region_code: str,
    address: str,
    legal_rep_name: str,
    legal_rep_id_type: str,
    legal_rep_id_number: str,
    reason: str,
) -> OrgChange:
    """Ask to change a certified organization's key fields; they change when approved."""
    name = _text(name, field="name", label=_("机构名称"), max_length=100)
    region = _region(region_code)
    address = _text(address, field="address", label=_("注册地址"), max_length=200, required=False)
    legal_rep_name = _text(
        legal_rep_name, field="legal_rep_name", label=_("法定代表人姓名"), max_length=50
    )
    id_type = _id_type(legal_rep_id_type)
    number = clean_id_number(id_type, legal_rep_id_number, field="legal_rep_id_number")
    reason = _text(reason, field="reason", label=_("变更原因"), max_length=300)
    with transaction.atomic():
        org = _org_for_actor(actor, org_id, lock=True)
        if org.status != CertStatus.APPROVED:
            raise DomainError("org.not_certified", _("机构认证通过后才能申请信息变更"), status=409)
        if org.changes.filter(status__in=(ChangeStatus.PENDING, ChangeStatus.RETURNED)).exists():
            raise DomainError("org.change_open", _("已有信息变更申请在办理中"), status=409)
        unchanged = (
            name == org.name
            and region.code == org.region_code
            and address == org.address
            and legal_rep_name == org.legal_rep_name
            and id_type == org.legal_rep_id_type
            and number == org.legal_rep_id_number
        )
        if unchanged:
            raise DomainError("org.change_empty", _("变更内容与现有信息相同"))
        change = OrgChange.objects.create(
            org=org,
            requested_by=actor,
            name=name,
            region=region,
            address=address,
            legal_rep_name=legal_rep_name,
            legal_rep_id_type=id_type,
            legal_rep_id_number=number,
            legal_rep_id_index=blind_index(number, purpose="id_number"),
            reason=reason,
        )
        review_submit(
            actor=actor,
            subject=change,
            kind="org_change",
            region_code=org.region_code,
            label=org.name,
        )
        audit_record(
            actor=actor, subject=org, action="org.change_requested", data={"change": change.pk}
        )
    return change
