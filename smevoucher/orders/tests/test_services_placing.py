"""Placing an order: the deduction, each cap named when it refuses, holds and releases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smevoucher.core.errors import DomainError
from smevoucher.core.money import rmb_upper
from smevoucher.orders import services
from smevoucher.orders.choices import OrderStatus
from smevoucher.orders.models import Order
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import EnterpriseUsage, ProviderUsage, Voucher

from .conftest import WAN, key

pytestmark = pytest.mark.django_db


def place(user, product, tier=None, voucher=None, **kwargs):
    return services.order_place(
        actor=user,
        product_id=product.pk,
        tier_id=tier.pk if tier else None,
        voucher_id=voucher.pk if voucher else None,
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        **kwargs,
    )


def test_guangxi_worked_example(enterprise, range_product, top_tier, voucher):
    # given the manual's 300,000 yuan service and a 300,000 voucher at Guangxi's 30%
    assert top_tier.price_fen == 30 * WAN
    # when the enterprise orders it with the voucher
    order = place(enterprise, range_product, top_tier, voucher)
    # then 90,000 is deducted and held, and 210,000 is to pay: 贰拾壹万元整
    assert order.deduction_fen == 9 * WAN
    assert order.pay_fen == 21 * WAN
    assert rmb_upper(order.pay_fen) == "贰拾壹万元整"
    voucher.refresh_from_db()
    assert (voucher.available_fen, voucher.held_fen) == (21 * WAN, 9 * WAN)
    assert order.status == OrderStatus.AWAITING_ACCEPTANCE
    assert order.number.startswith("ORD")
    assert len(order.number) == 3 + 14 + 4
    assert ledger_problems() == []


def test_placing_twice_with_one_key_places_one_order(enterprise, range_product, top_tier, voucher):
    first = place(enterprise, range_product, top_tier, voucher, idempotency_key="same-form")
    again = place(enterprise, range_product, top_tier, voucher, idempotency_key="same-form")
    assert again.pk == first.pk
    assert Order.objects.count() == 1
    voucher.refresh_from_db()
    assert voucher.held_fen == 9 * WAN


def test_cancelling_releases_exactly_the_held_amount(enterprise, range_product, top_tier, voucher):
    # given an order holding 90,000
    order = place(enterprise, range_product, top_tier, voucher)
    # when the enterprise cancels before acceptance
    services.order_act(actor=enterprise, order_id=order.pk, action="cancel")
    # then exactly the held amount is back on the voucher and counted nowhere
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.released_fen == 9 * WAN
    assert (voucher.available_fen, voucher.held_fen) == (30 * WAN, 0)
    assert EnterpriseUsage.objects.get(org=order.enterprise).deducted_fen == 0
    assert ProviderUsage.objects.get(provider=order.provider).deducted_fen == 0
    assert ledger_problems() == []
    # and cancelling again is refused, moving nothing
    with pytest.raises(DomainError):
        services.order_act(actor=enterprise, order_id=order.pk, action="cancel")
    voucher.refresh_from_db()
    assert voucher.available_fen == 30 * WAN


def test_declining_needs_a_reason_and_releases(
    enterprise, provider_user, range_product, top_tier, voucher
):
    order = place(enterprise, range_product, top_tier, voucher)
    with pytest.raises(DomainError, match="原因"):
        services.order_act(actor=provider_user, order_id=order.pk, action="decline")
    services.order_act(actor=provider_user, order_id=order.pk, action="decline", reason="档期已满")
    order.refresh_from_db()
    assert (order.status, order.cancelled_by, order.cancel_reason) == (
        OrderStatus.CANCELLED,
        "provider",
        "档期已满",
    )
    voucher.refresh_from_db()
    assert voucher.held_fen == 0


def _nothing_held(voucher, orders_before: int) -> None:
    voucher.refresh_from_db()
    assert voucher.held_fen == 0
    assert Order.objects.count() == orders_before
    assert ledger_problems() == []


@pytest.fixture
def guangxi(
    make_program, make_provider, provider_org, enterprise_org, issue_voucher, liuzhou_reviewer
):
    """A program with the given rules, its provider, an on-sale 300,000 product and a voucher."""
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, range_input
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    def make(voucher_fen: int = 30 * WAN, **rules):
        program = make_program(**rules)
        make_provider(program, provider_org)
        data = range_input(name="企业数字化转型诊断咨询")
        data.materials = material_rows(provider_org.owner, 3)
        product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
        catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
        review = Review.objects.get(kind="product", object_id=str(product.pk))
        review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
        catalog.product_transition(
            actor=provider_org.owner, product_id=product.pk, action="publish"
        )
        tier = product.tiers.order_by("-price_fen").first()
        voucher = issue_voucher(program, enterprise_org, voucher_fen)
        return program, product, tier, voucher

    return make


def test_order_past_the_enterprise_annual_cap_is_refused(guangxi, enterprise):
    # given a 10万 annual cap and a first order holding 9万
    _program, product, tier, voucher = guangxi(enterprise_annual_deduction_cap_fen=10 * WAN)
    place(enterprise, product, tier, voucher)
    before = Order.objects.count()
    held = Voucher.objects.get(pk=voucher.pk).held_fen
    # when a second order asks for another 9万
    with pytest.raises(DomainError, match="企业年度抵扣上限") as refused:
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN)
    # then it is refused naming the cap, and nothing more is held
    assert refused.value.code == "deduction.enterprise_annual"
    assert Voucher.objects.get(pk=voucher.pk).held_fen == held
    assert Order.objects.count() == before
    assert ledger_problems() == []


def test_order_past_the_provider_city_share_is_refused(guangxi, enterprise):
    # given Guangdong's rule: a provider receives at most 10% of a city's issued total;
    # Liuzhou's enterprises hold 30万 in all, so the provider may receive 3万 there
    _program, product, tier, voucher = guangxi(provider_city_share_bp=1000)
    # when the enterprise asks for the 9万 its voucher would allow
    with pytest.raises(DomainError, match="服务机构在该市收券上限") as refused:
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN)
    # then it is refused naming the cap, and nothing is held
    assert refused.value.code == "deduction.provider_city"
    assert "30,000.00" in refused.value.message
    _nothing_held(voucher, 0)
    # and without an amount the order takes what the cap leaves
    order = place(enterprise, product, tier, voucher)
    assert order.deduction_fen == 3 * WAN
    assert ProviderUsage.objects.get(provider=order.provider).by_city == {"4502": 3 * WAN}


def test_order_past_the_provider_annual_settlement_cap_is_refused(guangxi, enterprise):
    # given a provider settlement cap of 5万 a year (Guangxi: 500万)
    _program, product, tier, voucher = guangxi(provider_annual_settlement_cap_fen=5 * WAN)
    with pytest.raises(DomainError, match="服务机构年度结算上限") as refused:
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN)
    assert refused.value.code == "deduction.provider_annual"
    _nothing_held(voucher, 0)


def test_a_voucher_past_its_batch_deadline_is_refused(guangxi, enterprise):
    # given a voucher whose batch deadline (order within 30 days of the batch end) has passed
    _program, product, tier, voucher = guangxi()
    Voucher.objects.filter(pk=voucher.pk).update(
        use_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(DomainError, match="批次使用截止日") as refused:
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN)
    assert refused.value.code == "voucher.unusable"
    _nothing_held(voucher, 0)


def test_a_deduction_above_the_subsidy_ratio_is_refused(guangxi, enterprise):
    _program, product, tier, voucher = guangxi()
    with pytest.raises(DomainError, match="补贴比例"):
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN + 1)
    _nothing_held(voucher, 0)


def test_a_per_order_cap_is_named(guangxi, enterprise):
    _program, product, tier, voucher = guangxi(per_order_cap_fen=5 * WAN)
    with pytest.raises(DomainError, match="单笔订单抵扣上限"):
        place(enterprise, product, tier, voucher, deduction_fen=9 * WAN)
    assert place(enterprise, product, tier, voucher).deduction_fen == 5 * WAN


def test_another_enterprise_cannot_use_my_voucher(guangxi, make_org, enterprise):
    _program, product, tier, voucher = guangxi()
    other = make_org("南宁市别家企业有限公司").owner
    with pytest.raises(DomainError) as refused:
        place(other, product, tier, voucher)
    assert refused.value.status == 404
    _nothing_held(voucher, 0)
