"""Providers over JSON: the directory (staff), my provider records and admission (the
organization the user acts for), the providers of a region (staff: suspend, reinstate),
and the public list and page of admitted providers. The rules are in services."""

# No postponed annotations: ninja reads the endpoints' hints in its own module.

from typing import Literal

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from ninja import File, Query, Router
from ninja.files import UploadedFile

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import (
    APPROVER,
    CITY1,
    CITY2,
    ENTERPRISES,
    INVALID,
    LOGIN_REQUIRED,
    MISSING,
    PROV_X,
    PROVIDERS,
    PROVINCE,
    PUBLIC,
    STAFF,
    SYSADMIN,
    access,
    allow,
    own,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import ImportStatus, Program, ProgramStatus
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_transition

from . import services
from .choices import ProviderLevel
from .models import DirectoryEntry, DirectoryImport, Provider
from .permissions import may_manage_directory, may_manage_providers
from .schemas import (
    AdmissionTermsOut,
    ApplyIn,
    DirectoryImportOut,
    DirectoryPageOut,
    ProviderOut,
    PublicProviderOut,
    PublicProviderPageOut,
    ReasonIn,
    ResubmitIn,
    StaffProviderOut,
    StaffProviderPageOut,
)
from .selectors import (
    admission_terms,
    directory_import_get_for_actor,
    directory_program_get_for_actor,
    directory_search,
    program_categories,
    provider_get_for_org_member,
    provider_get_for_staff,
    provider_last_reason,
    providers_for_staff,
    providers_of_org,
    public_provider_get,
    public_providers,
    scope_labels,
)

router = Router(tags=["服务机构"])

PAGE_SIZE = 20
REFUSED_SHOWN = 100


def _page(queryset, page: int):
    paginator = Paginator(queryset, PAGE_SIZE)
    current = paginator.get_page(page)
    return paginator, current


# --- the directory (staff) -------------------------------------------------------------


def _directory_staff(request):
    if not may_manage_directory(request.auth):
        raise DomainError(
            "directory.forbidden", _("只有系统管理员和审核员可以管理服务机构名录"), status=403
        )
    return request.auth


def _entry_out(entry: DirectoryEntry) -> dict:
    return {
        "id": entry.pk,
        "program_id": entry.program_id,
        "name": entry.name,
        "uscc": entry.uscc,
        "level": entry.level,
        "level_label": entry.get_level_display(),
        "city_code": entry.city_id,
        "city_name": entry.city.name if entry.city_id else None,
    }


@router.get(
    "/directory/{program_id}",
    response=DirectoryPageOut,
    summary="查询项目的服务机构名录（按机构全称或统一社会信用代码）",
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def directory(
    request,
    program_id: ObjectId,
    q: str = Query("", max_length=100, description="机构全称或统一社会信用代码的一部分"),
    level: Literal["national", "provincial", "city"] | None = Query(None),
    page: int = Query(1, ge=1, le=100000),
):
    actor = _directory_staff(request)
    program = directory_program_get_for_actor(actor=actor, program_id=program_id)
    paginator, current = _page(directory_search(program=program, query=q, level=level or ""), page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [_entry_out(e) for e in current],
    }


def _import_out(job: DirectoryImport) -> dict:
    if job.status == ImportStatus.DONE:
        percent = 100
    elif job.total_rows:
        percent = min(100, job.processed_rows * 100 // job.total_rows)
    else:
        percent = 0
    return {
        "id": job.pk,
        "program_id": job.program_id,
        "original_name": job.original_name,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "percent": percent,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "refused_rows": job.processed_rows - job.accepted_rows,
        "refused": job.refused[:REFUSED_SHOWN],
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.post(
    "/directory/{program_id}/imports",
    response={201: DirectoryImportOut},
    summary="上传服务机构名录（Excel .xlsx 或 CSV），开始导入",
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def directory_import_new(request, program_id: ObjectId, file: File[UploadedFile]):
    job = services.directory_import_start(actor=request.auth, program_id=program_id, uploaded=file)
    job.refresh_from_db()  # the task may already have run (in-process queue)
    return 201, _import_out(job)


@router.get(
    "/directory-imports/{import_id}",
    response=DirectoryImportOut,
    summary="名录导入进度与未导入的行",
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="directory_import")
def directory_import_detail(request, import_id: ObjectId):
    actor = _directory_staff(request)
    return _import_out(directory_import_get_for_actor(actor=actor, import_id=import_id))


@router.delete(
    "/directory-entries/{entry_id}", response={204: None}, summary="将机构移出名录（须填写原因）"
)
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="directory_entry")
def directory_entry_remove(request, entry_id: ObjectId, payload: ReasonIn):
    services.directory_entry_remove(actor=request.auth, entry_id=entry_id, reason=payload.reason)
    return 204, None


# --- my provider records -----------------------------------------------------------------


def _provider_out(provider: Provider, labels: dict[str, str] | None = None) -> dict:
    labels = labels if labels is not None else scope_labels([provider.scope_code])
    return {
        "id": provider.pk,
        "program_id": provider.program_id,
        "program_name": provider.program.name,
        "org_name": provider.org.name,
        "status": provider.status,
        "status_label": provider.get_status_display(),
        "level": provider.level,
        "level_label": provider.get_level_display(),
        "scope_code": provider.scope_code,
        "scope_label": labels.get(provider.scope_code, ""),
        "categories": provider.categories,
        "intro": provider.intro,
        "contact_phone": provider.contact_phone,
        "address": provider.address,
        "working_hours": provider.working_hours,
        "reason": provider_last_reason(provider),
        "suspended_reason": provider.suspended_reason,
        "qualification_ids": [u.pk for u in provider.qualifications.all()],
        "commitment_letter_id": provider.commitment_letter_id,
        "applied_at": provider.applied_at,
        "approved_at": provider.approved_at,
    }


@router.get("/mine", response=list[ProviderOut], summary="我的服务机构信息（每个项目一条）")
@access(LOGIN_REQUIRED)
def mine(request):
    providers = providers_of_org(org=org_acting_for(request.auth))
    labels = scope_labels(p.scope_code for p in providers)
    return [_provider_out(p, labels) for p in providers]


@router.get(
    "/mine/terms/{program_id}",
    response=AdmissionTermsOut,
    summary="申请入驻前查询名录资格：能否申请，以及级别与服务范围",
)
@access(allow(*ENTERPRISES, others=MISSING), sample="program")
def terms(request, program_id: ObjectId):
    org = org_acting_for(request.auth)
    program = Program.objects.filter(pk=program_id, status=ProgramStatus.ACTIVE).first()
    if program is None or org is None or not org.region_code.startswith(program.region_code):
        raise NotFound()
    found = admission_terms(program=program, org=org)
    return {
        "program_id": program.pk,
        "program_name": program.name,
        "eligible": found.eligible,
        "code": found.code,
        "reason": found.reason,
        "has_directory": found.has_directory,
        "level": found.level or None,
        "level_label": found.level_label,
        "scope_code": found.scope_code,
        "scope_label": found.scope_label,
        "categories": program_categories(program),
    }


@router.post("/mine", response={201: ProviderOut}, summary="申请入驻平台")
# Only an organization certified as a provider applies; staff are refused as such.
@access(
    allow(*PROVIDERS) | dict.fromkeys(STAFF, INVALID),
    sample="program",
    data={"program_id": "<program_id>"},
)
def apply(request, payload: ApplyIn):
    provider = services.provider_apply(
        actor=request.auth,
        program_id=payload.program_id,
        categories=payload.categories,
        intro=payload.intro,
        contact_phone=payload.contact_phone,
        address=payload.address,
        working_hours=payload.working_hours,
        qualification_ids=payload.qualification_ids,
        commitment_letter_id=payload.commitment_letter_id,
    )
    return 201, _provider_out(provider)


# Staff are refused before the application is looked up.
@router.post(
    "/mine/{provider_id}/resubmit", response=ProviderOut, summary="修改退回的入驻申请后重新提交"
)
@access(own(PROV_X) | dict.fromkeys(STAFF, INVALID), sample="provider")
def resubmit(request, provider_id: ObjectId, payload: ResubmitIn):
    provider = services.provider_resubmit(
        actor=request.auth,
        provider_id=provider_id,
        categories=payload.categories,
        intro=payload.intro,
        contact_phone=payload.contact_phone,
        address=payload.address,
        working_hours=payload.working_hours,
        qualification_ids=payload.qualification_ids,
        commitment_letter_id=payload.commitment_letter_id,
    )
    return _provider_out(provider)


@router.post("/mine/{provider_id}/withdraw", response=ProviderOut, summary="撤回入驻申请")
@access(own(PROV_X), sample="provider")
def withdraw(request, provider_id: ObjectId):
    provider = provider_get_for_org_member(actor=request.auth, provider_id=provider_id)
    review = review_latest_for_subject(subject=provider)
    if review is None:
        raise NotFound()
    review_transition(actor=request.auth, review_id=review.pk, action="withdraw")
    provider.refresh_from_db()
    return _provider_out(provider)


# --- staff: the providers of the region --------------------------------------------------


def _staff_out(provider: Provider, labels: dict[str, str]) -> dict:
    return {
        **_provider_out(provider, labels),
        "org_id": provider.org_id,
        "org_uscc": provider.org.uscc,
    }


@router.get("/staff", response=StaffProviderPageOut, summary="本地区的服务机构（可筛选）")
@access(allow(CITY1, CITY2, PROVINCE, APPROVER, SYSADMIN))
def staff_list(
    request,
    program_id: ObjectId | None = None,
    status: Literal["draft", "submitted", "returned", "rejected", "approved", "suspended"]
    | None = Query(None),
    level: Literal["national", "provincial", "city"] | None = Query(None),
    q: str = Query("", max_length=100, description="机构名称或信用代码的一部分"),
    page: int = Query(1, ge=1, le=100000),
):
    if not (request.auth.is_staff and may_manage_providers(request.auth)):
        raise DomainError(
            "provider.forbidden", _("只有审核员、审批人和系统管理员可以管理服务机构"), status=403
        )
    providers = providers_for_staff(
        actor=request.auth,
        program_id=program_id,
        status=status or "",
        level=level or "",
        query=q,
    ).prefetch_related("qualifications")
    paginator, current = _page(providers, page)
    labels = scope_labels(p.scope_code for p in current)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [_staff_out(p, labels) for p in current],
    }


@router.post(
    "/staff/{provider_id}/suspend", response=StaffProviderOut, summary="暂停服务机构（须填写原因）"
)
@access(allow(CITY1, PROVINCE, APPROVER, SYSADMIN) | {CITY2: MISSING}, sample="provider")
def suspend(request, provider_id: ObjectId, payload: ReasonIn):
    services.provider_suspend(actor=request.auth, provider_id=provider_id, reason=payload.reason)
    provider = provider_get_for_staff(actor=request.auth, provider_id=provider_id)
    return _staff_out(provider, scope_labels([provider.scope_code]))


@router.post(
    "/staff/{provider_id}/reinstate",
    response=StaffProviderOut,
    summary="恢复被暂停的服务机构（须填写原因）",
)
@access(allow(CITY1, PROVINCE, APPROVER, SYSADMIN) | {CITY2: MISSING}, sample="provider")
def reinstate(request, provider_id: ObjectId, payload: ReasonIn):
    services.provider_reinstate(actor=request.auth, provider_id=provider_id, reason=payload.reason)
    provider = provider_get_for_staff(actor=request.auth, provider_id=provider_id)
    return _staff_out(provider, scope_labels([provider.scope_code]))


# --- the public ------------------------------------------------------------------------


def _public_out(provider: Provider, labels: dict[str, str]) -> dict:
    return {
        "id": provider.pk,
        "program_id": provider.program_id,
        "program_name": provider.program.name,
        "org_name": provider.org.name,
        "level": provider.level,
        "level_label": str(ProviderLevel(provider.level).label),
        "scope_code": provider.scope_code,
        "scope_label": labels.get(provider.scope_code, ""),
        "categories": provider.categories,
        "intro": provider.intro,
        "contact_phone": provider.contact_phone,
        "address": provider.address,
        "working_hours": provider.working_hours,
    }


@router.get(
    "/public", response=PublicProviderPageOut, auth=None, summary="已入驻的服务机构（公开）"
)
@access(PUBLIC)
def public_list(
    request,
    program_id: ObjectId | None = None,
    category: str = Query("", max_length=50, description="服务类别"),
    page: int = Query(1, ge=1, le=100000),
):
    paginator, current = _page(public_providers(program_id=program_id, category=category), page)
    labels = scope_labels(p.scope_code for p in current)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [_public_out(p, labels) for p in current],
    }


@router.get(
    "/public/{provider_id}", response=PublicProviderOut, auth=None, summary="服务机构详情（公开）"
)
@access(PUBLIC, sample="provider")
def public_detail(request, provider_id: ObjectId):
    provider = public_provider_get(provider_id=provider_id)
    return _public_out(provider, scope_labels([provider.scope_code]))
