from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "smevoucher.portal"
    label = "portal"
    verbose_name = _("门户")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from smevoucher.staff.permissions import may_read_audit_log

        from .menu import register_center_entry, register_nav_entry, register_staff_entry

        register_nav_entry(key="home", label=_("首页"), url_name="portal:home", order=0)
        register_center_entry(key="profile", label=_("基本信息"), url_name="portal:center", order=0)
        register_center_entry(
            key="inbox", label=_("消息中心"), url_name="notifications:inbox", order=80
        )
        register_center_entry(
            key="security", label=_("安全设置"), url_name="accounts:security", order=90
        )
        register_staff_entry(
            key="audit",
            label=_("审计日志"),
            url_name="audit:search",
            order=90,
            visible=may_read_audit_log,
        )
        register_staff_entry(
            key="dashboard", label=_("数据看板"), url_name="portal:dashboard", order=5
        )
