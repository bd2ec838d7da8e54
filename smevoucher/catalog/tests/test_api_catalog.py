"""服务产品 over JSON."""

import json

import pytest

from smevoucher.catalog.models import ProductRevision
from smevoucher.catalog.tests.conftest import WAN, material_rows, product_input
from smevoucher.reviews.models import Review
from smevoucher.reviews.services import review_transition

pytestmark = pytest.mark.django_db


def call(client, method, path, user=None, data=None, **query):
    if user is not None:
        client.force_login(user)
    if data is not None:
        return getattr(client, method)(
            f"/api/v1{path}", content_type="application/json", data=json.dumps(data)
        )
    return getattr(client, method)(f"/api/v1{path}", query)


def _payload(program, materials, **overrides) -> dict:
    data = product_input(materials=materials).__dict__ | {"program_id": program.pk}
    data.update(overrides)
    return data


def test_the_catalogue_needs_a_login(client, make_product):
    make_product("on_sale")
    assert call(client, "get", "/catalog/products").status_code == 401


def test_list_search_and_categories(client, make_product, enterprise_org, program):
    first = make_product("on_sale")
    make_product(
        "on_sale",
        data=product_input(
            name="检验检测认证服务", category="高阶检验检测验证", overview="产品检测与认证"
        ),
    )
    page = call(client, "get", "/catalog/products", enterprise_org.owner, q="专利", page_size=1)
    assert page.status_code == 200
    body = page.json()
    assert (body["count"], body["pages"]) == (1, 1)
    assert body["items"][0]["id"] == first.pk
    assert body["items"][0]["platform_price_fen"] == 7600
    found = call(client, "get", "/catalog/products", q="检验检测").json()
    assert [item["name"] for item in found["items"]] == ["检验检测认证服务"]
    categories = call(client, "get", "/catalog/categories").json()
    assert len(categories[0]["categories"]) == 9
    counts = {c["name"]: c["count"] for c in categories[0]["categories"]}
    assert counts["数字化转型"] == 1
    assert counts["高阶检验检测验证"] == 1
    assert call(client, "get", "/catalog/products", q="x" * 101).status_code == 422


def test_detail_gives_the_caller_its_price_after_voucher(
    client, make_product, program, enterprise_org, issue_voucher
):
    product = make_product(
        "on_sale", data=product_input(guide_price_fen=32 * WAN, platform_price_fen=30 * WAN)
    )
    issue_voucher(program, enterprise_org, 30 * WAN)
    body = call(client, "get", f"/catalog/products/{product.pk}", enterprise_org.owner).json()
    assert body["preview"]["deduction_fen"] == 9 * WAN
    assert body["preview"]["pay_fen"] == 21 * WAN
    assert body["may_apply"] is True
    assert body["apply_problem"] == ""
    assert body["provider"]["product_count"] == 1
    assert body["validity"][0]["key"] == "general"
    assert "qualification_proofs" not in body
    assert "materials" not in body


def test_detail_of_a_product_not_on_sale_is_404(client, make_product, enterprise_org):
    product = make_product("ready")
    response = call(client, "get", f"/catalog/products/{product.pk}", enterprise_org.owner)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_provider_manages_its_products(
    client, program, provider, provider_user, liuzhou_reviewer
):
    # create a draft
    materials = material_rows(provider_user, 1)
    created = call(client, "post", "/catalog/mine", provider_user, _payload(program, materials))
    assert created.status_code == 201, created.content
    product = created.json()
    assert (product["status"], product["actions"]) == ("draft", ["submit"])
    # update it
    updated = call(
        client,
        "put",
        f"/catalog/mine/{product['id']}",
        data=_payload(program, materials, name="专利分级评价（标准版）"),
    )
    assert updated.json()["name"] == "专利分级评价（标准版）"
    # submit, approve, upload, take off sale
    submitted = call(
        client, "post", f"/catalog/mine/{product['id']}/actions", data={"action": "submit"}
    )
    assert submitted.json()["status"] == "submitted"
    review = Review.objects.get(kind="product", object_id=str(product["id"]))
    review_transition(actor=liuzhou_reviewer, review_id=review.pk, action="approve")
    client.force_login(provider_user)
    ready = call(client, "get", f"/catalog/mine/{product['id']}").json()
    assert (ready["status"], ready["actions"]) == ("ready", ["publish"])
    on_sale = call(
        client, "post", f"/catalog/mine/{product['id']}/actions", data={"action": "publish"}
    ).json()
    assert on_sale["status"] == "on_sale"
    listed = call(client, "get", "/catalog/mine", tab="on_sale").json()
    assert [p["id"] for p in listed] == [product["id"]]
    # an edit now is a revision; the product stays on sale
    revised = call(
        client,
        "put",
        f"/catalog/mine/{product['id']}",
        data=_payload(program, materials, platform_price_fen=7000),
    ).json()
    assert revised["platform_price_fen"] == 7600
    assert revised["open_revision"]["status"] == "pending"
    assert ProductRevision.objects.filter(product_id=product["id"]).count() == 1
    # a refused action answers 409 with a Chinese message
    refused = call(
        client, "post", f"/catalog/mine/{product['id']}/actions", data={"action": "submit"}
    )
    assert refused.status_code == 409
    assert refused.json()["message"] == "当前状态不能执行该操作"
    off = call(
        client, "post", f"/catalog/mine/{product['id']}/actions", data={"action": "unpublish"}
    )
    assert off.json()["status"] == "off_sale"


def test_submit_refuses_fewer_than_two_comparisons(client, program, provider, provider_user):
    materials = material_rows(provider_user, 1)
    payload = _payload(
        program,
        materials,
        market_comparisons=[{"name": "某公司", "source": "官网", "price_fen": 9000}],
    )
    product = call(client, "post", "/catalog/mine", provider_user, payload).json()
    refused = call(
        client, "post", f"/catalog/mine/{product['id']}/actions", data={"action": "submit"}
    )
    assert refused.status_code == 400
    assert refused.json()["field"] == "market_comparisons"
    assert "不少于2家" in refused.json()["message"]


def test_a_draft_is_deleted_and_others_are_kept_apart(
    client, program, provider, provider_user, enterprise_org
):
    product = call(client, "post", "/catalog/mine", provider_user, _payload(program, [])).json()
    assert (
        call(client, "get", f"/catalog/mine/{product['id']}", enterprise_org.owner).status_code
        == 404
    )
    assert call(client, "delete", f"/catalog/mine/{product['id']}").status_code == 404
    client.force_login(provider_user)
    assert call(client, "delete", f"/catalog/mine/{product['id']}").status_code == 204
    assert call(client, "get", f"/catalog/mine/{product['id']}").status_code == 404


def test_an_organization_that_is_no_provider_cannot_create(client, program, enterprise_org):
    response = call(client, "post", "/catalog/mine", enterprise_org.owner, _payload(program, []))
    assert response.status_code == 403
    assert response.json()["code"] == "product.not_provider"


def test_favourites(client, make_product, enterprise_org):
    product = make_product("on_sale")
    user = enterprise_org.owner
    assert call(client, "put", f"/catalog/favourites/{product.pk}", user).json() == {
        "product_id": product.pk,
        "favourite": True,
    }
    assert [p["id"] for p in call(client, "get", "/catalog/favourites").json()] == [product.pk]
    assert call(client, "delete", f"/catalog/favourites/{product.pk}").json()["favourite"] is False
    assert call(client, "get", "/catalog/favourites").json() == []
    assert call(client, "put", "/catalog/favourites/999999").status_code == 404
