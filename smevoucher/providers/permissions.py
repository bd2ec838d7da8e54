"""Who may manage a program's directory, and who may suspend or reinstate providers."""

from __future__ import annotations

from smevoucher.staff.choices import StaffRole
from smevoucher.staff.permissions import has_role, in_jurisdiction, is_sysadmin

# The staff who admit providers (the admission review's reviewers) may also suspend and
# reinstate them, as may approvers and system admins; finance and auditors may not.
PROVIDER_MANAGER_ROLES = (StaffRole.REVIEWER, StaffRole.APPROVER, StaffRole.SYSADMIN)


def may_manage_directory(user, program=None) -> bool:
    """System admins and reviewers, for programs of their region (superusers: all)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if not (is_sysadmin(user) or has_role(user, StaffRole.REVIEWER)):
        return False
    return program is None or in_jurisdiction(user, program.region_code)


def may_manage_providers(user, provider=None) -> bool:
    """Reviewers, approvers and system admins whose region contains the provider's scope
    (the region that reviewed its admission)."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return bool(getattr(user, "is_superuser", False))
    if user.is_superuser:
        return True
    if not any(has_role(user, role) for role in PROVIDER_MANAGER_ROLES):
        return False
    return provider is None or in_jurisdiction(user, provider.scope_code)
