from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchersConfig(AppConfig):
    name = "smevoucher.vouchers"
    label = "vouchers"
    verbose_name = _("服务券与账本")

    def ready(self) -> None:
        from . import menu  # noqa: F401  the voucher ledger's staff menu entry
