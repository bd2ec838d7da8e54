"""The order pages: 订单详情 with the manual's figures, the two lists, tenant walls."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smevoucher.orders.models import Order

from .conftest import WAN

pytestmark = pytest.mark.django_db


def test_order_page_shows_the_manuals_figures(client, enterprise, range_product, top_tier, voucher):
    # given the enterprise on the order page of the 300,000 tier with its 300,000 voucher
    client.force_login(enterprise)
    page = client.get(reverse("orders:new"), {"product": range_product.pk, "tier": top_tier.pk})
    text = page.content.decode()
    # then the page reads as the Guangxi manual's 订单详情
    assert page.status_code == 200
    for expected in (
        "300,000.00",
        "90,000.00",
        "210,000.00",
        "贰拾壹万元整",
        "企业年度抵扣上限",
        "提交订单",
    ):
        assert expected in text, expected


def test_submitting_the_order_page_places_one_order(
    client, enterprise, range_product, top_tier, voucher
):
    client.force_login(enterprise)
    form = {
        "product": range_product.pk,
        "tier": top_tier.pk,
        "voucher": voucher.pk,
        f"deduction_{voucher.pk}": 9 * WAN,
        "note": "请尽快联系",
        "idempotency_key": "form-1",
    }
    response = client.post(reverse("orders:new") + f"?product={range_product.pk}", form)
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url.endswith(f"/orders/{order.number}/")
    # a double click places nothing more
    client.post(reverse("orders:new") + f"?product={range_product.pk}", form)
    assert Order.objects.count() == 1
    assert (order.deduction_fen, order.note) == (9 * WAN, "请尽快联系")
    # and the list 我购买的服务 shows it under 待接单 with 查看 and 取消订单
    listing = client.get(reverse("orders:mine"), {"tab": "awaiting_acceptance"}).content.decode()
    assert order.number in listing
    assert "取消订单" in listing
    assert "90,000.00" in listing


def test_a_stale_deduction_is_refused_with_the_cap(
    client, enterprise, range_product, top_tier, voucher
):
    client.force_login(enterprise)
    form = {
        "product": range_product.pk,
        "tier": top_tier.pk,
        "voucher": voucher.pk,
        f"deduction_{voucher.pk}": 31 * WAN,
        "idempotency_key": "form-2",
    }
    page = client.post(reverse("orders:new") + f"?product={range_product.pk}", form)
    assert page.status_code == 200
    assert "补贴比例" in page.content.decode() or "服务券余额" in page.content.decode()
    assert not Order.objects.exists()


def test_other_tenants_get_404(
    client, make_org, enterprise, provider_user, range_product, top_tier, voucher
):
    from smevoucher.orders import services

    order = services.order_place(
        actor=enterprise,
        product_id=range_product.pk,
        tier_id=top_tier.pk,
        voucher_id=voucher.pk,
        idempotency_key="k-404",
    )
    stranger = make_org("南宁市陌生企业有限公司").owner
    client.force_login(stranger)
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    assert client.post(reverse("orders:act", args=[order.number, "cancel"])).status_code == 404
    # the provider sees it in 我的服务订单 with 接单
    client.force_login(provider_user)
    listing = client.get(reverse("orders:provider")).content.decode()
    assert order.number in listing
    assert "接单" in listing
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 200


def test_staff_see_the_orders_of_their_region(
    client, enterprise, range_product, top_tier, voucher, liuzhou_reviewer, nanning_reviewer
):
    from smevoucher.orders import services

    order = services.order_place(
        actor=enterprise,
        product_id=range_product.pk,
        tier_id=top_tier.pk,
        voucher_id=voucher.pk,
        idempotency_key="k-staff",
    )
    # Liuzhou's service center sees the Liuzhou enterprise's order, read-only
    client.force_login(liuzhou_reviewer)
    assert order.number in client.get(reverse("orders:staff")).content.decode()
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "data-action=" not in page
    # Nanning's does not, and the order itself answers 404
    client.force_login(nanning_reviewer)
    assert order.number not in client.get(reverse("orders:staff")).content.decode()
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 404
    # an enterprise cannot open the staff list
    client.force_login(enterprise)
    assert client.get(reverse("orders:staff")).status_code == 403
