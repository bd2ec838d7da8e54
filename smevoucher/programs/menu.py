"""The program editor's entry in the staff menu (imported by the app's ready())."""

from django.utils.translation import gettext_lazy as _

from smevoucher.portal.menu import register_staff_entry
from smevoucher.staff.permissions import staff_roles


def _sees_programs(user) -> bool:
    return bool(staff_roles(user)) or bool(getattr(user, "is_superuser", False))


register_staff_entry(
    key="programs",
    label=_("项目管理"),
    url_name="programs:list",
    order=20,
    visible=_sees_programs,
)
