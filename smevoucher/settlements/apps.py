from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementsConfig(AppConfig):
    name = "smevoucher.settlements"
    label = "settlements"
    verbose_name = _("服务券兑现")

    def ready(self) -> None:
        from smevoucher.orders.access import show_provider_orders
        from smevoucher.portal.menu import (
            register_center_entry,
            register_nav_entry,
            register_staff_entry,
        )
        from smevoucher.programs.selectors import sees_staff_pages
        from smevoucher.uploads.access import register_viewer_rule

        from . import reviewing  # noqa: F401  registers the review kind
        from .access import may_view_claim_file

        for purpose in ("claim_invoice", "claim_material"):
            register_viewer_rule(purpose, may_view_claim_file)
        register_center_entry(
            key="claims",
            label=_("服务券兑付"),
            url_name="settlements:index",
            order=56,
            visible=show_provider_orders,
        )
        register_staff_entry(
            key="claims",
            label=_("兑现管理"),
            url_name="settlements:staff",
            order=45,
            visible=sees_staff_pages,
        )
        register_nav_entry(
            key="notices", label=_("兑现公示"), url_name="settlements:notices", order=40
        )
