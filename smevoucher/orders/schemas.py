from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from smevoucher.api.schemas import ObjectId

MAX_FEN = 10**14
Text300 = Field("", max_length=300)


class OrderLimitOut(Schema):
    code: str = Field(..., max_length=40)
    label: str = Field(..., max_length=100)
    cap_fen: int | None = None
    headroom_fen: int


class OrderVoucherChoiceOut(Schema):
    voucher_id: int
    number: str = Field(..., max_length=30)
    type_name: str = Field(..., max_length=50)
    available_fen: int
    valid_from: dt.date
    valid_until: dt.date
    use_deadline: dt.date | None = None
    deduction_fen: int
    pay_fen: int
    left_after_fen: int
    limits: list[OrderLimitOut]
    binding: str | None = Field(None, max_length=40, description="决定本单抵扣金额的上限")


class OrderQuoteOut(Schema):
    product_id: int
    tier_id: int | None = None
    price_fen: int
    ratio_bp: int
    deduction_fen: int
    pay_fen: int
    pay_upper: str = Field(..., max_length=100, description="实付大写金额")
    voucher_id: int | None = None
    vouchers: list[OrderVoucherChoiceOut]
    problem: str | None = Field(None, max_length=300, description="不能申请的原因")


class OrderIn(Schema):
    product_id: ObjectId
    tier_id: ObjectId | None = None
    voucher_id: ObjectId | None = None
    deduction_fen: int | None = Field(
        None, ge=0, le=MAX_FEN, description="确认的抵扣金额（分）；不填则按可抵扣的最高金额"
    )
    note: str = Field("", max_length=500)
    idempotency_key: str = Field(..., min_length=1, max_length=100)


class OrderActionIn(Schema):
    action: str = Field(..., max_length=40)
    reason: str = Text300


class OrderReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class OrderCodeIn(Schema):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")


class OrderContractIn(Schema):
    amount_fen: int = Field(..., gt=0, le=MAX_FEN)
    deposit_fen: int = Field(0, ge=0, le=MAX_FEN)
    service_period: str = Field("", max_length=200)
    service_content: str = Field("", max_length=4000)
    deliverables: str = Field("", max_length=4000)
    acceptance: str = Field("", max_length=4000)
    payment_terms: str = Field("", max_length=2000)
    other_terms: str = Field("", max_length=4000)
    attachment_upload_id: str | None = Field(
        None,
        max_length=36,
        description="上传接口返回的PDF文件编号（用途 order_contract）；不填则按模板生成",
    )


class OrderRemittanceIn(Schema):
    amount_fen: int = Field(..., gt=0, le=MAX_FEN)
    remitted_on: dt.date
    proof_upload_id: str = Field(
        ..., max_length=36, description="转账凭证的文件编号（用途 order_payment_proof）"
    )
    note: str = Field("", max_length=200)


class OrderServiceIn(Schema):
    content: str = Field("", max_length=1000)
    upload_ids: list[Annotated[str, Field(max_length=36)]] = Field(
        default_factory=list,
        max_length=10,
        description="交付成果文件编号（用途 order_deliverable）",
    )


class OrderEvaluationIn(Schema):
    stars: int = Field(..., ge=1, le=5)
    content: str = Field("", max_length=200)


class OrderContractOut(Schema):
    number: str
    version: int
    source: str
    status: str
    status_label: str
    amount_fen: int
    deduction_fen: int
    deposit_fen: int
    final_fen: int
    body_upload_id: str
    body_sha256: str
    signed_upload_id: str | None = None
    signed_sha256: str = ""
    return_reason: str = ""
    provider_signed_at: dt.datetime | None = None
    enterprise_signed_at: dt.datetime | None = None


class OrderRemittanceOut(Schema):
    id: int
    sequence: int
    amount_fen: int
    remitted_on: dt.date
    proof_upload_id: str
    status: str
    status_label: str
    reject_reason: str = ""


class OrderRecordOut(Schema):
    kind: str
    kind_label: str
    content: str
    upload_ids: list[str]
    created_at: dt.datetime


class OrderEvaluationOut(Schema):
    stars: int
    content: str
    created_at: dt.datetime


class OrderEventOut(Schema):
    action: str
    label: str
    side: str
    from_status: str
    to_status: str
    reason: str
    created_at: dt.datetime


class OrderRowOut(Schema):
    number: str
    product_id: int
    product_name: str
    provider_name: str
    enterprise_name: str
    created_at: dt.datetime
    amount_fen: int
    contract_amount_fen: int | None = None
    deduction_fen: int
    pay_fen: int
    status: str
    status_label: str
    actions: list[str] = Field(..., description="当前用户可执行的操作")


class OrderOut(OrderRowOut):
    side: str
    tier_content: str
    voucher_number: str | None = None
    captured_fen: int
    released_fen: int
    refunded_fen: int
    deposit_fen: int
    final_fen: int
    paid_fen: int
    unpaid_fen: int
    pay_upper: str
    note: str
    contracts: list[OrderContractOut]
    remittances: list[OrderRemittanceOut]
    records: list[OrderRecordOut]
    evaluation: OrderEvaluationOut | None = None
    events: list[OrderEventOut]


class OrderSignCodeOut(Schema):
    message: str
