from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smevoucher.regions.models import Region

from .choices import StaffRole


class StaffProfile(models.Model):
    """A platform staff member's jurisdiction: a province sees its cities, a city itself."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("单位及职务"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return f"{self.user} @ {self.region}"


class StaffRoleGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("角色"), max_length=20, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("工作人员角色")
        verbose_name_plural = _("工作人员角色")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="staff_role_once")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"
