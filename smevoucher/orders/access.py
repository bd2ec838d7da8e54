"""Who may see an order's files: its two parties and the staff of the enterprise's region."""

from __future__ import annotations

from django.db.models import Q


def _order_of(upload):
    from .models import Order

    return (
        Order.objects.select_related("enterprise", "provider")
        .filter(
            Q(contracts__body=upload)
            | Q(contracts__signed_file=upload)
            | Q(remittances__proof=upload)
            | Q(service_records__attachments=upload)
        )
        .first()
    )


def may_view_order_file(actor, upload) -> bool:
    from .selectors import side_of

    order = _order_of(upload)
    return order is not None and side_of(actor, order) is not None


def show_provider_orders(user) -> bool:
    """The 我的服务订单 menu: for organizations admitted as providers (any program)."""
    if user.is_staff:
        return False
    from smevoucher.catalog.selectors import is_product_provider

    return is_product_provider(user)
