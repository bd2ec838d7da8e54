from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "smevoucher.orders"
    label = "orders"
    verbose_name = _("服务订单")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry, register_staff_entry
        from smevoucher.uploads.access import register_viewer_rule

        from . import reviewing  # noqa: F401  registers the review kinds
        from .access import may_view_order_file, show_provider_orders

        for purpose in ("order_contract", "order_payment_proof", "order_deliverable"):
            register_viewer_rule(purpose, may_view_order_file)
        register_center_entry(
            key="orders",
            label=_("我购买的服务"),
            url_name="orders:mine",
            order=30,
            visible=lambda user: not user.is_staff,
        )
        register_center_entry(
            key="service_orders",
            label=_("我的服务订单"),
            url_name="orders:provider",
            order=55,
            visible=show_provider_orders,
        )
        register_staff_entry(
            key="orders",
            label=_("服务订单"),
            url_name="orders:staff",
            order=40,
        )
