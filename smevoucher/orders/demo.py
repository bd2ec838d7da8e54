"""Drive an order through the real services to a given status: for the demo data, the
audit test and the browser test's preparation. Every step is a service call, as a person
would make it; nothing here writes a model itself."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from . import services
from .choices import OrderStatus as S
from .models import Order

# The order in which an order's statuses are reached (Guangxi flow).
GUANGXI_PATH = (
    S.AWAITING_ACCEPTANCE,
    S.AWAITING_CONTRACT,
    S.AWAITING_PAYMENT,
    S.AWAITING_SERVICE,
    S.IN_SERVICE,
    S.AWAITING_EVALUATION,
    S.EVALUATED,
)
LIUZHOU_PATH = (
    S.AWAITING_ACCEPTANCE,
    S.AWAITING_CONTRACT,
    S.VOUCHER_REVIEW,
    S.AWAITING_DELIVERY,
    S.IN_SERVICE,
    S.AWAITING_EVALUATION,
    S.EVALUATED,
)


def proof_image(name: str = "转账凭证.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (230, 230, 230)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def ensure_seal(*, user, send_code: Callable[[str, str], str]):
    """The organization's e-seal, made once (制作签章) with the SMS re-verification."""
    from smevoucher.esign.selectors import active_seal
    from smevoucher.esign.services import seal_create
    from smevoucher.orgs.selectors import org_acting_for

    org = org_acting_for(user)
    seal = active_seal(org)
    if seal is None:
        code = send_code(user.phone, "seal")
        seal = seal_create(actor=user, response=code)
    return seal


def sign(order: Order, *, user, send_code: Callable[[str, str], str]) -> None:
    ensure_seal(user=user, send_code=send_code)
    code = send_code(user.phone, "sign")
    services.contract_sign(actor=user, order_id=order.pk, response=code)


def advance(
    order: Order,
    *,
    to: str,
    enterprise_user,
    provider_user,
    send_code: Callable[[str, str], str],
    reviewer=None,
) -> Order:
    """Take ``order`` step by step along its flow until it reaches ``to`` (or cancel it)."""
    if to == S.CANCELLED:
        services.order_act(actor=enterprise_user, order_id=order.pk, action="cancel")
        order.refresh_from_db()
        return order
    path = LIUZHOU_PATH if order.voucher_mode == "per_order_review" else GUANGXI_PATH
    while order.status != to:
        status = order.status
        if status == S.AWAITING_ACCEPTANCE:
            services.order_act(actor=provider_user, order_id=order.pk, action="accept")
        elif status == S.AWAITING_CONTRACT:
            _contract(order, enterprise_user, provider_user, send_code)
        elif status == S.VOUCHER_REVIEW:
            from smevoucher.reviews.models import Review
            from smevoucher.reviews.services import review_transition

            review = Review.objects.filter(
                kind="order_voucher", object_id=str(order.pk), status="submitted"
            ).latest("pk")
            review_transition(actor=reviewer, review_id=review.pk, action="approve")
        elif status == S.AWAITING_PAYMENT:
            _pay(order, order.deposit_fen, enterprise_user, provider_user)
        elif status in (S.AWAITING_SERVICE, S.AWAITING_DELIVERY):
            services.order_act(actor=provider_user, order_id=order.pk, action="start")
        elif status == S.IN_SERVICE:
            if order.service_finished_at is None:
                services.service_progress(
                    actor=provider_user, order_id=order.pk, content="已完成现场调研与资料收集"
                )
                services.service_finish(
                    actor=provider_user,
                    order_id=order.pk,
                    content="已交付诊断报告及实施方案",
                    files=[proof_image("交付成果.png")],
                )
                order.refresh_from_db()
            if order.unpaid_fen and order.voucher_mode == "at_order":
                _pay(order, order.unpaid_fen, enterprise_user, provider_user)
            services.order_act(actor=enterprise_user, order_id=order.pk, action="confirm")
        elif status == S.AWAITING_EVALUATION:
            services.order_evaluate(
                actor=enterprise_user, order_id=order.pk, stars=5, content="服务专业，报告详实"
            )
        else:
            raise ValueError(f"cannot go from {status} to {to}")
        order.refresh_from_db()
        if order.status not in path:
            raise ValueError(f"left the path at {order.status}")
    return order


def _contract(order, enterprise_user, provider_user, send_code) -> None:
    from .choices import ContractStatus as C
    from .flow import latest_contract_status

    contract = latest_contract_status(order)
    if contract in (None, C.RETURNED):
        payable = order.amount_fen - order.deduction_fen
        services.contract_draft(
            actor=provider_user,
            order_id=order.pk,
            amount_fen=order.amount_fen,
            deposit_fen=payable * 2 // 10,
            service_period=f"{timezone.localdate():%Y年%m月%d日}起90日内",
            deliverables="诊断报告、实施方案",
            acceptance="企业确认报告内容完整",
        )
    elif contract == C.DRAFTED:
        services.contract_agree(actor=enterprise_user, order_id=order.pk)
    elif contract == C.AGREED:
        sign(order, user=provider_user, send_code=send_code)
    elif contract == C.PROVIDER_SIGNED:
        sign(order, user=enterprise_user, send_code=send_code)
    elif contract == C.SIGNED and order.voucher_mode == "per_order_review":
        services.order_apply_voucher(actor=enterprise_user, order_id=order.pk)


def _pay(order, amount_fen, enterprise_user, provider_user) -> None:
    if amount_fen <= 0:
        return
    remittance = services.remittance_submit(
        actor=enterprise_user,
        order_id=order.pk,
        amount_fen=amount_fen,
        remitted_on=timezone.localdate() - dt.timedelta(days=1),
        proof=proof_image(),
    )
    services.remittance_confirm(actor=provider_user, remittance_id=remittance.pk)
