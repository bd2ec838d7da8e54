from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _acting_org(user):
    """The organization the user acts for, looked up once per request for the menu."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    if not hasattr(user, "_menu_acting_org"):
        from .selectors import org_acting_for

        user._menu_acting_org = org_acting_for(user)
    return user._menu_acting_org


def _is_enterprise_user(user) -> bool:
    return getattr(user, "is_authenticated", False) and not user.is_staff


def _has_org(user) -> bool:
    return _acting_org(user) is not None


def _is_org_owner(user) -> bool:
    org = _acting_org(user)
    return org is not None and org.owner_id == user.pk


def _is_certified(user) -> bool:
    org = _acting_org(user)
    return org is not None and org.is_certified


class OrgsConfig(AppConfig):
    name = "smevoucher.orgs"
    label = "orgs"
    verbose_name = _("机构认证")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry

        from . import reviewing  # noqa: F401  registers the review kinds

        register_center_entry(
            key="org",
            label=_("企业信息认证"),
            url_name="orgs:certification",
            order=10,
            visible=_is_enterprise_user,
        )
        register_center_entry(
            key="org_agent",
            label=_("指定经办人"),
            url_name="orgs:agent",
            order=11,
            visible=_is_org_owner,
        )
        register_center_entry(
            key="org_bank",
            label=_("支付认证"),
            url_name="orgs:bank",
            order=12,
            visible=_has_org,
        )
        register_center_entry(
            key="org_changes",
            label=_("信息变更"),
            url_name="orgs:changes",
            order=13,
            visible=_is_certified,
        )
