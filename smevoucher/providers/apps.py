from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sees_provider_back_office(user) -> bool:
    """Users whose organization has a provider record, or is a certified service provider
    (which applies from there)."""
    from smevoucher.orgs.choices import OrgKind

    from .selectors import provider_statuses_for_menu

    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return False
    if provider_statuses_for_menu(user):
        return True
    org = getattr(user, "_menu_acting_org", None)
    return org is not None and org.kind == OrgKind.PROVIDER and org.is_certified


class ProvidersConfig(AppConfig):
    name = "smevoucher.providers"
    label = "providers"
    verbose_name = _("服务机构")

    def ready(self) -> None:
        from smevoucher.portal.menu import (
            register_center_entry,
            register_nav_entry,
            register_staff_entry,
        )
        from smevoucher.uploads.access import register_viewer_rule

        from . import reviewing  # noqa: F401  registers the review kind
        from .access import may_view_provider_file
        from .permissions import may_manage_directory, may_manage_providers

        register_viewer_rule("provider_qualification", may_view_provider_file)
        register_viewer_rule("provider_commitment", may_view_provider_file)
        register_nav_entry(
            key="providers", label=_("服务机构"), url_name="providers_public:index", order=30
        )
        register_center_entry(
            key="provider",
            label=_("服务机构后台"),
            url_name="providers:index",
            order=40,
            visible=_sees_provider_back_office,
        )
        register_staff_entry(
            key="provider_directory",
            label=_("服务机构名录"),
            url_name="providers_staff:directory",
            order=34,
            visible=may_manage_directory,
        )
        register_staff_entry(
            key="providers",
            label=_("服务机构管理"),
            url_name="providers_staff:index",
            order=35,
            visible=lambda user: getattr(user, "is_staff", False) and may_manage_providers(user),
        )
