"""SMS verification codes: 6 digits, stored hashed, 5 minutes, once, for one phone and purpose,
and sent within the per-minute and daily limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from smevoucher.accounts import services
from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.models import SmsCode
from smevoucher.accounts.services import sms_code_consume, sms_code_send
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError, RateLimited
from smevoucher.core.phone import normalize_phone
from smevoucher.notifications.models import SmsOutbox

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_PHONE = "13912345678"


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand (freezegun is not installed)."""

    class Clock:
        now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)

        def advance(self, **delta) -> None:
            self.now += dt.timedelta(**delta)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def fixed_codes(monkeypatch):
    """The codes the next sends draw, in order, instead of secure random ones."""

    def use(*codes: int) -> None:
        queue = list(codes)
        monkeypatch.setattr(services, "secrets", SimpleNamespace(randbelow=lambda n: queue.pop(0)))

    return use


@pytest.fixture
def send_code(django_capture_on_commit_callbacks):
    """Send a code as the service does and read it back from the SMS that was delivered."""

    def send(*, phone: str, purpose: str, ip_address: str = "10.1.2.3") -> str:
        with django_capture_on_commit_callbacks(execute=True):
            sms_code_send(phone=phone, purpose=purpose, ip_address=ip_address)
        text = SmsOutbox.objects.filter(phone=normalize_phone(phone)).order_by("-pk").first().text
        return re.search(r"验证码为(\d{6})", text).group(1)

    return send


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _refusal(phone: str, purpose: str, code: str) -> DomainError:
    with pytest.raises(DomainError) as refused:
        sms_code_consume(phone=phone, purpose=purpose, code=code)
    assert refused.value.field == "sms_code"
    return refused.value


def test_a_sent_code_is_six_digits_and_reaches_the_phone_in_chinese(send_code):
    # when a registration code is sent
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    # then the SMS carries 6 digits, the validity and the purpose, under the platform's signature
    assert re.fullmatch(r"\d{6}", code)
    text = SmsOutbox.objects.get(phone=NEW_PHONE).text
    assert text.startswith("【服务券平台】")
    assert "5分钟内有效" in text
    assert "用于注册" in text


def test_the_sms_is_sent_only_after_the_change_commits(django_capture_on_commit_callbacks):
    # when a code is sent but the transaction has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_code_send(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, ip_address="10.1.2.3")
    # then nothing went out; one delivery waits for the commit
    assert not SmsOutbox.objects.exists()
    assert len(callbacks) == 1


def test_the_code_is_stored_only_as_a_keyed_hash(fixed_codes, django_capture_on_commit_callbacks):
    # given the next code drawn is 654321
    fixed_codes(654321)
    # when it is sent
    with django_capture_on_commit_callbacks(execute=True):
        row = sms_code_send(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, ip_address="10.1.2.3")
    # then no column of its row holds the code, only a 64-hex keyed hash
    row.refresh_from_db()
    for field in SmsCode._meta.concrete_fields:
        assert "654321" not in str(getattr(row, field.attname)), field.name
    assert re.fullmatch(r"[0-9a-f]{64}", row.code_hash)
    # an unkeyed hash of a 6-digit code is undone by trying a million codes
    assert row.code_hash != hashlib.sha256(b"654321").hexdigest()
    assert row.code_hash != hashlib.sha256(f"{NEW_PHONE}:register:654321".encode()).hexdigest()
    # nor does the audit log keep it; only the delivered SMS does
    assert "654321" not in str(list(AuditRecord.objects.values()))
    assert "654321" in SmsOutbox.objects.get().text


def test_the_right_code_is_accepted_once(send_code):
    # given a code sent for registration
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    # when it is entered
    sms_code_consume(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, code=code)
    # then it is marked used
    assert SmsCode.objects.get(phone=NEW_PHONE).used_at is not None


def test_a_used_code_is_refused(send_code):
    # given a code already used once
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    sms_code_consume(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, code=code)
    # when it is entered again, then it is refused
    refusal = _refusal(NEW_PHONE, SmsPurpose.REGISTER, code)
    assert refusal.code == "sms.expired"
    assert refusal.message == "验证码已失效，请重新获取"


def test_a_wrong_code_is_refused_and_counted(send_code):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    refusal = _refusal(NEW_PHONE, SmsPurpose.REGISTER, _wrong(code))
    assert (refusal.code, refusal.message) == ("sms.wrong", "验证码错误")
    assert SmsCode.objects.get(phone=NEW_PHONE).failed_attempts == 1


@pytest.mark.parametrize("entered", ["", "   ", "12345", "1234567", "abcdef"])
def test_a_malformed_code_is_refused(send_code, entered):
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    assert _refusal(NEW_PHONE, SmsPurpose.REGISTER, entered).code == "sms.wrong"


def test_a_code_is_accepted_until_just_before_five_minutes(clock, send_code):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(minutes=4, seconds=59)
    sms_code_consume(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, code=code)


def test_a_code_expires_after_five_minutes(clock, send_code):
    # given a code sent five minutes ago
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(minutes=5)
    # when the right code is entered now, then it is refused as expired
    assert _refusal(NEW_PHONE, SmsPurpose.REGISTER, code).code == "sms.expired"
    assert SmsCode.objects.get(phone=NEW_PHONE).used_at is None


def test_a_code_whose_expiry_passed_in_the_database_is_refused(send_code):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    SmsCode.objects.filter(phone=NEW_PHONE).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _refusal(NEW_PHONE, SmsPurpose.REGISTER, code).code == "sms.expired"


def test_a_code_sent_for_one_purpose_is_refused_for_another(
    clock, fixed_codes, send_code, enterprise_user
):
    # given a login code and, a minute later, a password-reset code for the same phone
    fixed_codes(111111, 222222)
    send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    clock.advance(seconds=60)
    send_code(phone=enterprise_user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    # when the login code is entered to reset the password, then it is refused
    assert _refusal(enterprise_user.phone, SmsPurpose.RESET_PASSWORD, "111111").code == "sms.wrong"
    # and with nothing sent for a purpose, a code for another purpose finds nothing
    assert _refusal(enterprise_user.phone, SmsPurpose.CHANGE_PHONE, "111111").code == "sms.expired"
    # while each code still works for its own purpose
    sms_code_consume(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN, code="111111")


def test_a_code_sent_to_one_phone_is_refused_for_another(fixed_codes, send_code):
    # given two phones, each with its own registration code
    fixed_codes(111111, 222222)
    send_code(phone="13912340001", purpose=SmsPurpose.REGISTER)
    send_code(phone="13912340002", purpose=SmsPurpose.REGISTER)
    # when the first phone's code is entered for the second, then it is refused
    assert _refusal("13912340002", SmsPurpose.REGISTER, "111111").code == "sms.wrong"
    # and for a phone that was sent nothing
    assert _refusal("13912340003", SmsPurpose.REGISTER, "111111").code == "sms.expired"


def test_the_phone_may_be_entered_in_any_accepted_spelling(send_code):
    code = send_code(phone="+86 139-1234-5678", purpose=SmsPurpose.REGISTER)
    sms_code_consume(phone="13912345678", purpose=SmsPurpose.REGISTER, code=code)


def test_five_wrong_attempts_void_the_code(send_code, settings):
    # given a code and as many wrong attempts as allowed
    assert settings.SMS_MAX_VERIFY_ATTEMPTS == 5
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    for _ in range(5):
        assert _refusal(NEW_PHONE, SmsPurpose.REGISTER, _wrong(code)).code == "sms.wrong"
    # when the right code comes next
    refusal = _refusal(NEW_PHONE, SmsPurpose.REGISTER, code)
    # then it is refused: the code is void
    assert (refusal.code, refusal.message) == (
        "sms.too_many_attempts",
        "验证码错误次数过多，请重新获取",
    )
    assert SmsCode.objects.get(phone=NEW_PHONE).used_at is None


def test_four_wrong_attempts_leave_the_code_usable(send_code):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    for _ in range(4):
        _refusal(NEW_PHONE, SmsPurpose.REGISTER, _wrong(code))
    sms_code_consume(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, code=code)


def test_a_new_code_voids_the_previous_one(clock, fixed_codes, send_code):
    # given a code, and a second one for the same phone and purpose a minute later
    fixed_codes(111111, 222222)
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(seconds=60)
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    # then only the newest code is valid
    assert _refusal(NEW_PHONE, SmsPurpose.REGISTER, "111111").code == "sms.wrong"
    sms_code_consume(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, code="222222")


def test_a_second_send_within_60_seconds_is_refused(clock, send_code):
    # given a code sent 59 seconds ago
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(seconds=59)
    # when another is asked for, for any purpose, then it is refused with the wait
    with pytest.raises(RateLimited) as refused:
        sms_code_send(phone=NEW_PHONE, purpose=SmsPurpose.CHANGE_PHONE, ip_address="10.1.2.4")
    assert refused.value.code == "sms.too_soon"
    assert refused.value.status == 429
    assert refused.value.message == "发送过于频繁，请1秒后再试"
    assert SmsCode.objects.filter(phone=NEW_PHONE).count() == 1
    assert SmsOutbox.objects.filter(phone=NEW_PHONE).count() == 1


def test_a_send_60_seconds_later_is_allowed(clock, send_code):
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(seconds=60)
    send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    assert SmsOutbox.objects.filter(phone=NEW_PHONE).count() == 2


def test_the_daily_cap_per_phone_holds_until_the_next_local_day(
    clock, send_code, settings, enterprise_user
):
    # given a cap of 3 a day, reached just before midnight in Shanghai
    settings.SMS_DAILY_LIMIT_PER_PHONE = 3
    clock.now = dt.datetime(2026, 3, 2, 23, 50, tzinfo=SHANGHAI)
    for n in range(3):
        send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN, ip_address=f"10.0.0.{n}")
        clock.advance(seconds=61)
    # when a fourth is asked for, from yet another address, then it is refused
    with pytest.raises(RateLimited) as refused:
        sms_code_send(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN, ip_address="10.0.0.9")
    assert refused.value.code == "sms.daily_limit"
    assert refused.value.message == "该手机号今日获取验证码次数已达上限，请明天再试"
    # and after midnight in Shanghai (still the same day in UTC) it is allowed again
    clock.now = dt.datetime(2026, 3, 3, 0, 0, 1, tzinfo=SHANGHAI)
    send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN, ip_address="10.0.0.9")
    assert SmsOutbox.objects.filter(phone=enterprise_user.phone).count() == 4


def test_signing_codes_have_their_own_daily_allowance(clock, send_code, settings, enterprise_user):
    # given the login cap of 2 a day already reached
    settings.SMS_DAILY_LIMIT_PER_PHONE = 2
    settings.SMS_DAILY_LIMIT_SIGNING_PER_PHONE = 3
    for _n in range(2):
        send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
        clock.advance(seconds=61)
    # then contracts can still be signed (a provider signs many a day), up to their own cap
    for _n in range(3):
        send_code(phone=enterprise_user.phone, purpose=SmsPurpose.SIGN)
        clock.advance(seconds=61)
    with pytest.raises(RateLimited) as refused:
        sms_code_send(phone=enterprise_user.phone, purpose=SmsPurpose.SIGN, ip_address=None)
    assert refused.value.code == "sms.daily_limit"
    # and signing did not use up what is left for logging in
    with pytest.raises(RateLimited):
        sms_code_send(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN, ip_address=None)


def test_the_daily_cap_per_address_holds(send_code, settings):
    # given a cap of 2 a day per address, reached by two phones
    settings.SMS_DAILY_LIMIT_PER_IP = 2
    send_code(phone="13912340001", purpose=SmsPurpose.REGISTER, ip_address="10.9.9.9")
    send_code(phone="13912340002", purpose=SmsPurpose.REGISTER, ip_address="10.9.9.9")
    # when a third phone asks from the same address, then it is refused
    with pytest.raises(RateLimited) as refused:
        sms_code_send(phone="13912340003", purpose=SmsPurpose.REGISTER, ip_address="10.9.9.9")
    assert refused.value.code == "sms.ip_daily_limit"
    assert refused.value.message == "当前网络今日获取验证码次数已达上限，请明天再试"
    assert not SmsCode.objects.filter(phone="13912340003").exists()
    # while from another address it is sent
    send_code(phone="13912340003", purpose=SmsPurpose.REGISTER, ip_address="10.9.9.10")


def test_registration_codes_go_only_to_unregistered_phones(enterprise_user):
    with pytest.raises(DomainError) as refused:
        sms_code_send(phone=enterprise_user.phone, purpose=SmsPurpose.REGISTER, ip_address=None)
    assert (refused.value.code, refused.value.message) == (
        "phone.taken",
        "该手机号已注册，请直接登录",
    )


@pytest.mark.parametrize("purpose", [SmsPurpose.LOGIN, SmsPurpose.RESET_PASSWORD])
def test_login_and_reset_codes_go_only_to_registered_phones(purpose, db):
    with pytest.raises(DomainError) as refused:
        sms_code_send(phone=NEW_PHONE, purpose=purpose, ip_address=None)
    assert (refused.value.code, refused.value.message) == ("phone.unknown", "该手机号尚未注册")


def test_an_unknown_purpose_is_refused():
    with pytest.raises(DomainError) as refused:
        sms_code_send(phone=NEW_PHONE, purpose="delete_account", ip_address=None)
    assert refused.value.code == "sms.purpose_invalid"
    assert not SmsCode.objects.exists()


def test_a_code_whose_audit_record_fails_is_neither_stored_nor_sent(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given the audit log failing
    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    # when a code is sent
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        sms_code_send(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER, ip_address="10.1.2.3")
    # then the whole change is undone and no SMS goes out
    assert not SmsCode.objects.exists()
    assert not SmsOutbox.objects.exists()
