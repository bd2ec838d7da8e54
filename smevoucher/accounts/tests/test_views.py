"""The accounts pages, driven through Django's test client (captcha in test mode)."""

import re

import pytest
from captcha.models import CaptchaStore
from django.urls import reverse

from smevoucher.accounts.models import SmsCode, User
from smevoucher.audit.models import AuditRecord
from smevoucher.notifications.models import SmsOutbox

pytestmark = pytest.mark.django_db


def captcha() -> dict:
    """A real, fresh image-captcha challenge and its answer (each answers once)."""
    store = CaptchaStore.objects.create(challenge="ABCD", response="abcd")
    return {"captcha_0": store.hashkey, "captcha_1": "ABCD"}


def last_code(phone: str) -> str:
    text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
    return re.search(r"\d{6}", text).group(0)


def send_code(client, url, phone, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, {"action": "send_code", "phone": phone, **captcha(), **extra})


def test_registration_sends_code_then_registers_and_logs_in(
    client, django_capture_on_commit_callbacks
):
    # given the register page asked for a code
    url = reverse("accounts:register")
    response = send_code(
        client,
        url,
        "13712345678",
        django_capture_on_commit_callbacks,
        display_name="桂林市新企业有限公司",
    )
    assert response.status_code == 200
    assert "验证码已发送至137****5678" in response.content.decode()
    # the name typed stays in the form, the secrets do not
    assert "桂林市新企业有限公司" in response.content.decode()
    # when the form is submitted with the code
    response = client.post(
        url,
        {
            "action": "register",
            "display_name": "桂林市新企业有限公司",
            "phone": "13712345678",
            "password": "Guilin2026ok",
            "password_confirm": "Guilin2026ok",
            "sms_code": last_code("13712345678"),
            "agree": "on",
            **captcha(),
        },
    )
    # then the user exists, is logged in and lands in the personal center
    assert response.status_code == 302
    assert response.url == reverse("portal:center")
    user = User.objects.get(phone="13712345678")
    assert user.display_name == "桂林市新企业有限公司"
    assert client.get(reverse("portal:center")).status_code == 200


def test_registration_refuses_wrong_code_and_keeps_nothing(
    client, django_capture_on_commit_callbacks
):
    url = reverse("accounts:register")
    send_code(client, url, "13712345678", django_capture_on_commit_callbacks)
    wrong = "000000" if last_code("13712345678") != "000000" else "111111"
    response = client.post(
        url,
        {
            "action": "register",
            "display_name": "企业",
            "phone": "13712345678",
            "password": "Guilin2026ok",
            "password_confirm": "Guilin2026ok",
            "sms_code": wrong,
            "agree": "on",
            **captcha(),
        },
    )
    assert response.status_code == 200
    assert "验证码错误" in response.content.decode()
    assert not User.objects.filter(phone="13712345678").exists()


def test_registration_without_agreement_or_with_mismatched_passwords_is_refused(client):
    response = client.post(
        reverse("accounts:register"),
        {
            "action": "register",
            "display_name": "企业",
            "phone": "13712345678",
            "password": "Guilin2026ok",
            "password_confirm": "Guilin2026no",
            "sms_code": "123456",
            **captcha(),
        },
    )
    body = response.content.decode()
    assert "两次输入的密码不一致" in body
    assert "请阅读并同意用户服务协议和隐私政策" in body
    assert not SmsCode.objects.exists()


def test_send_code_with_wrong_captcha_sends_nothing(client):
    response = client.post(
        reverse("accounts:register"),
        {"action": "send_code", "phone": "13712345678", "captcha_0": "nokey", "captcha_1": "abcd"},
    )
    assert "图形验证码错误或已过期" in response.content.decode()
    assert not SmsCode.objects.exists()


def test_send_code_for_registered_phone_says_so(client, enterprise_user):
    response = client.post(
        reverse("accounts:register"),
        {"action": "send_code", "phone": enterprise_user.phone, **captcha()},
    )
    assert "该手机号已注册" in response.content.decode()


def test_password_login_and_logout(client, enterprise_user):
    response = client.post(
        reverse("accounts:login"),
        {"action": "login", "phone": enterprise_user.phone, "password": "Voucher2026", **captcha()},
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == enterprise_user.pk
    assert AuditRecord.objects.filter(
        action="user.logged_in", subject_id=str(enterprise_user.pk)
    ).exists()
    # when logging out (POST only)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_gives_a_new_session_id(client, enterprise_user):
    client.get(reverse("accounts:login"))
    client.session.save()
    before = client.session.session_key
    client.post(
        reverse("accounts:login"),
        {"action": "login", "phone": enterprise_user.phone, "password": "Voucher2026", **captcha()},
    )
    assert client.session.session_key != before


def test_login_redirects_only_to_own_site(client, enterprise_user):
    data = {
        "action": "login",
        "phone": enterprise_user.phone,
        "password": "Voucher2026",
        **captcha(),
    }
    response = client.post(reverse("accounts:login"), {**data, "next": "https://evil.example/"})
    assert response.url == reverse("portal:center")


def test_wrong_password_message_and_lockout_page(client, enterprise_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    data = {"action": "login", "phone": enterprise_user.phone, "password": "wrong-pass-1"}
    response = client.post(reverse("accounts:login"), {**data, **captcha()})
    assert "手机号或密码错误" in response.content.decode()
    client.post(reverse("accounts:login"), {**data, **captcha()})
    response = client.post(reverse("accounts:login"), {**data, **captcha()})
    assert response.status_code == 429
    assert "账号已暂时锁定" in response.content.decode()
    # and the right password is refused while locked
    response = client.post(
        reverse("accounts:login"), {**data, "password": "Voucher2026", **captcha()}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_sms_login(client, enterprise_user, django_capture_on_commit_callbacks):
    url = reverse("accounts:login") + "?method=sms"
    send_code(client, url, enterprise_user.phone, django_capture_on_commit_callbacks)
    response = client.post(
        url,
        {
            "action": "login",
            "phone": enterprise_user.phone,
            "sms_code": last_code(enterprise_user.phone),
            **captcha(),
        },
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == enterprise_user.pk


def test_sms_login_with_used_code_is_refused(
    client, enterprise_user, django_capture_on_commit_callbacks
):
    url = reverse("accounts:login") + "?method=sms"
    send_code(client, url, enterprise_user.phone, django_capture_on_commit_callbacks)
    code = last_code(enterprise_user.phone)
    client.post(
        url, {"action": "login", "phone": enterprise_user.phone, "sms_code": code, **captcha()}
    )
    client.post(reverse("accounts:logout"))
    response = client.post(
        url, {"action": "login", "phone": enterprise_user.phone, "sms_code": code, **captcha()}
    )
    assert response.status_code == 200
    assert "验证码已失效" in response.content.decode()


def test_password_reset_by_sms(client, enterprise_user, django_capture_on_commit_callbacks):
    url = reverse("accounts:password_reset")
    send_code(client, url, enterprise_user.phone, django_capture_on_commit_callbacks)
    response = client.post(
        url,
        {
            "action": "reset",
            "phone": enterprise_user.phone,
            "sms_code": last_code(enterprise_user.phone),
            "new_password": "NewSecret2027",
            "new_password_confirm": "NewSecret2027",
            **captcha(),
        },
    )
    assert response.status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password("NewSecret2027")


def test_password_change_keeps_this_session(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Voucher2026",
            "new_password": "Changed2026x",
            "new_password_confirm": "Changed2026x",
        },
        follow=True,
    )
    assert "密码修改成功" in response.content.decode()
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password("Changed2026x")
    assert client.get(reverse("portal:center")).status_code == 200


def test_password_change_refuses_weak_password(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Voucher2026",
            "new_password": "12345678",
            "new_password_confirm": "12345678",
        },
    )
    assert response.status_code == 200
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password("Voucher2026")


def test_phone_change(client, enterprise_user, django_capture_on_commit_callbacks):
    client.force_login(enterprise_user)
    url = reverse("accounts:phone_change")
    send_code(client, url, "15912345678", django_capture_on_commit_callbacks)
    response = client.post(
        url,
        {
            "action": "change",
            "password": "Voucher2026",
            "phone": "15912345678",
            "sms_code": last_code("15912345678"),
            **captcha(),
        },
    )
    assert response.status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.phone == "15912345678"


def test_security_pages_need_login(client):
    for name in ("accounts:security", "accounts:password_change", "accounts:phone_change"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_sms_outbox_page_only_in_demo_mode(
    client, settings, enterprise_user, django_capture_on_commit_callbacks
):
    send_code(
        client,
        reverse("accounts:login") + "?method=sms",
        enterprise_user.phone,
        django_capture_on_commit_callbacks,
    )
    body = client.get(reverse("accounts:sms_outbox")).content.decode()
    assert "135****1111" in body
    assert enterprise_user.phone not in body
    settings.DEMO_MODE = False
    assert client.get(reverse("accounts:sms_outbox")).status_code == 404


def test_pages_show_masked_phone_only(client, enterprise_user):
    client.force_login(enterprise_user)
    for name in ("portal:center", "accounts:security", "portal:home"):
        body = client.get(reverse(name)).content.decode()
        assert "135****1111" in body
        assert enterprise_user.phone not in body
