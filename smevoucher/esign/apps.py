from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _acts_for_certified_org(user) -> bool:
    """Only the people of a certified organization make its seal."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return False
    if not hasattr(user, "_menu_acting_org"):  # looked up once per request, shared with orgs
        from smevoucher.orgs.selectors import org_acting_for

        user._menu_acting_org = org_acting_for(user)
    org = user._menu_acting_org
    return org is not None and org.is_certified


class EsignConfig(AppConfig):
    name = "smevoucher.esign"
    label = "esign"
    verbose_name = _("电子签章")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry, register_nav_entry

        register_center_entry(
            key="seal",
            label=_("制作签章"),
            url_name="esign:seal",
            order=14,
            visible=_acts_for_certified_org,
        )
        register_nav_entry(key="verify", label=_("签章验证"), url_name="esign:verify", order=50)
