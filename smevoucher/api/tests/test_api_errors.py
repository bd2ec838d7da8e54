"""One error format for the whole API: {code, message} in Chinese, 401 without a login."""

from __future__ import annotations

import pytest

from smevoucher.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

PROTECTED = [
    ("get", "/api/v1/accounts/me"),
    ("post", "/api/v1/accounts/logout"),
    ("post", "/api/v1/accounts/me/password"),
    ("post", "/api/v1/accounts/me/phone"),
    ("post", "/api/v1/uploads"),
    ("get", "/api/v1/uploads/8d7c1b3e-4f6a-4b2c-9e1d-0a1b2c3d4e5f"),
    ("get", "/api/v1/inbox"),
    ("get", "/api/v1/inbox/unread-count"),
    ("post", "/api/v1/inbox/read-all"),
    ("post", "/api/v1/inbox/1/read"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_endpoints_answer_401_without_a_login(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "请先登录"}


def test_an_unknown_or_revoked_token_answers_401(client, enterprise_user):
    # given a token that was revoked
    token, key = api_token_create(actor=enterprise_user)
    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    # then neither it nor a made-up one authenticates
    for bearer in (key, "made-up-token"):
        response = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {bearer}"})
        assert response.status_code == 401


def test_a_token_of_a_deactivated_user_answers_401(client, enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    enterprise_user.is_active = False
    enterprise_user.save(update_fields=["is_active"])
    response = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_chinese_in_error_bodies_is_not_escaped(client):
    response = client.get("/api/v1/accounts/me")
    assert "请先登录".encode() in response.content
    assert b"\\u" not in response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_malformed_input_answers_422_with_each_field_named(client):
    # when a login comes with a missing, a too long and a mistyped field
    response = client.post(
        "/api/v1/accounts/login",
        {"phone": "1" * 21, "password": 12345678, "captcha_answer": "abcd"},
        content_type="application/json",
    )
    # then each is named with a Chinese message
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "提交的数据格式不正确"
    assert {(e["field"], e["type"], e["message"]) for e in body["errors"]} == {
        ("phone", "string_too_long", "长度不能超过20个字符"),
        ("password", "string_type", "应为文本"),
        ("captcha_key", "missing", "此项为必填项"),
    }


def test_an_unknown_choice_is_named_with_its_choices(client):
    response = client.post(
        "/api/v1/accounts/sms-codes",
        {"phone": "13500001111", "purpose": "spam", "captcha_key": "k", "captcha_answer": "a"},
        content_type="application/json",
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "purpose"
    assert error["message"].startswith("取值无效，可选值：")
    assert "'register'" in error["message"]


def test_a_body_that_is_not_json_answers_400(client):
    response = client.post(
        "/api/v1/accounts/login", "phone=1&password=2", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_domain_error_answers_its_code_message_and_field(client):
    # given a solved captcha (so the service is reached) and a phone that is no phone
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    # when a code is requested for it
    response = client.post(
        "/api/v1/accounts/sms-codes",
        {"phone": "12345", "purpose": "register", "captcha_key": key, "captcha_answer": answer},
        content_type="application/json",
    )
    # then the service's refusal comes through as is
    assert response.status_code == 400
    assert response.json() == {
        "code": "phone.invalid",
        "message": "请输入正确的11位手机号码",
        "field": "phone",
    }


def test_an_unknown_api_address_answers_404_in_the_error_format(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "内容不存在或无权查看"}


def test_a_request_id_comes_back_with_api_errors(client):
    response = client.get("/api/v1/accounts/me", headers={"X-Request-ID": "mini-program-0001"})
    assert response["X-Request-ID"] == "mini-program-0001"
