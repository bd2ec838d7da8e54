"""Reads of vouchers and the ledger."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.money import yuan  # noqa: F401  (re-exported for the voucher pages)
from smevoucher.programs.models import Program

from .choices import AccountKind, VoucherStatus
from .models import LedgerAccount, Voucher


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
