"""Numbers beyond what the database holds are refused as input (422), never a 500."""

from __future__ import annotations

import pytest

from smevoucher.accounts.services import api_token_create
from smevoucher.api.schemas import MAX_ID

pytestmark = pytest.mark.django_db

BEYOND = MAX_ID + 1


@pytest.fixture
def bearer(enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        # found by schemathesis: SQLite raised OverflowError on these
        ("put", f"/api/v1/catalog/favourites/{BEYOND}", None, "product_id"),
        ("get", f"/api/v1/catalog/categories?program_id={BEYOND}", None, "program_id"),
        ("post", f"/api/v1/staff/{BEYOND}/deactivate", {"reason": "测试"}, "user_id"),
        (
            "post",
            "/api/v1/settlements/staff/notices",
            {"program_id": BEYOND, "claim_ids": [1]},
            "program_id",
        ),
        ("get", f"/api/v1/inbox?page={BEYOND}", None, "page"),
    ],
)
def test_an_id_beyond_64_bits_answers_422(client, bearer, method, path, body, field):
    # when a request names a number no row can have
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    response = getattr(client, method)(path, headers=bearer, **kwargs)
    # then it is refused as malformed input, the field named
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]


def test_the_largest_id_is_simply_not_found(client, bearer):
    response = client.put(f"/api/v1/catalog/favourites/{MAX_ID}", headers=bearer)
    assert response.status_code == 404
