from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "smevoucher.catalog"
    label = "catalog"
    verbose_name = _("服务产品")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry, register_nav_entry
        from smevoucher.uploads.access import register_viewer_rule

        from . import reviewing  # noqa: F401  registers the review kinds
        from .access import may_view_product_file
        from .selectors import is_product_provider
        from .services import MATERIAL_PURPOSE, PROOF_PURPOSE

        register_viewer_rule(PROOF_PURPOSE, may_view_product_file)
        register_viewer_rule(MATERIAL_PURPOSE, may_view_product_file)
        register_nav_entry(key="products", label=_("服务产品"), url_name="catalog:index", order=10)
        register_center_entry(
            key="provider_products",
            label=_("产品管理"),
            url_name="provider_products:index",
            order=41,
            visible=is_product_provider,
        )
        register_center_entry(
            key="favourites",
            label=_("我的收藏"),
            url_name="catalog:favourites",
            order=60,
            visible=lambda user: not user.is_staff,
        )
