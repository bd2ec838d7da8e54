"""E-seals (制作签章) and signature verification (签章验证) over JSON.

The seal is always the one of the organization the caller acts for ("my seal"); verifying a
signed PDF needs no login.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from smevoucher.accounts.api import ClientAddressThrottle
from smevoucher.core.access import ENT_A, ENTERPRISE, PROV_X, PROV_Y, PUBLIC, access, own
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.http import client_ip

from . import services
from .forms import MAX_PDF_BYTES
from .models import OrgSeal
from .selectors import seal_for_actor
from .signing import pdf_verify

router = Router(tags=["电子签章"])


class VerifyThrottle(ClientAddressThrottle):
    scope = "esign_verify"


class SignatureOut(Schema):
    field_name: str = Field(
        ..., description="签名域名称，如 SignatureA（甲方）、SignatureB（乙方）"
    )
    signer_name: str = Field(..., description="签署方（证书中的机构名称）")
    signer_uscc: str = Field(..., description="签署方统一社会信用代码（证书中的 serialNumber）")
    signed_at: dt.datetime | None = Field(None, description="签署时间（签署方自报）")
    intact: bool = Field(..., description="文档完整：签署的内容未被改动")
    valid: bool = Field(..., description="签名有效：签名值与证书公钥相符")
    trusted: bool = Field(..., description="本平台证书：证书链验证到本平台根证书")
    coverage: str = Field(
        ...,
        description="签名覆盖范围：entire_file 整个文件；entire_revision 签署时的文件，"
        "其后追加了修订；partial 未覆盖",
    )
    modified_after: bool = Field(..., description="签署后文件被作了签署以外的修改")


class VerifyOut(Schema):
    sha256: str = Field(..., description="所上传文件的SHA-256摘要")
    all_ok: bool = Field(..., description="全部签名完整、有效、由本平台证书签署且其后未被修改")
    signatures: list[SignatureOut]


class SealOut(Schema):
    id: int
    org_name: str
    org_uscc: str
    serial: str = Field(..., description="证书序列号（十六进制）")
    valid_until: dt.datetime = Field(..., description="证书有效期至")
    identity_method: str = Field(..., description="制作时的身份核验方式：sms 或 face")
    made_by: str = Field(..., description="制作人（脱敏手机号）")
    created_at: dt.datetime
    image_url: str = Field(..., description="签章图片地址（仅本单位人员可访问）")


class SealIn(Schema):
    sms_code: str = Field(..., max_length=64, description="身份核验：发送到本账号手机的验证码")
    agreed: bool = Field(False, description="已阅读并同意《电子签章使用协议》")


class SealCodeOut(Schema):
    message: str = Field(..., max_length=200, examples=["验证码已发送至138****0000，5分钟内有效"])


def _seal_out(seal: OrgSeal) -> dict:
    return {
        "id": seal.pk,
        "org_name": seal.org.name,
        "org_uscc": seal.org.uscc,
        "serial": seal.serial,
        "valid_until": seal.valid_until,
        "identity_method": seal.identity_method,
        "made_by": seal.made_by.masked_phone,
        "created_at": seal.created_at,
        "image_url": reverse("esign:seal_image", args=[seal.pk]),
    }


@router.post(
    "/verify",
    response=VerifyOut,
    auth=None,
    throttle=VerifyThrottle("20/m"),
    summary="签章验证：核验已签署的PDF",
)
@access(PUBLIC)
def verify(request, file: File[UploadedFile]):
    if file.size > MAX_PDF_BYTES:
        raise DomainError("esign.too_large", _("文件大小不能超过5MB"), field="file")
    report = pdf_verify(file.read())
    if report.message:
        raise DomainError("esign.unverifiable", report.message, field="file")
    return report


# The organization's own seal: enterprise B has made none, staff have no organization.
@router.get("/seal", response=SealOut, summary="本单位的电子签章")
@access(own(ENT_A, PROV_X, PROV_Y))
def seal(request):
    current = seal_for_actor(request.auth)
    if current is None:
        raise NotFound(_("贵单位尚未制作电子签章"))
    return _seal_out(current)


@router.post("/seal/code", response=SealCodeOut, summary="制作签章：发送身份核验验证码")
@access(ENTERPRISE)
def seal_code(request):
    message = services.seal_start_verification(actor=request.auth, ip_address=client_ip(request))
    return {"message": message}


@router.post("/seal", response={201: SealOut}, summary="制作签章")
@access(ENTERPRISE)
def seal_make(request, payload: SealIn):
    made = services.seal_create(
        actor=request.auth, response=payload.sms_code, agreed=payload.agreed
    )
    return 201, _seal_out(made)
