"""Orders over JSON: the quote, placing, the steps of the flow, the tenant walls."""

from __future__ import annotations

import json

import pytest

from smevoucher.orders.demo import ensure_seal, proof_image
from smevoucher.orders.models import Order

from .conftest import WAN

pytestmark = pytest.mark.django_db


def call(client, method, path, user=None, data=None, **query):
    if user is not None:
        client.force_login(user)
    if data is not None:
        return getattr(client, method)(
            f"/api/v1{path}", content_type="application/json", data=json.dumps(data)
        )
    if method == "post":
        return client.post(f"/api/v1{path}")
    return getattr(client, method)(f"/api/v1{path}", query)


def test_the_quote_is_the_order_page(client, enterprise, range_product, top_tier, voucher):
    answer = call(
        client, "get", "/orders/quote", enterprise, product_id=range_product.pk, tier_id=top_tier.pk
    ).json()
    assert (answer["price_fen"], answer["deduction_fen"], answer["pay_fen"]) == (
        30 * WAN,
        9 * WAN,
        21 * WAN,
    )
    assert answer["pay_upper"] == "贰拾壹万元整"
    limits = {x["code"]: x["headroom_fen"] for x in answer["vouchers"][0]["limits"]}
    assert limits["ratio"] == 9 * WAN
    assert limits["enterprise_annual"] == 30 * WAN
    assert answer["vouchers"][0]["binding"] == "ratio"


def test_place_and_refusals(client, enterprise, range_product, top_tier, voucher, make_org):
    body = {
        "product_id": range_product.pk,
        "tier_id": top_tier.pk,
        "voucher_id": voucher.pk,
        "idempotency_key": "api-1",
    }
    placed = call(client, "post", "/orders", enterprise, body)
    assert placed.status_code == 201
    order = placed.json()
    assert (order["status"], order["deduction_fen"], order["actions"]) == (
        "awaiting_acceptance",
        9 * WAN,
        ["cancel"],
    )
    # the same key again answers with the same order
    assert call(client, "post", "/orders", enterprise, body).json()["number"] == order["number"]
    assert Order.objects.count() == 1
    # above a cap: 409 naming it, nothing placed
    over = call(
        client,
        "post",
        "/orders",
        enterprise,
        {**body, "idempotency_key": "api-2", "deduction_fen": 10 * WAN},
    )
    assert over.status_code == 409
    assert over.json()["code"] == "deduction.ratio"
    assert Order.objects.count() == 1
    # a stranger gets 404 for the order and its steps
    stranger = make_org("南宁市API陌生企业有限公司").owner
    assert call(client, "get", f"/orders/{order['number']}", stranger).status_code == 404
    assert (
        call(
            client, "post", f"/orders/{order['number']}/actions", stranger, {"action": "cancel"}
        ).status_code
        == 404
    )
    # a bad rating is refused by the schema
    assert (
        call(
            client, "post", f"/orders/{order['number']}/evaluation", enterprise, {"stars": 6}
        ).status_code
        == 422
    )


def test_the_flow_over_the_api(
    client, enterprise, provider_user, range_product, top_tier, voucher, send_code
):
    number = call(
        client,
        "post",
        "/orders",
        enterprise,
        {
            "product_id": range_product.pk,
            "tier_id": top_tier.pk,
            "voucher_id": voucher.pk,
            "idempotency_key": "api-f",
        },
    ).json()["number"]
    assert call(
        client, "post", f"/orders/{number}/actions", provider_user, {"action": "accept"}
    ).json()["actions"] == [
        "cancel_contract",
        "draft_contract",
    ]
    drafted = call(
        client,
        "post",
        f"/orders/{number}/contract",
        provider_user,
        {"amount_fen": 30 * WAN, "deposit_fen": 42_000_00},
    )
    assert drafted.status_code == 201
    assert drafted.json()["contracts"][0]["final_fen"] == 168_000_00
    assert (
        call(client, "post", f"/orders/{number}/contract/agree", enterprise).json()["contracts"][0][
            "status"
        ]
        == "agreed"
    )
    for user in (provider_user, enterprise):
        ensure_seal(user=user, send_code=send_code)
        code = send_code(user.phone, "sign")
        signed = call(client, "post", f"/orders/{number}/contract/sign", user, {"code": code})
        assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "awaiting_payment"
    # the proof is uploaded first, then named by its id
    client.force_login(enterprise)
    upload = client.post(
        "/api/v1/uploads", {"file": proof_image(), "purpose": "order_payment_proof"}
    ).json()
    remitted = call(
        client,
        "post",
        f"/orders/{number}/remittances",
        enterprise,
        {"amount_fen": 42_000_00, "remitted_on": "2026-11-20", "proof_upload_id": upload["id"]},
    )
    assert remitted.status_code == 201
    remittance_id = remitted.json()["remittances"][0]["id"]
    confirmed = call(
        client, "post", f"/orders/{number}/remittances/{remittance_id}/confirm", provider_user
    )
    assert confirmed.json()["status"] == "awaiting_service"
    assert confirmed.json()["captured_fen"] == 9 * WAN


def test_lists_for_each_side(client, enterprise, provider_user, range_product, top_tier, voucher):
    call(
        client,
        "post",
        "/orders",
        enterprise,
        {
            "product_id": range_product.pk,
            "tier_id": top_tier.pk,
            "voucher_id": voucher.pk,
            "idempotency_key": "api-l",
        },
    )
    mine = call(client, "get", "/orders", enterprise, side="enterprise").json()
    theirs = call(
        client, "get", "/orders", provider_user, side="provider", tab="awaiting_acceptance"
    ).json()
    assert [o["actions"] for o in mine] == [["cancel"]]
    assert [o["actions"] for o in theirs] == [["accept", "decline"]]
    assert call(client, "get", "/orders", provider_user, side="enterprise").json() == []
