"""The staff voucher ledger (服务券台账): vouchers of the jurisdiction, and one voucher's
figures with every ledger transaction and its legs, checked against the ledger.

A voucher is in a staff member's jurisdiction when its enterprise is (the enterprise's
region lies within the staff member's region), as with every other enterprise thing.
Views parse and present; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.core.access import CITY2, MISSING, STAFF_ONLY, access
from smevoucher.core.errors import NotFound
from smevoucher.programs.models import Program
from smevoucher.programs.selectors import program_scope, sees_staff_pages

from .choices import AccountKind, VoucherStatus
from .models import LedgerAccount
from .selectors import (
    voucher_get_for_staff,
    voucher_ledger_problems,
    voucher_scope,
    voucher_transactions,
    vouchers_for_staff,
)
from .sweep import sweep_due

PAGE_SIZE = 20

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
@access(STAFF_ONLY)
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
@access(STAFF_ONLY | {CITY2: MISSING}, sample="voucher")
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


@login_required
@access(STAFF_ONLY)
def sweep_preview(request):
    """What the next scheduled sweep will recall in the staff member's region."""
    _require_staff(request.user)
    due = sweep_due(scope=voucher_scope(request.user))
    return render(
        request,
        "vouchers/staff_sweep_preview.html",
        {
            "due": due,
            "total_fen": sum(item.voucher.available_fen for item in due),
            "active_entry": "vouchers",
        },
    )
