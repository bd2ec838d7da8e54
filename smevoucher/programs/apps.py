from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "smevoucher.programs"
    label = "programs"
    verbose_name = _("服务券项目")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_staff_entry

        from .imports import may_manage_classifications

        register_staff_entry(
            key="classifications",
            label=_("企业名单导入"),
            url_name="classifications:index",
            order=30,
            visible=may_manage_classifications,
        )
        from . import menu  # noqa: F401  the program editor's staff menu entry
