"""Classified-enterprise lists over JSON (企业名单导入): upload a list, follow its import,
look an enterprise up on a program's lists with the tier they give, take it off a list.

System admins and reviewers only (anyone else: 403), for programs of their region (any
other program or import answers 404), as on the staff pages. The rules are in services.
"""

# No postponed annotations: ninja reads the endpoints' hints in its own module.

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import CITY1, CITY2, MISSING, PROVINCE, SYSADMIN, access, allow
from smevoucher.core.errors import DomainError
from smevoucher.orgs.validation import clean_uscc

from .imports import (
    ClassifiedEnterprise,
    classification_import_get_for_actor,
    classification_lookup,
    classification_program_get_for_actor,
    import_percent,
    may_manage_classifications,
)
from .models import ClassificationImport, ImportStatus, Program
from .rules import ProgramRules
from .selectors import program_version_at
from .services import classification_import_start, classification_remove

router = Router(tags=["企业名单"])

REFUSED_SHOWN = 100  # the rest are on the staff page and in its CSV download


class RefusedRowOut(Schema):
    row: int | None = Field(None, description="表格中的行号；整个文件的问题时为空")
    uscc: str = Field("", max_length=40, description="该行填写的统一社会信用代码")
    reason: str = Field(..., max_length=500, examples=["统一社会信用代码校验位不正确"])


class ImportOut(Schema):
    id: int
    program_id: int
    class_code: str = Field(
        ..., max_length=40, description="导入的企业类别；为空时按文件“类别”列逐行确定"
    )
    class_name: str | None = Field(None, max_length=100, description="类别名称（逐行确定时为空）")
    original_name: str = Field(..., max_length=200, description="原文件名")
    status: Literal["pending", "running", "done", "failed"] = Field(
        ..., description="pending 排队中 / running 导入中 / done 已完成 / failed 失败"
    )
    status_label: str = Field(..., max_length=20, examples=["导入中"])
    finished: bool = Field(..., description="是否已结束（已完成或失败）")
    percent: int = Field(..., ge=0, le=100, description="进度（百分比）")
    total_rows: int = Field(..., description="数据行数（读完文件前为0）")
    processed_rows: int = Field(..., description="已处理行数")
    accepted_rows: int = Field(..., description="导入成功行数（含已在名单中的）")
    refused_rows: int = Field(..., description="未导入行数")
    added_rows: int = Field(..., description="本次新增到名单的企业数")
    refused: list[RefusedRowOut] = Field(
        ..., description=f"未导入的行及原因（前{REFUSED_SHOWN}条；整个文件的问题在最前）"
    )
    refused_truncated: bool = Field(..., description="未导入的行多于此处列出的")
    created_by_name: str = Field(..., max_length=100, description="上传人")
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


class ClassEntryOut(Schema):
    class_code: str = Field(..., max_length=40, examples=["little_giant"])
    class_name: str = Field(..., max_length=100, examples=["专精特新“小巨人”企业"])
    in_rules: bool = Field(..., description="类别是否仍在现行规则中")
    enterprise_name: str = Field(..., max_length=100, description="名单中的企业名称")
    source_import_id: int | None = Field(None, description="来自哪次导入（手工添加时为空）")
    created_at: dt.datetime


class TierOut(Schema):
    key: str = Field(..., max_length=40, examples=["t30"])
    name: str = Field(..., max_length=100)
    amount_fen: int = Field(..., description="通用券年度额度（分）")


class ClassifiedOut(Schema):
    program_id: int
    uscc: str = Field(..., max_length=18)
    enterprise_name: str = Field(..., max_length=100)
    entries: list[ClassEntryOut] = Field(..., description="该企业所在的名单")
    tier: TierOut | None = Field(
        None, description="这些类别给出的档位（最高者；不在名单时为默认档位，没有则为空）"
    )


class ClassificationRemoveIn(Schema):
    uscc: str = Field(..., max_length=30, description="统一社会信用代码")
    class_code: str = Field(..., max_length=40, description="要移出的类别")
    reason: str = Field(..., max_length=300, description="移出原因（必填）")


def _list_staff(request):
    """System admins and reviewers; anyone else is refused outright, as by the services."""
    if not may_manage_classifications(request.auth):
        raise DomainError(
            "classification.forbidden", _("只有系统管理员和审核员可以管理企业名单"), status=403
        )
    return request.auth


def _import_out(job: ClassificationImport) -> dict:
    class_name = None
    if job.class_code:
        try:
            class_name = program_version_at(program=job.program).parsed.classification_name(
                job.class_code
            )
        except DomainError:  # no rules in force any more: the code is all there is
            class_name = job.class_code
    refused_rows = job.processed_rows - job.accepted_rows
    shown = job.refused[:REFUSED_SHOWN]
    return {
        "id": job.pk,
        "program_id": job.program_id,
        "class_code": job.class_code,
        "class_name": class_name,
        "original_name": job.original_name,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "percent": import_percent(job),
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "refused_rows": refused_rows,
        "added_rows": job.rows.count(),
        "refused": shown,
        # Details are kept for the first rows only; every refused row is still counted.
        "refused_truncated": len(shown) < max(len(job.refused), refused_rows),
        "created_by_name": job.created_by.display_name,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def _classified_out(program: Program, rules: ProgramRules, found: ClassifiedEnterprise) -> dict:
    known = {c.code for c in rules.classifications}
    tier = found.tier
    return {
        "program_id": program.pk,
        "uscc": found.uscc,
        "enterprise_name": found.enterprise_name,
        "entries": [
            {
                "class_code": entry.class_code,
                "class_name": rules.classification_name(entry.class_code),
                "in_rules": entry.class_code in known,
                "enterprise_name": entry.enterprise_name,
                "source_import_id": entry.source_id,
                "created_at": entry.created_at,
            }
            for entry in found.entries
        ],
        "tier": {"key": tier.key, "name": tier.name, "amount_fen": tier.amount_fen}
        if tier
        else None,
    }


def _lookup(program: Program, uscc: str) -> dict:
    rules = program_version_at(program=program).parsed
    return _classified_out(
        program, rules, classification_lookup(program=program, rules=rules, uscc=uscc)
    )


@router.post(
    "/programs/{program_id}/imports",
    response={201: ImportOut},
    summary="上传企业名单（Excel .xlsx 或 CSV），开始导入",
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def import_new(
    request,
    program_id: ObjectId,
    file: File[UploadedFile],
    class_code: str = Form(
        "",
        max_length=40,
        description="本次导入的企业类别代码；留空时文件须有“类别”列（填写类别名称或代码）",
    ),
):
    job = classification_import_start(
        actor=request.auth, program_id=program_id, uploaded=file, class_code=class_code
    )
    # The task may already have run (in-process queue): answer with what it recorded.
    job.refresh_from_db()
    return 201, _import_out(job)


@router.get("/imports/{import_id}", response=ImportOut, summary="导入进度与未导入的行")
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="classification_import"
)
def import_detail(request, import_id: ObjectId):
    actor = _list_staff(request)
    return _import_out(classification_import_get_for_actor(actor=actor, import_id=import_id))


@router.get(
    "/programs/{program_id}",
    response=ClassifiedOut,
    summary="按统一社会信用代码查询企业所在名单及其档位",
)
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING},
    sample="program",
    data={"uscc": "91450202MA5N000018"},
)
def classified_lookup(
    request,
    program_id: ObjectId,
    uscc: str = Query(..., max_length=30, description="统一社会信用代码"),
):
    actor = _list_staff(request)
    program = classification_program_get_for_actor(actor=actor, program_id=program_id)
    return _lookup(program, clean_uscc(uscc))


@router.delete(
    "/programs/{program_id}/entries",
    response=ClassifiedOut,
    summary="将企业移出某一类别的名单（须填写原因）；返回该企业此后的名单与档位",
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def classified_remove(request, program_id: ObjectId, payload: ClassificationRemoveIn):
    actor = _list_staff(request)
    program = classification_program_get_for_actor(actor=actor, program_id=program_id)
    classification_remove(
        actor=actor,
        program_id=program.pk,
        uscc=payload.uscc,
        class_code=payload.class_code,
        reason=payload.reason,
    )
    return _lookup(program, clean_uscc(payload.uscc))
