"""Reads of orders, scoped to who asks: the two parties and the staff of the enterprise's
region. Anyone else gets NotFound (404)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from smevoucher.core.errors import NotFound
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.staff.permissions import in_jurisdiction, jurisdiction_filter

from .choices import OrderStatus as S
from .choices import RefundStatus, RemittanceStatus, Side
from .models import Contract, Order, RefundRequest, Remittance


def side_of(user, order: Order) -> str | None:
    """Which party ``user`` is to ``order``: enterprise, provider, staff (in jurisdiction)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff:
        if user.is_superuser or in_jurisdiction(user, order.enterprise.region_code):
            return Side.STAFF
        return None
    org = org_acting_for(user)
    if org is None:
        return None
    if org.pk == order.enterprise_id:
        return Side.ENTERPRISE
    if org.pk == order.provider.org_id:
        return Side.PROVIDER
    return None


def _base() -> QuerySet[Order]:
    return Order.objects.select_related(
        "enterprise", "provider", "provider__org", "product", "program", "voucher"
    )


def with_row_state(orders: QuerySet[Order]) -> QuerySet[Order]:
    """What the action guards need on list rows, in the one query."""
    latest = Contract.objects.filter(order=OuterRef("pk")).order_by("-version")
    return orders.annotate(
        latest_contract_status=Subquery(latest.values("status")[:1]),
        open_refund=Exists(
            RefundRequest.objects.filter(
                order=OuterRef("pk"),
                status__in=[RefundStatus.SUBMITTED, RefundStatus.RETURNED],
            )
        ),
        pending_remittances=Exists(
            Remittance.objects.filter(order=OuterRef("pk"), status=RemittanceStatus.SUBMITTED)
        ),
    )


def order_get_for_actor(*, actor, number: str) -> tuple[Order, str]:
    """The order and the actor's side, or NotFound."""
    order = _base().filter(number=number).first()
    side = side_of(actor, order) if order is not None else None
    if side is None:
        raise NotFound()
    return order, side


# The tabs of 我购买的服务 / 我的服务订单 (Guangxi manual), and Liuzhou's two extra states.
TABS = (
    ("all", _("全部"), ()),
    ("awaiting_acceptance", _("待接单"), (S.AWAITING_ACCEPTANCE,)),
    ("awaiting_contract", _("待签合同"), (S.AWAITING_CONTRACT,)),
    ("voucher_review", _("用券审核"), (S.VOUCHER_REVIEW,)),
    ("awaiting_payment", _("待支付"), (S.AWAITING_PAYMENT,)),
    ("awaiting_delivery", _("待交付"), (S.AWAITING_DELIVERY,)),
    ("awaiting_service", _("待服务"), (S.AWAITING_SERVICE,)),
    ("in_service", _("待完成"), (S.IN_SERVICE,)),
    ("completed", _("已完成"), (S.AWAITING_EVALUATION,)),
    ("cancelled", _("订单取消"), (S.CANCELLED,)),
    ("evaluated", _("评价完成"), (S.EVALUATED,)),
)
# Shown only when some order is in them (programs with the per-order voucher review).
OPTIONAL_TABS = {"voucher_review", "awaiting_delivery"}


def orders_for_party(
    *, actor, side: str, tab: str = "all", q: str = ""
) -> tuple[QuerySet[Order], list[dict]]:
    """The orders of the actor's organization as enterprise (我购买的服务) or provider
    (我的服务订单), filtered to one tab, and the tabs with their counts."""
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None:
        mine = Order.objects.none()
    elif side == Side.PROVIDER:
        mine = Order.objects.filter(provider__org=org)
    else:
        mine = Order.objects.filter(enterprise=org)
    by_status = dict(mine.order_by().values_list("status").annotate(n=Count("pk")))
    tabs = []
    for key, label, statuses in TABS:
        count = (
            sum(by_status.values()) if not statuses else sum(by_status.get(s, 0) for s in statuses)
        )
        if key in OPTIONAL_TABS and not count and tab != key:
            continue
        tabs.append({"key": key, "label": label, "count": count, "active": key == tab})
    statuses = {key: st for key, _label, st in TABS}.get(tab, ())
    orders = mine
    if statuses:
        orders = orders.filter(status__in=statuses)
    q = (q or "").strip()
    if q:
        orders = orders.filter(
            Q(number__icontains=q)
            | Q(product_name__icontains=q)
            | Q(provider__org__name__icontains=q)
            | Q(enterprise__name__icontains=q)
        )
    orders = with_row_state(
        orders.select_related("enterprise", "provider__org", "product", "voucher").order_by(
            "-created_at", "-pk"
        )
    )
    return orders, tabs


def orders_for_staff(*, actor, status: str = "", q: str = "", program_id: int | None = None):
    orders = _base().filter(
        Q() if actor.is_superuser else jurisdiction_filter(actor, field="enterprise__region_code")
    )
    if status:
        orders = orders.filter(status=status)
    if program_id:
        orders = orders.filter(program_id=program_id)
    q = (q or "").strip()
    if q:
        orders = orders.filter(
            Q(number__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(provider__org__name__icontains=q)
        )
    return orders.order_by("-created_at", "-pk")


def order_timeline(order: Order):
    return order.events.select_related("actor").order_by("created_at", "pk")


def provider_rating(provider) -> dict:
    """The provider's evaluation figures (its pages show them)."""
    from django.db.models import Avg

    figures = provider.evaluations.aggregate(average=Avg("stars"), count=Count("pk"))
    return {
        "average": round(figures["average"], 1) if figures["average"] is not None else None,
        "count": figures["count"],
    }
