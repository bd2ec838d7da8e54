"""The order flow, tested whole: every (status, action, side) is allowed exactly when the
manual's flow says so, and refused otherwise."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from smevoucher.core.errors import DomainError
from smevoucher.orders import flow
from smevoucher.orders.choices import OrderStatus as S
from smevoucher.orders.choices import Side

E, P, ST, SYS = Side.ENTERPRISE, Side.PROVIDER, Side.STAFF, Side.SYSTEM

# The manual's flow (Guangxi names; Liuzhou's voucher review and 待交付), written out again
# here on purpose: a change to the table must be a change to this list too.
EXPECTED = {
    (S.AWAITING_ACCEPTANCE, "accept"): (S.AWAITING_CONTRACT, {P}),
    (S.AWAITING_ACCEPTANCE, "decline"): (S.CANCELLED, {P}),
    (S.AWAITING_ACCEPTANCE, "cancel"): (S.CANCELLED, {E}),
    (S.AWAITING_CONTRACT, "cancel_contract"): (S.CANCELLED, {E, P}),
    (S.AWAITING_CONTRACT, "contract_signed"): (S.AWAITING_PAYMENT, {SYS}),
    (S.AWAITING_CONTRACT, "apply_voucher"): (S.VOUCHER_REVIEW, {E}),
    (S.VOUCHER_REVIEW, "voucher_approved"): (S.AWAITING_DELIVERY, {ST}),
    (S.VOUCHER_REVIEW, "voucher_returned"): (S.AWAITING_CONTRACT, {ST}),
    (S.VOUCHER_REVIEW, "voucher_rejected"): (S.CANCELLED, {ST}),
    (S.AWAITING_PAYMENT, "cancel_contract"): (S.CANCELLED, {E, P}),
    (S.AWAITING_PAYMENT, "deposit_confirmed"): (S.AWAITING_SERVICE, {SYS}),
    (S.AWAITING_SERVICE, "start"): (S.IN_SERVICE, {P}),
    (S.AWAITING_DELIVERY, "start"): (S.IN_SERVICE, {P}),
    (S.IN_SERVICE, "finish"): (S.IN_SERVICE, {P}),
    (S.IN_SERVICE, "confirm"): (S.AWAITING_EVALUATION, {E}),
    (S.AWAITING_EVALUATION, "evaluate"): (S.EVALUATED, {E}),
    (S.AWAITING_SERVICE, "refund_approved"): (S.CANCELLED, {ST}),
    (S.AWAITING_DELIVERY, "refund_approved"): (S.CANCELLED, {ST}),
    (S.IN_SERVICE, "refund_approved"): (S.CANCELLED, {ST}),
    (S.AWAITING_EVALUATION, "refund_approved"): (S.CANCELLED, {ST}),
}
STATUS_CHANGES = sorted({action for _s, action in EXPECTED})
SIDES = (E, P, ST, SYS)


def test_the_table_is_the_manuals_flow():
    assert {k: (t, set(s)) for k, (t, s) in flow.ORDER_FLOW.items()} == EXPECTED


def test_nothing_leaves_a_final_status():
    finals = {S.EVALUATED, S.CANCELLED}
    assert not [key for key in flow.ORDER_FLOW if key[0] in finals]
    assert not [a for a, (states, _sides) in flow.STEPS.items() if states & finals]


def _order(status: str, **fields):
    """An order whose guards all pass for the step under test (a plain object: the table
    is about status and side)."""
    values = {
        "status": status,
        "voucher_mode": fields.pop("voucher_mode", "at_order"),
        "paid_fen": 0,
        "unpaid_fen": 1,
        "service_finished_at": None,
        "captured_fen": 1,
        "voucher": None,
        "latest_contract_status": None,
        "open_refund": False,
        "pending_remittances": False,
        "get_status_display": lambda: status,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def _guard_free(status: str, action: str, side: str):
    """The order state under which only the table decides ``action``."""
    if action == "apply_voucher":
        return _order(status, voucher_mode="per_order_review", latest_contract_status="signed")
    if action == "confirm":
        return _order(status, service_finished_at=object(), unpaid_fen=0)
    if action == "confirm_remittance":
        return _order(status, pending_remittances=True)
    if action in ("agree_contract", "return_contract"):
        return _order(status, latest_contract_status="drafted")
    if action == "sign_contract":
        return _order(status, latest_contract_status="agreed" if side == P else "provider_signed")
    return _order(status)


@pytest.mark.parametrize("status", [s.value for s in S])
def test_every_pair_is_allowed_exactly_when_the_flow_says(status):
    for action in STATUS_CHANGES + list(flow.STEPS):
        for side in SIDES:
            order = _guard_free(status, action, side)
            expected_sides = (
                EXPECTED[(status, action)][1]
                if (status, action) in EXPECTED
                else (
                    flow.STEPS[action][1]
                    if action in flow.STEPS and status in flow.STEPS[action][0]
                    else set()
                )
            )
            allowed = flow.is_allowed(order, action, side)
            assert allowed == (side in expected_sides), (status, action, side)
            if not allowed:
                with pytest.raises(DomainError):
                    flow.require_allowed(order, action, side)


def test_guards_refuse_with_the_reason():
    # cancelling a contract after money arrived
    with pytest.raises(DomainError, match="汇款"):
        flow.require_allowed(_order(S.AWAITING_PAYMENT, paid_fen=100), "cancel_contract", E)
    # the enterprise signs only after the provider
    with pytest.raises(DomainError, match="乙方"):
        flow.require_allowed(
            _order(S.AWAITING_CONTRACT, latest_contract_status="agreed"), "sign_contract", E
        )
    # confirming before the final payment is in
    with pytest.raises(DomainError, match="尾款"):
        flow.require_allowed(
            _order(S.IN_SERVICE, service_finished_at=object(), unpaid_fen=5), "confirm", E
        )
    # Guangxi orders do not apply for a voucher per order
    with pytest.raises(DomainError):
        flow.require_allowed(
            _order(S.AWAITING_CONTRACT, latest_contract_status="signed"), "apply_voucher", E
        )


def test_row_actions_are_what_the_table_allows():
    order = _order(S.AWAITING_ACCEPTANCE)
    assert flow.allowed_actions(order, E) == ["cancel"]
    assert flow.allowed_actions(order, P) == ["accept", "decline"]
    assert flow.allowed_actions(order, None) == []
    assert flow.allowed_actions(_order(S.EVALUATED), E) == []
