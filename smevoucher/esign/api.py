"""E-seals and signature verification over JSON."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.http import client_ip
from smevoucher.orgs.selectors import org_acting_for

from . import services
from .selectors import active_seal
from .signing import pdf_verify
from .views import MAX_PDF

router = Router(tags=["电子签章"])


class EsignSignatureOut(Schema):
    field_name: str
    signer_name: str
    signer_uscc: str
    signed_at: dt.datetime | None = None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    changed_after: bool


class EsignVerifyOut(Schema):
    sha256: str
    all_ok: bool
    signatures: list[EsignSignatureOut]


class EsignSealOut(Schema):
    org_name: str
    serial: str
    valid_until: dt.datetime
    identity_method: str
    created_at: dt.datetime


class EsignSealIn(Schema):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")
    agreed: bool = True


class EsignMessageOut(Schema):
    message: str


@router.post("/verify", response=EsignVerifyOut, auth=None, summary="签章验证：核验已签署的PDF")
def verify(request, file: File[UploadedFile]):
    if file.size > MAX_PDF:
        raise DomainError("esign.too_large", _("文件不能超过5MB"), field="file")
    report = pdf_verify(file.read())
    if report.problem:
        raise DomainError("esign.unreadable", report.problem, field="file")
    return {"sha256": report.sha256, "all_ok": report.all_ok, "signatures": report.signatures}


def _seal_out(seal) -> dict:
    return {
        "org_name": seal.org.name,
        "serial": seal.serial,
        "valid_until": seal.valid_until,
        "identity_method": seal.identity_method,
        "created_at": seal.created_at,
    }


@router.get("/seal", response=EsignSealOut, summary="本单位的电子签章")
def seal(request):
    current = active_seal(org_acting_for(request.auth))
    if current is None:
        raise NotFound()
    return _seal_out(current)


@router.post("/seal/code", response=EsignMessageOut, summary="制作签章：获取身份核验验证码")
def seal_code(request):
    message = services.seal_start_verification(actor=request.auth, ip_address=client_ip(request))
    return {"message": str(message)}


@router.post("/seal", response={201: EsignSealOut}, summary="制作签章")
def seal_make(request, payload: EsignSealIn):
    made = services.seal_create(actor=request.auth, response=payload.code, agreed=payload.agreed)
    return 201, _seal_out(made)
