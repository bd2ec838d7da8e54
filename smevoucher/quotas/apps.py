from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "smevoucher.quotas"
    label = "quotas"
    verbose_name = _("服务券配额申请")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry
        from smevoucher.uploads.access import register_viewer_rule

        from . import reviewing  # noqa: F401  registers the review kind
        from .access import may_view_proof

        register_viewer_rule("quota_proof", may_view_proof)
        register_center_entry(
            key="quota",
            label=_("服务券配额申请"),
            url_name="quotas:index",
            order=20,
            visible=lambda user: not user.is_staff,
        )
