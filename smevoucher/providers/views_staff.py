"""Staff pages of providers: the directory (服务机构名录: import with progress and refused
rows, list and search, removal) and the providers of the region (服务机构管理: filter,
suspend, reinstate). Views parse and present; the rules are in services."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smevoucher.core.access import (
    APPROVER,
    CITY1,
    CITY2,
    MISSING,
    PROVINCE,
    REVIEWERS,
    SYSADMIN,
    access,
    allow,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs.models import ImportStatus

from . import services
from .choices import ProviderLevel, ProviderStatus
from .forms import (
    DirectoryImportForm,
    DirectorySearchForm,
    ReasonForm,
    StaffProviderFilterForm,
)
from .models import DirectoryEntry, DirectoryImport
from .permissions import may_manage_directory, may_manage_providers
from .selectors import (
    directory_counts,
    directory_import_get_for_actor,
    directory_program_get_for_actor,
    directory_programs_for_actor,
    directory_search,
    provider_get_for_staff,
    provider_reviews,
    providers_for_staff,
    scope_labels,
    staff_provider_programs,
)

PAGE_SIZE = 20
REFUSED_PAGE_SIZE = 50
DIRECTORY = "provider_directory"
PROVIDERS = "providers"


def _require_directory_staff(user) -> None:
    if not may_manage_directory(user):
        raise PermissionDenied


def _require_provider_staff(user) -> None:
    if not (getattr(user, "is_staff", False) and may_manage_providers(user)):
        raise PermissionDenied


# --- the providers of the region ---------------------------------------------------------


@login_required
@require_GET
@access(allow(CITY1, CITY2, PROVINCE, APPROVER, SYSADMIN))
def index(request):
    _require_provider_staff(request.user)
    form = StaffProviderFilterForm(
        request.GET or None, programs=staff_provider_programs(actor=request.user)
    )
    data = form.cleaned_data if form.is_valid() else {}
    providers = providers_for_staff(
        actor=request.user,
        program_id=data.get("program"),
        status=data.get("status", ""),
        level=data.get("level", ""),
        query=data.get("q", ""),
    )
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = scope_labels(p.scope_code for p in page.object_list)
    rows = [{"provider": p, "scope_label": labels.get(p.scope_code, "")} for p in page]
    return render(
        request,
        "providers/staff_index.html",
        {"form": form, "page": page, "rows": rows, "active_entry": PROVIDERS},
    )


def _change(request, provider_id: int, *, service, done: str):
    _require_provider_staff(request.user)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写原因"))
    else:
        try:
            service(actor=request.user, provider_id=provider_id, reason=form.cleaned_data["reason"])
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
    return redirect("providers_staff:detail", provider_id=provider_id)


@login_required
@require_POST
@access(
    allow(CITY1, PROVINCE, APPROVER, SYSADMIN) | {CITY2: MISSING},
    sample="provider",
    method="POST",
    data={"reason": "矩阵测试"},
)
def suspend(request, provider_id: int):
    return _change(
        request, provider_id, service=services.provider_suspend, done=_("已暂停该服务机构")
    )


@login_required
@require_POST
@access(
    allow(CITY1, PROVINCE, APPROVER, SYSADMIN) | {CITY2: MISSING},
    sample="provider",
    method="POST",
    data={"reason": "矩阵测试"},
)
def reinstate(request, provider_id: int):
    return _change(
        request, provider_id, service=services.provider_reinstate, done=_("已恢复该服务机构")
    )


@login_required
@require_GET
@access(allow(CITY1, PROVINCE, APPROVER, SYSADMIN) | {CITY2: MISSING}, sample="provider")
def detail(request, provider_id: int):
    _require_provider_staff(request.user)
    try:
        provider = provider_get_for_staff(actor=request.user, provider_id=provider_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "providers/staff_detail.html",
        {
            "provider": provider,
            "subject": provider,
            "viewer": request.user,
            "scope_label": scope_labels([provider.scope_code]).get(provider.scope_code, ""),
            "reviews": provider_reviews(provider),
            "may_suspend": provider.status == ProviderStatus.APPROVED,
            "may_reinstate": provider.status == ProviderStatus.SUSPENDED,
            "reason_form": ReasonForm(),
            "active_entry": PROVIDERS,
        },
    )


# --- the directory ---------------------------------------------------------------------


def _program_or_404(actor, program_id: int):
    try:
        return directory_program_get_for_actor(actor=actor, program_id=program_id)
    except NotFound as exc:
        raise Http404 from exc


def _import_or_404(actor, import_id: int) -> DirectoryImport:
    try:
        return directory_import_get_for_actor(actor=actor, import_id=import_id)
    except NotFound as exc:
        raise Http404 from exc


def _level_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(str(label), counts.get(value, 0)) for value, label in ProviderLevel.choices]


@login_required
@require_GET
@access(allow(*REVIEWERS, SYSADMIN))
def directory(request):
    _require_directory_staff(request.user)
    programs = directory_programs_for_actor(actor=request.user)
    counts = directory_counts(programs=programs)
    rows = [
        {
            "program": p,
            "levels": _level_counts(counts.get(p.pk, {})),
            "total": sum(counts.get(p.pk, {}).values()),
        }
        for p in programs
    ]
    recent = (
        DirectoryImport.objects.filter(program__in=programs)
        .select_related("program")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "providers/directory_index.html",
        {"rows": rows, "recent": recent, "active_entry": DIRECTORY},
    )


@login_required
@require_GET
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def directory_program(request, program_id: int):
    _require_directory_staff(request.user)
    program = _program_or_404(request.user, program_id)
    form = DirectorySearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    entries = directory_search(
        program=program, query=data.get("q", ""), level=data.get("level", "")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    imports = DirectoryImport.objects.filter(program=program).order_by("-created_at")[:10]
    counts = directory_counts(programs=[program]).get(program.pk, {})
    return render(
        request,
        "providers/directory_program.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "levels": _level_counts(counts),
            "total": sum(counts.values()),
            "imports": imports,
            "active_entry": DIRECTORY,
        },
    )


@login_required
@require_POST
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING},
    sample="directory_entry",
    method="POST",
)
def directory_remove(request, entry_id: int):
    _require_directory_staff(request.user)
    entry = DirectoryEntry.objects.filter(pk=entry_id).select_related("program").first()
    if entry is None:
        raise Http404
    program = _program_or_404(request.user, entry.program_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写移出名录的原因"))
    else:
        try:
            services.directory_entry_remove(
                actor=request.user, entry_id=entry.pk, reason=form.cleaned_data["reason"]
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已移出名录：%(name)s") % {"name": entry.name})
    return redirect("providers_staff:directory_program", program_id=program.pk)


@login_required
@access(allow(*REVIEWERS, SYSADMIN))
def directory_upload(request):
    _require_directory_staff(request.user)
    programs = directory_programs_for_actor(actor=request.user)
    initial = {}
    if request.GET.get("program", "").isdigit():
        initial["program"] = int(request.GET["program"])
    form = DirectoryImportForm(
        request.POST or None, request.FILES or None, programs=programs, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.directory_import_start(
                actor=request.user,
                program_id=form.cleaned_data["program"],
                uploaded=form.cleaned_data["file"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("文件已上传，正在导入"))
            return redirect("providers_staff:directory_import", import_id=job.pk)
    return render(
        request,
        "providers/directory_upload.html",
        {"form": form, "has_programs": bool(programs), "active_entry": DIRECTORY},
        status=400 if form.errors else 200,
    )


def _progress(job: DirectoryImport) -> dict:
    if job.status == ImportStatus.DONE:
        percent = 100
    elif job.total_rows:
        percent = min(100, job.processed_rows * 100 // job.total_rows)
    else:
        percent = 0
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "refused_rows": job.processed_rows - job.accepted_rows,
        "percent": percent,
    }


@login_required
@require_GET
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="directory_import")
def directory_import(request, import_id: int):
    _require_directory_staff(request.user)
    job = _import_or_404(request.user, import_id)
    refused = Paginator(job.refused, REFUSED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "providers/directory_import.html",
        {
            "job": job,
            "progress": _progress(job),
            "refused_page": refused,
            "page": refused,
            "details_capped": len(job.refused) < job.processed_rows - job.accepted_rows,
            "active_entry": DIRECTORY,
        },
    )


@login_required
@require_GET
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="directory_import")
def directory_import_progress(request, import_id: int):
    """The counters the import page's script polls every second while it runs."""
    _require_directory_staff(request.user)
    job = _import_or_404(request.user, import_id)
    response = JsonResponse(_progress(job))
    add_never_cache_headers(response)
    return response


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@login_required
@require_GET
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="directory_import")
def directory_import_refused(request, import_id: int):
    _require_directory_staff(request.user)
    job = _import_or_404(request.user, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="refused-rows-{job.pk}.csv"'
    add_never_cache_headers(response)
    response.write("\ufeff")  # Excel reads UTF-8 only with its BOM
    writer = csv.writer(response)
    writer.writerow([_("行号"), _("机构全称"), _("统一社会信用代码"), _("未导入原因")])
    for item in job.refused:
        writer.writerow(
            [
                _csv_cell(item.get("row") or ""),
                _csv_cell(item.get("name")),
                _csv_cell(item.get("uscc")),
                _csv_cell(item.get("reason")),
            ]
        )
    return response
