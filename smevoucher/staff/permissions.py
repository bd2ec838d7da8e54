"""Staff roles and jurisdiction: who may act, and on what part of the country."""

from __future__ import annotations

from django.db.models import Q

from .choices import FULL_VALUE_ROLES, StaffRole


def staff_roles(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return frozenset()
    cached = getattr(user, "_staff_roles_cache", None)
    if cached is None:
        cached = frozenset(user.staff_roles.values_list("role", flat=True))
        user._staff_roles_cache = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in staff_roles(user)


def staff_region(user):
    """The staff member's region, or None for a user who is not staff with a profile."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return None
    profile = getattr(user, "staff_profile", None)
    return profile.region if profile else None


def in_jurisdiction(user, region_code: str | None) -> bool:
    region = staff_region(user)
    return bool(region and region_code and region_code.startswith(region.code))


def jurisdiction_filter(user, *, field: str) -> Q:
    """A filter on a region-code field (6-digit district or 4-digit city or 2-digit province
    code stored on the object) keeping what lies in the staff member's region."""
    region = staff_region(user)
    if region is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": region.code})


def may_see_full(user, kind: str) -> bool:
    return bool(staff_roles(user) & FULL_VALUE_ROLES.get(kind, set()))


def is_sysadmin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, StaffRole.SYSADMIN))
    )


# The audit log holds every region's records (a record has no region of its own): it is for
# the province's auditors and system admins, not for a city's reviewers.
AUDIT_LOG_ROLES = frozenset({StaffRole.AUDITOR, StaffRole.SYSADMIN})


def may_read_audit_log(user) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    region = staff_region(user)
    return bool(
        region is not None and region.level == "province" and staff_roles(user) & AUDIT_LOG_ROLES
    )
