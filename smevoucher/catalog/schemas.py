from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema

from smevoucher.api.schemas import ObjectId

MAX_FEN = 10**14
Fen = int
Key = Annotated[str, Field(max_length=40)]
UploadId = Annotated[str, Field(max_length=36)]


class TierIn(Schema):
    content: str = Field(..., max_length=300)
    price_fen: int = Field(..., gt=0, le=MAX_FEN)


class ComparisonIn(Schema):
    name: str = Field(..., max_length=100, description="同类产品的机构或产品名称")
    source: str = Field("", max_length=200, description="价格来源（网址、报价单等）")
    price_fen: int = Field(..., gt=0, le=MAX_FEN)


class MaterialIn(Schema):
    set_number: int = Field(..., ge=1, le=5, description="第几套（1-5）")
    kind: Literal["contract", "invoice", "result"]
    upload_id: str = Field(
        ..., max_length=36, description="上传接口返回的文件编号（用途 product_material）"
    )


class ProductIn(Schema):
    program_id: ObjectId | None = Field(None, description="新建时必填：产品所属的服务券项目")
    name: str = Field(..., max_length=100)
    category: str = Field(..., max_length=50)
    voucher_types: list[Key] = Field(..., max_length=10)
    pricing_mode: Literal["fixed", "range"] = "fixed"
    guide_price_fen: int | None = Field(None, gt=0, le=MAX_FEN, description="市场指导价（分）")
    platform_price_fen: int | None = Field(None, gt=0, le=MAX_FEN, description="平台销售价（分）")
    tiers: list[TierIn] = Field(default_factory=list, max_length=10)
    service_area: str = Field("", max_length=200)
    target_customers: str = Field("", max_length=200)
    overview: str = Field("", max_length=5000)
    process: str = Field("", max_length=5000)
    cycle: str = Field("", max_length=100)
    deliverables: str = Field("", max_length=5000)
    acceptance: str = Field("", max_length=5000)
    guide_doc_name: str = Field("", max_length=200)
    guide_doc_number: str = Field("", max_length=100)
    market_comparisons: list[ComparisonIn] = Field(default_factory=list, max_length=10)
    internal_basis: str = Field("", max_length=5000)
    proof_upload_ids: list[UploadId] = Field(
        default_factory=list, max_length=10, description="资质证明文件编号（用途 product_proof）"
    )
    materials: list[MaterialIn] = Field(default_factory=list, max_length=15)


class ActionIn(Schema):
    action: Literal["submit", "publish", "unpublish"] = Field(
        ..., description="submit 提交审核 / publish 上传（上架） / unpublish 下架"
    )


class TierOut(Schema):
    content: str = Field(max_length=300)
    price_fen: Fen


class ComparisonOut(Schema):
    name: str = Field(max_length=100)
    source: str = Field(max_length=200)
    price_fen: Fen


class ProductCardOut(Schema):
    id: int
    name: str = Field(max_length=100)
    category: str = Field(max_length=50)
    program_id: int
    program_name: str = Field(max_length=100)
    provider_id: int
    provider_name: str = Field(max_length=100)
    pricing_mode: str = Field(max_length=10)
    guide_price_fen: Fen | None = None
    platform_price_fen: Fen | None = None
    min_price_fen: Fen
    max_price_fen: Fen
    voucher_types: list[str]
    accepts_general: bool
    accepts_special: bool
    sales_count: int
    revenue_fen: Fen
    visit_count: int
    application_count: int
    on_sale_at: dt.datetime | None = None


class ProductPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ProductCardOut]


class CategoryOut(Schema):
    name: str = Field(max_length=50)
    description: str = Field(max_length=500)
    count: int


class ProgramCategoriesOut(Schema):
    program_id: int
    program_name: str = Field(max_length=100)
    categories: list[CategoryOut]


class VoucherOptionOut(Schema):
    voucher_id: int
    number: str = Field(max_length=30)
    voucher_type: str = Field(max_length=40)
    type_name: str = Field(max_length=50)
    available_fen: Fen
    valid_from: dt.date
    valid_until: dt.date
    use_deadline: dt.date | None = None
    annual_cap_left_fen: Fen | None = None
    deduction_fen: Fen
    pay_fen: Fen


class PreviewOut(Schema):
    price_fen: Fen = Field(description="服务金额（分）")
    ratio_bp: int = Field(description="补贴比例（基点，3000 = 30%）")
    per_order_cap_fen: Fen | None = None
    annual_cap_fen: Fen | None = None
    annual_cap_left_fen: Fen | None = None
    deduction_fen: Fen = Field(description="最高补贴（服务券抵扣，分）")
    pay_fen: Fen = Field(description="券后价（分）")
    voucher: VoucherOptionOut | None = None
    vouchers: list[VoucherOptionOut]


class TierPreviewOut(Schema):
    content: str = Field(max_length=300)
    price_fen: Fen
    preview: PreviewOut


class ValidityOut(Schema):
    key: str = Field(max_length=40)
    name: str = Field(max_length=50)
    kind: str = Field(max_length=10)
    valid_from: dt.date
    valid_until: dt.date


class ProviderCardOut(Schema):
    id: int
    name: str = Field(max_length=100)
    level: str = Field(max_length=20)
    level_label: str = Field(max_length=20)
    product_count: int
    contact_phone: str = Field(max_length=30)
    address: str = Field(max_length=200)
    working_hours: str = Field(max_length=100)


class ProductDetailOut(ProductCardOut):
    service_area: str = Field(max_length=200)
    target_customers: str = Field(max_length=200)
    overview: str = Field(max_length=5000)
    process: str = Field(max_length=5000)
    cycle: str = Field(max_length=100)
    deliverables: str = Field(max_length=5000)
    acceptance: str = Field(max_length=5000)
    tiers: list[TierOut]
    provider: ProviderCardOut
    validity: list[ValidityOut]
    preview: PreviewOut = Field(
        description="调用者的券后价与最高补贴；区间报价取补贴最高的一档（访客或未认证企业不抵扣）"
    )
    tier_previews: list[TierPreviewOut]
    may_apply: bool
    apply_problem: str = Field("", max_length=500, description="不能申请的原因")
    favourite: bool


class MaterialOut(Schema):
    set_number: int
    kind: str = Field(max_length=20)
    upload_id: str = Field(max_length=36)


class RevisionOut(Schema):
    id: int
    status: str = Field(max_length=20)
    status_label: str = Field(max_length=20)
    reason: str = Field("", max_length=1000)


class MyProductOut(Schema):
    id: int
    program_id: int
    name: str = Field(max_length=100)
    category: str = Field(max_length=50)
    voucher_types: list[str]
    status: str = Field(max_length=20)
    status_label: str = Field(max_length=20)
    reason: str = Field("", max_length=1000, description="退回或驳回的审核意见")
    actions: list[str] = Field(description="当前可执行的操作：submit / publish / unpublish")
    pricing_mode: str = Field(max_length=10)
    guide_price_fen: Fen | None = None
    platform_price_fen: Fen | None = None
    min_price_fen: Fen
    max_price_fen: Fen
    tiers: list[TierOut]
    service_area: str = Field(max_length=200)
    target_customers: str = Field(max_length=200)
    overview: str = Field(max_length=5000)
    process: str = Field(max_length=5000)
    cycle: str = Field(max_length=100)
    deliverables: str = Field(max_length=5000)
    acceptance: str = Field(max_length=5000)
    guide_doc_name: str = Field(max_length=200)
    guide_doc_number: str = Field(max_length=100)
    market_comparisons: list[ComparisonOut]
    internal_basis: str = Field(max_length=5000)
    proof_upload_ids: list[str]
    materials: list[MaterialOut]
    open_revision: RevisionOut | None = None
    on_sale_at: dt.datetime | None = None
    updated_at: dt.datetime


class FavouriteOut(Schema):
    product_id: int
    favourite: bool
