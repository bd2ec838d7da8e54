from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from smevoucher.core.privacy import mask_phone
from smevoucher.core.request_context import current_request_id

from .chain import chain_link
from .models import AuditRecord


def audit_record(
    *,
    actor,
    subject: models.Model,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Write the audit record of one state change. Call it inside the change's transaction.

    ``data`` must not hold personal data in the clear (mask it first). The record joins the
    integrity chain (audit.chain): on PostgreSQL the writers of audit records take turns
    from here until their transaction commits, so call it late in the transaction.
    """
    actor_user = (
        actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    )
    label = ""
    if actor_user is not None:
        label = mask_phone(getattr(actor_user, "phone", "")) or str(actor_user.pk)
    record = AuditRecord(
        actor=actor_user,
        actor_label=label or "system",
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=str(subject.pk),
        action=action,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        reason=reason or "",
        request_id=current_request_id(),
        data=data or {},
    )
    # savepoint=False: no extra statements inside the caller's transaction, and a
    # transaction of its own (for the chain lock) when called outside one.
    with transaction.atomic(savepoint=False):
        chain_link(record)
        record.save(force_insert=True)
    return record
