from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "smevoucher.orgs"
    label = "orgs"
    verbose_name = _("机构认证")

    def ready(self) -> None:
        from . import reviewing  # noqa: F401  registers the review kinds
