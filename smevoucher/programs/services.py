"""Writes of programs: creation and new versions of the rules (with history)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.regions.models import Region
from smevoucher.staff.permissions import in_jurisdiction, is_sysadmin

from .models import Program, ProgramStatus, ProgramVersion
from .rules import ProgramRules


def _rules(data: dict) -> ProgramRules:
    try:
        return ProgramRules.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise DomainError(
            "program.rules_invalid",
            _("项目规则不正确：%(where)s %(problem)s")
            % {"where": where, "problem": first.get("msg", "")},
            field="rules",
        ) from exc


def _may_edit(actor, region_code: str) -> None:
    if actor is None:
        return  # the platform itself (presets, management commands)
    if not is_sysadmin(actor) or not (actor.is_superuser or in_jurisdiction(actor, region_code)):
        raise DomainError(
            "program.forbidden", _("只有本地区的系统管理员可以维护项目规则"), status=403
        )


def _fund_to(*, actor, program: Program, budget_fen: int, key: str) -> None:
    """Bring the ledger's funding of the program up to ``budget_fen`` (never down here)."""
    from smevoucher.vouchers.choices import AccountKind
    from smevoucher.vouchers.models import LedgerAccount
    from smevoucher.vouchers.services import ledger_fund

    treasury = LedgerAccount.objects.filter(
        program=program, voucher__isnull=True, kind=AccountKind.TREASURY
    ).first()
    funded = -treasury.balance_fen if treasury else 0
    if budget_fen < funded:
        raise DomainError(
            "program.budget_cut",
            _("预算不能低于已拨入的%(funded)s元；如需调减请联系财务部门办理")
            % {"funded": f"{funded / 100:,.2f}"},
            field="rules",
        )
    if budget_fen > funded:
        ledger_fund(
            actor=actor,
            program_id=program.pk,
            amount_fen=budget_fen - funded,
            idempotency_key=key,
            memo=_("预算拨入"),
            record=False,  # the program's own record names the new budget
        )


@transaction.atomic
def program_create(
    *,
    actor,
    code: str,
    name: str,
    policy_title: str,
    region_code: str,
    year: int,
    rules: dict,
    status: str = ProgramStatus.ACTIVE,
    effective_from: dt.datetime | None = None,
) -> Program:
    parsed = _rules(rules)
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError("region.invalid", _("请选择正确的地区"), field="region_code")
    _may_edit(actor, region.code)
    try:
        with transaction.atomic():
            program = Program.objects.create(
                code=code,
                name=name,
                policy_title=policy_title,
                region=region,
                region_code=region.code,
                year=year,
                status=status,
            )
    except IntegrityError as exc:
        raise DomainError("program.code_taken", _("项目代码已存在"), field="code") from exc
    version = ProgramVersion.objects.create(
        program=program,
        number=1,
        rules=parsed.model_dump(mode="json"),
        effective_from=effective_from or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
        note=_("初始版本"),
    )
    _fund_to(
        actor=actor,
        program=program,
        budget_fen=parsed.budget_fen,
        key=f"program:{program.pk}:v1:fund",
    )
    audit_record(
        actor=actor,
        subject=program,
        action="program.created",
        to_state=f"v{version.number}",
        data={"budget_fen": parsed.budget_fen},
    )
    return program


@transaction.atomic
def program_version_publish(
    *, actor, program_id: int, rules: dict, note: str, effective_from: dt.datetime | None = None
) -> ProgramVersion:
    """Publish new rules; what was decided under the old version keeps it."""
    program = Program.objects.select_for_update().filter(pk=program_id).first()
    if program is None:
        raise NotFound()
    _may_edit(actor, program.region_code)
    parsed = _rules(rules)
    note = (note or "").strip()
    if not note:
        raise DomainError("program.note_required", _("请填写修订说明"), field="note")
    now = timezone.now()
    effective_from = effective_from or now
    if effective_from < now - dt.timedelta(minutes=1):
        raise DomainError(
            "program.backdated", _("新版本不能早于当前时间生效"), field="effective_from"
        )
    number = (program.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = ProgramVersion.objects.create(
        program=program,
        number=number,
        rules=parsed.model_dump(mode="json"),
        effective_from=effective_from,
        created_by=actor if getattr(actor, "pk", None) else None,
        note=note[:300],
    )
    _fund_to(
        actor=actor,
        program=program,
        budget_fen=parsed.budget_fen,
        key=f"program:{program.pk}:v{number}:fund",
    )
    audit_record(
        actor=actor,
        subject=program,
        action="program.version_published",
        to_state=f"v{number}",
        reason=note,
        data={"budget_fen": parsed.budget_fen},
    )
    return version
