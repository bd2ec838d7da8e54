"""服务券配额 and vouchers over JSON."""

import json

import pytest

from .conftest import WAN, approve

pytestmark = pytest.mark.django_db


def call(client, method, path, user=None, data=None):
    if user is not None:
        client.force_login(user)
    kwargs = (
        {"content_type": "application/json", "data": json.dumps(data)} if data is not None else {}
    )
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def test_cards_need_a_certified_enterprise(client, other_enterprise_user, guangxi):
    response = call(client, "get", "/quotas", other_enterprise_user)
    assert response.status_code == 409
    assert response.json()["code"] == "quota.not_certified"


def test_cards_quote_apply_approve_and_vouchers(
    client, enterprise_user, certified, guangxi, listed, province_reviewer
):
    listed(certified, "little_giant")
    cards = call(client, "get", "/quotas", enterprise_user).json()
    general = next(c for c in cards[0]["cards"] if c["voucher_type"] == "general")
    assert (general["may_apply"], general["quote_amount_fen"]) == (True, 30 * WAN)
    response = call(
        client,
        "post",
        "/quotas/applications",
        data={"program_id": guangxi.pk, "voucher_type": "general"},
    )
    assert response.status_code == 201
    application = response.json()
    assert (application["status"], application["amount_fen"]) == ("submitted", 30 * WAN)
    # a second one while open is refused
    again = call(
        client,
        "post",
        "/quotas/applications",
        data={"program_id": guangxi.pk, "voucher_type": "general"},
    )
    assert again.status_code == 409
    from smevoucher.quotas.models import QuotaApplication

    approve(QuotaApplication.objects.get(pk=application["id"]), province_reviewer)
    vouchers = call(client, "get", "/vouchers/mine", enterprise_user).json()
    assert [(v["total_fen"], v["available_fen"], v["status"]) for v in vouchers] == [
        (30 * WAN, 30 * WAN, "active")
    ]
    detail = call(client, "get", f"/vouchers/mine/{vouchers[0]['number']}").json()
    assert [t["movement"] for t in detail["transactions"]] == ["issue"]
    assert sum(leg["amount_fen"] for leg in detail["transactions"][0]["legs"]) == 0


def test_quote_of_a_guarantee_over_half_the_fee(client, enterprise_user, certified, guangxi):
    response = call(
        client,
        "get",
        f"/quotas/{guangxi.pk}/guarantee/quote?base_fen={30 * WAN}&requested_fen={16 * WAN}",
        enterprise_user,
    )
    body = response.json()
    assert (body["eligible"], body["code"], body["limit_fen"]) == (
        False,
        "quota.over_formula",
        15 * WAN,
    )
    assert "50%" in body["reason"]


def test_another_enterprises_voucher_and_application_answer_404(
    client, enterprise_user, certified, guangxi, listed, province_reviewer, other_enterprise_user
):
    listed(certified, "above_scale")
    application = call(
        client,
        "post",
        "/quotas/applications",
        enterprise_user,
        {"program_id": guangxi.pk, "voucher_type": "general"},
    ).json()
    from smevoucher.quotas.models import QuotaApplication

    approve(QuotaApplication.objects.get(pk=application["id"]), province_reviewer)
    number = QuotaApplication.objects.get(pk=application["id"]).voucher.number
    assert call(client, "get", f"/vouchers/mine/{number}", other_enterprise_user).status_code == 404
    assert (
        call(client, "post", f"/quotas/applications/{application['id']}/withdraw").status_code
        == 404
    )


def test_withdraw_over_the_api(client, enterprise_user, certified, guangxi, listed):
    listed(certified, "above_scale")
    application = call(
        client,
        "post",
        "/quotas/applications",
        enterprise_user,
        {"program_id": guangxi.pk, "voucher_type": "general"},
    ).json()
    response = call(client, "post", f"/quotas/applications/{application['id']}/withdraw")
    assert response.json()["status"] == "withdrawn"


def test_amounts_must_be_positive(client, enterprise_user, certified, guangxi):
    response = call(
        client,
        "post",
        "/quotas/applications",
        enterprise_user,
        {"program_id": guangxi.pk, "voucher_type": "guarantee", "base_fen": -1, "requested_fen": 0},
    )
    assert response.status_code == 422
