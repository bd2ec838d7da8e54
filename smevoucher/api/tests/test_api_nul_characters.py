"""Text with a NUL character is refused as input (422): PostgreSQL cannot store it."""

from __future__ import annotations

import pytest

from smevoucher.accounts.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    return {"Authorization": f"Bearer {key}"}


def _fields(response) -> list[str]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert {error["type"] for error in body["errors"]} == {"null_character"}
    assert {error["message"] for error in body["errors"]} == {"不能包含空字符"}
    return [error["field"] for error in body["errors"]]


def test_in_a_query_parameter(client):
    # found by schemathesis: PostgreSQL raised DataError on /api/v1/news?kind=%00
    assert _fields(client.get("/api/v1/news", {"kind": "policy\x00"})) == ["kind"]


def test_in_a_json_body_names_the_field(client, bearer):
    response = client.post(
        "/api/v1/messages",
        {"title": "咨询", "content": "申请\x00材料", "region_code": "450202"},
        content_type="application/json",
        headers=bearer,
    )
    assert _fields(response) == ["content"]


def test_in_a_path_parameter(client, bearer):
    assert _fields(client.get("/api/v1/orders/SO%00123", headers=bearer)) == ["number"]


def test_an_escaped_backslash_is_ordinary_text(client, bearer):
    # "\\u0000" in JSON is the six characters \u0000, not a NUL
    response = client.post(
        "/api/v1/messages",
        '{"title": "咨询", "content": "\\\\u0000", "region_code": "450202"}',
        content_type="application/json",
        headers=bearer,
    )
    assert response.status_code != 422, response.content
