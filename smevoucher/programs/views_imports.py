"""Staff pages of the classified-enterprise lists (企业名单导入): the programs and their
list counts, the upload form, an import's progress and refused rows, and the search by
USCC with the tier it gives. Views parse and present; the rules are in services."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smevoucher.core.access import (
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
from smevoucher.core.money import yuan

from .forms_imports import (
    ClassificationImportForm,
    ClassificationRemoveForm,
    ClassificationSearchForm,
)
from .imports import (
    classification_counts,
    classification_import_get_for_actor,
    classification_lookup,
    classification_program_get_for_actor,
    classification_programs_for_actor,
    classification_rules_for,
    import_percent,
    may_manage_classifications,
)
from .models import ClassificationImport, ImportStatus, Program
from .rules import ProgramRules
from .services import classification_import_start, classification_remove

REFUSED_PAGE_SIZE = 50
IMPORTS_PAGE_SIZE = 20
ACTIVE = "classifications"


def _require_list_staff(user) -> None:
    """System admins and reviewers only; anyone else is refused outright."""
    if not may_manage_classifications(user):
        raise PermissionDenied


def _program_or_404(actor, program_id: int) -> Program:
    try:
        return classification_program_get_for_actor(actor=actor, program_id=program_id)
    except NotFound as exc:
        raise Http404 from exc


def _import_or_404(actor, import_id: int) -> ClassificationImport:
    try:
        return classification_import_get_for_actor(actor=actor, import_id=import_id)
    except NotFound as exc:
        raise Http404 from exc


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@dataclass(frozen=True)
class ClassCount:
    code: str
    name: str
    count: int
    in_rules: bool = True


def _class_counts(rules: ProgramRules | None, counts: dict[str, int]) -> list[ClassCount]:
    rows = []
    known = set()
    for item in rules.classifications if rules else ():
        known.add(item.code)
        rows.append(ClassCount(item.code, item.name, counts.get(item.code, 0)))
    # Entries of a class the current rules no longer name still count for the old versions.
    rows += [
        ClassCount(code, code, n, in_rules=False)
        for code, n in sorted(counts.items())
        if code not in known
    ]
    return rows


@dataclass(frozen=True)
class ImportRow:
    job: ClassificationImport
    class_label: str


def _import_rows(jobs, rules: dict[int, ProgramRules]) -> list[ImportRow]:
    rows = []
    for job in jobs:
        program_rules = rules.get(job.program_id)
        if not job.class_code:
            label = _("文件中注明")
        elif program_rules is not None:
            label = program_rules.classification_name(job.class_code)
        else:
            label = job.class_code
        rows.append(ImportRow(job=job, class_label=label))
    return rows


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    classes: list[ClassCount]
    has_rules: bool


@login_required
@require_GET
@access(allow(*REVIEWERS, SYSADMIN))
def index(request):
    _require_list_staff(request.user)
    programs = classification_programs_for_actor(actor=request.user)
    rules = classification_rules_for(programs=programs)
    counts = classification_counts(programs=programs)
    rows = [
        ProgramRow(
            program=p,
            classes=_class_counts(rules.get(p.pk), counts.get(p.pk, {})),
            has_rules=bool(rules.get(p.pk) and rules[p.pk].classifications),
        )
        for p in programs
    ]
    recent = _import_rows(
        ClassificationImport.objects.filter(program__in=programs)
        .select_related("program")
        .order_by("-created_at")[:10],
        rules,
    )
    return render(
        request,
        "programs/imports_index.html",
        {"rows": rows, "recent": recent, "active_entry": ACTIVE},
    )


def _program_page(request, program: Program, *, search_form, remove_form=None, status=200):
    rules = classification_rules_for(programs=[program]).get(program.pk)
    counts = classification_counts(programs=[program]).get(program.pk, {})
    found = None
    if search_form.is_valid() and search_form.cleaned_data["uscc"] and rules is not None:
        found = classification_lookup(
            program=program, rules=rules, uscc=search_form.cleaned_data["uscc"]
        )
    imports = Paginator(
        ClassificationImport.objects.filter(program=program).order_by("-created_at"),
        IMPORTS_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    import_rows = _import_rows(imports.object_list, {program.pk: rules} if rules else {})
    return render(
        request,
        "programs/imports_program.html",
        {
            "program": program,
            "rules": rules,
            "classes": _class_counts(rules, counts),
            "search_form": search_form,
            "found": found,
            "tier_amount": yuan(found.tier.amount_fen) if found and found.tier else "",
            "found_entries": [
                (entry, rules.classification_name(entry.class_code)) for entry in found.entries
            ]
            if found
            else [],
            "remove_form": remove_form or ClassificationRemoveForm(),
            "page": imports,
            "import_rows": import_rows,
            "active_entry": ACTIVE,
        },
        status=status,
    )


@login_required
@require_GET
@access(allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program")
def program(request, program_id: int):
    _require_list_staff(request.user)
    program = _program_or_404(request.user, program_id)
    return _program_page(request, program, search_form=ClassificationSearchForm(request.GET))


@login_required
@require_POST
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="program", method="POST"
)
def remove(request, program_id: int):
    _require_list_staff(request.user)
    program = _program_or_404(request.user, program_id)
    form = ClassificationRemoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            classification_remove(
                actor=request.user,
                program_id=program.pk,
                uscc=data["uscc"],
                class_code=data["class_code"],
                reason=data["reason"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已移出名单"))
            url = reverse("classifications:program", args=[program.pk])
            return redirect(f"{url}?{urlencode({'uscc': data['uscc']})}")
    search = ClassificationSearchForm({"uscc": request.POST.get("uscc", "")})
    return _program_page(request, program, search_form=search, remove_form=form, status=400)


@login_required
@access(allow(*REVIEWERS, SYSADMIN))
def upload(request):
    _require_list_staff(request.user)
    programs = classification_programs_for_actor(actor=request.user)
    rules = classification_rules_for(programs=programs)
    initial = {}
    if request.GET.get("program", "").isdigit():
        initial["program"] = int(request.GET["program"])
    form = ClassificationImportForm(
        request.POST or None,
        request.FILES or None,
        programs=programs,
        rules_by_program=rules,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = classification_import_start(
                actor=request.user,
                program_id=data["program"],
                uploaded=data["file"],
                class_code=data["class_code"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("文件已上传，正在导入"))
            return redirect("classifications:import", import_id=job.pk)
    return render(
        request,
        "programs/imports_upload.html",
        {"form": form, "has_programs": bool(programs), "active_entry": ACTIVE},
        status=400 if form.errors else 200,
    )


def _progress(job: ClassificationImport) -> dict:
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "accepted_rows": job.accepted_rows,
        "refused_rows": job.processed_rows - job.accepted_rows,
        "percent": import_percent(job),
    }


@login_required
@require_GET
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="classification_import"
)
def import_detail(request, import_id: int):
    _require_list_staff(request.user)
    job = _import_or_404(request.user, import_id)
    rules = classification_rules_for(programs=[job.program])
    (row,) = _import_rows([job], rules)
    refused = Paginator(job.refused, REFUSED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/imports_detail.html",
        {
            "job": job,
            "progress": _progress(job),
            "class_label": row.class_label,
            "added": job.rows.count(),
            "refused_page": refused,
            "page": refused,
            "details_capped": len(job.refused) < job.processed_rows - job.accepted_rows,
            "active_entry": ACTIVE,
        },
    )


@login_required
@require_GET
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="classification_import"
)
def import_progress(request, import_id: int):
    """The counters the import page's script polls every second while it runs."""
    _require_list_staff(request.user)
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
@access(
    allow(PROVINCE, SYSADMIN) | {CITY1: MISSING, CITY2: MISSING}, sample="classification_import"
)
def import_refused_csv(request, import_id: int):
    _require_list_staff(request.user)
    job = _import_or_404(request.user, import_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="refused-rows-{job.pk}.csv"'
    add_never_cache_headers(response)
    response.write("\ufeff")  # Excel reads UTF-8 only with its BOM
    writer = csv.writer(response)
    writer.writerow([_("行号"), _("统一社会信用代码"), _("未导入原因")])
    for item in job.refused:
        writer.writerow(
            [
                _csv_cell(item.get("row") or ""),
                _csv_cell(item.get("uscc")),
                _csv_cell(item.get("reason")),
            ]
        )
    return response
