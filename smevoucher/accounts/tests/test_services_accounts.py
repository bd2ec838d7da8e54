"""Accounts: register, passwords (Argon2 and the policy), phone change, sessions, API tokens."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.auth import SESSION_KEY, authenticate
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse

from smevoucher.accounts import services
from smevoucher.accounts.choices import SmsPurpose
from smevoucher.accounts.models import ApiToken, SmsCode, User
from smevoucher.accounts.services import (
    api_token_create,
    api_token_revoke,
    session_login,
    session_logout,
    sms_code_send,
    user_change_password,
    user_change_phone,
    user_create,
    user_register,
    user_reset_password,
)
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError
from smevoucher.core.phone import normalize_phone
from smevoucher.notifications.models import SmsOutbox
from smevoucher.settings import base as base_settings

pytestmark = pytest.mark.django_db

PASSWORD = "Voucher2026"
NEW_PHONE = "13912345678"
CJK = re.compile(r"[\u4e00-\u9fff]")


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


def _session_request(rf, user=None):
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.session.save()
    request.user = user or AnonymousUser()
    return request


def _actions() -> list[str]:
    return list(AuditRecord.objects.order_by("pk").values_list("action", flat=True))


# Passwords: Argon2 and the policy


def test_argon2_is_the_production_password_hasher():
    # the test settings put a fast hasher first; production uses the base settings' order
    assert base_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_hashes_and_checks_a_password():
    encoded = make_password(PASSWORD, hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    assert PASSWORD not in encoded
    assert check_password(PASSWORD, encoded)
    assert not check_password("Voucher2027", encoded)


def test_with_the_production_hashers_a_user_password_is_stored_as_argon2(settings, make_user):
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS
    user = make_user(password=PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def test_an_older_hash_is_upgraded_to_argon2_at_login(settings, make_user, rf):
    # given a user whose password was hashed with PBKDF2
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS
    user = make_user()
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    # when the user logs in with it
    assert authenticate(rf.post("/", REMOTE_ADDR="10.0.0.7"), phone=user.phone, password=PASSWORD)
    # then the stored hash is Argon2
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "because"),
    [
        ("abc12", "密码长度太短"),
        ("12345678", "密码只包含数字"),
        ("password1", "这个密码太常见了"),
        ("zqxwvutsrpon", "密码须同时包含字母和数字"),
    ],
)
def test_the_password_policy_refuses_weak_passwords_in_chinese(password, because):
    # when someone registers with a weak password
    with pytest.raises(DomainError) as refused:
        user_register(
            phone=NEW_PHONE, display_name="测试企业", password=password, sms_code="000000"
        )
    # then the refusal says why, in Chinese, on the password field
    assert refused.value.code == "password.weak"
    assert refused.value.field == "password"
    assert because in refused.value.message
    assert CJK.search(refused.value.message)
    assert not re.search(r"[A-Za-z]{3,}", refused.value.message), refused.value.message
    assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_the_password_policy_refuses_a_password_made_of_the_phone():
    # given the phone number with a letter added: it has letters and digits and is long enough
    # when it is chosen as the password, then the similarity rule refuses it
    with pytest.raises(DomainError) as refused:
        user_register(
            phone=NEW_PHONE, display_name="测试企业", password=f"{NEW_PHONE}a", sms_code="000000"
        )
    assert refused.value.code == "password.weak"


# Registration


def test_register_creates_the_account_with_the_sms_code(send_code):
    # given a registration code sent to a new phone
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    # when the enterprise registers with it
    user = user_register(
        phone="+86 139 1234 5678",
        display_name="  柳州市新企业有限公司 ",
        password=PASSWORD,
        sms_code=code,
    )
    # then the account exists under the bare phone, with the password hashed
    user.refresh_from_db()
    assert (user.phone, user.display_name) == (NEW_PHONE, "柳州市新企业有限公司")
    assert user.is_active
    assert not user.is_staff
    assert user.check_password(PASSWORD)
    assert PASSWORD not in user.password
    assert user.password_changed_at is not None
    assert SmsCode.objects.get(phone=NEW_PHONE).used_at is not None
    assert AuditRecord.objects.filter(action="user.registered", actor=user).count() == 1


def test_register_with_a_wrong_code_creates_nothing(send_code):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)
    with pytest.raises(DomainError) as refused:
        user_register(
            phone=NEW_PHONE, display_name="测试企业", password=PASSWORD, sms_code=_wrong(code)
        )
    assert refused.value.code == "sms.wrong"
    assert not User.objects.filter(phone=NEW_PHONE).exists()
    # the failed attempt still counts, though the registration was refused
    assert SmsCode.objects.get(phone=NEW_PHONE).failed_attempts == 1


def test_register_with_a_login_code_is_refused(send_code, enterprise_user):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    with pytest.raises(DomainError):
        user_register(
            phone=enterprise_user.phone, display_name="冒名企业", password=PASSWORD, sms_code=code
        )


def test_register_of_a_taken_phone_is_refused(enterprise_user):
    with pytest.raises(DomainError) as refused:
        user_register(
            phone=enterprise_user.phone, display_name="测试企业", password=PASSWORD, sms_code="1"
        )
    assert refused.value.code == "phone.taken"


@pytest.mark.parametrize(
    ("name", "code"), [("", "register.name_required"), ("企" * 101, "register.name_too_long")]
)
def test_register_needs_an_enterprise_name(name, code):
    with pytest.raises(DomainError) as refused:
        user_register(phone=NEW_PHONE, display_name=name, password=PASSWORD, sms_code="1")
    assert (refused.value.code, refused.value.field) == (code, "display_name")


def test_a_failed_audit_record_undoes_the_registration(send_code, monkeypatch):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.REGISTER)

    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        user_register(phone=NEW_PHONE, display_name="测试企业", password=PASSWORD, sms_code=code)
    assert not User.objects.filter(phone=NEW_PHONE).exists()


# Password change and reset


def test_change_password_needs_the_current_password(enterprise_user):
    with pytest.raises(DomainError) as refused:
        user_change_password(
            actor=enterprise_user, old_password="Wrong2026", new_password="Better2027"
        )
    assert (refused.value.code, refused.value.message) == ("password.wrong", "原密码不正确")
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password(PASSWORD)
    assert AuditRecord.objects.count() == 0


def test_change_password_refuses_the_same_or_a_weak_password(enterprise_user):
    with pytest.raises(DomainError) as same:
        user_change_password(actor=enterprise_user, old_password=PASSWORD, new_password=PASSWORD)
    with pytest.raises(DomainError) as weak:
        user_change_password(actor=enterprise_user, old_password=PASSWORD, new_password="12345678")
    assert same.value.code == "password.same"
    assert (weak.value.code, weak.value.field) == ("password.weak", "new_password")


def test_change_password_sets_the_new_one(enterprise_user):
    user_change_password(actor=enterprise_user, old_password=PASSWORD, new_password="Better2027")
    stored = User.objects.get(pk=enterprise_user.pk)
    assert stored.check_password("Better2027")
    assert not stored.check_password(PASSWORD)
    assert stored.password_changed_at is not None
    # the caller's user object follows, so its session hash stays valid
    assert enterprise_user.password == stored.password
    assert _actions() == ["user.password_changed"]


def test_a_failed_audit_record_undoes_the_password_change(enterprise_user, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        user_change_password(
            actor=enterprise_user, old_password=PASSWORD, new_password="Better2027"
        )
    assert User.objects.get(pk=enterprise_user.pk).check_password(PASSWORD)


def test_reset_password_with_the_sms_code(send_code, enterprise_user):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    user_reset_password(phone=enterprise_user.phone, sms_code=code, new_password="Better2027")
    assert User.objects.get(pk=enterprise_user.pk).check_password("Better2027")


def test_reset_password_with_a_wrong_code_changes_nothing(send_code, enterprise_user):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    with pytest.raises(DomainError):
        user_reset_password(
            phone=enterprise_user.phone, sms_code=_wrong(code), new_password="Better2027"
        )
    assert User.objects.get(pk=enterprise_user.pk).check_password(PASSWORD)


def test_reset_password_with_a_login_code_is_refused(send_code, enterprise_user):
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.LOGIN)
    with pytest.raises(DomainError):
        user_reset_password(phone=enterprise_user.phone, sms_code=code, new_password="Better2027")
    assert User.objects.get(pk=enterprise_user.pk).check_password(PASSWORD)


def test_reset_password_of_an_unknown_phone_is_refused(db):
    with pytest.raises(DomainError) as refused:
        user_reset_password(phone=NEW_PHONE, sms_code="123456", new_password="Better2027")
    assert refused.value.code == "phone.unknown"


# Phone change


def test_change_phone_with_the_password_and_a_code_sent_to_the_new_phone(
    send_code, enterprise_user
):
    old_phone = enterprise_user.phone
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.CHANGE_PHONE)
    user_change_phone(actor=enterprise_user, password=PASSWORD, new_phone=NEW_PHONE, sms_code=code)
    assert User.objects.get(pk=enterprise_user.pk).phone == NEW_PHONE
    assert enterprise_user.phone == NEW_PHONE
    # the audit record keeps both phones, masked
    record = AuditRecord.objects.get(action="user.phone_changed")
    assert (record.from_state, record.to_state) == ("135****1111", "139****5678")
    assert old_phone not in str(AuditRecord.objects.values().get(pk=record.pk))


def test_change_phone_needs_the_password(send_code, enterprise_user):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.CHANGE_PHONE)
    with pytest.raises(DomainError) as refused:
        user_change_phone(
            actor=enterprise_user, password="Wrong2026", new_phone=NEW_PHONE, sms_code=code
        )
    assert refused.value.code == "password.wrong"
    assert User.objects.get(pk=enterprise_user.pk).phone == "13500001111"


def test_change_phone_refuses_a_wrong_code(send_code, enterprise_user):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.CHANGE_PHONE)
    with pytest.raises(DomainError):
        user_change_phone(
            actor=enterprise_user, password=PASSWORD, new_phone=NEW_PHONE, sms_code=_wrong(code)
        )
    assert User.objects.get(pk=enterprise_user.pk).phone == "13500001111"


def test_change_phone_refuses_a_phone_of_another_account(enterprise_user, other_enterprise_user):
    with pytest.raises(DomainError) as refused:
        user_change_phone(
            actor=enterprise_user,
            password=PASSWORD,
            new_phone=other_enterprise_user.phone,
            sms_code="123456",
        )
    assert (refused.value.code, refused.value.field) == ("phone.taken", "new_phone")


def test_change_phone_refuses_the_same_phone(enterprise_user):
    with pytest.raises(DomainError) as refused:
        user_change_phone(
            actor=enterprise_user, password=PASSWORD, new_phone=enterprise_user.phone, sms_code="1"
        )
    assert refused.value.code == "phone.same"


# Sessions


def test_session_login_starts_a_new_session_for_the_user(rf, enterprise_user):
    # given an anonymous session and a user who proved who they are
    request = _session_request(rf)
    old_key = request.session.session_key
    user = authenticate(request, phone=enterprise_user.phone, password=PASSWORD)
    # when the user is logged in
    session_login(request=request, user=user, method="password")
    # then the session is new and holds the user
    assert request.session.session_key != old_key
    assert request.session[SESSION_KEY] == str(enterprise_user.pk)
    record = AuditRecord.objects.get(action="user.logged_in")
    assert (record.actor, record.data) == (enterprise_user, {"method": "password"})


def test_session_logout_ends_the_session(rf, enterprise_user):
    request = _session_request(rf)
    session_login(
        request=request,
        user=authenticate(request, phone=enterprise_user.phone, password=PASSWORD),
        method="password",
    )
    session_logout(request=request)
    assert SESSION_KEY not in request.session
    assert not request.user.is_authenticated
    assert _actions() == ["user.logged_in", "user.logged_out"]


def test_logout_of_an_anonymous_visitor_records_nothing(rf):
    session_logout(request=_session_request(rf))
    assert AuditRecord.objects.count() == 0


# API tokens


def test_an_api_token_is_stored_only_as_a_hash(enterprise_user):
    token, key = api_token_create(actor=enterprise_user, name="小程序")
    token.refresh_from_db()
    assert len(key) >= 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    for field in ApiToken._meta.concrete_fields:
        assert key not in str(getattr(token, field.attname)), field.name
    assert token.expires_at > token.created_at
    assert token.revoked_at is None


def test_a_user_revokes_an_own_token(enterprise_user):
    token, _key = api_token_create(actor=enterprise_user)
    api_token_revoke(actor=enterprise_user, token=token)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked(enterprise_user, other_enterprise_user):
    token, _key = api_token_create(actor=enterprise_user)
    with pytest.raises(DomainError) as refused:
        api_token_revoke(actor=other_enterprise_user, token=token)
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_password_change_revokes_every_api_token(enterprise_user):
    # given two live tokens, e.g. of a mini-program on a lost phone
    first, _key = api_token_create(actor=enterprise_user)
    second, _key = api_token_create(actor=enterprise_user)
    # when the password changes
    user_change_password(actor=enterprise_user, old_password=PASSWORD, new_password="Better2027")
    # then neither token works any more
    assert not ApiToken.objects.filter(user=enterprise_user, revoked_at__isnull=True).exists()
    assert {first.pk, second.pk} == set(ApiToken.objects.values_list("pk", flat=True))


def test_a_password_reset_revokes_every_api_token(send_code, enterprise_user):
    api_token_create(actor=enterprise_user)
    code = send_code(phone=enterprise_user.phone, purpose=SmsPurpose.RESET_PASSWORD)
    user_reset_password(phone=enterprise_user.phone, sms_code=code, new_password="Better2027")
    assert not ApiToken.objects.filter(user=enterprise_user, revoked_at__isnull=True).exists()


def test_a_password_change_tells_the_user_after_commit(
    enterprise_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user_change_password(
            actor=enterprise_user, old_password=PASSWORD, new_password="Better2027"
        )
    assert enterprise_user.inbox_messages.get().title == "登录密码已修改"
    assert "登录密码已修改" in SmsOutbox.objects.get(phone=enterprise_user.phone).text


def test_a_phone_change_is_texted_to_the_old_phone(
    send_code, enterprise_user, django_capture_on_commit_callbacks
):
    code = send_code(phone=NEW_PHONE, purpose=SmsPurpose.CHANGE_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        user_change_phone(
            actor=enterprise_user, password=PASSWORD, new_phone=NEW_PHONE, sms_code=code
        )
    text = SmsOutbox.objects.get(phone="13500001111").text
    assert "139****5678" in text
    assert NEW_PHONE not in text


# Accounts created by an administrator


def test_only_a_system_administrator_creates_accounts(staff_user):
    with pytest.raises(DomainError) as refused:
        user_create(actor=staff_user, phone=NEW_PHONE, display_name="审核员", password=PASSWORD)
    assert (refused.value.code, refused.value.status) == ("user.create_forbidden", 403)
    assert not User.objects.filter(phone=NEW_PHONE).exists()


def test_an_administrator_creates_a_staff_account(make_user):
    admin = make_user(is_staff=True, is_superuser=True)
    user = user_create(
        actor=admin, phone=NEW_PHONE, display_name="审核员", password=PASSWORD, is_staff=True
    )
    user.refresh_from_db()
    assert user.is_staff
    assert not user.is_superuser
    assert user.check_password(PASSWORD)
    assert AuditRecord.objects.get(action="user.created").actor == admin


def test_accounts_created_directly_follow_the_password_policy(db):
    with pytest.raises(DomainError) as refused:
        user_create(actor=None, phone=NEW_PHONE, display_name="演示", password="12345678")
    assert refused.value.code == "password.weak"


def test_an_account_cannot_be_created_twice(enterprise_user):
    with pytest.raises(DomainError) as refused:
        user_create(actor=None, phone=enterprise_user.phone, display_name="重复", password=PASSWORD)
    assert refused.value.code == "phone.taken"
