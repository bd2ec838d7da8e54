"""The OpenAPI document and the interactive docs, served from this site alone."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

EXPECTED_OPERATIONS = {
    ("post", "/api/v1/accounts/captcha"),
    ("post", "/api/v1/accounts/sms-codes"),
    ("post", "/api/v1/accounts/register"),
    ("post", "/api/v1/accounts/login"),
    ("post", "/api/v1/accounts/logout"),
    ("get", "/api/v1/accounts/me"),
    ("post", "/api/v1/accounts/me/password"),
    ("post", "/api/v1/accounts/me/phone"),
    ("post", "/api/v1/accounts/password-reset"),
    ("post", "/api/v1/uploads"),
    ("get", "/api/v1/uploads/{upload_id}"),
    ("get", "/api/v1/inbox"),
    ("get", "/api/v1/inbox/unread-count"),
    ("post", "/api/v1/inbox/read-all"),
    ("post", "/api/v1/inbox/{message_id}/read"),
    ("get", "/api/v1/regions"),
    ("get", "/api/v1/orgs/mine"),
    ("put", "/api/v1/orgs/mine"),
    ("post", "/api/v1/orgs/mine/sms-code"),
    ("post", "/api/v1/orgs/mine/submit"),
    ("put", "/api/v1/orgs/mine/agent"),
    ("delete", "/api/v1/orgs/mine/agent"),
    ("put", "/api/v1/orgs/mine/bank-account"),
    ("get", "/api/v1/orgs/mine/changes"),
    ("post", "/api/v1/orgs/mine/changes"),
    ("post", "/api/v1/orgs/mine/changes/{change_id}/withdraw"),
    ("get", "/api/v1/orgs/mine/history"),
    ("get", "/api/v1/reviews"),
    ("get", "/api/v1/reviews/{review_id}"),
    ("post", "/api/v1/reviews/{review_id}/actions"),
    ("get", "/api/v1/staff"),
    ("post", "/api/v1/staff"),
    ("get", "/api/v1/staff/{user_id}"),
    ("patch", "/api/v1/staff/{user_id}"),
    ("post", "/api/v1/staff/{user_id}/deactivate"),
    ("post", "/api/v1/staff/{user_id}/activate"),
    ("get", "/api/v1/programs"),
    ("get", "/api/v1/programs/{program_id}"),
    ("get", "/api/v1/programs/{program_id}/versions"),
    ("post", "/api/v1/programs/{program_id}/versions"),
    ("post", "/api/v1/classifications/programs/{program_id}/imports"),
    ("get", "/api/v1/classifications/imports/{import_id}"),
    ("get", "/api/v1/classifications/programs/{program_id}"),
    ("delete", "/api/v1/classifications/programs/{program_id}/entries"),
    ("get", "/api/v1/quotas"),
    ("get", "/api/v1/quotas/{program_id}/{voucher_type}/quote"),
    ("get", "/api/v1/quotas/applications"),
    ("post", "/api/v1/quotas/applications"),
    ("post", "/api/v1/quotas/applications/{application_id}/resubmit"),
    ("post", "/api/v1/quotas/applications/{application_id}/withdraw"),
    ("get", "/api/v1/vouchers/mine"),
    ("get", "/api/v1/vouchers/mine/{number}"),
    ("get", "/api/v1/catalog/products"),
    ("get", "/api/v1/catalog/categories"),
    ("get", "/api/v1/catalog/products/{product_id}"),
    ("get", "/api/v1/catalog/mine"),
    ("post", "/api/v1/catalog/mine"),
    ("get", "/api/v1/catalog/mine/{product_id}"),
    ("put", "/api/v1/catalog/mine/{product_id}"),
    ("delete", "/api/v1/catalog/mine/{product_id}"),
    ("post", "/api/v1/catalog/mine/{product_id}/actions"),
    ("get", "/api/v1/catalog/favourites"),
    ("put", "/api/v1/catalog/favourites/{product_id}"),
    ("delete", "/api/v1/catalog/favourites/{product_id}"),
    ("get", "/api/v1/providers/directory/{program_id}"),
    ("post", "/api/v1/providers/directory/{program_id}/imports"),
    ("get", "/api/v1/providers/directory-imports/{import_id}"),
    ("delete", "/api/v1/providers/directory-entries/{entry_id}"),
    ("get", "/api/v1/providers/mine"),
    ("post", "/api/v1/providers/mine"),
    ("get", "/api/v1/providers/mine/terms/{program_id}"),
    ("post", "/api/v1/providers/mine/{provider_id}/resubmit"),
    ("post", "/api/v1/providers/mine/{provider_id}/withdraw"),
    ("get", "/api/v1/providers/staff"),
    ("post", "/api/v1/providers/staff/{provider_id}/suspend"),
    ("post", "/api/v1/providers/staff/{provider_id}/reinstate"),
    ("get", "/api/v1/providers/public"),
    ("get", "/api/v1/providers/public/{provider_id}"),
    ("get", "/api/v1/orders/quote"),
    ("get", "/api/v1/orders"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/orders/{number}"),
    ("post", "/api/v1/orders/{number}/actions"),
    ("post", "/api/v1/orders/{number}/contract"),
    ("post", "/api/v1/orders/{number}/contract/agree"),
    ("post", "/api/v1/orders/{number}/contract/return"),
    ("post", "/api/v1/orders/{number}/contract/sign-code"),
    ("post", "/api/v1/orders/{number}/contract/sign"),
    ("post", "/api/v1/orders/{number}/voucher-application"),
    ("post", "/api/v1/orders/{number}/remittances"),
    ("post", "/api/v1/orders/{number}/remittances/{remittance_id}/confirm"),
    ("post", "/api/v1/orders/{number}/remittances/{remittance_id}/reject"),
    ("post", "/api/v1/orders/{number}/service/progress"),
    ("post", "/api/v1/orders/{number}/service/finish"),
    ("post", "/api/v1/orders/{number}/evaluation"),
    ("post", "/api/v1/orders/{number}/refund"),
    ("post", "/api/v1/esign/verify"),
    ("get", "/api/v1/esign/seal"),
    ("post", "/api/v1/esign/seal/code"),
    ("post", "/api/v1/esign/seal"),
    ("get", "/api/v1/settlements/claimable-orders"),
    ("get", "/api/v1/settlements/claims"),
    ("post", "/api/v1/settlements/claims"),
    ("get", "/api/v1/settlements/claims/{claim_id}"),
    ("put", "/api/v1/settlements/claims/{claim_id}/materials"),
    ("post", "/api/v1/settlements/claims/{claim_id}/submit"),
    ("post", "/api/v1/settlements/staff/lines/{line_id}/cut"),
    ("post", "/api/v1/settlements/staff/claims/{claim_id}/paper"),
    ("post", "/api/v1/settlements/staff/notices"),
    ("post", "/api/v1/settlements/staff/claims/{claim_id}/pay"),
    ("get", "/api/v1/settlements/staff/budget/{program_id}"),
    ("get", "/api/v1/settlements/notices"),
    ("get", "/api/v1/messages"),
    ("post", "/api/v1/messages"),
    ("get", "/api/v1/messages/{message_id}"),
    ("post", "/api/v1/messages/{message_id}/replies"),
    ("get", "/api/v1/news"),
    ("get", "/api/v1/news/help-contacts"),
    ("get", "/api/v1/news/{article_id}"),
    ("get", "/api/v1/demands"),
    ("post", "/api/v1/demands"),
    ("post", "/api/v1/demands/{demand_id}/responses"),
}


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _resolve(document, node):
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _unbounded_strings(document, node, where, seen=()):
    """Every input string without a maxLength (an enum, a format or a file is bounded)."""
    node = _resolve(document, node)
    if id(node) in seen:
        return
    seen = (*seen, id(node))
    if node.get("type") == "string" and not {"maxLength", "enum", "format"} & node.keys():
        yield where
    for key in ("anyOf", "oneOf", "allOf"):
        for i, child in enumerate(node.get(key, [])):
            yield from _unbounded_strings(document, child, f"{where}[{i}]", seen)
    for name, child in node.get("properties", {}).items():
        yield from _unbounded_strings(document, child, f"{where}.{name}", seen)
    if "items" in node:
        yield from _unbounded_strings(document, node["items"], f"{where}[]", seen)


def test_openapi_document_generates_with_every_endpoint(openapi):
    document = openapi.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "中小企业服务券平台 API"
    assert {(m, p) for m, p, _ in _operations(document)} == EXPECTED_OPERATIONS


def test_openapi_document_keeps_chinese_readable(openapi):
    assert "中小企业服务券平台".encode() in openapi.content
    assert not re.search(rb"\\u[0-9a-fA-F]{4}", openapi.content)
    assert openapi["Content-Type"] == "application/json; charset=utf-8"


def test_openapi_documents_the_error_bodies(openapi):
    document = openapi.json()
    ref = "#/components/schemas/{}".format

    def body_of(operation, status):
        return operation["responses"][str(status)]["content"]["application/json"]["schema"]

    for method, path, operation in _operations(document):
        assert body_of(operation, 400) == {"$ref": ref("ErrorOut")}, (method, path)
        assert body_of(operation, 422) == {"$ref": ref("ValidationErrorOut")}, (method, path)
        if operation.get("security"):
            assert body_of(operation, 401) == {"$ref": ref("ErrorOut")}, (method, path)
        else:
            assert body_of(operation, 429) == {"$ref": ref("ErrorOut")}, (method, path)
        if "{" in path:
            assert body_of(operation, 404) == {"$ref": ref("ErrorOut")}, (method, path)
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"code", "message"}


def test_only_the_public_operations_need_no_login(openapi):
    public = {(m, p) for m, p, op in _operations(openapi.json()) if not op.get("security")}
    assert public == {
        ("post", "/api/v1/accounts/captcha"),
        ("post", "/api/v1/accounts/sms-codes"),
        ("post", "/api/v1/accounts/register"),
        ("post", "/api/v1/accounts/login"),
        ("post", "/api/v1/accounts/password-reset"),
        ("get", "/api/v1/regions"),
        ("get", "/api/v1/providers/public"),
        ("get", "/api/v1/providers/public/{provider_id}"),
        ("post", "/api/v1/esign/verify"),
        ("get", "/api/v1/settlements/notices"),
        ("get", "/api/v1/news"),
        ("get", "/api/v1/news/help-contacts"),
        ("get", "/api/v1/news/{article_id}"),
        ("get", "/api/v1/demands"),
    }


def test_every_input_string_has_a_maximum_length(openapi):
    document = openapi.json()
    unbounded = []
    for method, path, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{method} {path} {parameter['name']}"
            unbounded += _unbounded_strings(document, parameter["schema"], where)
        for media in operation.get("requestBody", {}).get("content", {}).values():
            unbounded += _unbounded_strings(document, media["schema"], f"{method} {path} body")
    assert unbounded == []


def test_docs_page_loads_its_assets_from_this_site(client):
    # when the interactive docs are opened
    response = client.get("/api/v1/docs")
    # then the page names no outside address, and the assets it names are installed
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html
    assert "https://" not in html
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert "ninja/swagger-ui-bundle.js" in assets
    assert "ninja/swagger-ui.css" in assets
    assert all(finders.find(asset) for asset in assets)
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["url"] == "/api/v1/openapi.json"
    assert settings["validatorUrl"] is None
