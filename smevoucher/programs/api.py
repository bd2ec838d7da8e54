"""Programs over JSON (服务券项目): the programs a user may see, their rules in force, the
version history, and for system admins new versions of the rules.

Staff see the programs of their jurisdiction (within their region or containing it, as on
the staff pages); an enterprise sees the active programs covering its region. Any other
program answers 404.
"""

# No postponed annotations: ninja reads the endpoints' hints in its own module.

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import (
    CITY2,
    ENT_B,
    LOGIN_REQUIRED,
    MISSING,
    PROV_Y,
    SYSADMIN,
    access,
    allow,
)
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.selectors import org_acting_for

from .models import Program, ProgramVersion
from .rules_text import rules_changes, rules_problems
from .schemas import ProgramDetailOut, ProgramOut, VersionIn, VersionOut
from .selectors import (
    program_scope,
    programs_for_region,
    programs_with_figures,
    sees_staff_pages,
    version_in_force,
)
from .services import program_version_publish

router = Router(tags=["服务券项目"])


def _programs(actor):
    if sees_staff_pages(actor):
        return programs_with_figures(program_scope(actor))
    org = org_acting_for(actor)
    if org is None:
        return Program.objects.none()
    covering = [program.pk for program in programs_for_region(region_code=org.region_code)]
    return programs_with_figures(Q(pk__in=covering))


def _program(actor, program_id: int) -> Program:
    program = _programs(actor).filter(pk=program_id).first()
    if program is None:
        raise NotFound()
    return program


def _program_out(program: Program, *, detail: bool = False) -> dict:
    versions = list(program.versions.all())
    current = version_in_force(versions)
    out = {
        "id": program.pk,
        "code": program.code,
        "name": program.name,
        "policy_title": program.policy_title,
        "region_code": program.region_code,
        "region_name": program.region.name,
        "year": program.year,
        "status": program.status,
        "version": current.number if current else None,
        "effective_from": current.effective_from if current else None,
        "voucher_mode": current.rules.get("voucher_mode") if current else None,
        "budget_fen": current.rules.get("budget_fen") if current else None,
        "issued_fen": program.issued_fen,
        "budget_left_fen": program.budget_left_fen,
    }
    if detail:
        out["version_note"] = current.note if current else ""
        out["rules"] = current.rules if current else None
    return out


def _versions_out(actor, program: Program) -> list[dict]:
    versions = list(
        ProgramVersion.objects.filter(program=program)
        .select_related("created_by")
        .order_by("number")
    )
    current = version_in_force(versions)
    now = timezone.now()
    staff = sees_staff_pages(actor)
    rows, previous = [], None
    for version in versions:
        rows.append(
            {
                "number": version.number,
                "effective_from": version.effective_from,
                "note": version.note,
                "created_by_name": (
                    version.created_by.display_name if staff and version.created_by else None
                ),
                "created_at": version.created_at,
                "in_force": current is not None and version.pk == current.pk,
                "pending": version.effective_from > now,
                "rules": version.rules,
                "changes": [
                    {"path": c.path, "label": c.label, "old": c.old, "new": c.new}
                    for c in rules_changes(previous.rules if previous else None, version.rules)
                ],
            }
        )
        previous = version
    return list(reversed(rows))


@router.get("", response=list[ProgramOut], summary="服务券项目列表")
@access(LOGIN_REQUIRED)
def program_index(request):
    return [_program_out(program) for program in _programs(request.auth)]


@router.get("/{program_id}", response=ProgramDetailOut, summary="项目详情及现行规则")
@access(
    LOGIN_REQUIRED | {ENT_B: MISSING, PROV_Y: MISSING, CITY2: MISSING}, sample="program_liuzhou"
)
def program_detail(request, program_id: ObjectId):
    return _program_out(_program(request.auth, program_id), detail=True)


@router.get(
    "/{program_id}/versions", response=list[VersionOut], summary="规则版本历史（新版本在前）"
)
@access(
    LOGIN_REQUIRED | {ENT_B: MISSING, PROV_Y: MISSING, CITY2: MISSING}, sample="program_liuzhou"
)
def program_versions(request, program_id: ObjectId):
    return _versions_out(request.auth, _program(request.auth, program_id))


@router.post(
    "/{program_id}/versions",
    response={201: VersionOut},
    summary="发布新版本规则（本地区系统管理员）",
)
@access(allow(SYSADMIN), sample="program")
def program_version_new(request, program_id: ObjectId, payload: VersionIn):
    program = _program(request.auth, program_id)
    effective_from = payload.effective_from
    if effective_from is not None and timezone.is_naive(effective_from):
        effective_from = timezone.make_aware(effective_from)  # read as the platform's time
    try:
        version = program_version_publish(
            actor=request.auth,
            program_id=program.pk,
            rules=payload.rules,
            note=payload.note,
            effective_from=effective_from,
            base_version=payload.base_version,
        )
    except DomainError as exc:
        problems = rules_problems(payload.rules) if exc.code == "program.rules_invalid" else []
        if not problems:
            raise
        raise DomainError(
            exc.code,
            _("项目规则不正确：%(problems)s")
            % {"problems": "；".join(str(problem) for problem in problems[:5])},
            field=f"rules.{problems[0].path}" if problems[0].path else "rules",
        ) from exc
    created = next(
        row for row in _versions_out(request.auth, program) if row["number"] == version.number
    )
    return 201, created
