"""The demo orders: one in every status of the Guangxi flow, made once, the ledger exact."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from smevoucher.orders.models import Order
from smevoucher.vouchers.checks import ledger_problems

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_demo_orders_cover_every_status_once(regions, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("demo_data", stdout=io.StringIO())
    call_command("demo_orders", stdout=io.StringIO())
    statuses = set(Order.objects.values_list("status", flat=True))
    assert Order.objects.count() == 13
    assert statuses == {
        "awaiting_acceptance",
        "awaiting_contract",
        "awaiting_payment",
        "awaiting_service",
        "in_service",
        "awaiting_evaluation",
        "evaluated",
        "cancelled",
    }
    returned = Order.objects.get(status="awaiting_contract").contracts.get()
    assert returned.status == "returned"
    # and demo_claims put five of the evaluated orders into claims at each step
    from smevoucher.settlements.models import Claim

    assert sorted(Claim.objects.values_list("status", flat=True)) == sorted(
        ["draft", "submitted", "submitted", "approved", "notice"]
    )
    assert Claim.objects.exclude(paper_receipt_number="").count() == 3
    # and demo_community: notices of each kind, a help contact, an answered and an open message
    from smevoucher.community.models import Article, HelpContact, Message

    assert sorted(Article.objects.values_list("kind", flat=True)) == ["guide", "notice", "policy"]
    assert HelpContact.objects.filter(region_code="45").exists()
    assert sorted(Message.objects.values_list("status", flat=True)) == ["answered", "open"]
    from smevoucher.community.models import Demand

    assert sorted(Demand.objects.values_list("status", flat=True)) == ["pending", "published"]
    assert Demand.objects.get(status="published").responses.count() == 1
    assert ledger_problems() == []
