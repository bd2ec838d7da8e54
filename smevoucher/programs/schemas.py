"""The program endpoints' shapes. Money is integer fen, ratios are basis points (万分之一)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from .models import ProgramStatus

RULES_DESCRIPTION = (
    "项目规则（JSON对象）：budget_fen、voucher_types、classifications、tiers、default_tier、"
    "enterprise_annual_deduction_cap_fen、subsidy_ratio_bp、per_order_cap_fen、categories、"
    "category_rules、batches、voucher_mode（at_order 下单时使用 / per_order_review 按订单申请审核）、"
    "provider_city_share_bp、provider_annual_settlement_cap_fen、reminder_days_before_recall、notes。"
    "金额单位为分，比例单位为万分之一（5000 即 50%）。"
)


class ProgramOut(Schema):
    id: int
    code: str = Field(..., max_length=50, examples=["guangxi-2024"])
    name: str = Field(..., max_length=100, description="项目名称")
    policy_title: str = Field(..., max_length=200, description="政策文件")
    region_code: str = Field(..., max_length=6, description="实施地区代码")
    region_name: str = Field(..., max_length=50, description="实施地区名称")
    year: int = Field(..., description="年度")
    status: ProgramStatus = Field(..., description="状态")
    version: int | None = Field(None, description="现行规则版本号（尚无生效版本时为空）")
    effective_from: dt.datetime | None = Field(None, description="现行版本的生效时间")
    voucher_mode: str | None = Field(None, max_length=30, description="用券方式")
    budget_fen: int | None = Field(None, description="总预算（分）")
    issued_fen: int = Field(..., description="已发券总额（分）")
    budget_left_fen: int = Field(..., description="剩余可分配预算（分）")


class ProgramDetailOut(ProgramOut):
    version_note: str = Field("", max_length=300, description="现行版本的修订说明")
    rules: dict[str, Any] | None = Field(None, description=RULES_DESCRIPTION)


class RuleChangeOut(Schema):
    path: str = Field(..., max_length=200, examples=["tiers.t30.amount_fen"])
    label: str = Field(
        ..., max_length=300, examples=["企业档位「国家级单项冠军、专精特新“小巨人”」·年度额度"]
    )
    old: str = Field(..., max_length=10_000, examples=["300,000.00元"])
    new: str = Field(..., max_length=10_000, examples=["350,000.00元"])


class VersionOut(Schema):
    number: int = Field(..., description="版本号")
    effective_from: dt.datetime = Field(..., description="生效时间")
    note: str = Field(..., max_length=300, description="修订说明")
    created_by_name: str | None = Field(
        None, max_length=100, description="发布人（仅工作人员可见）"
    )
    created_at: dt.datetime = Field(..., description="发布时间")
    in_force: bool = Field(..., description="是否为现行版本")
    pending: bool = Field(..., description="是否尚未生效")
    rules: dict[str, Any] = Field(..., description=RULES_DESCRIPTION)
    changes: list[RuleChangeOut] = Field(..., description="与上一版本相比修改的规则项")


class VersionIn(Schema):
    rules: dict[str, Any] = Field(..., description=RULES_DESCRIPTION)
    note: str = Field(..., min_length=1, max_length=300, description="修订说明")
    effective_from: dt.datetime | None = Field(None, description="生效时间；不填则立即生效")
    base_version: int | None = Field(
        None,
        ge=1,
        description="编辑所基于的版本号；填写时若已有更新的版本则拒绝（防止覆盖他人的修改）",
    )
