"""Staff management over the API: system admins only, phones always masked."""

import pytest

from smevoucher.accounts.models import User
from smevoucher.accounts.services import api_token_create
from smevoucher.staff.permissions import staff_roles

pytestmark = pytest.mark.django_db

PASSWORD = "Guilin2026ok"


def bearer(user) -> dict:
    _token, key = api_token_create(actor=user)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def province_admin(make_staff):
    return make_staff(region_code="45", roles=("sysadmin",), phone="13800000001")


@pytest.fixture
def liuzhou_admin(make_staff):
    return make_staff(region_code="4502", roles=("sysadmin",), phone="13800000002")


def test_list_shows_the_region_with_masked_phones(
    client, province_admin, liuzhou_reviewer, nanning_reviewer, make_staff
):
    make_staff(region_code="11", phone="13800000011")
    response = client.get("/api/v1/staff", headers=bearer(province_admin))
    assert response.status_code == 200
    body = response.json()
    phones = {item["phone"] for item in body["items"]}
    assert phones == {"138****0001", "138****4502", "138****4501"}
    assert liuzhou_reviewer.phone not in response.content.decode()
    liuzhou = next(item for item in body["items"] if item["id"] == liuzhou_reviewer.pk)
    assert liuzhou["region_code"] == "4502"
    assert liuzhou["region_name"] == "柳州市"
    assert liuzhou["roles"] == ["reviewer"]
    # filters
    body = client.get("/api/v1/staff?region_code=4501", headers=bearer(province_admin)).json()
    assert [item["id"] for item in body["items"]] == [nanning_reviewer.pk]


def test_only_a_system_admin_may_call_it(client, liuzhou_reviewer, enterprise_user):
    for user in (liuzhou_reviewer, enterprise_user):
        response = client.get("/api/v1/staff", headers=bearer(user))
        assert response.status_code == 403
        assert response.json()["code"] == "staff.forbidden"
    assert client.get("/api/v1/staff").status_code == 401


def test_create_answers_201_with_a_masked_phone(client, province_admin):
    response = client.post(
        "/api/v1/staff",
        {
            "phone": "13800004503",
            "display_name": "桂林市服务中心审核员",
            "title": "桂林市中小企业服务中心",
            "region_code": "4503",
            "roles": ["reviewer", "approver"],
            "password": PASSWORD,
        },
        content_type="application/json",
        headers=bearer(province_admin),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "138****4503"
    assert body["roles"] == ["approver", "reviewer"]
    assert "13800004503" not in response.content.decode()
    assert PASSWORD not in response.content.decode()


def test_create_outside_the_region_is_refused(client, liuzhou_admin):
    response = client.post(
        "/api/v1/staff",
        {
            "phone": "13800004503",
            "display_name": "桂林市服务中心审核员",
            "region_code": "4503",
            "roles": ["reviewer"],
            "password": PASSWORD,
        },
        content_type="application/json",
        headers=bearer(liuzhou_admin),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "staff.region_outside"
    assert response.json()["field"] == "region_code"
    assert not User.objects.filter(phone="13800004503").exists()


def test_an_unknown_role_is_a_422(client, province_admin):
    response = client.post(
        "/api/v1/staff",
        {
            "phone": "13800004503",
            "display_name": "x",
            "region_code": "4503",
            "roles": ["boss"],
            "password": PASSWORD,
        },
        content_type="application/json",
        headers=bearer(province_admin),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("roles")


def test_update_and_another_citys_staff_is_404(
    client, liuzhou_admin, liuzhou_reviewer, nanning_reviewer
):
    headers = bearer(liuzhou_admin)
    response = client.patch(
        f"/api/v1/staff/{liuzhou_reviewer.pk}",
        {"region_code": "4502", "roles": ["reviewer", "auditor"], "title": "柳州市服务中心"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["auditor", "reviewer"]
    assert staff_roles(User.objects.get(pk=liuzhou_reviewer.pk)) == {"reviewer", "auditor"}
    response = client.patch(
        f"/api/v1/staff/{nanning_reviewer.pk}",
        {"region_code": "4502", "roles": ["reviewer"], "title": ""},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/staff/{nanning_reviewer.pk}", headers=headers).status_code == 404


def test_deactivate_revokes_the_persons_tokens_and_activate_restores_login(
    client, province_admin, liuzhou_reviewer
):
    # given the reviewer using the API with its own token
    reviewer_headers = bearer(liuzhou_reviewer)
    assert client.get("/api/v1/accounts/me", headers=reviewer_headers).status_code == 200
    admin_headers = bearer(province_admin)
    # when the admin deactivates the reviewer
    response = client.post(
        f"/api/v1/staff/{liuzhou_reviewer.pk}/deactivate",
        {"reason": "调离岗位"},
        content_type="application/json",
        headers=admin_headers,
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    # then the reviewer's token no longer works
    assert client.get("/api/v1/accounts/me", headers=reviewer_headers).status_code == 401
    # and deactivating again is a clear refusal
    again = client.post(
        f"/api/v1/staff/{liuzhou_reviewer.pk}/deactivate",
        {"reason": "调离岗位"},
        content_type="application/json",
        headers=admin_headers,
    )
    assert again.status_code == 409
    assert again.json()["message"] == "该账号已是停用状态"
    response = client.post(
        f"/api/v1/staff/{liuzhou_reviewer.pk}/activate",
        {"reason": "返岗"},
        content_type="application/json",
        headers=admin_headers,
    )
    assert response.json()["is_active"] is True


def test_the_schema_documents_the_staff_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/staff" in schema["paths"]
    assert "/api/v1/staff/{user_id}/deactivate" in schema["paths"]
