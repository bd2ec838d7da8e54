"""The staff voucher ledger (服务券台账): vouchers of the jurisdiction, and one voucher's
figures with every ledger transaction and its legs, checked against the ledger.

A voucher is in a staff member's jurisdiction when its enterprise is (the enterprise's
region lies within the staff member's region), as with every other enterprise thing.
Views parse and present; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.core.errors import NotFound
from smevoucher.programs.models import Program
from smevoucher.programs.views import program_scope, sees_staff_pages
from smevoucher.staff.permissions import jurisdiction_filter

from .choices import AccountKind, Movement, VoucherStatus
from .models import LedgerAccount, LedgerEntry, LedgerTransaction, Voucher
from .selectors import yuan

PAGE_SIZE = 20

# --- reads (scoped to the actor) -----------------------------------------------------------


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


# --- pages --------------------------------------------------------------------------------


class VoucherFilterForm(forms.Form):
    program = forms.TypedChoiceField(
        label=gettext_lazy("项目"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部状态")), *VoucherStatus.choices],
    )
    number = forms.CharField(
        label=gettext_lazy("服务券编号"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("编号或其中一段")}),
    )
    enterprise = forms.CharField(
        label=gettext_lazy("企业名称"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("企业名称关键字")}),
    )

    def __init__(self, data=None, *, programs=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["program"].choices = [
            ("", _("全部项目")),
            *[(program.pk, program.name) for program in programs],
        ]

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "program_id": data.get("program"),
            "status": data.get("status", ""),
            "number": data.get("number", ""),
            "enterprise": data.get("enterprise", ""),
        }


def _require_staff(user) -> None:
    if not sees_staff_pages(user):
        raise PermissionDenied


@login_required
def voucher_list(request):
    _require_staff(request.user)
    programs = list(Program.objects.filter(program_scope(request.user)).only("pk", "name"))
    form = VoucherFilterForm(request.GET, programs=programs)
    page = Paginator(vouchers_for_staff(actor=request.user, **form.filters()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "vouchers/staff_voucher_list.html",
        {"form": form, "page": page, "active_entry": "vouchers"},
    )


@dataclass
class Leg:
    account: str
    amount_fen: int


def _account_label(account: LedgerAccount) -> str:
    owner = _("本券") if account.voucher_id else _("项目")
    return f"{owner}·{AccountKind(account.kind).label}"


@login_required
def voucher_detail(request, number: str):
    _require_staff(request.user)
    try:
        voucher = voucher_get_for_staff(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    transactions = voucher_transactions(voucher)
    rows = [
        {
            "txn": txn,
            "legs": [Leg(_account_label(e.account), e.amount_fen) for e in txn.entries.all()],
        }
        for txn in transactions
    ]
    return render(
        request,
        "vouchers/staff_voucher_detail.html",
        {
            "voucher": voucher,
            "rows": rows,
            "problems": voucher_ledger_problems(voucher, transactions),
            "active_entry": "vouchers",
        },
    )
