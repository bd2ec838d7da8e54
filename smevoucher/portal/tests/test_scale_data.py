"""`manage.py scale_data` at a tiny size: consistent with the ledger, usable by the services
and the pages, and its manifest tells the truth."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from stdnum.cn import ric, uscc

from smevoucher.accounts.models import User
from smevoucher.catalog.models import Product
from smevoucher.core.errors import DomainError
from smevoucher.orders.choices import OrderStatus
from smevoucher.orders.models import Order
from smevoucher.orders.services import order_place
from smevoucher.orgs.models import Organization
from smevoucher.providers.models import Provider
from smevoucher.quotas.services import quota_apply
from smevoucher.settlements.exports import summary_xlsx
from smevoucher.settlements.models import Claim
from smevoucher.vouchers.checks import ledger_problems
from smevoucher.vouchers.models import Voucher

pytestmark = pytest.mark.django_db

TINY = {
    "enterprises": 60,
    "providers": 5,
    "products": 30,
    "vouchers": 40,
    "orders": 80,
    "claim_orders": 10,
    "hot_orders": 5,
}


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "manifest.json"
    call_command("scale_data", manifest=path, stdout=io.StringIO(), **TINY)
    return json.loads(path.read_text())


def test_generates_the_sizes_asked_for_and_the_ledger_agrees(manifest):
    # given a tiny data set (the fixture)
    # then every table has its size and every cached figure agrees with the ledger
    assert Organization.objects.filter(kind="enterprise").count() == 60
    assert Provider.objects.filter(status="approved").count() == 5
    assert Product.objects.filter(status="on_sale").count() == 30
    assert Voucher.objects.count() == 40
    assert Order.objects.count() == 80
    assert manifest["counts"]["orders.Order"] == 80
    assert ledger_problems() == []
    connection.check_constraints()


def test_orders_are_in_every_state_of_the_guangxi_flow(manifest):
    statuses = set(Order.objects.values_list("status", flat=True))
    expected = {
        OrderStatus.AWAITING_ACCEPTANCE,
        OrderStatus.AWAITING_CONTRACT,
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.AWAITING_SERVICE,
        OrderStatus.IN_SERVICE,
        OrderStatus.AWAITING_EVALUATION,
        OrderStatus.EVALUATED,
        OrderStatus.CANCELLED,
    }
    assert expected <= statuses


def test_identity_numbers_are_valid_and_encrypted_values_decrypt(manifest):
    for org in Organization.objects.all():
        assert uscc.is_valid(org.uscc)
        assert ric.is_valid(org.legal_rep_id_number)  # decrypted by the field
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_id_number FROM orgs_organization LIMIT 1")
        assert cursor.fetchone()[0].startswith("sm4gcm:")


def test_claim_rush_enterprises_can_apply_for_a_general_voucher(manifest):
    rush = manifest["claim_rush"]
    assert rush["enterprises"]
    for entry in rush["enterprises"]:
        user = User.objects.get(pk=entry["user_id"])
        application = quota_apply(
            actor=user, program_id=rush["program_id"], voucher_type=rush["voucher_type"]
        )
        assert application.org_id == entry["org_id"]
        assert application.amount_fen > 0


def test_an_orderer_can_order_a_listed_product_with_its_voucher(manifest):
    orderer = manifest["orderers"][0]
    user = User.objects.get(pk=orderer["user_id"])
    for n, product_id in enumerate(manifest["order_products"]):
        order = order_place(
            actor=user,
            product_id=product_id,
            voucher_id=orderer["voucher_id"],
            idempotency_key=f"test-orderer-{n}",
        )
        assert order.deduction_fen > 0
        assert order.voucher_id == orderer["voucher_id"]
    assert ledger_problems() == []


def test_the_hot_voucher_allows_exactly_n_orders(manifest):
    hot = manifest["hot_voucher"]
    user = User.objects.get(pk=hot["user_id"])
    # when the enterprise orders the hot product N times
    for n in range(hot["orders"]):
        order = order_place(
            actor=user,
            product_id=hot["product_id"],
            voucher_id=hot["voucher_id"],
            idempotency_key=f"test-hot-{n}",
        )
        assert order.deduction_fen == hot["deduction_fen"]
    # then the next order is refused and nothing is left on the voucher
    with pytest.raises(DomainError):
        order_place(
            actor=user,
            product_id=hot["product_id"],
            voucher_id=hot["voucher_id"],
            idempotency_key="test-hot-one-too-many",
        )
    assert Voucher.objects.get(pk=hot["voucher_id"]).available_fen == 0
    assert ledger_problems() == []


def test_product_pages_and_the_catalogue_respond(manifest, client):
    product_id = manifest["products"][0]
    assert client.get(reverse("catalog:detail", args=[product_id])).status_code == 200
    assert client.get(reverse("catalog:index")).status_code == 200
    for term in manifest["search_terms"]:
        response = client.get(reverse("catalog:index"), {"q": term})
        assert response.status_code == 200
    assert set(manifest["categories"]) == set(
        Product.objects.values_list("category", flat=True).distinct()
    )


def test_a_logged_in_orderer_sees_the_product_page(manifest, client):
    orderer = manifest["orderers"][0]
    client.force_login(User.objects.get(pk=orderer["user_id"]))
    response = client.get(reverse("catalog:detail", args=[manifest["order_products"][0]]))
    assert response.status_code == 200


def test_the_claim_holds_its_orders_and_exports(manifest, client):
    export = manifest["export_claim"]
    claim = Claim.objects.get(pk=export["claim_id"])
    assert claim.lines.count() == TINY["claim_orders"] == export["orders"]
    assert not claim.lines.exclude(order__status=OrderStatus.EVALUATED).exists()
    assert summary_xlsx(claim)[:2] == b"PK"
    client.force_login(User.objects.get(pk=export["provider_user_id"]))
    response = client.get(reverse("settlements:export", args=[claim.pk, "summary.xlsx"]))
    assert response.status_code == 200


def test_a_second_run_is_refused(manifest):
    with pytest.raises(CommandError, match="freshly migrated"):
        call_command("scale_data", stdout=io.StringIO(), **TINY)
