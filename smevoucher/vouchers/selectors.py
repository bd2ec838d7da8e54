"""Reads of vouchers and the ledger."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.errors import NotFound
from smevoucher.core.money import yuan
from smevoucher.programs.models import Program
from smevoucher.staff.permissions import jurisdiction_filter

from .choices import AccountKind, Movement, VoucherStatus
from .models import LedgerAccount, LedgerEntry, LedgerTransaction, Voucher


def voucher_usable_problem(voucher: Voucher, today: dt.date | None = None) -> str | None:
    """Why the voucher cannot be used now, or None. Time rules hold at the moment of use,
    whether or not the sweep has run."""
    today = today or timezone.localdate()
    if voucher.status == VoucherStatus.RECALLED:
        return _("该服务券已回收")
    if voucher.status == VoucherStatus.EXPIRED or today > voucher.valid_until:
        return _("该服务券已过有效期（%(until)s）") % {"until": voucher.valid_until}
    if today < voucher.valid_from:
        return _("该服务券尚未到使用期（%(since)s起）") % {"since": voucher.valid_from}
    if voucher.use_deadline and today > voucher.use_deadline:
        return _("该服务券已超过批次使用截止日（%(day)s），将被回收") % {
            "day": voucher.use_deadline
        }
    return None


def program_budget_left(program: Program) -> int:
    account = LedgerAccount.objects.filter(
        program=program, voucher__isnull=True, kind=AccountKind.BUDGET
    ).first()
    return account.balance_fen if account else 0


def voucher_scope(actor) -> Q:
    if getattr(actor, "is_superuser", False):
        return Q()
    return jurisdiction_filter(actor, field="org__region_code")


def vouchers_for_staff(
    *,
    actor,
    program_id: int | None = None,
    status: str = "",
    number: str = "",
    enterprise: str = "",
) -> QuerySet[Voucher]:
    vouchers = (
        Voucher.objects.filter(voucher_scope(actor))
        .select_related("org", "program")
        .order_by("-issued_at", "-pk")
    )
    if program_id:
        vouchers = vouchers.filter(program_id=program_id)
    if status:
        vouchers = vouchers.filter(status=status)
    number = (number or "").strip()
    if number:
        vouchers = vouchers.filter(number__icontains=number)
    enterprise = (enterprise or "").strip()
    if enterprise:
        vouchers = vouchers.filter(org__name__icontains=enterprise)
    return vouchers


def voucher_get_for_staff(*, actor, number: str) -> Voucher:
    voucher = (
        Voucher.objects.filter(voucher_scope(actor), number=number)
        .select_related("org", "program", "program_version")
        .first()
    )
    if voucher is None:
        raise NotFound()
    return voucher


def voucher_transactions(voucher: Voucher) -> list[LedgerTransaction]:
    """The voucher's transactions, oldest first, with their legs and accounts."""
    return list(
        LedgerTransaction.objects.filter(voucher=voucher)
        .select_related("actor")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=LedgerEntry.objects.select_related("account").order_by("pk"),
            )
        )
        .order_by("created_at", "pk")
    )


def voucher_ledger_problems(voucher: Voucher, transactions: list[LedgerTransaction]) -> list[str]:
    """Where the voucher's cached figures disagree with its ledger ([] when they agree):
    the same checks as ``checks.ledger_problems``, for one voucher."""
    problems: list[str] = []
    for txn in transactions:
        legs = list(txn.entries.all())
        if not legs:
            problems.append(_("交易%(id)s没有分录") % {"id": txn.pk})
        elif sum(leg.amount_fen for leg in legs) != 0:
            problems.append(_("交易%(id)s的借贷不平衡") % {"id": txn.pk})
    accounts = {a.kind: a for a in LedgerAccount.objects.filter(voucher=voucher)}
    sums = dict(
        LedgerEntry.objects.filter(account__voucher=voucher)
        .order_by()
        .values_list("account__kind")
        .annotate(total=Sum("amount_fen"))
    )
    for kind, cached in (
        (AccountKind.AVAILABLE, voucher.available_fen),
        (AccountKind.HELD, voucher.held_fen),
    ):
        from_entries = sums.get(kind, 0)
        account = accounts.get(kind)
        if account is not None and account.balance_fen != from_entries:
            problems.append(
                _("%(account)s账户余额%(cached)s元，分录合计%(entries)s元")
                % {
                    "account": kind.label,
                    "cached": yuan(account.balance_fen),
                    "entries": yuan(from_entries),
                }
            )
        if cached != from_entries:
            problems.append(
                _("券面%(account)s%(cached)s元，账本为%(entries)s元")
                % {"account": kind.label, "cached": yuan(cached), "entries": yuan(from_entries)}
            )
    by_movement: dict[str, int] = defaultdict(int)
    for txn in transactions:
        by_movement[txn.movement] += txn.amount_fen
    if voucher.total_fen != by_movement[Movement.ISSUE]:
        problems.append(
            _("券面总额%(cached)s元，发券交易合计%(ledger)s元")
            % {"cached": yuan(voucher.total_fen), "ledger": yuan(by_movement[Movement.ISSUE])}
        )
    used = by_movement[Movement.CAPTURE] - by_movement[Movement.REFUND]
    if voucher.used_fen != used:
        problems.append(
            _("券面已使用%(cached)s元，支付抵扣减退款退回为%(ledger)s元")
            % {"cached": yuan(voucher.used_fen), "ledger": yuan(used)}
        )
    parts = voucher.available_fen + voucher.held_fen + voucher.used_fen + voucher.recalled_fen
    if parts != voucher.total_fen:
        problems.append(
            _("可用、冻结、已使用、已回收之和%(parts)s元，不等于总额%(total)s元")
            % {"parts": yuan(parts), "total": yuan(voucher.total_fen)}
        )
    return problems
