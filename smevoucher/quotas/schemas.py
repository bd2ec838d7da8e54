from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Field, Schema

from smevoucher.api.schemas import ObjectId

MAX_FEN = 10**14


class VoucherOut(Schema):
    number: str = Field(max_length=30)
    voucher_type: str = Field(max_length=40)
    type_name: str = Field(max_length=50)
    status: str = Field(
        max_length=20, description="active 可使用 / recalled 已回收 / expired 已过期"
    )
    status_label: str = Field(max_length=20)
    valid_from: dt.date
    valid_until: dt.date
    use_deadline: dt.date | None = None
    total_fen: int = Field(description="总额度（分）")
    available_fen: int = Field(description="剩余可用（分）")
    held_fen: int = Field(description="下单冻结（分）")
    used_fen: int = Field(description="已使用（分）")
    recalled_fen: int = Field(description="已回收（分）")


class ApplicationOut(Schema):
    id: int
    program_id: int
    voucher_type: str = Field(max_length=40)
    type_name: str = Field(max_length=50)
    status: str = Field(max_length=20)
    status_label: str = Field(max_length=20)
    amount_fen: int
    base_fen: int | None = None
    tier_name: str = Field(max_length=100)
    reason: str = Field(default="", max_length=1000, description="退回或驳回的审核意见")
    voucher_number: str | None = Field(default=None, max_length=30)
    created_at: dt.datetime


class CardOut(Schema):
    voucher_type: str = Field(max_length=40)
    name: str = Field(max_length=50)
    kind: str = Field(max_length=10)
    valid_from: dt.date
    valid_until: dt.date
    rule_text: str = Field(max_length=2000)
    may_apply: bool
    quote_amount_fen: int = Field(description="通用券：可申请额度（分）")
    refusal: str = Field(default="", max_length=500, description="不能申请的原因")
    application: ApplicationOut | None = None
    vouchers: list[VoucherOut]


class ProgramCardsOut(Schema):
    program_id: int
    program_code: str = Field(max_length=50)
    program_name: str = Field(max_length=100)
    cards: list[CardOut]


class QuoteOut(Schema):
    eligible: bool
    code: str = Field(max_length=50)
    reason: str = Field(max_length=500)
    amount_fen: int
    limit_fen: int
    quota_fen: int
    issued_fen: int
    tier_name: str = Field(max_length=100)


class ApplyIn(Schema):
    program_id: ObjectId
    voucher_type: str = Field(max_length=40)
    base_fen: int | None = Field(
        default=None, gt=0, le=MAX_FEN, description="专项券的计算基数（分），如实际担保费"
    )
    requested_fen: int | None = Field(
        default=None, gt=0, le=MAX_FEN, description="专项券申请额度（分）"
    )
    proof_upload_id: UUID | None = Field(
        default=None, description="合同凭证（先 POST /uploads，purpose=quota_proof）"
    )


class ResubmitIn(Schema):
    base_fen: int | None = Field(default=None, gt=0, le=MAX_FEN)
    requested_fen: int | None = Field(default=None, gt=0, le=MAX_FEN)
    proof_upload_id: UUID | None = None
