"""企业需求: review before publishing, the public board, providers' responses, ordering."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smevoucher.community import services
from smevoucher.community.models import Demand, DemandResponse
from smevoucher.core.errors import DomainError
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def _submit(user, **overrides):
    values = {
        "name": "MES系统选型咨询",
        "category": "数字化转型",
        "contact_phone": PHONE,
        "content": "我司计划上线MES系统，需要选型与实施咨询服务。",
    }
    values.update(overrides)
    return services.demand_submit(actor=user, **values)


def test_over_300_characters_is_refused_with_the_count(enterprise):
    with pytest.raises(DomainError, match="当前301个字"):
        _submit(enterprise, content="需" * 301)
    assert not Demand.objects.exists()


def test_returned_corrected_published_responded_ordered(
    client, enterprise, liuzhou_reviewer, provider_user, range_product, voucher
):
    # an enterprise publishes; staff return it with a reason
    demand = _submit(enterprise)
    assert demand.status == "pending"
    review = Review.objects.get(kind="demand", object_id=str(demand.pk))
    review_transition(
        actor=liuzhou_reviewer, review_id=review.pk, action="return", reason="请写明预算"
    )
    demand.refresh_from_db()
    assert demand.status == "returned"
    # it is corrected and resubmitted, then approved: published
    services.demand_resubmit(
        actor=enterprise,
        demand_id=demand.pk,
        name=demand.name,
        category=demand.category,
        contact_phone=PHONE,
        content=demand.content,
        budget_fen=20_000_000,
    )
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    demand.refresh_from_db()
    assert demand.status == "published"
    # a provider responds with a product, priced after voucher for this enterprise
    response = services.demand_respond(
        actor=provider_user,
        demand_id=demand.pk,
        message="可提供诊断服务",
        product_id=range_product.pk,
    )
    assert response.price_after_voucher_fen < response.price_fen
    with pytest.raises(DomainError, match="已对接"):
        services.demand_respond(actor=provider_user, demand_id=demand.pk, message="再次")
    assert DemandResponse.objects.count() == 1
    # the enterprise sees it and can order the quoted product in one step
    client.force_login(enterprise)
    page = client.get(reverse("community:demand", args=[demand.pk])).content.decode()
    assert "可提供诊断服务" in page
    assert f"/orders/new/?product={range_product.pk}" in page


def test_the_board_never_shows_a_phone_in_full(client, enterprise, liuzhou_reviewer):
    demand = _submit(enterprise)
    review = Review.objects.get(kind="demand", object_id=str(demand.pk))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    board = client.get(reverse("community:demands")).content.decode()
    detail = client.get(reverse("community:demand", args=[demand.pk])).content.decode()
    assert demand.name in board
    assert PHONE not in board
    assert PHONE not in detail
    assert "139****5678" in board
    assert "目前已有0家服务机构对接" in board


def test_unpublished_demands_are_private(client, enterprise, make_org):
    demand = _submit(enterprise)
    assert client.get(reverse("community:demand", args=[demand.pk])).status_code == 404
    client.force_login(make_org("南宁市别家企业有限公司").owner)
    assert client.get(reverse("community:demand", args=[demand.pk])).status_code == 404
    client.force_login(enterprise)
    assert client.get(reverse("community:demand", args=[demand.pk])).status_code == 200
