"""The time rules' scheduled side (Guangdong): recall vouchers past their batch deadline or
validity, and remind enterprises before that. The same rules already hold at the moment of
use (selectors.voucher_usable_problem); the sweep moves the value back to the budget.

Run daily: `manage.py voucher_sweep` (from cron or a systemd timer in production).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.core.i18n import platform_text
from smevoucher.core.money import yuan
from smevoucher.notifications.services import notify

from .choices import VoucherStatus
from .models import Voucher
from .services import voucher_recall


@dataclass(frozen=True)
class Due:
    voucher: Voucher
    reason: str
    expired: bool


def sweep_due(*, today: dt.date | None = None, scope: Q | None = None) -> list[Due]:
    """What the next sweep will recall: the preview staff see (``scope``: their region)."""
    today = today or timezone.localdate()
    due = []
    candidates = (
        Voucher.objects.filter(status=VoucherStatus.ACTIVE)
        .filter(Q(valid_until__lt=today) | Q(use_deadline__lt=today))
        .select_related("org", "program")
    )
    if scope is not None:
        candidates = candidates.filter(scope)
    for voucher in candidates.order_by("pk"):
        if voucher.valid_until < today:
            due.append(
                Due(
                    voucher,
                    platform_text(_("超过有效期（%(day)s）"), {"day": voucher.valid_until}),
                    True,
                )
            )
        else:
            due.append(
                Due(
                    voucher,
                    platform_text(
                        _("超过批次使用截止日（%(day)s）未使用"), {"day": voucher.use_deadline}
                    ),
                    False,
                )
            )
    return due


def sweep_run(*, today: dt.date | None = None) -> list[Voucher]:
    """Recall every voucher that is due; each recall is idempotent, so a rerun is harmless."""
    recalled = []
    for item in sweep_due(today=today):
        voucher = voucher_recall(
            actor=None,
            voucher_id=item.voucher.pk,
            reason=item.reason,
            idempotency_key=f"sweep:{item.voucher.pk}",
            expired=item.expired,
        )
        recalled.append(voucher)
        for member in voucher.org.members.select_related("user"):
            notify(
                user=member.user,
                title=_("服务券已回收"),
                body=platform_text(
                    _(
                        "服务券%(number)s因%(reason)s已被系统回收，回收金额%(amount)s元仍计入本年度额度。"
                    ),
                    {
                        "number": voucher.number,
                        "reason": item.reason,
                        "amount": yuan(voucher.recalled_fen),
                    },
                ),
            )
    return recalled


def reminders_due() -> QuerySet[Voucher]:
    """Active vouchers with value left whose holders were not reminded yet."""
    return Voucher.objects.filter(
        status=VoucherStatus.ACTIVE, reminded_at__isnull=True, available_fen__gt=0
    ).select_related("org", "program_version")


def reminders_send(*, today: dt.date | None = None) -> int:
    """Remind enterprises the configured number of days before a voucher would be recalled."""
    today = today or timezone.localdate()
    sent = 0
    for voucher in reminders_due():
        deadline = min(d for d in (voucher.use_deadline, voucher.valid_until) if d)
        days = voucher.program_version.parsed.reminder_days_before_recall
        if not (today <= deadline <= today + dt.timedelta(days=days)):
            continue
        for member in voucher.org.members.select_related("user"):
            notify(
                user=member.user,
                title=_("服务券即将到期"),
                body=platform_text(
                    _("服务券%(number)s尚余%(amount)s元，须在%(day)s前使用，逾期将被系统回收。"),
                    {
                        "number": voucher.number,
                        "amount": yuan(voucher.available_fen),
                        "day": deadline,
                    },
                ),
                sms=True,
            )
        Voucher.objects.filter(pk=voucher.pk).update(reminded_at=timezone.now())
        sent += 1
    return sent
