from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from smevoucher.quotas.schemas import VoucherOut


class LegOut(Schema):
    account: str = Field(max_length=20)
    amount_fen: int


class TransactionOut(Schema):
    at: dt.datetime
    movement: str = Field(max_length=20)
    movement_label: str = Field(max_length=20)
    amount_fen: int
    ref: str = Field(max_length=100)
    memo: str = Field(max_length=200)
    legs: list[LegOut]


class VoucherDetailOut(VoucherOut):
    program_name: str = Field(max_length=100)
    transactions: list[TransactionOut]
