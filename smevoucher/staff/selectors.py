"""Reads of staff accounts for the system admin, scoped to the admin's region."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from smevoucher.accounts.models import User
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.regions.models import Region, RegionLevel

from .permissions import is_sysadmin, staff_region


def staff_admin_region(*, actor) -> Region | None:
    """The region the admin manages; None means the whole country (a superuser)."""
    region = staff_region(actor)
    if not is_sysadmin(actor) or (region is None and not actor.is_superuser):
        raise DomainError("staff.forbidden", _("只有系统管理员可以管理工作人员"), status=403)
    return region


def staff_list(
    *,
    actor,
    query: str = "",
    region_code: str = "",
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """The staff of the admin's region (a province admin also sees its cities' staff)."""
    admin_region = staff_admin_region(actor=actor)
    users = (
        User.objects.filter(is_staff=True, staff_profile__isnull=False)
        .select_related("staff_profile__region")
        .prefetch_related("staff_roles")
        .order_by("staff_profile__region_id", "display_name", "pk")
    )
    if admin_region is not None:
        users = users.filter(staff_profile__region__code__startswith=admin_region.code)
    if region_code:
        users = users.filter(staff_profile__region_id=region_code)
    if role:
        users = users.filter(staff_roles__role=role)
    if active is not None:
        users = users.filter(is_active=active)
    query = (query or "").strip()
    if query:
        users = users.filter(Q(display_name__icontains=query) | Q(phone=query))
    return users


def staff_get_for_admin(*, actor, user_id: int) -> User:
    users = staff_list(actor=actor).filter(pk=user_id)
    user = users.first()
    if user is None:
        raise NotFound()
    return user


def staff_assignable_regions(*, actor) -> list[Region]:
    """The regions a staff member may be put in by this admin: its own and its cities."""
    admin_region = staff_admin_region(actor=actor)
    levels = (RegionLevel.PROVINCE, RegionLevel.CITY)
    if admin_region is None:
        return list(Region.objects.filter(level__in=levels).order_by("code"))
    return list(
        Region.objects.filter(code__startswith=admin_region.code, level__in=levels).order_by("code")
    )
