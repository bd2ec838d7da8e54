from __future__ import annotations

import datetime as dt

from django.db.models import BigIntegerField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError, NotFound
from smevoucher.staff.permissions import in_jurisdiction, is_sysadmin, staff_region, staff_roles

from .models import Program, ProgramVersion


def program_version_at(*, program: Program, when: dt.datetime | None = None) -> ProgramVersion:
    """The rules version in force at ``when`` (now by default)."""
    when = when or timezone.now()
    version = (
        ProgramVersion.objects.filter(program=program, effective_from__lte=when)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise DomainError("program.no_rules", _("该项目尚未发布规则"), status=409)
    return version


def enterprise_classes(*, program: Program, uscc: str) -> set[str]:
    """The class codes a program's imported lists give the enterprise with this USCC."""
    from .models import EnterpriseClassification

    return set(
        EnterpriseClassification.objects.filter(program=program, uscc=uscc).values_list(
            "class_code", flat=True
        )
    )


def programs_for_region(*, region_code: str):
    """Active programs whose region contains ``region_code`` (a province's program covers its cities)."""
    from .models import ProgramStatus

    return [
        program
        for program in Program.objects.filter(status=ProgramStatus.ACTIVE).select_related("region")
        if region_code.startswith(program.region_code)
    ]


def sees_staff_pages(user) -> bool:
    return bool(staff_roles(user)) or bool(getattr(user, "is_superuser", False))


def program_scope(actor) -> Q:
    """The programs a staff member sees: within their region, or containing it."""
    if getattr(actor, "is_superuser", False):
        return Q()
    region = staff_region(actor)
    if region is None:
        return Q(pk__in=[])
    containing = [region.code[:n] for n in (2, 4, 6) if len(region.code) >= n]
    return Q(region_code__startswith=region.code) | Q(region_code__in=containing)


def program_may_edit(actor, program: Program) -> bool:
    """Mirrors the services: a system admin whose region contains the program's."""
    return is_sysadmin(actor) and (
        actor.is_superuser or in_jurisdiction(actor, program.region_code)
    )


def programs_with_figures(scope: Q) -> QuerySet[Program]:
    """Programs matching ``scope``, with their versions, issued total and budget left."""
    from smevoucher.vouchers.choices import AccountKind
    from smevoucher.vouchers.models import LedgerAccount, Voucher

    issued = (
        Voucher.objects.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(total=Sum("total_fen"))
        .values("total")
    )
    budget_left = LedgerAccount.objects.filter(
        program=OuterRef("pk"), voucher__isnull=True, kind=AccountKind.BUDGET
    ).values("balance_fen")[:1]
    return (
        Program.objects.filter(scope)
        .select_related("region")
        .prefetch_related(Prefetch("versions", queryset=ProgramVersion.objects.order_by("-number")))
        .annotate(
            issued_fen=Coalesce(Subquery(issued, output_field=BigIntegerField()), 0),
            budget_left_fen=Coalesce(Subquery(budget_left, output_field=BigIntegerField()), 0),
        )
        .order_by("-year", "region_code", "code")
    )


def programs_for_staff(*, actor) -> QuerySet[Program]:
    """The programs the staff member sees, with their figures."""
    return programs_with_figures(program_scope(actor))


def program_get_for_staff(*, actor, pk: int) -> Program:
    program = programs_for_staff(actor=actor).filter(pk=pk).first()
    if program is None:
        raise NotFound()
    return program


def version_in_force(versions, when: dt.datetime | None = None) -> ProgramVersion | None:
    """Of loaded versions, the one in force at ``when`` (as ``program_version_at`` decides)."""
    when = when or timezone.now()
    started = [v for v in versions if v.effective_from <= when]
    return max(started, key=lambda v: (v.effective_from, v.number), default=None)


def program_ledger_figures(program: Program) -> dict[str, int]:
    """The program's accounts: funded, unallocated budget, in vouchers, payable, paid."""
    from smevoucher.vouchers.choices import AccountKind
    from smevoucher.vouchers.models import LedgerAccount, Voucher

    own = dict(
        LedgerAccount.objects.filter(program=program, voucher__isnull=True).values_list(
            "kind", "balance_fen"
        )
    )
    in_vouchers = dict(
        LedgerAccount.objects.filter(program=program, voucher__isnull=False)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("balance_fen"))
    )
    vouchers = Voucher.objects.filter(program=program).aggregate(
        count=Count("pk"), issued=Sum("total_fen"), recalled=Sum("recalled_fen")
    )
    figures = {
        "funded": -own.get(AccountKind.TREASURY, 0),
        "budget": own.get(AccountKind.BUDGET, 0),
        "available": in_vouchers.get(AccountKind.AVAILABLE, 0),
        "held": in_vouchers.get(AccountKind.HELD, 0),
        "payable": own.get(AccountKind.PAYABLE, 0),
        "paid": own.get(AccountKind.PAID, 0),
        "voucher_count": vouchers["count"] or 0,
        "issued": vouchers["issued"] or 0,
        "recalled": vouchers["recalled"] or 0,
    }
    placed = sum(figures[k] for k in ("budget", "available", "held", "payable", "paid"))
    figures["balanced"] = placed == figures["funded"]
    return figures
