"""Fifty enterprises' orders at the same moment, on PostgreSQL: one voucher and one
provider cap are never exceeded, and the ledger reconciles."""

from __future__ import annotations

import pytest
from django.db import connection

from smevoucher.orders import services
from smevoucher.orders.models import Order
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import ProviderUsage, Voucher
from smevoucher.vouchers.tests.test_concurrency_postgres import race

from .conftest import WAN

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock concurrency needs PostgreSQL (DATABASE_URL)",
    ),
]

THREADS = 50


@pytest.fixture
def on_sale(make_program, make_provider, provider_org, liuzhou_reviewer):
    """A program with a provider city share, its provider and a 1万 product (3,000 off)."""
    from smevoucher.catalog import services as catalog
    from smevoucher.catalog.tests.conftest import material_rows, product_input
    from smevoucher.reviews.models import Review
    from smevoucher.reviews.services import review_transition

    def make(**rules):
        program = make_program(**rules)
        make_provider(program, provider_org)
        data = product_input(
            name="质量管理体系咨询", guide_price_fen=2 * WAN, platform_price_fen=WAN
        )
        data.materials = material_rows(provider_org.owner, 1)
        product = catalog.product_create(actor=provider_org.owner, program_id=program.pk, data=data)
        catalog.product_transition(actor=provider_org.owner, product_id=product.pk, action="submit")
        review = Review.objects.get(kind="product", object_id=str(product.pk))
        review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
        catalog.product_transition(
            actor=provider_org.owner, product_id=product.pk, action="publish"
        )
        return program, product

    return make


def test_fifty_orders_on_one_voucher_never_overspend(on_sale, enterprise_org, issue_voucher):
    # given one enterprise's voucher of 2万 and fifty orders of 3,000 off at once
    program, product = on_sale(enterprise_annual_deduction_cap_fen=None)
    voucher = issue_voucher(program, enterprise_org, 2 * WAN)
    user = enterprise_org.owner

    # when all fifty place at the same moment
    ok, refusals, errors = race(
        lambda i: services.order_place(
            actor=user,
            product_id=product.pk,
            voucher_id=voucher.pk,
            deduction_fen=3000 * 100,
            idempotency_key=f"race-voucher-{i}",
        ),
        THREADS,
    )
    # then six fit (18,000), the others are refused by the voucher's balance
    assert errors == []
    assert ok == 6
    assert set(refusals) == {"deduction.voucher"}
    voucher.refresh_from_db()
    assert voucher.held_fen == 6 * 3000 * 100
    assert Order.objects.count() == 6
    assert ledger_problems() == []


def test_fifty_enterprises_against_one_provider_city_cap(on_sale, make_org, issue_voucher):
    # given a 10% city share: 50 Liuzhou enterprises each hold 1万, so the provider may
    # receive 5万 in Liuzhou; each order takes 3,000
    program, product = on_sale(
        provider_city_share_bp=1000, enterprise_annual_deduction_cap_fen=None
    )
    orgs = [make_org(f"柳州市并发测试{i}号有限公司") for i in range(THREADS)]
    vouchers = [issue_voucher(program, org, WAN) for org in orgs]

    # when they all order at once
    ok, refusals, errors = race(
        lambda i: services.order_place(
            actor=orgs[i].owner,
            product_id=product.pk,
            voucher_id=vouchers[i].pk,
            deduction_fen=3000 * 100,
            idempotency_key=f"race-city-{i}",
        ),
        THREADS,
    )
    # then the cap holds exactly: 16 × 3,000 = 48,000 ≤ 50,000 < 17 × 3,000
    assert errors == []
    assert ok == 16
    assert set(refusals) == {"deduction.provider_city"}
    usage = ProviderUsage.objects.get(provider=product.provider)
    assert usage.by_city == {"4502": 16 * 3000 * 100}
    assert sum(Voucher.objects.filter(program=program).values_list("held_fen", flat=True)) == (
        16 * 3000 * 100
    )
    assert ledger_problems() == []


def test_one_form_submitted_ten_times_at_once_places_one_order(
    on_sale, enterprise_org, issue_voucher
):
    program, product = on_sale()
    voucher = issue_voucher(program, enterprise_org, 2 * WAN)
    user = enterprise_org.owner
    _ok, refusals, errors = race(
        lambda i: services.order_place(
            actor=user, product_id=product.pk, voucher_id=voucher.pk, idempotency_key="same-click"
        ),
        10,
    )
    assert errors == []
    assert set(refusals) <= {"order.in_flight"}
    assert Order.objects.count() == 1
    voucher.refresh_from_db()
    assert voucher.held_fen == 3000 * 100
    assert ledger_problems() == []
