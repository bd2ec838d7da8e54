"""A provider's statuses: one table and its one door. Nothing else assigns ``status``.

Who may take each action is decided by the caller: the review workflow for the admission's
actions (apply, resubmit, approve, return, reject, withdraw), staff of the provider's
region for suspend and reinstate (``services``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.catalog.cache import catalog_changed
from smevoucher.core.errors import DomainError

from .choices import ProviderStatus
from .models import Provider

S = ProviderStatus

# (from, action) -> to
PROVIDER_FLOW: dict[tuple[str, str], str] = {
    (S.DRAFT, "apply"): S.SUBMITTED,
    (S.REJECTED, "apply"): S.SUBMITTED,
    (S.RETURNED, "resubmit"): S.SUBMITTED,
    (S.SUBMITTED, "approve"): S.APPROVED,
    (S.SUBMITTED, "return"): S.RETURNED,
    (S.SUBMITTED, "reject"): S.REJECTED,
    (S.SUBMITTED, "withdraw"): S.DRAFT,
    (S.RETURNED, "withdraw"): S.DRAFT,
    (S.APPROVED, "suspend"): S.SUSPENDED,
    (S.SUSPENDED, "reinstate"): S.APPROVED,
}


def provider_next_status(status: str, action: str) -> str | None:
    return PROVIDER_FLOW.get((str(status), action))


def provider_set_status(
    provider: Provider, action: str, *, extra_fields: Iterable[str] = ()
) -> str:
    """Move ``provider`` by ``action`` and save; refused when the table does not allow it.
    Returns the status it left."""
    target = provider_next_status(provider.status, action)
    if target is None:
        raise DomainError("provider.invalid_action", _("当前状态不能执行该操作"), status=409)
    before = provider.status
    provider.status = target
    fields = ["status", *extra_fields]
    if action == "approve":
        provider.approved_at = timezone.now()
        fields.append("approved_at")
    provider.save(update_fields=fields)
    catalog_changed()  # its products enter or leave the catalogue
    return before
