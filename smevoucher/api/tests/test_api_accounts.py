"""The accounts endpoints: captcha, SMS codes, register, login, logout, security settings."""

from __future__ import annotations

import re

import pytest
from captcha.models import CaptchaStore
from django.test import Client

from smevoucher.accounts.models import ApiToken, SmsCode, User
from smevoucher.accounts.services import api_token_create
from smevoucher.notifications.models import SmsOutbox

pytestmark = pytest.mark.django_db

PASSWORD = "Voucher2026"  # the root conftest's password for every fixture user
NEW_PASSWORD = "Fresh2027pass"
NEW_PHONE = "13712345678"


def post(client, path, data=None, *, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
    )


def get(client, path, *, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1{path}", headers=headers)


def solved_captcha(client) -> dict:
    key = post(client, "/accounts/captcha").json()["key"]
    answer = CaptchaStore.objects.get(hashkey=key).response
    return {"captcha_key": key, "captcha_answer": answer}


def send_code(client, capture, *, phone: str, purpose: str) -> str:
    """Ask for a code through the API and read it from the SMS outbox."""
    with capture(execute=True):
        response = post(
            client,
            "/accounts/sms-codes",
            {"phone": phone, "purpose": purpose, **solved_captcha(client)},
        )
    assert response.status_code == 200, response.content
    text = SmsOutbox.objects.filter(phone=phone).latest("created_at", "pk").text
    return re.search(r"\d{6}", text).group()


def login(client, phone: str, password: str = PASSWORD):
    return post(
        client, "/accounts/login", {"phone": phone, "password": password, **solved_captcha(client)}
    )


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


# --- captcha -------------------------------------------------------------------------------


def test_captcha_gives_a_key_and_a_local_image(client):
    # when a client asks for a captcha
    response = post(client, "/accounts/captcha")
    # then it gets a stored challenge and an image served by this site
    assert response.status_code == 200
    body = response.json()
    assert CaptchaStore.objects.filter(hashkey=body["key"]).exists()
    assert body["image_url"] == f"http://testserver/captcha/image/{body['key']}/"
    image = client.get(f"/captcha/image/{body['key']}/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"


def test_captcha_requests_per_address_are_bounded(client):
    # given the captchas one address may fetch in a minute
    for _ in range(30):
        assert post(client, "/accounts/captcha").status_code == 200
    # when it asks for one more, even claiming another address
    response = client.post("/api/v1/accounts/captcha", headers={"X-Forwarded-For": "10.9.8.7"})
    # then it is told to wait
    assert response.status_code == 429
    assert response.json() == {"code": "throttled", "message": "请求过于频繁，请稍后再试"}


# --- SMS codes -----------------------------------------------------------------------------


def test_sms_code_is_sent_after_a_right_captcha(client, capture):
    # given a solved captcha
    captcha = solved_captcha(client)
    # when a code for registration is requested
    with capture(execute=True):
        response = post(
            client, "/accounts/sms-codes", {"phone": NEW_PHONE, "purpose": "register", **captcha}
        )
    # then it is sent, and says when it expires and when to ask again
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "验证码已发送"
    assert body["resend_after_seconds"] == 60
    assert body["expires_at"]
    sms = SmsOutbox.objects.get(phone=NEW_PHONE)
    assert re.search(r"\d{6}", sms.text)
    assert SmsCode.objects.get(phone=NEW_PHONE).ip_address == "127.0.0.1"


def test_sms_code_refused_with_a_wrong_captcha(client, capture):
    # given a captcha answered wrongly
    captcha = solved_captcha(client)
    # when a code is requested with it
    with capture(execute=True):
        response = post(
            client,
            "/accounts/sms-codes",
            {"phone": NEW_PHONE, "purpose": "register", **captcha, "captcha_answer": "zzzz"},
        )
    # then nothing is sent and the captcha input is named
    assert response.status_code == 400
    assert response.json() == {
        "code": "captcha.wrong",
        "message": "图形验证码错误或已过期",
        "field": "captcha",
    }
    assert not SmsOutbox.objects.exists()


def test_captcha_answers_only_once(client, capture):
    # given a captcha already used for one code
    captcha = solved_captcha(client)
    with capture(execute=True):
        first = post(
            client, "/accounts/sms-codes", {"phone": NEW_PHONE, "purpose": "register", **captcha}
        )
    assert first.status_code == 200
    # when the same key and answer come again
    again = post(
        client, "/accounts/sms-codes", {"phone": "13712340000", "purpose": "register", **captcha}
    )
    # then it is refused
    assert again.status_code == 400
    assert again.json()["code"] == "captcha.wrong"


def test_wrong_captcha_guess_burns_the_challenge(client):
    # given a captcha guessed wrongly once
    captcha = solved_captcha(client)
    post(
        client,
        "/accounts/sms-codes",
        {"phone": NEW_PHONE, "purpose": "register", **captcha, "captcha_answer": "zzzz"},
    )
    # when the right answer follows on the same key
    response = post(
        client, "/accounts/sms-codes", {"phone": NEW_PHONE, "purpose": "register", **captcha}
    )
    # then it is too late: one image, one guess
    assert response.json()["code"] == "captcha.wrong"


def test_second_sms_code_within_a_minute_answers_429(client, capture):
    # given a code just sent to a phone
    send_code(client, capture, phone=NEW_PHONE, purpose="register")
    # when another is requested right away
    response = post(
        client,
        "/accounts/sms-codes",
        {"phone": NEW_PHONE, "purpose": "register", **solved_captcha(client)},
    )
    # then the send limit answers 429 in the error format
    assert response.status_code == 429
    assert response.json()["code"] == "sms.too_soon"


def test_sms_code_for_login_refused_for_an_unknown_phone(client):
    response = post(
        client,
        "/accounts/sms-codes",
        {"phone": NEW_PHONE, "purpose": "login", **solved_captcha(client)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "phone.unknown"
    assert response.json()["field"] == "phone"


# --- register ------------------------------------------------------------------------------


def test_register_creates_the_user_and_returns_a_working_token(client, capture):
    # given a registration code sent to a new phone
    code = send_code(client, capture, phone=NEW_PHONE, purpose="register")
    # when the enterprise registers with it
    response = post(
        client,
        "/accounts/register",
        {
            "display_name": "柳州市新注册科技有限公司",
            "phone": NEW_PHONE,
            "password": NEW_PASSWORD,
            "sms_code": code,
        },
    )
    # then the account exists and the answer carries a bearer token and the masked phone
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["phone"] == "137****5678"
    assert body["user"]["display_name"] == "柳州市新注册科技有限公司"
    assert User.objects.get(phone=NEW_PHONE).check_password(NEW_PASSWORD)
    me = get(client, "/accounts/me", token=body["token"])
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


def test_register_refuses_a_wrong_sms_code(client, capture):
    # given a registration code sent to a new phone
    code = send_code(client, capture, phone=NEW_PHONE, purpose="register")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # when the registration brings another code
    response = post(
        client,
        "/accounts/register",
        {"display_name": "某企业", "phone": NEW_PHONE, "password": NEW_PASSWORD, "sms_code": wrong},
    )
    # then nobody is registered and the code input is named
    assert response.status_code == 400
    assert response.json()["code"] == "sms.wrong"
    assert response.json()["field"] == "sms_code"
    assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_register_refuses_a_weak_password(client, capture):
    code = send_code(client, capture, phone=NEW_PHONE, purpose="register")
    response = post(
        client,
        "/accounts/register",
        {"display_name": "某企业", "phone": NEW_PHONE, "password": "12345678", "sms_code": code},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "password.weak"
    assert not User.objects.filter(phone=NEW_PHONE).exists()


# --- login ---------------------------------------------------------------------------------


def test_login_by_password_returns_a_bearer_token(client, enterprise_user):
    # when the enterprise logs in with its password and a captcha
    response = login(client, enterprise_user.phone)
    # then the token it gets authenticates API calls
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    me = get(Client(), "/accounts/me", token=token)
    assert me.status_code == 200
    assert me.json()["phone"] == "135****1111"
    assert ApiToken.objects.filter(user=enterprise_user, revoked_at__isnull=True).count() == 1


def test_login_by_sms_code_returns_a_bearer_token(client, capture, enterprise_user):
    # given a login code sent to the enterprise's phone
    code = send_code(client, capture, phone=enterprise_user.phone, purpose="login")
    # when it logs in with that code
    response = post(
        client,
        "/accounts/login",
        {"phone": enterprise_user.phone, "sms_code": code, **solved_captcha(client)},
    )
    # then it gets a token for its own account
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == enterprise_user.pk


def test_login_by_sms_code_refuses_a_wrong_code(client, capture, enterprise_user):
    code = send_code(client, capture, phone=enterprise_user.phone, purpose="login")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = post(
        client,
        "/accounts/login",
        {"phone": enterprise_user.phone, "sms_code": wrong, **solved_captcha(client)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "sms.wrong"


def test_login_refuses_a_wrong_password(client, enterprise_user):
    response = login(client, enterprise_user.phone, password="Wrong2026")
    assert response.status_code == 400
    assert response.json() == {"code": "login.failed", "message": "手机号或密码错误"}
    assert not ApiToken.objects.exists()


def test_login_refuses_a_wrong_captcha_even_with_the_right_password(client, enterprise_user):
    captcha = solved_captcha(client)
    response = post(
        client,
        "/accounts/login",
        {
            "phone": enterprise_user.phone,
            "password": PASSWORD,
            **captcha,
            "captcha_answer": "zzzz",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "captcha.wrong"
    assert not ApiToken.objects.exists()


def test_login_needs_exactly_one_of_password_and_sms_code(client, enterprise_user):
    response = post(
        client,
        "/accounts/login",
        {
            "phone": enterprise_user.phone,
            "password": PASSWORD,
            "sms_code": "123456",
            **solved_captcha(client),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "请填写密码或短信验证码（二选一）"


def test_login_locks_after_the_configured_failures(client, enterprise_user, settings):
    # given as many wrong passwords as the lockout allows
    answers = [
        login(client, enterprise_user.phone, password="Wrong2026")
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # then the last failure locks the phone, answered 429 in the error format
    assert [a.status_code for a in answers[:-1]] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1].status_code == 429
    assert answers[-1].json()["code"] == "login.locked"
    # when the right password follows
    response = login(client, enterprise_user.phone)
    # then it is locked out too
    assert response.status_code == 429
    assert response.json()["code"] == "login.locked"
    assert not ApiToken.objects.exists()


def test_successful_login_clears_earlier_failures(client, enterprise_user, settings):
    # given failures one short of the lockout, then a successful login
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, enterprise_user.phone, password="Wrong2026")
    assert login(client, enterprise_user.phone).status_code == 200
    # when one more wrong password comes
    response = login(client, enterprise_user.phone, password="Wrong2026")
    # then it is an ordinary failure, not a lockout
    assert response.status_code == 400


# --- logout --------------------------------------------------------------------------------


def test_logout_revokes_the_bearer_token_used(client, enterprise_user):
    # given two tokens of the same user
    _token, key = api_token_create(actor=enterprise_user, name="phone")
    _other, other_key = api_token_create(actor=enterprise_user, name="tablet")
    # when logging out with the first
    response = post(client, "/accounts/logout", token=key)
    # then the first no longer works and the second still does
    assert response.status_code == 200
    assert response.json() == {"message": "已退出登录"}
    assert get(client, "/accounts/me", token=key).status_code == 401
    assert get(client, "/accounts/me", token=other_key).status_code == 200


def test_logout_ends_the_session(client, enterprise_user):
    # given a logged-in web session
    client.force_login(enterprise_user)
    assert get(client, "/accounts/me").status_code == 200
    # when it logs out through the API
    response = post(client, "/accounts/logout")
    # then the session is over
    assert response.status_code == 200
    assert get(client, "/accounts/me").status_code == 401


def test_session_writes_need_the_csrf_token(enterprise_user):
    # given a session on a client that enforces CSRF
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(enterprise_user)
    # when it posts without the CSRF token
    response = post(browser, "/accounts/logout")
    # then it is refused in the error format
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_bearer_token_needs_no_csrf_token(enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    response = post(Client(enforce_csrf_checks=True), "/accounts/logout", token=key)
    assert response.status_code == 200


# --- me and security settings --------------------------------------------------------------


def test_me_shows_the_masked_phone_never_the_full_one(client, enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    response = get(client, "/accounts/me", token=key)
    assert response.status_code == 200
    assert response.json() == {
        "id": enterprise_user.pk,
        "phone": "135****1111",
        "display_name": "柳州市测试机械有限公司",
        "is_staff": False,
        "date_joined": response.json()["date_joined"],
    }
    assert "13500001111" not in response.content.decode()


def test_password_change_then_login_with_the_new_password(client, enterprise_user):
    # given a logged-in user
    _token, key = api_token_create(actor=enterprise_user)
    # when it changes its password
    response = post(
        client,
        "/accounts/me/password",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        token=key,
    )
    # then the new password logs in and the old one no longer does
    assert response.status_code == 200
    assert response.json() == {"message": "密码已修改"}
    assert login(Client(), enterprise_user.phone, NEW_PASSWORD).status_code == 200
    assert login(Client(), enterprise_user.phone, PASSWORD).status_code == 400


def test_password_change_refuses_a_wrong_old_password(client, enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    response = post(
        client,
        "/accounts/me/password",
        {"old_password": "Wrong2026", "new_password": NEW_PASSWORD},
        token=key,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "password.wrong"
    assert response.json()["field"] == "old_password"
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password(PASSWORD)


def test_password_change_keeps_the_own_session_logged_in(client, enterprise_user):
    client.force_login(enterprise_user)
    response = post(
        client, "/accounts/me/password", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert get(client, "/accounts/me").status_code == 200


def test_phone_change_moves_the_account_to_the_new_phone(client, capture, enterprise_user):
    # given a code sent to the new phone
    _token, key = api_token_create(actor=enterprise_user)
    code = send_code(client, capture, phone=NEW_PHONE, purpose="change_phone")
    # when the user moves its account there
    response = post(
        client,
        "/accounts/me/phone",
        {"password": PASSWORD, "new_phone": NEW_PHONE, "sms_code": code},
        token=key,
    )
    # then the account has the new phone, shown masked
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "137****5678"
    enterprise_user.refresh_from_db()
    assert enterprise_user.phone == NEW_PHONE


def test_phone_change_refuses_a_wrong_password(client, capture, enterprise_user):
    _token, key = api_token_create(actor=enterprise_user)
    code = send_code(client, capture, phone=NEW_PHONE, purpose="change_phone")
    response = post(
        client,
        "/accounts/me/phone",
        {"password": "Wrong2026", "new_phone": NEW_PHONE, "sms_code": code},
        token=key,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "password.wrong"
    enterprise_user.refresh_from_db()
    assert enterprise_user.phone == "13500001111"


def test_password_reset_by_sms_code(client, capture, enterprise_user):
    # given a reset code sent to the enterprise's phone
    code = send_code(client, capture, phone=enterprise_user.phone, purpose="reset_password")
    # when it sets a new password with it
    response = post(
        client,
        "/accounts/password-reset",
        {"phone": enterprise_user.phone, "sms_code": code, "new_password": NEW_PASSWORD},
    )
    # then the new password logs in
    assert response.status_code == 200
    assert response.json() == {"message": "密码已重置，请使用新密码登录"}
    assert login(Client(), enterprise_user.phone, NEW_PASSWORD).status_code == 200


def test_password_reset_code_works_only_once(client, capture, enterprise_user):
    code = send_code(client, capture, phone=enterprise_user.phone, purpose="reset_password")
    payload = {"phone": enterprise_user.phone, "sms_code": code, "new_password": NEW_PASSWORD}
    assert post(client, "/accounts/password-reset", payload).status_code == 200
    again = post(client, "/accounts/password-reset", {**payload, "new_password": "Other2028pw"})
    assert again.status_code == 400
    assert again.json()["code"] == "sms.expired"
