"""Writes of staff accounts: created, changed and switched off by a system admin only.

Staff never register themselves. A system admin manages the staff of its own region (a
province admin also its cities'); a superuser without a region manages everyone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from smevoucher.accounts.models import ApiToken, User
from smevoucher.accounts.services import sessions_end_all
from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.phone import normalize_phone
from smevoucher.regions.models import Region, RegionLevel

from .choices import StaffRole
from .models import StaffProfile, StaffRoleGrant
from .selectors import staff_admin_region


def _manageable_region(admin_region: Region | None, code: str) -> Region:
    """A province or city inside the admin's region, for a staff member to belong to."""
    region = Region.objects.filter(code=(code or "").strip()).first()
    if region is None or region.level not in (RegionLevel.PROVINCE, RegionLevel.CITY):
        raise DomainError(
            "staff.region_invalid", _("请选择省或市作为所属辖区"), field="region_code"
        )
    if admin_region is not None and not admin_region.contains(region):
        raise DomainError(
            "staff.region_outside",
            _("只能在本辖区（%(region)s）及其下辖地区设置工作人员") % {"region": admin_region.name},
            field="region_code",
            status=403,
        )
    return region


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = sorted({str(role) for role in roles or ()})
    if not cleaned:
        raise DomainError("staff.roles_required", _("请至少选择一个角色"), field="roles")
    unknown = [role for role in cleaned if role not in StaffRole.values]
    if unknown:
        raise DomainError("staff.role_invalid", _("角色无效"), field="roles")
    return cleaned


def _text(value: str, *, field: str, label: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(
            f"staff.{field}_required", _("请填写%(label)s") % {"label": label}, field=field
        )
    if len(value) > max_length:
        raise DomainError(
            f"staff.{field}_too_long",
            _("%(label)s不能超过%(n)d个字") % {"label": label, "n": max_length},
            field=field,
        )
    return value


def _staff_for_admin(admin_region: Region | None, user_id: int, *, lock: bool = False) -> User:
    """A staff member the admin manages, or NotFound (others' staff do not exist for it)."""
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=user_id, is_staff=True).first()
    profile = StaffProfile.objects.select_related("region").filter(user_id=user_id).first()
    if user is None or profile is None:
        raise NotFound()
    if admin_region is not None and not admin_region.contains(profile.region):
        raise NotFound()
    return user


def _state(roles: Iterable[str], region_code: str) -> str:
    return f"{','.join(sorted(roles))}@{region_code}"


def staff_create(
    *,
    actor: User,
    phone: str,
    display_name: str,
    title: str,
    region_code: str,
    roles: Iterable[str],
    password: str,
) -> User:
    """Open a staff account in the admin's region with its roles and an initial password."""
    admin_region = staff_admin_region(actor=actor)
    phone = normalize_phone(phone)
    display_name = _text(
        display_name, field="display_name", label=_("姓名"), max_length=100, required=True
    )
    title = _text(title, field="title", label=_("单位及职务"), max_length=100, required=False)
    region = _manageable_region(admin_region, region_code)
    roles = _clean_roles(roles)
    try:
        password_validation.validate_password(
            password, user=User(phone=phone, display_name=display_name, is_staff=True)
        )
    except ValidationError as exc:
        raise DomainError("password.weak", " ".join(exc.messages), field="password") from exc
    if User.objects.filter(phone=phone).exists():
        raise DomainError("phone.taken", _("该手机号已被其他账号使用"), field="phone")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                phone,
                password,
                display_name=display_name,
                is_staff=True,
                password_changed_at=timezone.now(),
            )
            StaffProfile.objects.create(user=user, region=region, title=title)
            StaffRoleGrant.objects.bulk_create(
                [StaffRoleGrant(user=user, role=role) for role in roles]
            )
            audit_record(
                actor=actor,
                subject=user,
                action="staff.created",
                to_state=_state(roles, region.code),
                data={"region": region.code, "roles": roles},
            )
    except IntegrityError as exc:  # the same phone claimed at the same moment
        raise DomainError("phone.taken", _("该手机号已被其他账号使用"), field="phone") from exc
    return user


def staff_update(
    *, actor: User, user_id: int, region_code: str, roles: Iterable[str], title: str
) -> User:
    """Change a staff member's region, roles and title. An admin keeps its own admin role."""
    admin_region = staff_admin_region(actor=actor)
    region = _manageable_region(admin_region, region_code)
    roles = _clean_roles(roles)
    title = _text(title, field="title", label=_("单位及职务"), max_length=100, required=False)
    with transaction.atomic():
        user = _staff_for_admin(admin_region, user_id, lock=True)
        if user.pk == actor.pk and StaffRole.SYSADMIN not in roles and not actor.is_superuser:
            raise DomainError(
                "staff.keep_own_admin", _("不能取消自己的系统管理员角色"), field="roles"
            )
        profile = StaffProfile.objects.select_for_update().get(user=user)
        old_roles = sorted(StaffRoleGrant.objects.filter(user=user).values_list("role", flat=True))
        old_region_code, old_title = profile.region_id, profile.title
        if old_roles == roles and old_region_code == region.code and old_title == title:
            return user  # nothing changed, nothing to record
        profile.region, profile.title = region, title
        profile.save(update_fields=["region", "title"])
        StaffRoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
        StaffRoleGrant.objects.bulk_create(
            [StaffRoleGrant(user=user, role=role) for role in roles if role not in old_roles]
        )
        audit_record(
            actor=actor,
            subject=user,
            action="staff.updated",
            from_state=_state(old_roles, old_region_code),
            to_state=_state(roles, region.code),
            data={"title_changed": old_title != title},
        )
    return user


def staff_set_active(*, actor: User, user_id: int, active: bool, reason: str) -> User:
    """Switch a staff account off (its sessions end, its API tokens stop) or on again."""
    admin_region = staff_admin_region(actor=actor)
    reason = _text(reason, field="reason", label=_("原因"), max_length=300, required=True)
    with transaction.atomic():
        user = _staff_for_admin(admin_region, user_id, lock=True)
        if user.pk == actor.pk:
            raise DomainError("staff.self", _("不能停用或启用自己的账号"), status=409)
        if user.is_active == active:
            message = _("该账号已是启用状态") if active else _("该账号已是停用状态")
            raise DomainError("staff.unchanged", message, status=409)
        user.is_active = active
        user.save(update_fields=["is_active"])
        data = {}
        if not active:
            data["sessions_ended"] = sessions_end_all(user=user)
            data["tokens_revoked"] = ApiToken.objects.filter(
                user=user, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        audit_record(
            actor=actor,
            subject=user,
            action="staff.reactivated" if active else "staff.deactivated",
            from_state="inactive" if active else "active",
            to_state="active" if active else "inactive",
            reason=reason,
            data=data,
        )
    return user


def staff_otp_reset(*, actor: User, user_id: int, reason: str) -> User:
    """A lost or changed phone: unbind the member's authenticator app. Their sessions end,
    and at the next login they bind a new one."""
    admin_region = staff_admin_region(actor=actor)
    reason = _text(reason, field="reason", label=_("原因"), max_length=300, required=True)
    with transaction.atomic():
        user = _staff_for_admin(admin_region, user_id, lock=True)
        if user.pk == actor.pk:
            raise DomainError("staff.self", _("不能重置自己的动态口令"), status=409)
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        if not removed:
            raise DomainError("staff.otp_unbound", _("该人员尚未绑定动态口令"), status=409)
        ended = sessions_end_all(user=user)
        audit_record(
            actor=actor,
            subject=user,
            action="staff.otp_reset",
            reason=reason,
            data={"sessions_ended": ended},
        )
    return user
