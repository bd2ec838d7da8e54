"""The voucher ledger's entry in the staff menu (imported by the app's ready())."""

from django.utils.translation import gettext_lazy as _

from smevoucher.portal.menu import register_staff_entry
from smevoucher.staff.permissions import staff_roles


def _sees_vouchers(user) -> bool:
    return bool(staff_roles(user)) or bool(getattr(user, "is_superuser", False))


register_staff_entry(
    key="vouchers",
    label=_("服务券台账"),
    url_name="vouchers:list",
    order=25,
    visible=_sees_vouchers,
)
