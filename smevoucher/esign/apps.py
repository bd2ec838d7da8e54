from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsignConfig(AppConfig):
    name = "smevoucher.esign"
    label = "esign"
    verbose_name = _("电子签章")

    def ready(self) -> None:
        from smevoucher.portal.menu import register_center_entry

        register_center_entry(
            key="seal",
            label=_("制作签章"),
            url_name="esign:seal",
            order=14,
            visible=lambda user: not user.is_staff,
        )
