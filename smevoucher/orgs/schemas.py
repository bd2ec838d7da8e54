"""Request and response bodies of the organizations API.

Input is only shaped here (types and lengths); the services judge it (USCC and ID check
characters, regions, Luhn). Every ID number, bank account and phone leaves through the
presenters, for the user who asked: an enterprise always gets them masked, staff in full
only when their role needs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from smevoucher.reviews.schemas import ReviewProgressOut
from smevoucher.reviews.selectors import review_latest_for_subject

from .choices import CertStatus, ChangeStatus, IdType, MemberRole, OrgKind
from .presenters import shown_bank_account, shown_id_number, shown_phone
from .selectors import org_agent

# Room for spaces and dashes as people type them; the services compact and check.
UsccStr = Annotated[str, Field(max_length=30, examples=["91450200MA5N000001"])]
RegionCodeStr = Annotated[str, Field(max_length=6, examples=["450202"], description="区划代码")]
IdNumberStr = Annotated[str, Field(max_length=30, examples=["11010519491231002X"])]
PersonNameStr = Annotated[str, Field(max_length=50)]
OrgNameStr = Annotated[str, Field(max_length=100)]
AddressStr = Annotated[str, Field(max_length=200)]
BankTextStr = Annotated[str, Field(max_length=100)]

# Labels of the key fields kept in the history (region_code has no verbose name of its own).
HISTORY_FIELD_LABELS = {
    "name": _("机构名称"),
    "region_code": _("注册地区"),
    "address": _("注册地址"),
    "legal_rep_name": _("法定代表人姓名"),
    "legal_rep_id_type": _("证件类型"),
    "legal_rep_id_number": _("证件号码"),
}


def _viewer(context):
    """Who asked: the user the API authenticated (None outside a request, so masked)."""
    return getattr((context or {}).get("request"), "auth", None)


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


# --- input ---------------------------------------------------------------------------------


class OrgIn(Schema):
    kind: OrgKind = Field(OrgKind.ENTERPRISE, description="机构类型")
    name: OrgNameStr = Field(..., description="机构名称")
    uscc: UsccStr = Field(..., description="统一社会信用代码")
    region_code: RegionCodeStr = Field(..., description="注册地区（市或区县）")
    address: AddressStr = Field("", description="注册地址")
    legal_rep_name: PersonNameStr = Field(..., description="法定代表人姓名")
    legal_rep_id_type: IdType = Field(..., description="证件类型")
    legal_rep_id_number: IdNumberStr = Field(..., description="证件号码")


class SubmitIn(Schema):
    sms_code: str = Field(..., max_length=10, description="发送到本账号手机的验证码")
    agreed: bool = Field(False, description="已阅读并同意平台用户服务协议和隐私政策")


class AgentIn(Schema):
    person_name: PersonNameStr = Field(..., description="经办人姓名")
    id_type: IdType = Field(..., description="证件类型")
    id_number: IdNumberStr = Field(..., description="证件号码")
    phone: str = Field(..., max_length=20, description="经办人已注册的手机号")


class BankAccountIn(Schema):
    account_name: BankTextStr = Field(..., description="银行开户名（须与机构名称一致）")
    bank_name: BankTextStr = Field(..., description="开户银行")
    branch_name: BankTextStr = Field(..., description="开户支行名称")
    region_code: RegionCodeStr = Field(..., description="开户所在地")
    account_number: str = Field(..., max_length=40, description="银行账号")


class ChangeIn(Schema):
    name: OrgNameStr = Field(..., description="机构名称")
    region_code: RegionCodeStr = Field(..., description="注册地区（市或区县）")
    address: AddressStr = Field("", description="注册地址")
    legal_rep_name: PersonNameStr = Field(..., description="法定代表人姓名")
    legal_rep_id_type: IdType = Field(..., description="证件类型")
    legal_rep_id_number: IdNumberStr = Field(..., description="证件号码")
    reason: str = Field(..., max_length=300, description="变更原因")


# --- output --------------------------------------------------------------------------------


class AgentOut(Schema):
    person_name: str = Field(..., max_length=50, description="经办人姓名")
    id_type: IdType
    id_type_label: str = Field(..., max_length=20)
    id_number: str = Field(..., max_length=30, description="证件号码（按查看者权限脱敏）")
    phone: str = Field(..., max_length=20, description="手机号（按查看者权限脱敏）")
    created_at: dt.datetime

    @staticmethod
    def resolve_id_type_label(member) -> str:
        return _label(IdType, member.id_type)

    @staticmethod
    def resolve_id_number(member, context) -> str:
        return shown_id_number(member.id_number, _viewer(context))

    @staticmethod
    def resolve_phone(member, context) -> str:
        return shown_phone(member.user.phone, _viewer(context))


class BankAccountOut(Schema):
    account_name: str = Field(..., max_length=100)
    bank_name: str = Field(..., max_length=100)
    branch_name: str = Field(..., max_length=100)
    region_code: str = Field(..., max_length=6)
    region_name: str = Field(..., max_length=100)
    account_number: str = Field(..., max_length=40, description="银行账号（按查看者权限脱敏）")
    updated_at: dt.datetime

    @staticmethod
    def resolve_region_code(account) -> str:
        return account.region_id

    @staticmethod
    def resolve_region_name(account) -> str:
        return account.region.full_name

    @staticmethod
    def resolve_account_number(account, context) -> str:
        return shown_bank_account(account.account_number, _viewer(context))


class OrgOut(Schema):
    id: int
    kind: OrgKind
    kind_label: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    uscc: str = Field(..., max_length=18, description="统一社会信用代码")
    region_code: str = Field(..., max_length=6)
    region_name: str = Field(..., max_length=100, description="注册地区全称")
    address: str = Field(..., max_length=200)
    legal_rep_name: str = Field(..., max_length=50)
    legal_rep_id_type: IdType
    legal_rep_id_type_label: str = Field(..., max_length=20)
    legal_rep_id_number: str = Field(..., max_length=30, description="证件号码（按查看者权限脱敏）")
    status: CertStatus
    status_label: str = Field(
        ..., max_length=20, description="未提交 / 已提交 / 已通过 / 已退回 / 已驳回"
    )
    agreed_at: dt.datetime | None
    certified_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(org) -> str:
        return _label(OrgKind, org.kind)

    @staticmethod
    def resolve_region_name(org) -> str:
        return org.region.full_name

    @staticmethod
    def resolve_legal_rep_id_type_label(org) -> str:
        return _label(IdType, org.legal_rep_id_type)

    @staticmethod
    def resolve_legal_rep_id_number(org, context) -> str:
        return shown_id_number(org.legal_rep_id_number, _viewer(context))

    @staticmethod
    def resolve_status_label(org) -> str:
        return _label(CertStatus, org.status)


class OrgWithAccountsOut(OrgOut):
    agent: AgentOut | None = Field(..., description="经办人")
    bank_account: BankAccountOut | None = Field(..., description="收款银行账户（支付认证）")

    @staticmethod
    def resolve_agent(org):
        return org_agent(org)

    @staticmethod
    def resolve_bank_account(org):
        try:
            return org.bank_account
        except ObjectDoesNotExist:
            return None


class MyOrgOut(OrgWithAccountsOut):
    """The organization as the enterprise acting for it sees it."""

    my_role: MemberRole = Field(..., description="owner 认证账号 / agent 经办人")
    review: ReviewProgressOut | None = Field(..., description="最近一次认证审核")

    @staticmethod
    def resolve_my_role(org, context) -> str:
        viewer = _viewer(context)
        return MemberRole.OWNER if viewer and org.owner_id == viewer.pk else MemberRole.AGENT

    @staticmethod
    def resolve_review(org):
        return review_latest_for_subject(subject=org)


class HistoryOut(Schema):
    field: str = Field(..., max_length=50)
    field_label: str = Field(..., max_length=50)
    old_value: str = Field(..., max_length=200, description="原值（证件号码已脱敏）")
    new_value: str = Field(..., max_length=200, description="新值（证件号码已脱敏）")
    changed_at: dt.datetime

    @staticmethod
    def resolve_field_label(row) -> str:
        return str(HISTORY_FIELD_LABELS.get(row.field, row.field))


class OrgMaterialsOut(OrgWithAccountsOut):
    """The organization as a staff member reviewing it sees it."""

    owner_name: str = Field(..., max_length=100, description="认证账号名称")
    owner_phone: str = Field(..., max_length=20, description="认证账号手机号（按查看者权限脱敏）")
    history: list[HistoryOut] = Field(..., description="已通过的信息变更记录")

    @staticmethod
    def resolve_owner_name(org) -> str:
        return org.owner.display_name

    @staticmethod
    def resolve_owner_phone(org, context) -> str:
        return shown_phone(org.owner.phone, _viewer(context))

    @staticmethod
    def resolve_history(org):
        return org.history.all()


class ChangeOut(Schema):
    id: int
    status: ChangeStatus
    status_label: str = Field(..., max_length=20)
    name: str = Field(..., max_length=100)
    region_code: str = Field(..., max_length=6)
    region_name: str = Field(..., max_length=100)
    address: str = Field(..., max_length=200)
    legal_rep_name: str = Field(..., max_length=50)
    legal_rep_id_type: IdType
    legal_rep_id_type_label: str = Field(..., max_length=20)
    legal_rep_id_number: str = Field(..., max_length=30, description="证件号码（按查看者权限脱敏）")
    reason: str = Field(..., max_length=300, description="变更原因")
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(change) -> str:
        return _label(ChangeStatus, change.status)

    @staticmethod
    def resolve_region_code(change) -> str:
        return change.region_id

    @staticmethod
    def resolve_region_name(change) -> str:
        return change.region.full_name

    @staticmethod
    def resolve_legal_rep_id_type_label(change) -> str:
        return _label(IdType, change.legal_rep_id_type)

    @staticmethod
    def resolve_legal_rep_id_number(change, context) -> str:
        return shown_id_number(change.legal_rep_id_number, _viewer(context))


class MyChangeOut(ChangeOut):
    review: ReviewProgressOut | None = Field(..., description="该申请的审核进度")

    @staticmethod
    def resolve_review(change):
        return review_latest_for_subject(subject=change)
