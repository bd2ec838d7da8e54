"""Uploads over JSON: one file at a time, checked by the upload service."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from smevoucher.core.access import ENT_A, LOGIN_REQUIRED, PROV_X, REGION_STAFF, access, own

from .selectors import upload_get_for_actor
from .services import upload_create

router = Router(tags=["文件"])

# A purpose names the feature that owns the file; later domains grant viewers by purpose.
PurposeStr = Annotated[
    str,
    Form(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_.-]*$", examples=["license"]),
]


class UploadOut(Schema):
    id: uuid.UUID
    name: str = Field(..., max_length=200, description="原文件名", alias="original_name")
    size: int = Field(..., description="字节数")
    type: str = Field(..., max_length=50, description="按内容识别的类型", alias="content_type")
    purpose: str = Field(..., max_length=50)
    created_at: dt.datetime


@router.post("", response={201: UploadOut}, summary="上传文件（PDF、JPG、PNG）")
@access(LOGIN_REQUIRED, data={"purpose": "quota_proof"})
def upload_new(request, file: File[UploadedFile], purpose: PurposeStr):
    return 201, upload_create(actor=request.auth, uploaded=file, purpose=purpose)


# As the download (uploads.views): the order's parties and the staff of its region.
@router.get("/{upload_id}", response=UploadOut, summary="文件信息")
@access(own(ENT_A, PROV_X, *REGION_STAFF), sample="upload")
def upload_detail(request, upload_id: uuid.UUID):
    return upload_get_for_actor(actor=request.auth, pk=upload_id)
