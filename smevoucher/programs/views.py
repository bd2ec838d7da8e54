"""The staff program editor (项目管理): programs of the jurisdiction, their rules in force
read in Chinese, the version history with what each version changed, the program's
ledger accounts, and for system admins new versions and new programs.

Views parse and present; the rules are validated by ``ProgramRules`` and written by the
services. Which programs a staff member sees:

- a program whose region lies within the staff member's region (the province's staff see
  the programs of its cities), and
- a program whose region contains the staff member's region (a city's staff see the
  province's program, which runs in their city too).

Publishing stays with the service's rule: a system admin whose region contains the
program's region (a city admin reads the province's program but cannot change it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.access import CITY2, MISSING, STAFF_ONLY, SYSADMIN, access, allow
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.staff.permissions import is_sysadmin

from .forms import ProgramCreateForm, ProgramRulesForm
from .models import Program, ProgramVersion
from .presets import PRESETS
from .rules import ProgramRules
from .rules_text import (
    CHOICE_LABELS,
    RULE_LABELS,
    RuleChange,
    percent,
    rule_value,
    rules_changes,
    rules_problems,
)
from .selectors import (
    program_get_for_staff,
    program_ledger_figures,
    program_may_edit,
    programs_for_staff,
    sees_staff_pages,
    version_in_force,
)
from .services import program_create, program_version_publish

PAGE_SIZE = 20

# --- presentation -------------------------------------------------------------------------


def wan(fen: int) -> str:
    """Fen as 万元: 30_000_000 -> '30万元', 12_500_000 -> '12.5万元'."""
    value = (Decimal(fen) / Decimal(1_000_000)).normalize()
    return _("%(amount)s万元") % {"amount": f"{value:f}"}


@dataclass
class RulesView:
    """A version's rules as the program page shows them."""

    scalars: list[tuple[str, str]]
    voucher_types: list[dict]
    tiers: list[dict]
    classifications: list[dict]
    categories: list[str]
    category_rules: list[dict]
    batches: list[dict]
    notes: str


def _voucher_type_amount(v) -> str:
    if v.amount_mode == "tier":
        return _("按企业档位确定")
    if v.amount_mode == "fixed":
        return _("固定额度%(amount)s") % {
            "amount": rule_value("fixed_amount_fen", v.fixed_amount_fen)
        }
    parts = [_("按申请金额")]
    if v.ratio_bp is not None:
        parts.append(
            _("不超过%(base)s的%(ratio)s")
            % {"base": v.base_label or _("计算基数"), "ratio": percent(v.ratio_bp)}
        )
    if v.annual_cap_fen is not None:
        parts.append(_("每年最高%(cap)s") % {"cap": wan(v.annual_cap_fen)})
    if v.max_years:
        parts.append(_("支持期限不超过%(n)s年") % {"n": v.max_years})
    return "，".join(str(p) for p in parts)


def rules_view(rules: ProgramRules) -> RulesView:
    def scalar(name: str) -> tuple[str, str]:
        return str(RULE_LABELS[name]), rule_value(name, getattr(rules, name))

    tier_names = {t.key: t.name for t in rules.tiers}
    scalars = [
        scalar("budget_fen"),
        scalar("voucher_mode"),
        scalar("enterprise_annual_deduction_cap_fen"),
        scalar("subsidy_ratio_bp"),
        scalar("per_order_cap_fen"),
        scalar("provider_city_share_bp"),
        scalar("provider_annual_settlement_cap_fen"),
        (
            _("回收前提醒"),
            _("提前%(n)s天") % {"n": rules.reminder_days_before_recall},
        ),
        (
            _("默认档位"),
            tier_names.get(rules.default_tier, rules.default_tier)
            if rules.default_tier
            else _("无（不在名单中的企业不发通用券）"),
        ),
    ]
    voucher_types = [
        {
            "name": v.name,
            "key": v.key,
            "kind": CHOICE_LABELS["kind"][v.kind],
            "window": f"{v.valid_from:%Y-%m-%d} — {v.valid_until:%Y-%m-%d}",
            "amount": _voucher_type_amount(v),
            "requires_proof": v.requires_proof,
            "categories": "、".join(v.categories) if v.categories else _("全部服务类别"),
            "rule_text": v.rule_text,
        }
        for v in rules.voucher_types
    ]
    tiers = [
        {
            "key": t.key,
            "name": t.name,
            "amount": wan(t.amount_fen),
            "classes": [rules.classification_name(code) for code in t.classes],
            "is_default": t.key == rules.default_tier,
        }
        for t in sorted(rules.tiers, key=lambda t: t.amount_fen)
    ]
    category_rules = [
        {
            "category": r.category,
            "ratio": percent(r.ratio_bp),
            "cap": rule_value("per_order_cap_fen", r.per_order_cap_fen),
        }
        for r in rules.category_rules
    ]
    batches = []
    for b in rules.batches:
        order_by = (
            b.issue_until + dt.timedelta(days=b.order_deadline_days)
            if b.order_deadline_days
            else None
        )
        batches.append(
            {
                "name": b.name,
                "key": b.key,
                "window": f"{b.issue_from:%Y-%m-%d} — {b.issue_until:%Y-%m-%d}",
                "order_deadline": (
                    _("批次结束后%(n)s天内（%(day)s前）")
                    % {"n": b.order_deadline_days, "day": f"{order_by:%Y-%m-%d}"}
                    if order_by
                    else _("不限")
                ),
                "contract_deadline": (
                    _("下单后%(n)s天内") % {"n": b.contract_deadline_days}
                    if b.contract_deadline_days
                    else _("不限")
                ),
            }
        )
    return RulesView(
        scalars=scalars,
        voucher_types=voucher_types,
        tiers=tiers,
        classifications=[{"code": c.code, "name": c.name} for c in rules.classifications],
        categories=list(rules.categories),
        category_rules=category_rules,
        batches=batches,
        notes=rules.notes,
    )


@dataclass
class VersionRow:
    version: ProgramVersion
    in_force: bool
    pending: bool
    changes: list[RuleChange] = field(default_factory=list)


def version_history(versions: list[ProgramVersion], in_force: ProgramVersion | None):
    """Newest first, each with what it changed from the version before it."""
    by_number = sorted(versions, key=lambda v: v.number)
    now = timezone.now()
    rows = []
    previous = None
    for version in by_number:
        rows.append(
            VersionRow(
                version=version,
                in_force=in_force is not None and version.pk == in_force.pk,
                pending=version.effective_from > now,
                changes=rules_changes(previous.rules if previous else None, version.rules),
            )
        )
        previous = version
    return list(reversed(rows))


# --- pages --------------------------------------------------------------------------------


def _require_staff(user) -> None:
    if not sees_staff_pages(user):
        raise PermissionDenied


def _program_or_404(actor, pk: int) -> Program:
    try:
        return program_get_for_staff(actor=actor, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@dataclass
class ProgramRow:
    program: Program
    version: ProgramVersion | None
    pending: ProgramVersion | None
    budget_fen: int | None


@login_required
@access(STAFF_ONLY)
def program_list(request):
    _require_staff(request.user)
    page = Paginator(programs_for_staff(actor=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = []
    for program in page.object_list:
        versions = list(program.versions.all())
        current = version_in_force(versions, now)
        latest = versions[0] if versions else None
        shown = current or latest
        rows.append(
            ProgramRow(
                program=program,
                version=current,
                pending=latest if latest and latest.effective_from > now else None,
                budget_fen=shown.rules.get("budget_fen") if shown else None,
            )
        )
    return render(
        request,
        "programs/program_list.html",
        {
            "page": page,
            "rows": rows,
            "may_create": is_sysadmin(request.user),
            "active_entry": "programs",
        },
    )


@login_required
@access(STAFF_ONLY | {CITY2: MISSING}, sample="program_liuzhou")
def program_detail(request, pk: int):
    _require_staff(request.user)
    program = _program_or_404(request.user, pk)
    versions = list(
        ProgramVersion.objects.filter(program=program)
        .select_related("created_by")
        .order_by("-number")
    )
    in_force = version_in_force(versions)
    shown = in_force or (versions[0] if versions else None)
    return render(
        request,
        "programs/program_detail.html",
        {
            "program": program,
            "in_force": in_force,
            "shown": shown,
            "rules": rules_view(shown.parsed) if shown else None,
            "history": version_history(versions, in_force),
            "ledger": program_ledger_figures(program),
            "may_edit": program_may_edit(request.user, program),
            "active_entry": "programs",
        },
    )


def _form_error(form, exc: DomainError, fields: dict[str, str]) -> None:
    target = fields.get(exc.code, exc.field if exc.field in form.fields else None)
    form.add_error(target, exc.message)


# Where the service's refusals belong on the editor.
_PUBLISH_ERROR_FIELDS = {
    "program.budget_cut": "budget_yuan",
    "program.note_required": "note",
    "program.backdated": "effective_from",
    "program.version_stale": None,  # the whole form is stale: said at the top
}


@login_required
@access(allow(SYSADMIN), sample="program")
def program_publish(request, pk: int):
    _require_staff(request.user)
    program = _program_or_404(request.user, pk)
    if not program_may_edit(request.user, program):
        raise PermissionDenied
    latest = ProgramVersion.objects.filter(program=program).order_by("-number").first()
    if latest is None:
        raise Http404
    form = ProgramRulesForm(
        request.POST or None, base_rules=latest.rules, base_version=latest.number
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = program_version_publish(
                actor=request.user,
                program_id=program.pk,
                rules=form.rules,
                note=data["note"],
                effective_from=data["effective_from"],
                base_version=data["base_version"],
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            if exc.code == "program.rules_invalid":
                for problem in rules_problems(form.rules):
                    form.add_rule_problem(problem)
            if not form.errors:
                _form_error(form, exc, _PUBLISH_ERROR_FIELDS)
        else:
            messages.success(
                request,
                _("已发布第%(n)s版规则，%(when)s起生效")
                % {
                    "n": version.number,
                    "when": timezone.localtime(version.effective_from).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect("programs:detail", pk=program.pk)
    return render(
        request,
        "programs/program_publish.html",
        {
            "program": program,
            "latest": latest,
            "form": form,
            "active_entry": "programs",
        },
        status=400 if request.method == "POST" else 200,
    )


def _create_sources(actor) -> dict[str, tuple[str, dict]]:
    sources = {
        f"preset:{preset.CODE}": (_("预置规则：%(name)s") % {"name": preset.NAME}, preset.RULES)
        for preset in PRESETS
    }
    for program in programs_for_staff(actor=actor):
        versions = list(program.versions.all())
        version = version_in_force(versions) or (versions[0] if versions else None)
        if version is not None:
            sources[f"program:{program.pk}"] = (
                _("复制项目：%(name)s（第%(n)s版）") % {"name": program.name, "n": version.number},
                version.rules,
            )
    return sources


_CREATE_ERROR_FIELDS = {
    "program.code_taken": "code",
    "region.invalid": "region_code",
    "program.rules_invalid": "source",
}


@login_required
@access(allow(SYSADMIN))
def program_new(request):
    from smevoucher.staff.selectors import staff_assignable_regions

    _require_staff(request.user)
    if not is_sysadmin(request.user):
        raise PermissionDenied
    try:
        regions = staff_assignable_regions(actor=request.user)
    except DomainError as exc:
        raise PermissionDenied from exc
    form = ProgramCreateForm(
        request.POST or None, regions=regions, sources=_create_sources(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            program = program_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                policy_title=data["policy_title"],
                region_code=data["region_code"],
                year=data["year"],
                rules=form.source_rules(),
                status=data["status"],
            )
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            if exc.code == "program.rules_invalid":
                problems = rules_problems(form.source_rules())
                exc = DomainError(exc.code, "；".join(str(p) for p in problems[:3]) or exc.message)
            _form_error(form, exc, _CREATE_ERROR_FIELDS)
        else:
            messages.success(request, _("已创建项目：%(name)s") % {"name": program.name})
            return redirect("programs:detail", pk=program.pk)
    return render(
        request,
        "programs/program_new.html",
        {"form": form, "active_entry": "programs"},
        status=400 if request.method == "POST" else 200,
    )
