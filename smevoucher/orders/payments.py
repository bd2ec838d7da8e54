"""How the enterprise pays what the voucher does not: corporate transfer (对公转账) with a
proof the provider confirms, which every seed platform uses today, and the interface an
online-payment provider will implement (the Guangxi manual's 线上支付), chosen by settings.

A payment method never writes: a confirmed payment becomes a remittance through
`services.remittance_submit` / `remittance_confirm`, so the order flow stays in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.core.errors import DomainError


@dataclass(frozen=True)
class PaymentIntent:
    """A payment started with a provider: where the payer goes to pay."""

    reference: str
    amount_fen: int
    pay_url: str


@dataclass(frozen=True)
class PaymentResult:
    """What the provider's notification says, once its signature has been checked."""

    reference: str
    amount_fen: int
    paid_at: dt.datetime
    succeeded: bool


class PaymentMethod:
    key = ""
    label = ""
    online = False


class CorporateTransfer(PaymentMethod):
    """对公转账: the enterprise transfers to the provider's account and uploads the proof;
    the provider confirms receipt of each remittance."""

    key = "corporate_transfer"
    label = gettext_lazy("对公转账")


class OnlinePayment(PaymentMethod):
    """An online-payment provider (bank gateway, UnionPay...). An adapter implements these
    two calls; the view that receives the notification turns a succeeded result into a
    remittance confirmed by the system."""

    online = True

    def start(self, *, order, amount_fen: int, return_url: str) -> PaymentIntent:
        raise NotImplementedError

    def parse_notification(self, *, body: bytes, headers: dict) -> PaymentResult:
        raise NotImplementedError


class UnconfiguredOnlinePayment(OnlinePayment):
    """The placeholder until a provider is contracted: it says so, clearly."""

    key = "online"
    label = gettext_lazy("线上支付")

    def start(self, *, order, amount_fen: int, return_url: str) -> PaymentIntent:
        raise DomainError(
            "payment.online_unconfigured", _("线上支付尚未开通，请使用对公转账"), status=409
        )

    def parse_notification(self, *, body: bytes, headers: dict) -> PaymentResult:
        raise DomainError(
            "payment.online_unconfigured", _("线上支付尚未开通，请使用对公转账"), status=409
        )


def payment_methods() -> list[PaymentMethod]:
    """The methods this platform offers, in the order of ``settings.ORDER_PAYMENT_METHODS``."""
    paths = getattr(
        settings, "ORDER_PAYMENT_METHODS", ["smevoucher.orders.payments.CorporateTransfer"]
    )
    return [import_string(path)() for path in paths]
