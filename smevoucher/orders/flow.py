"""The order flow as one table, and the one answer to "what may this side do now".

`ORDER_FLOW` holds every status change: (status, action) -> (target, sides). `STEPS` holds
the actions that do not change the status by themselves (drafting a contract, remitting)
with the statuses and sides that may take them. `guard_problem` adds the conditions that
depend on more than the status. Services call `require_allowed`; pages and the API list
`allowed_actions`; so the buttons and the rules cannot drift apart.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.core.errors import DomainError

from .choices import ContractStatus as C
from .choices import OrderStatus as S
from .choices import Side

E, P, STAFF, SYS = Side.ENTERPRISE, Side.PROVIDER, Side.STAFF, Side.SYSTEM

ORDER_FLOW: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    (S.AWAITING_ACCEPTANCE, "accept"): (S.AWAITING_CONTRACT, frozenset({P})),
    (S.AWAITING_ACCEPTANCE, "decline"): (S.CANCELLED, frozenset({P})),
    (S.AWAITING_ACCEPTANCE, "cancel"): (S.CANCELLED, frozenset({E})),
    (S.AWAITING_CONTRACT, "cancel_contract"): (S.CANCELLED, frozenset({E, P})),
    (S.AWAITING_CONTRACT, "contract_signed"): (S.AWAITING_PAYMENT, frozenset({SYS})),
    (S.AWAITING_CONTRACT, "apply_voucher"): (S.VOUCHER_REVIEW, frozenset({E})),
    (S.VOUCHER_REVIEW, "voucher_approved"): (S.AWAITING_DELIVERY, frozenset({STAFF})),
    (S.VOUCHER_REVIEW, "voucher_returned"): (S.AWAITING_CONTRACT, frozenset({STAFF})),
    (S.VOUCHER_REVIEW, "voucher_rejected"): (S.CANCELLED, frozenset({STAFF})),
    (S.AWAITING_PAYMENT, "cancel_contract"): (S.CANCELLED, frozenset({E, P})),
    (S.AWAITING_PAYMENT, "deposit_confirmed"): (S.AWAITING_SERVICE, frozenset({SYS})),
    (S.AWAITING_SERVICE, "start"): (S.IN_SERVICE, frozenset({P})),
    (S.AWAITING_DELIVERY, "start"): (S.IN_SERVICE, frozenset({P})),
    (S.IN_SERVICE, "finish"): (S.IN_SERVICE, frozenset({P})),
    (S.IN_SERVICE, "confirm"): (S.AWAITING_EVALUATION, frozenset({E})),
    (S.AWAITING_EVALUATION, "evaluate"): (S.EVALUATED, frozenset({E})),
    (S.AWAITING_SERVICE, "refund_approved"): (S.CANCELLED, frozenset({STAFF})),
    (S.AWAITING_DELIVERY, "refund_approved"): (S.CANCELLED, frozenset({STAFF})),
    (S.IN_SERVICE, "refund_approved"): (S.CANCELLED, frozenset({STAFF})),
    (S.AWAITING_EVALUATION, "refund_approved"): (S.CANCELLED, frozenset({STAFF})),
}

_PAYING = frozenset({S.AWAITING_PAYMENT, S.AWAITING_SERVICE, S.AWAITING_DELIVERY, S.IN_SERVICE})
_CAPTURED = frozenset(
    {S.AWAITING_SERVICE, S.AWAITING_DELIVERY, S.IN_SERVICE, S.AWAITING_EVALUATION}
)

STEPS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "draft_contract": (frozenset({S.AWAITING_CONTRACT}), frozenset({P})),
    "agree_contract": (frozenset({S.AWAITING_CONTRACT}), frozenset({E})),
    "return_contract": (frozenset({S.AWAITING_CONTRACT}), frozenset({E})),
    "sign_contract": (frozenset({S.AWAITING_CONTRACT}), frozenset({E, P})),
    "remit": (_PAYING, frozenset({E})),
    "confirm_remittance": (_PAYING | {S.AWAITING_EVALUATION}, frozenset({P})),
    "record_progress": (frozenset({S.IN_SERVICE}), frozenset({P})),
    "request_refund": (_CAPTURED, frozenset({E, P})),
}

LABELS = {
    "accept": gettext_lazy("接单"),
    "decline": gettext_lazy("拒绝接单"),
    "cancel": gettext_lazy("取消订单"),
    "cancel_contract": gettext_lazy("取消合同"),
    "apply_voucher": gettext_lazy("申请服务券"),
    "start": gettext_lazy("开始服务"),
    "finish": gettext_lazy("结束服务"),
    "confirm": gettext_lazy("确认完成"),
    "evaluate": gettext_lazy("评价"),
    "draft_contract": gettext_lazy("制定合同"),
    "agree_contract": gettext_lazy("同意合同"),
    "return_contract": gettext_lazy("退回修改"),
    "sign_contract": gettext_lazy("签署合同"),
    "remit": gettext_lazy("支付"),
    "confirm_remittance": gettext_lazy("确认收款"),
    "record_progress": gettext_lazy("记录进展"),
    "request_refund": gettext_lazy("申请退回支付"),
}
# How each step reads on the order's timeline (订单动态).
EVENT_LABELS = {
    **LABELS,
    "place": gettext_lazy("提交订单"),
    "contract_signed": gettext_lazy("双方签署合同"),
    "deposit_confirmed": gettext_lazy("定金到账，服务券抵扣"),
    "voucher_approved": gettext_lazy("服务补贴券审核通过"),
    "voucher_returned": gettext_lazy("服务补贴券申请退回"),
    "voucher_rejected": gettext_lazy("服务补贴券审核未通过"),
    "reject_remittance": gettext_lazy("未收到款项"),
    "refund_approved": gettext_lazy("退回支付审核通过"),
    "remit": gettext_lazy("确认汇款"),
}
# Actions that need a reason typed by the person.
NEEDS_REASON = frozenset({"decline", "cancel_contract", "return_contract", "request_refund"})


def latest_contract_status(order) -> str | None:
    """The status of the order's newest contract version (annotated on list rows)."""
    if hasattr(order, "latest_contract_status"):
        return order.latest_contract_status
    latest = order.contracts.order_by("-version").values_list("status", flat=True).first()
    return latest


def _has_open_refund(order) -> bool:
    if hasattr(order, "open_refund"):
        return bool(order.open_refund)
    return order.refunds.filter(status__in=["submitted", "returned"]).exists()


def _has_pending_remittance(order) -> bool:
    if hasattr(order, "pending_remittances"):
        return bool(order.pending_remittances)
    return order.remittances.filter(status="submitted").exists()


def guard_problem(order, action: str, side: str) -> str | None:
    """Why ``action`` cannot be taken now beyond what the status says, or None."""
    contract = latest_contract_status(order) if action.endswith("contract") else None
    if action == "cancel_contract" and order.paid_fen > 0:
        return _("已有确认到账的汇款，不能取消合同；如需退款请申请退回支付")
    if action == "cancel_contract" and _has_pending_remittance(order):
        return _("有待服务机构确认的汇款，暂不能取消合同")
    if action == "contract_signed" and order.voucher_mode != "at_order":
        return _("该项目需先申请服务券并经审核")
    if action == "apply_voucher":
        if order.voucher_mode != "per_order_review":
            return _("该项目下单时已使用服务券")
        if latest_contract_status(order) != C.SIGNED:
            return _("合同双方签署后才能申请服务券")
    if action == "draft_contract" and contract not in (None, C.RETURNED):
        return _("合同已制定，请等待企业确认")
    if action in ("agree_contract", "return_contract") and contract != C.DRAFTED:
        return _("没有待确认的合同")
    if action == "sign_contract":
        turn = {C.AGREED: P, C.PROVIDER_SIGNED: E}.get(contract)
        if turn is None:
            return _("合同尚未确认，或已签署完成")
        if turn != side:
            return _("请等待乙方（服务机构）先签署") if side == E else _("贵方已签署")
    if action == "remit" and order.unpaid_fen <= 0:
        return _("合同款项已全部确认到账")
    if action == "confirm_remittance" and not _has_pending_remittance(order):
        return _("没有待确认的汇款")
    if action == "finish" and order.service_finished_at is not None:
        return _("服务已结束，请等待企业确认")
    if action == "confirm":
        if order.service_finished_at is None:
            return _("服务机构尚未结束服务")
        if order.voucher_mode == "at_order" and order.unpaid_fen > 0:
            return _("尾款尚未确认到账")
    if action == "request_refund":
        if _has_open_refund(order):
            return _("已有审核中的退回支付申请")
        if order.captured_fen <= 0:
            return _("该订单没有已抵扣的服务券金额")
        voucher = order.voucher
        if voucher is not None and timezone.localdate() > voucher.valid_until:
            return _("服务券已到期，不能申请退回支付")
    return None


def transition_target(order, action: str) -> str | None:
    entry = ORDER_FLOW.get((order.status, action))
    return entry[0] if entry else None


def is_allowed(order, action: str, side: str | None) -> bool:
    return side is not None and _refusal(order, action, side) is None


def _refusal(order, action: str, side: str) -> str | None:
    entry = ORDER_FLOW.get((order.status, action))
    if entry is not None:
        sides = entry[1]
    elif action in STEPS and order.status in STEPS[action][0]:
        sides = STEPS[action][1]
    else:
        return _("订单当前状态（%(status)s）不能执行该操作") % {
            "status": order.get_status_display()
        }
    if side not in sides:
        return _("您无权执行该操作")
    return guard_problem(order, action, side)


def require_allowed(order, action: str, side: str | None) -> None:
    """The door every order service passes: refuse with the reason, or return."""
    problem = _refusal(order, action, side) if side else _("您无权执行该操作")
    if problem:
        raise DomainError("order.action_refused", problem, status=409)


def allowed_actions(order, side: str | None) -> list[str]:
    """What ``side`` may do to ``order`` now, in the table's order (for buttons)."""
    if side is None:
        return []
    candidates = [a for (status, a) in ORDER_FLOW if status == order.status] + list(STEPS)
    seen, allowed = set(), []
    for action in candidates:
        if action in seen or action not in LABELS:
            continue
        seen.add(action)
        if _refusal(order, action, side) is None:
            allowed.append(action)
    return allowed
