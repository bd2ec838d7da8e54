from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema

from smevoucher.api.schemas import ObjectId

Level = Literal["national", "provincial", "city"]
Category = Annotated[str, Field(max_length=50)]
Status = Literal["draft", "submitted", "returned", "rejected", "approved", "suspended"]


class DirectoryEntryOut(Schema):
    id: int
    program_id: int
    name: str = Field(max_length=100, description="机构全称")
    uscc: str = Field(max_length=18)
    level: Level = Field(description="national 国家级 / provincial 省级 / city 市级")
    level_label: str = Field(max_length=20)
    city_code: str | None = Field(None, max_length=6, description="市级机构所在城市的区划代码")
    city_name: str | None = Field(None, max_length=50)


class DirectoryPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[DirectoryEntryOut]


class RefusedRowOut(Schema):
    row: int | None = Field(None, description="表格中的行号；整个文件的问题时为空")
    name: str = Field("", max_length=100)
    uscc: str = Field("", max_length=40)
    reason: str = Field(..., max_length=500)


class DirectoryImportOut(Schema):
    id: int
    program_id: int
    original_name: str = Field(max_length=200)
    status: Literal["pending", "running", "done", "failed"]
    status_label: str = Field(max_length=20)
    finished: bool
    percent: int = Field(ge=0, le=100)
    total_rows: int
    processed_rows: int
    accepted_rows: int = Field(description="导入成功行数（含更新已在名录中的机构）")
    refused_rows: int
    refused: list[RefusedRowOut] = Field(description="未导入的行及原因（前100条）")
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


class ReasonIn(Schema):
    reason: str = Field(..., max_length=300, description="原因（必填）")


class AdmissionTermsOut(Schema):
    program_id: int
    program_name: str = Field(max_length=100)
    eligible: bool = Field(description="是否可以申请入驻")
    code: str = Field("", max_length=50)
    reason: str = Field("", max_length=500, description="不能申请的原因")
    has_directory: bool = Field(description="本项目是否设有服务机构名录")
    level: Level | None = None
    level_label: str = Field("", max_length=20)
    scope_code: str = Field("", max_length=6)
    scope_label: str = Field("", max_length=50, description="服务范围，如 全省 / 柳州市")
    categories: list[str] = Field(description="本项目的服务类别")


class ProviderOut(Schema):
    id: int
    program_id: int
    program_name: str = Field(max_length=100)
    org_name: str = Field(max_length=100)
    status: Status
    status_label: str = Field(max_length=20)
    level: Level
    level_label: str = Field(max_length=20)
    scope_code: str = Field(max_length=6)
    scope_label: str = Field(max_length=50)
    categories: list[str]
    intro: str = Field(max_length=2000)
    contact_phone: str = Field(max_length=30)
    address: str = Field(max_length=200)
    working_hours: str = Field(max_length=100)
    reason: str = Field("", max_length=1000, description="退回或驳回的审核意见")
    suspended_reason: str = Field("", max_length=300)
    qualification_ids: list[UUID]
    commitment_letter_id: UUID | None = None
    applied_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None


class StaffProviderOut(ProviderOut):
    org_id: int
    org_uscc: str = Field(max_length=18)


class StaffProviderPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[StaffProviderOut]


class ApplyIn(Schema):
    program_id: ObjectId
    categories: list[Category] = Field(..., min_length=1, max_length=20)
    intro: str = Field(..., max_length=2000)
    contact_phone: str = Field(..., max_length=30)
    address: str = Field(..., max_length=200)
    working_hours: str = Field("", max_length=100)
    qualification_ids: list[UUID] = Field(
        ...,
        min_length=1,
        max_length=10,
        description="资质文件（先 POST /uploads，purpose=provider_qualification）",
    )
    commitment_letter_id: UUID = Field(
        ..., description="服务机构承诺书（先 POST /uploads，purpose=provider_commitment）"
    )


class ResubmitIn(Schema):
    categories: list[Category] = Field(..., min_length=1, max_length=20)
    intro: str = Field(..., max_length=2000)
    contact_phone: str = Field(..., max_length=30)
    address: str = Field(..., max_length=200)
    working_hours: str = Field("", max_length=100)
    qualification_ids: list[UUID] = Field(
        default_factory=list, max_length=10, description="不传则沿用已上传的资质文件"
    )
    commitment_letter_id: UUID | None = Field(None, description="不传则沿用已上传的承诺书")


class PublicProviderOut(Schema):
    id: int
    program_id: int
    program_name: str = Field(max_length=100)
    org_name: str = Field(max_length=100)
    level: Level
    level_label: str = Field(max_length=20)
    scope_code: str = Field(max_length=6)
    scope_label: str = Field(max_length=50)
    categories: list[str]
    intro: str = Field(max_length=2000)
    contact_phone: str = Field(max_length=30)
    address: str = Field(max_length=200)
    working_hours: str = Field(max_length=100)


class PublicProviderPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[PublicProviderOut]
