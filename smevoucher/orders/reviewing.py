"""The two reviews an order can go through: Liuzhou's per-order voucher application
(服务补贴券审核, by the service center of the enterprise's region) and the refund of a
voucher payment (退回支付, by the enterprise's region staff)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from smevoucher.reviews.registry import ChainStep, ReviewKind, register_review_kind
from smevoucher.staff.choices import StaffRole


def _voucher(outcome: str):
    def decided(*, subject, actor, reason="", **_kw) -> None:
        from .services import on_voucher_decided

        on_voucher_decided(order_id=subject.pk, actor=actor, outcome=outcome, reason=reason)

    return decided


def _refund(outcome: str):
    def decided(*, subject, actor, reason="", **_kw) -> None:
        from .services import on_refund_decided

        on_refund_decided(refund_id=subject.pk, actor=actor, outcome=outcome, reason=reason)

    return decided


def _order_context(subject, viewer) -> dict:
    order = getattr(subject, "order", subject)
    return {"order": order, "refund": subject if subject is not order else None}


register_review_kind(
    ReviewKind(
        key="order_voucher",
        label=_("订单服务补贴券申请"),
        default_chain=(ChainStep(name=_("服务中心审核"), role=StaffRole.REVIEWER, working_days=2),),
        on_approved=_voucher("approved"),
        on_returned=_voucher("returned"),
        on_rejected=_voucher("rejected"),
        on_withdrawn=_voucher("returned"),
        materials_template="orders/review_materials.html",
        materials_context=_order_context,
    )
)

register_review_kind(
    ReviewKind(
        key="order_refund",
        label=_("订单退回支付申请"),
        default_chain=(
            ChainStep(name=_("属地管理员审核"), role=StaffRole.REVIEWER, working_days=2),
        ),
        on_submitted=_refund("submitted"),
        on_approved=_refund("approved"),
        on_returned=_refund("returned"),
        on_rejected=_refund("rejected"),
        on_withdrawn=_refund("withdrawn"),
        materials_template="orders/review_materials.html",
        materials_context=_order_context,
    )
)
