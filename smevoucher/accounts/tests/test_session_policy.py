"""Sessions and staff login (等保 level 3): new session id at login, idle timeout and absolute
lifetime, logout and disabling end every session, the staff second factor (TOTP), the staff
password policy and password expiry."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import DEFAULT_PASSWORD
from smevoucher.accounts import services
from smevoucher.accounts.models import User, UserSession
from smevoucher.accounts.tests.test_views import captcha
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Review2026!"


def password_login(client, user, password=DEFAULT_PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"phone": user.phone, "password": password, **captcha(), **extra}
    )


def age_session(client, *, seen_seconds=0, auth_seconds=0):
    """Move this client's session's last-seen and login times into the past."""
    session = client.session
    session[services.SESSION_SEEN_AT] -= seen_seconds
    session[services.SESSION_AUTH_AT] -= auth_seconds
    session.save()


def current_code(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():06d}"


def wait_out_throttle(device: TOTPDevice) -> None:
    """As if the pause after a wrong code (1 s, doubling with each failure) had passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=1)
    )


@pytest.fixture
def staff_member(make_staff):
    return make_staff(
        region_code="4502",
        phone="13800004444",
        display_name="审核员",
        password=STAFF_PASSWORD,
        password_changed_at=timezone.now(),
    )


# --- sessions ---------------------------------------------------------------------------


def test_login_gives_a_new_session_id_and_registers_the_session(client, enterprise_user):
    # given a visitor with a session already (the captcha page, a language choice)
    client.get(reverse("accounts:login"))
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    # when they log in
    response = password_login(client, enterprise_user)
    # then the session id changed and the login is registered under the new one
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    row = UserSession.objects.get(user=enterprise_user)
    assert row.session_key == after
    assert row.method == "password"
    assert row.ended_at is None


@override_settings(SESSION_IDLE_SECONDS=10 * 60)
def test_an_idle_session_ends_and_the_next_page_asks_to_log_in(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("portal:center")).status_code == 200
    # when the person does nothing for longer than the configured idle time
    age_session(client, seen_seconds=10 * 60 + 1)
    response = client.get(reverse("portal:center"))
    # then they are sent to log in again, with the reason, and the session is over
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    page = client.get(response.url).content.decode()
    assert "10分钟未操作" in page
    assert UserSession.objects.get(user=enterprise_user).ended_at is not None
    record = AuditRecord.objects.get(action="user.session_expired")
    assert record.data == {"reason": "idle"}
    assert client.get(reverse("portal:center")).status_code == 302


def test_activity_within_the_idle_time_keeps_the_session(client, enterprise_user):
    client.force_login(enterprise_user)
    client.get(reverse("portal:center"))
    # 29 minutes idle twice in a row, with a request in between, stays logged in
    age_session(client, seen_seconds=29 * 60)
    assert client.get(reverse("portal:center")).status_code == 200
    age_session(client, seen_seconds=29 * 60)
    assert client.get(reverse("portal:center")).status_code == 200


@override_settings(SESSION_ABSOLUTE_SECONDS=2 * 60 * 60)
def test_a_session_ends_at_its_absolute_lifetime_even_when_active(client, enterprise_user):
    client.force_login(enterprise_user)
    client.get(reverse("portal:center"))
    age_session(client, auth_seconds=2 * 60 * 60 + 1)  # active a moment ago, logged in 2h ago
    response = client.get(reverse("portal:center"))
    assert response.status_code == 302
    assert AuditRecord.objects.get(action="user.session_expired").data == {"reason": "lifetime"}


def test_an_expired_session_answers_401_on_the_api(client, enterprise_user):
    client.force_login(enterprise_user)
    client.get("/api/v1/accounts/me")
    age_session(client, seen_seconds=31 * 60)
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session.expired"


def test_logout_ends_every_session_of_the_person(enterprise_user, other_enterprise_user):
    # given the person logged in on a computer and a phone, and someone else logged in
    computer, phone, someone_else = Client(), Client(), Client()
    computer.force_login(enterprise_user)
    phone.force_login(enterprise_user)
    someone_else.force_login(other_enterprise_user)
    # when they log out on the computer
    computer.post(reverse("accounts:logout"))
    # then the phone is logged out too, the other person is not
    assert phone.get(reverse("portal:center")).status_code == 302
    assert someone_else.get(reverse("portal:center")).status_code == 200
    assert not UserSession.objects.filter(user=enterprise_user, ended_at__isnull=True).exists()
    assert AuditRecord.objects.get(action="user.logged_out").data == {"other_sessions": 1}


def test_password_reset_by_sms_ends_every_session(enterprise_user, monkeypatch):
    browser = Client()
    browser.force_login(enterprise_user)
    monkeypatch.setattr(services, "sms_code_consume", lambda **kwargs: None)
    services.user_reset_password(
        phone=enterprise_user.phone, sms_code="123456", new_password="Another2026ok"
    )
    assert browser.get(reverse("portal:center")).status_code == 302


def test_a_session_of_someone_else_is_not_ended_by_ending_mine(
    enterprise_user, other_enterprise_user
):
    mine, theirs = Client(), Client()
    mine.force_login(enterprise_user)
    theirs.force_login(other_enterprise_user)
    assert services.sessions_end_all(user=enterprise_user) == 1
    assert theirs.get(reverse("portal:center")).status_code == 200


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cache")
def test_sessions_end_on_the_cache_engine_too(enterprise_user):
    browser = Client()
    browser.force_login(enterprise_user)
    assert browser.get(reverse("portal:center")).status_code == 200
    assert services.sessions_end_all(user=enterprise_user) == 1
    assert browser.get(reverse("portal:center")).status_code == 302


# --- staff second factor ----------------------------------------------------------------


@override_settings(STAFF_OTP_REQUIRED=True)
def test_staff_must_bind_an_authenticator_before_any_staff_page(client, staff_member):
    client.force_login(staff_member)
    # a staff page sends them to bind the authenticator app
    response = client.get(reverse("reviews:workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_setup"))
    page = client.get(response.url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body  # the QR code, drawn inline
    device = TOTPDevice.objects.get(user=staff_member, confirmed=False)
    # a wrong code binds nothing
    wrong = "000000" if current_code(device) != "000000" else "111111"
    response = client.post(reverse("accounts:otp_setup"), {"code": wrong})
    assert "动态口令错误或已过期" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staff_member, confirmed=True).exists()
    wait_out_throttle(device)
    # when they enter the code the app shows
    key_before = client.cookies["sessionid"].value
    response = client.post(
        reverse("accounts:otp_setup"),
        {"code": current_code(device), "next": reverse("reviews:workbench")},
    )
    # then the device is bound, the session verified under a new id, the page opens
    assert response.status_code == 302
    assert response.url == reverse("reviews:workbench")
    assert TOTPDevice.objects.get(user=staff_member).confirmed
    assert client.cookies["sessionid"].value != key_before
    assert client.get(reverse("reviews:workbench")).status_code == 200
    assert AuditRecord.objects.filter(action="user.otp_enrolled", actor=staff_member).exists()


@override_settings(STAFF_OTP_REQUIRED=True)
def test_staff_login_asks_for_the_code_of_the_bound_app(client, staff_member):
    device = TOTPDevice.objects.create(user=staff_member, name="app", confirmed=True)
    # given a staff member logs in with the password
    response = password_login(client, staff_member, STAFF_PASSWORD)
    assert response.status_code == 302
    # then staff pages and the API stay shut until the code is given
    response = client.get(reverse("reviews:workbench"))
    assert response.url.startswith(reverse("accounts:otp_verify"))
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403
    assert api.json()["code"] == "otp.required"
    response = client.post(reverse("accounts:otp_verify"), {"code": "12345"})
    assert "动态口令为6位数字" in response.content.decode()
    # when the right code is entered
    response = client.post(
        reverse("accounts:otp_verify"), {"code": current_code(device), "next": "/staff/reviews/"}
    )
    assert response.status_code == 302
    assert client.get(reverse("reviews:workbench")).status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 200


@override_settings(STAFF_OTP_REQUIRED=True)
def test_a_used_code_cannot_be_replayed_and_failures_are_throttled(staff_member):
    device = TOTPDevice.objects.create(user=staff_member, name="app", confirmed=True)
    first, second = Client(), Client()
    code = current_code(device)
    first.force_login(staff_member)
    first.post(reverse("accounts:otp_verify"), {"code": code})
    assert first.get(reverse("reviews:workbench")).status_code == 200
    # the same code on another browser is refused (replay)
    second.force_login(staff_member)
    response = second.post(reverse("accounts:otp_verify"), {"code": code})
    assert response.status_code == 200
    assert second.get(reverse("reviews:workbench")).status_code == 302
    # wrong codes in a row slow the next attempt down
    for _ in range(2):
        second.post(reverse("accounts:otp_verify"), {"code": "999999"})
    response = second.post(
        reverse("accounts:otp_verify"), {"code": current_code(device, steps_ahead=1)}
    )
    assert "动态口令错误次数过多" in response.content.decode()


@override_settings(STAFF_OTP_REQUIRED=True)
def test_enterprise_accounts_need_no_second_factor(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("portal:center")).status_code == 200


@override_settings(STAFF_OTP_REQUIRED=True)
def test_staff_api_login_needs_the_code_of_the_bound_app(client, staff_member):
    def api_login(**extra):
        return client.post(
            "/api/v1/accounts/login",
            {
                "phone": staff_member.phone,
                "password": STAFF_PASSWORD,
                "captcha_key": captcha()["captcha_0"],
                "captcha_answer": "ABCD",
                **extra,
            },
            content_type="application/json",
        )

    # without a bound app the API refuses staff
    response = api_login()
    assert response.status_code == 403
    assert response.json()["code"] == "otp.not_enrolled"
    device = TOTPDevice.objects.create(user=staff_member, name="app", confirmed=True)
    # with a bound app, a missing or wrong code is refused and no token is issued
    assert api_login().json()["code"] == "otp.wrong"
    assert staff_member.api_tokens.count() == 0
    # the right code gives a token
    response = api_login(otp_code=current_code(device))
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_without_the_setting_staff_log_in_with_the_password_alone(client, staff_member):
    client.force_login(staff_member)
    assert client.get(reverse("reviews:workbench")).status_code == 200


# --- staff password policy and expiry ---------------------------------------------------


@pytest.mark.parametrize(
    ("password", "staff_ok"),
    [
        ("review2026", False),  # lower case and digits: two kinds
        ("REVIEW2026", False),
        ("Review2026", True),  # upper, lower, digits
        ("review2026!", True),  # lower, digits, symbol
    ],
)
def test_staff_passwords_hold_three_kinds_of_characters(password, staff_ok):
    staff = User(phone="13800005555", display_name="审核员", is_staff=True)
    enterprise = User(phone="13900005555", display_name="企业")
    services._validate_password(password, user=enterprise)  # the enterprise rule: letters+digits
    if staff_ok:
        services._validate_password(password, user=staff)
    else:
        with pytest.raises(DomainError, match="至少三种"):
            services._validate_password(password, user=staff)


@override_settings(STAFF_PASSWORD_EXPIRY_DAYS=90)
def test_an_expired_staff_password_must_be_changed_first(client, staff_member):
    User.objects.filter(pk=staff_member.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=91)
    )
    client.force_login(staff_member)
    response = client.get(reverse("reviews:workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:password_change"))
    page = client.get(response.url).content.decode()
    assert "已超过90天未修改" in page
    # when the password is changed, the staff pages open again
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": STAFF_PASSWORD,
            "new_password": "Renewed2026!",
            "new_password_confirm": "Renewed2026!",
        },
    )
    assert client.get(reverse("reviews:workbench")).status_code == 200


@override_settings(STAFF_PASSWORD_EXPIRY_DAYS=90, PASSWORD_EXPIRY_DAYS=0)
def test_enterprise_passwords_do_not_expire_unless_configured(client, enterprise_user):
    User.objects.filter(pk=enterprise_user.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(enterprise_user)
    assert client.get(reverse("portal:center")).status_code == 200
    with override_settings(PASSWORD_EXPIRY_DAYS=180):
        assert client.get(reverse("portal:center")).status_code == 302


def test_an_api_token_idle_longer_than_the_idle_time_stops_working(client, enterprise_user):
    token, key = services.api_token_create(actor=enterprise_user)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/accounts/me", **auth).status_code == 200
    type(token).objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=40),
        last_used_at=timezone.now() - dt.timedelta(minutes=20),
    )
    # used 20 minutes ago: still good, and the use is recorded
    assert client.get("/api/v1/accounts/me", **auth).status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)
    # idle 31 minutes: refused
    type(token).objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - dt.timedelta(minutes=31)
    )
    assert client.get("/api/v1/accounts/me", **auth).status_code == 401
