from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "smevoucher.community"
    label = "community"
    verbose_name = _("留言")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry, register_staff_entry
        from smevoucher.programs.selectors import sees_staff_pages

        from . import reviewing  # noqa: F401  registers the review kind of demands

        register_center_entry(
            key="messages",
            label=_("我要留言"),
            url_name="community:messages",
            order=70,
            visible=lambda user: not user.is_staff,
        )
        from smevoucher.portal.menu import register_nav_entry

        register_nav_entry(key="news", label=_("通知公告"), url_name="news:index", order=45)
        register_nav_entry(
            key="demands", label=_("企业需求"), url_name="community:demands", order=35
        )
        register_center_entry(
            key="demands",
            label=_("我的需求管理"),
            url_name="community:my_demands",
            order=35,
            visible=lambda user: not user.is_staff,
        )
        register_staff_entry(
            key="articles",
            label=_("通知公告管理"),
            url_name="news:staff",
            order=55,
            visible=sees_staff_pages,
        )
        register_staff_entry(
            key="messages",
            label=_("留言回复"),
            url_name="community:staff",
            order=50,
            visible=sees_staff_pages,
        )
