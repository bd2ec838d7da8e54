"""Login lockout (django-axes): after the configured failures by phone and address, even the
right password or SMS code is refused. Both logins go through ``authenticate``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate

from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.models import SmsCode
from smevoucher.accounts.services import api_token_login, sms_code_send, user_reset_password
from smevoucher.notifications.models import SmsOutbox

pytestmark = pytest.mark.django_db

PASSWORD = "Voucher2026"
ADDRESS = "203.0.113.7"


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """Send a code as the service does and read it back from the SMS that was delivered."""

    def send(*, phone: str, purpose: str, ip_address: str = "10.1.2.3") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=phone, purpose=purpose, ip_address=ip_address)
        text = SmsOutbox.objects.filter(phone=phone).order_by("-pk").first().text
        return re.search(r"验证码为(\d{6})", text).group(1)

    return send


def _allow_another_send(phone: str) -> None:
    # move the earlier codes out of the 60-second resend window
    for row in SmsCode.objects.filter(phone=phone):
        SmsCode.objects.filter(pk=row.pk).update(
            created_at=row.created_at - dt.timedelta(seconds=61)
        )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _login(rf, address: str = ADDRESS, **credentials):
    request = rf.post("/accounts/login/", REMOTE_ADDR=address)
    return authenticate(request, **credentials), request


def test_the_configured_failure_limit_is_five(settings):
    assert settings.AXES_FAILURE_LIMIT == 5


def test_the_right_password_logs_in(rf, enterprise_user):
    user, _request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    assert user == enterprise_user


def test_lockout_engages_after_the_configured_password_failures(rf, settings, enterprise_user):
    # given as many wrong passwords as allowed, from one address
    for _ in range(settings.AXES_FAILURE_LIMIT):
        user, _request = _login(rf, phone=enterprise_user.phone, password="Wrong2026")
        assert user is None
    # when the right password comes next from the same address
    user, request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    # then it is refused too
    assert user is None
    assert request.axes_locked_out is True


def test_one_failure_fewer_does_not_lock(rf, settings, enterprise_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(rf, phone=enterprise_user.phone, password="Wrong2026")
    user, _request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    assert user == enterprise_user


def test_failures_count_against_the_phone_however_it_is_written(rf, settings, enterprise_user):
    # given failures with the phone written in the different spellings a person may use
    spellings = ["13500001111", "+8613500001111", "135 0000 1111", "135-0000-1111", "8613500001111"]
    for phone in spellings[: settings.AXES_FAILURE_LIMIT]:
        _login(rf, phone=phone, password="Wrong2026")
    # then the account is locked for that address
    user, _request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    assert user is None


def test_lockout_is_per_phone_and_address(rf, settings, enterprise_user, other_enterprise_user):
    # given one phone locked from one address
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(rf, phone=enterprise_user.phone, password="Wrong2026")
    # then another account logs in from that address, and the locked one from another address
    user, _request = _login(rf, phone=other_enterprise_user.phone, password=PASSWORD)
    assert user == other_enterprise_user
    user, _request = _login(rf, "198.51.100.9", phone=enterprise_user.phone, password=PASSWORD)
    assert user == enterprise_user


def test_an_sms_login_with_a_wrong_code_fails_and_says_why(rf, enterprise_user, send_code):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    user, request = _login(rf, phone=enterprise_user.phone, sms_code=_wrong(code))
    assert user is None
    assert request.auth_error.code == "sms.wrong"


def test_the_right_sms_code_logs_in_once(rf, enterprise_user, send_code):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    user, _request = _login(rf, phone=enterprise_user.phone, sms_code=code)
    assert user == enterprise_user
    user, request = _login(rf, phone=enterprise_user.phone, sms_code=code)
    assert user is None
    assert request.auth_error.code == "sms.expired"


def test_lockout_engages_after_the_configured_sms_login_failures(
    rf, settings, enterprise_user, send_code
):
    phone = enterprise_user.phone
    # given as many wrong SMS codes as allowed, from one address
    code = send_code(phone=phone, purpose=SmsPurpose.LOGIN)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        user, _request = _login(rf, phone=phone, sms_code=_wrong(code))
        assert user is None
    # and a fresh, right code
    _allow_another_send(phone)
    fresh = send_code(phone=phone, purpose=SmsPurpose.LOGIN)
    # when it is entered from the same address
    user, request = _login(rf, phone=phone, sms_code=fresh)
    # then it is refused, before the code was even looked at
    assert user is None
    assert request.axes_locked_out is True
    newest = SmsCode.objects.filter(phone=phone).latest("created_at")
    assert (newest.used_at, newest.failed_attempts) == (None, 0)
    # and once the lockout is lifted, the same code logs in: it was the lockout that refused
    axes_reset(username=phone)
    user, _request = _login(rf, phone=phone, sms_code=fresh)
    assert user == enterprise_user


def test_sms_and_password_failures_count_together(rf, settings, enterprise_user, send_code):
    # given failures of both kinds, together reaching the limit
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    for n in range(settings.AXES_FAILURE_LIMIT):
        if n % 2:
            _login(rf, phone=enterprise_user.phone, password="Wrong2026")
        else:
            _login(rf, phone=enterprise_user.phone, sms_code=_wrong(code))
    # then the right password is refused
    user, _request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    assert user is None


def test_a_password_reset_by_sms_lifts_the_lockout(rf, settings, enterprise_user, send_code):
    # given a locked account
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(rf, phone=enterprise_user.phone, password="Wrong2026")
    # when its owner resets the password with an SMS code
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    user_reset_password(phone=enterprise_user.phone, sms_code=code, new_password="Better2027")
    # then the new password logs in from that address
    user, _request = _login(rf, phone=enterprise_user.phone, password="Better2027")
    assert user == enterprise_user


def test_an_api_login_clears_the_failures_counted_so_far(rf, settings, enterprise_user):
    # given one failure fewer than the limit
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(rf, phone=enterprise_user.phone, password="Wrong2026")
    # when the user then logs in through the API
    request = rf.post("/api/v1/accounts/login", REMOTE_ADDR=ADDRESS)
    api_token_login(request=request, user=enterprise_user, method="password")
    # then the count starts again: as many failures fewer than the limit do not lock
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(rf, phone=enterprise_user.phone, password="Wrong2026")
    user, _request = _login(rf, phone=enterprise_user.phone, password=PASSWORD)
    assert user == enterprise_user
