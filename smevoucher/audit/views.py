from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from smevoucher.core.access import SYSADMIN, access, allow
from smevoucher.staff.permissions import may_read_audit_log

from .forms import AuditSearchForm
from .selectors import audit_search


@login_required
@access(allow(SYSADMIN))  # and the province's auditors (no auditor among the matrix roles)
def search(request):
    if not may_read_audit_log(request.user):
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = audit_search(actor=request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(
        request, "audit/search.html", {"form": form, "page": page, "active_entry": "audit"}
    )
