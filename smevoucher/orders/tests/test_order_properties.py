"""Property-based (stateful) test of orders and their money: any sequence of placing (with any
requested deduction), cancelling, declining and agreeing to a cheaper contract keeps the
ledger reconciled, every hold equal to what the open orders hold, and every cap unbroken."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from smevoucher.core.errors import DomainError
from smevoucher.orders import services
from smevoucher.orders.choices import OrderStatus as S
from smevoucher.orders.models import Order
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.deduction import city_issued_fen
from smevoucher.vouchers.models import EnterpriseUsage, ProviderUsage, Voucher

from .conftest import WAN

pytestmark = pytest.mark.django_db

ENTERPRISE_CAP = 5 * WAN
PROVIDER_ANNUAL = 8 * WAN
SHARE_BP = 2000  # 20% of the city's issued total
REFUSALS = {
    "deduction.ratio",
    "deduction.per_order",
    "deduction.voucher",
    "deduction.enterprise_annual",
    "deduction.provider_city",
    "deduction.provider_annual",
    "enterprise.annual_cap",
    "voucher.insufficient",
    "order.action_refused",
}
keys = itertools.count()


def expect_refusal(refused: DomainError) -> None:
    """A refusal is fine only when it is one of the clear, expected ones."""
    assert refused.code in REFUSALS, refused.code


@pytest.fixture
def machine(make_program, make_provider, provider_org, make_org, issue_voucher, liuzhou_reviewer):
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    class OrderMachine(RuleBasedStateMachine):
        @initialize()
        def setup(self):
            self.program = make_program(
                enterprise_annual_deduction_cap_fen=ENTERPRISE_CAP,
                provider_annual_settlement_cap_fen=PROVIDER_ANNUAL,
                provider_city_share_bp=SHARE_BP,
            )
            make_provider(self.program, provider_org)
            self.products = []
            for price in (2 * WAN, 7 * WAN):
                data = product_input(
                    name=f"性质测试产品{next(keys)}",
                    guide_price_fen=price + WAN,
                    platform_price_fen=price,
                )
                data.materials = material_rows(provider_org.owner, 1)
                product = catalog.product_create(
                    actor=provider_org.owner, program_id=self.program.pk, data=data
                )
                catalog.product_transition(
                    actor=provider_org.owner, product_id=product.pk, action="submit"
                )
                review = Review.objects.get(kind="product", object_id=str(product.pk))
                review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
                catalog.product_transition(
                    actor=provider_org.owner, product_id=product.pk, action="publish"
                )
                self.products.append(product)
            self.orgs = [make_org(f"柳州市性质测试{next(keys)}有限公司") for _ in range(2)]
            self.vouchers = [issue_voucher(self.program, org, 4 * WAN) for org in self.orgs]
            self.orders: list[int] = []

        @rule(
            who=st.integers(0, 1),
            which=st.integers(0, 1),
            asked=st.none() | st.integers(0, 5 * WAN),
        )
        def place(self, who, which, asked):
            try:
                order = services.order_place(
                    actor=self.orgs[who].owner,
                    product_id=self.products[which].pk,
                    voucher_id=self.vouchers[who].pk,
                    deduction_fen=asked,
                    idempotency_key=f"prop-{next(keys)}",
                )
            except DomainError as refused:
                expect_refusal(refused)
                return
            self.orders.append(order.pk)

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(min_value=0), how=st.sampled_from(["cancel", "decline"]))
        def close(self, index, how):
            order = Order.objects.get(pk=self.orders[index % len(self.orders)])
            actor = order.enterprise.owner if how == "cancel" else provider_org.owner
            try:
                services.order_act(actor=actor, order_id=order.pk, action=how, reason="性质测试")
            except DomainError as refused:
                expect_refusal(refused)

        @precondition(lambda self: self.orders)
        @rule(index=st.integers(min_value=0), share=st.integers(1, 100))
        def cheaper_contract(self, index, share):
            order = Order.objects.get(pk=self.orders[index % len(self.orders)])
            if order.status != S.AWAITING_ACCEPTANCE:
                return
            services.order_act(actor=provider_org.owner, order_id=order.pk, action="accept")
            amount = max(order.amount_fen * share // 100, 1)
            services.contract_draft(
                actor=provider_org.owner, order_id=order.pk, amount_fen=amount, deposit_fen=0
            )
            services.contract_agree(actor=order.enterprise.owner, order_id=order.pk)

        @invariant()
        def money_adds_up(self):
            if not hasattr(self, "program"):
                return
            assert ledger_problems() == []
            open_orders = Order.objects.filter(pk__in=self.orders).exclude(status=S.CANCELLED)
            for voucher in Voucher.objects.filter(pk__in=[v.pk for v in self.vouchers]):
                held = sum(
                    o.deduction_fen - o.captured_fen - o.released_fen
                    for o in open_orders
                    if o.voucher_id == voucher.pk
                )
                assert voucher.held_fen == held
            for usage in EnterpriseUsage.objects.filter(program=self.program):
                assert usage.deducted_fen <= ENTERPRISE_CAP
            usage = ProviderUsage.objects.filter(provider__program=self.program).first()
            if usage is not None:
                assert usage.deducted_fen <= PROVIDER_ANNUAL
                cap = (
                    city_issued_fen(program_id=self.program.pk, city_code="4502")
                    * SHARE_BP
                    // 10_000
                )
                assert usage.by_city.get("4502", 0) <= cap

    return OrderMachine


def test_any_sequence_of_orders_keeps_the_money_exact(machine):
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
