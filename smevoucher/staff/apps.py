from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "smevoucher.staff"
    label = "staff"
    verbose_name = _("工作人员")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_staff_entry

        from .permissions import is_sysadmin, staff_roles

        register_staff_entry(
            key="reviews",
            label=_("审核工作台"),
            url_name="reviews:workbench",
            order=10,
            visible=lambda user: bool(staff_roles(user)),
        )
        register_staff_entry(
            key="people",
            label=_("人员管理"),
            url_name="staff:people",
            order=80,
            visible=is_sysadmin,
        )
        register_staff_entry(
            key="calendar",
            label=_("工作日设置"),
            url_name="calendar:index",
            order=85,
            visible=is_sysadmin,
        )
        register_staff_entry(
            key="chains",
            label=_("审核流程设置"),
            url_name="reviews:chains",
            order=86,
            visible=is_sysadmin,
        )
