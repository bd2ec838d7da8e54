from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from smevoucher.staff.permissions import may_read_audit_log

from .models import AuditRecord


def audit_search(
    *,
    actor,
    action: str = "",
    subject_type: str = "",
    subject_id: str = "",
    request_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditRecord]:
    """Audit records matching the filters, for the province's auditors and system admins."""
    if not may_read_audit_log(actor):
        raise PermissionDenied
    records = AuditRecord.objects.select_related("subject_type")
    if action:
        records = records.filter(action__startswith=action)
    if subject_type:
        records = records.filter(subject_type__model=subject_type.lower())
    if subject_id:
        records = records.filter(subject_id=subject_id)
    if request_id:
        records = records.filter(request_id=request_id)
    if since:
        records = records.filter(at__date__gte=since)
    if until:
        records = records.filter(at__date__lte=until)
    return records
