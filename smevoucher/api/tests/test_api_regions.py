"""The region picker, and the OpenAPI document of the organization and review endpoints."""

from __future__ import annotations

import pytest

from smevoucher.api.tests.test_api_schema import _operations, _unbounded_strings

pytestmark = pytest.mark.django_db


def test_provinces_without_a_parent_and_no_login_needed(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    provinces = {r["code"]: r for r in response.json()}
    assert provinces["45"] == {"code": "45", "name": "广西壮族自治区", "level": "province"}
    assert {r["level"] for r in provinces.values()} == {"province"}


def test_cities_of_a_province_and_districts_of_a_city(client):
    cities = {r["code"]: r for r in client.get("/api/v1/regions?parent=45").json()}
    districts = {r["code"]: r for r in client.get("/api/v1/regions?parent=4502").json()}
    assert cities["4502"] == {"code": "4502", "name": "柳州市", "level": "city"}
    assert cities["4501"]["name"] == "南宁市"
    assert districts["450202"]["level"] == "district"
    assert all(code.startswith("4502") for code in districts)


def test_a_district_has_no_children(client):
    assert client.get("/api/v1/regions?parent=450202").json() == []


def test_a_malformed_parent_answers_422(client):
    response = client.get("/api/v1/regions?parent=abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parent"


# --- the OpenAPI document ------------------------------------------------------------------

OPERATIONS = {
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
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_the_region_org_and_review_operations(document):
    mine = {
        (method, path)
        for method, path, _ in _operations(document)
        if path.startswith(("/api/v1/regions", "/api/v1/orgs", "/api/v1/reviews"))
    }
    assert mine == OPERATIONS
    public = {
        (m, p) for m, p, op in _operations(document) if (m, p) in mine and not op.get("security")
    }
    assert public == {("get", "/api/v1/regions")}


def test_every_string_in_and_out_of_these_operations_is_bounded(document):
    # Answers too: a bound on each string keeps a client's storage and screens predictable.
    unbounded = []
    for method, path, operation in _operations(document):
        if (method, path) not in OPERATIONS:
            continue
        for parameter in operation.get("parameters", []):
            where = f"{method} {path} {parameter['name']}"
            unbounded += _unbounded_strings(document, parameter["schema"], where)
        bodies = [
            *operation.get("requestBody", {}).get("content", {}).values(),
            *(
                media
                for status, response in operation["responses"].items()
                if str(status).startswith("2")
                for media in response.get("content", {}).values()
            ),
        ]
        for media in bodies:
            unbounded += _unbounded_strings(document, media["schema"], f"{method} {path}")
    assert unbounded == []
