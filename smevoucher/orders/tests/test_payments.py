from __future__ import annotations

import pytest

from smevoucher.core.errors import DomainError
from smevoucher.orders.payments import (
    CorporateTransfer,
    UnconfiguredOnlinePayment,
    payment_methods,
)


def test_corporate_transfer_is_the_default(settings):
    del settings.ORDER_PAYMENT_METHODS
    assert [type(m) for m in payment_methods()] == [CorporateTransfer]


def test_an_online_method_is_chosen_by_settings_and_refuses_until_configured(settings):
    settings.ORDER_PAYMENT_METHODS = [
        "smevoucher.orders.payments.CorporateTransfer",
        "smevoucher.orders.payments.UnconfiguredOnlinePayment",
    ]
    online = payment_methods()[1]
    assert online.online
    with pytest.raises(DomainError, match="线上支付尚未开通") as refused:
        online.start(order=None, amount_fen=100, return_url="/")
    assert refused.value.code == "payment.online_unconfigured"
    assert isinstance(online, UnconfiguredOnlinePayment)
