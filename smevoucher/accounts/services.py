"""Writes of the accounts domain: SMS codes, registration, passwords, phone, sessions, tokens.

SMS-code checks run in their own short transaction, so that a wrong code's failed attempt
is counted even though the calling service then refuses; callers therefore consume a
code before they open their own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation, user_logged_in
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, RateLimited
from smevoucher.core.i18n import platform_text
from smevoucher.core.locks import serialize_on
from smevoucher.core.phone import normalize_phone
from smevoucher.core.privacy import mask_phone
from smevoucher.core.timeutil import start_of_local_day
from smevoucher.notifications.services import notify, sms_send_after_commit

from .choices import SmsPurpose
from .models import ApiToken, SmsCode, User, UserSession
from .selectors import otp_device_of, otp_pending_device, otp_required_for


def _code_hash(*, phone: str, purpose: str, code: str) -> str:
    message = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _sms_purpose_text(purpose: str) -> str:
    # The SMS is in Chinese whatever language the requesting page is in.
    with translation.override("zh-hans"):
        return str(SmsPurpose(purpose).label)


def _validate_password(password: str, *, user: User | None = None, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError("password.weak", " ".join(exc.messages), field=field) from exc


SIGNING_PURPOSES = (SmsPurpose.SEAL, SmsPurpose.SIGN)


def sms_code_send(*, phone: str, purpose: str, ip_address: str | None) -> SmsCode:
    """Send a 6-digit code to ``phone`` for one purpose, within the send limits.

    At most one send per phone per minute, and a daily cap per phone and per address.
    Registration needs an unregistered phone; the other purposes a registered one.
    """
    phone = normalize_phone(phone)
    if purpose not in SmsPurpose.values:
        raise DomainError("sms.purpose_invalid", _("验证码用途无效"))
    registered = User.objects.filter(phone=phone).exists()
    if purpose in (SmsPurpose.REGISTER, SmsPurpose.CHANGE_PHONE) and registered:
        raise DomainError("phone.taken", _("该手机号已注册，请直接登录"), field="phone")
    if (
        purpose
        in (
            SmsPurpose.LOGIN,
            SmsPurpose.RESET_PASSWORD,
            SmsPurpose.CERTIFY,
            SmsPurpose.SEAL,
            SmsPurpose.SIGN,
        )
        and not registered
    ):
        raise DomainError("phone.unknown", _("该手机号尚未注册"), field="phone")

    now = timezone.now()
    with transaction.atomic():
        serialize_on(f"sms:{phone}")
        last = SmsCode.objects.filter(phone=phone).order_by("-created_at").first()
        if last and (now - last.created_at).total_seconds() < settings.SMS_RESEND_SECONDS:
            wait = settings.SMS_RESEND_SECONDS - int((now - last.created_at).total_seconds())
            raise RateLimited(
                "sms.too_soon", _("发送过于频繁，请%(seconds)d秒后再试") % {"seconds": wait}
            )
        today = start_of_local_day(now)
        # Signing codes (seals, contracts) have their own daily allowance: a provider signs
        # many contracts a day, and that must not use up the codes for logging in.
        signing = purpose in SIGNING_PURPOSES
        same_group = (
            Q(purpose__in=SIGNING_PURPOSES) if signing else ~Q(purpose__in=SIGNING_PURPOSES)
        )
        daily_limit = (
            settings.SMS_DAILY_LIMIT_SIGNING_PER_PHONE
            if signing
            else settings.SMS_DAILY_LIMIT_PER_PHONE
        )
        if (
            SmsCode.objects.filter(same_group, phone=phone, created_at__gte=today).count()
            >= daily_limit
        ):
            raise RateLimited(
                "sms.daily_limit", _("该手机号今日获取验证码次数已达上限，请明天再试")
            )
        if ip_address and SmsCode.objects.filter(
            same_group, ip_address=ip_address, created_at__gte=today
        ).count() >= (settings.SMS_DAILY_LIMIT_PER_IP):
            raise RateLimited(
                "sms.ip_daily_limit", _("当前网络今日获取验证码次数已达上限，请明天再试")
            )

        # Only the newest code of a phone and purpose is valid.
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        code = f"{secrets.randbelow(1_000_000):06d}"
        sms = SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_hash(phone=phone, purpose=purpose, code=code),
            ip_address=ip_address or None,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.SMS_CODE_TTL_SECONDS),
        )
        audit_record(actor=None, subject=sms, action="sms_code.sent", to_state=purpose)
        sms_send_after_commit(
            phone=phone,
            template="verification_code",
            params={
                "code": code,
                "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
                "purpose": _sms_purpose_text(purpose),
            },
        )
    return sms


def sms_code_consume(*, phone: str, purpose: str, code: str) -> None:
    """Accept ``code`` once for (phone, purpose) or raise. Call outside a transaction.

    A wrong code counts a failed attempt; after too many the code is void.
    """
    phone = normalize_phone(phone)
    code = (code or "").strip()
    now = timezone.now()
    failure: DomainError | None = None
    with transaction.atomic():
        sms = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if sms is None:
            failure = DomainError("sms.expired", _("验证码已失效，请重新获取"), field="sms_code")
        elif sms.failed_attempts >= settings.SMS_MAX_VERIFY_ATTEMPTS:
            failure = DomainError(
                "sms.too_many_attempts", _("验证码错误次数过多，请重新获取"), field="sms_code"
            )
        elif not hmac.compare_digest(
            sms.code_hash, _code_hash(phone=phone, purpose=purpose, code=code)
        ):
            sms.failed_attempts += 1
            sms.save(update_fields=["failed_attempts"])
            failure = DomainError("sms.wrong", _("验证码错误"), field="sms_code")
        else:
            sms.used_at = now
            # Recorded by the row itself (used_at); the service that asked for the code
            # writes the one audit record of the change it makes.
            sms.save(update_fields=["used_at"])
    if failure is not None:
        raise failure


def user_register(*, phone: str, display_name: str, password: str, sms_code: str) -> User:
    """Register an enterprise user (注册): organization name, phone, SMS code, password."""
    phone = normalize_phone(phone)
    display_name = (display_name or "").strip()
    if not display_name:
        raise DomainError("register.name_required", _("请填写企业名称"), field="display_name")
    if len(display_name) > 100:
        raise DomainError(
            "register.name_too_long", _("企业名称不能超过100个字"), field="display_name"
        )
    if User.objects.filter(phone=phone).exists():
        raise DomainError("phone.taken", _("该手机号已注册，请直接登录"), field="phone")
    _validate_password(password, user=User(phone=phone, display_name=display_name))
    sms_code_consume(phone=phone, purpose=SmsPurpose.REGISTER, code=sms_code)
    try:
        with transaction.atomic():
            user = User.objects.create_user(phone, password, display_name=display_name)
            user.password_changed_at = timezone.now()
            user.save(update_fields=["password_changed_at"])
            audit_record(actor=user, subject=user, action="user.registered", to_state="active")
            notify(
                user=user,
                title=gettext_lazy("欢迎注册中小企业服务券平台"),
                body=gettext_lazy("下一步请在个人中心完成企业信息认证，认证通过后即可申领服务券。"),
            )
    except IntegrityError as exc:
        raise DomainError("phone.taken", _("该手机号已注册，请直接登录"), field="phone") from exc
    return user


# Session keys of our own: when the person logged in, and when they were last seen.
SESSION_AUTH_AT = "_smevoucher_auth_at"
SESSION_SEEN_AT = "_smevoucher_seen_at"


def session_login(*, request, user: User, method: str) -> None:
    """Log ``user`` in on this request (a new session id) and record it.

    Django's login() sends user_logged_in, whose receiver (``session_track``) registers the
    session, so force_login and every other login path are tracked the same way.
    """
    with transaction.atomic():
        request._smevoucher_login_method = method
        django_login(request, user, backend=getattr(user, "backend", None))
        audit_record(actor=user, subject=user, action="user.logged_in", data={"method": method})


def session_track(*, request, user: User) -> UserSession | None:
    """Register the web session ``user`` has just logged in on, with its start time.

    API logins send user_logged_in too (for django-axes) without a session login: those are
    recognised by the session not holding the user and are left alone.
    """
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != str(user.pk):
        return None
    now = int(timezone.now().timestamp())
    session[SESSION_AUTH_AT] = now
    session[SESSION_SEEN_AT] = now
    if session.session_key is None:
        session.save()
    row, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "method": getattr(request, "_smevoucher_login_method", "")[:20],
            "created_at": timezone.now(),
            "ended_at": None,
        },
    )
    return row


def session_rekey(*, request) -> None:
    """A new session id for the same login (after the second factor raises its rights)."""
    old_key = request.session.session_key
    request.session.cycle_key()
    UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def sessions_end_all(*, user: User, keep: str | None = None) -> int:
    """End every web session of ``user`` (but the one keyed ``keep``), on any session engine."""
    engine = import_module(settings.SESSION_ENGINE)
    with transaction.atomic():
        rows = list(
            UserSession.objects.select_for_update()
            .filter(user=user, ended_at__isnull=True)
            .exclude(session_key=keep or "")
            .order_by("pk")
        )
        for row in rows:
            engine.SessionStore(session_key=row.session_key).delete()
        UserSession.objects.filter(pk__in=[row.pk for row in rows]).update(ended_at=timezone.now())
    return len(rows)


def session_logout(*, request) -> None:
    """Log out: this session and every other one of the person end (等保: one exit)."""
    user = request.user
    with transaction.atomic():
        if user.is_authenticated:
            ended = sessions_end_all(user=user, keep=request.session.session_key)
            UserSession.objects.filter(session_key=request.session.session_key or "").update(
                ended_at=timezone.now()
            )
            audit_record(
                actor=user, subject=user, action="user.logged_out", data={"other_sessions": ended}
            )
        django_logout(request)


def session_expire(*, request, reason: str) -> None:
    """End this session because it was idle too long or reached its lifetime."""
    user = request.user
    with transaction.atomic():
        UserSession.objects.filter(session_key=request.session.session_key or "").update(
            ended_at=timezone.now()
        )
        audit_record(
            actor=user, subject=user, action="user.session_expired", data={"reason": reason}
        )
        django_logout(request)


def user_change_password(*, actor: User, old_password: str, new_password: str) -> None:
    if not actor.check_password(old_password or ""):
        raise DomainError("password.wrong", _("原密码不正确"), field="old_password")
    if old_password == new_password:
        raise DomainError("password.same", _("新密码不能与原密码相同"), field="new_password")
    _validate_password(new_password, user=actor, field="new_password")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _tokens_revoke_all(user)  # a stolen token stops working with the old password
        audit_record(actor=user, subject=user, action="user.password_changed")
        notify(
            user=user,
            title=gettext_lazy("登录密码已修改"),
            body=gettext_lazy("您的登录密码已修改。如非本人操作，请立即通过短信找回密码。"),
            sms=True,
        )
    actor.password = user.password


def user_reset_password(*, phone: str, sms_code: str, new_password: str) -> User:
    """Forgot password (找回密码): a code sent to the phone proves who asks."""
    phone = normalize_phone(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        raise DomainError("phone.unknown", _("该手机号尚未注册"), field="phone")
    _validate_password(new_password, user=user, field="new_password")
    sms_code_consume(phone=phone, purpose=SmsPurpose.RESET_PASSWORD, code=sms_code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        _tokens_revoke_all(user)
        ended = sessions_end_all(user=user)
        audit_record(
            actor=user, subject=user, action="user.password_reset", data={"sessions_ended": ended}
        )
        notify(
            user=user,
            title=gettext_lazy("登录密码已重置"),
            body=gettext_lazy("您的登录密码已通过短信验证重置。如非本人操作，请立即联系平台。"),
        )
    _axes_reset(phone)
    return user


def user_change_phone(*, actor: User, password: str, new_phone: str, sms_code: str) -> User:
    """Move the account to a new phone: the password and a code sent to the new phone."""
    new_phone = normalize_phone(new_phone)
    if not actor.check_password(password or ""):
        raise DomainError("password.wrong", _("登录密码不正确"), field="password")
    if new_phone == actor.phone:
        raise DomainError("phone.same", _("新手机号与当前手机号相同"), field="new_phone")
    if User.objects.filter(phone=new_phone).exists():
        raise DomainError("phone.taken", _("该手机号已被其他账号使用"), field="new_phone")
    sms_code_consume(phone=new_phone, purpose=SmsPurpose.CHANGE_PHONE, code=sms_code)
    old_phone = actor.phone
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=actor.pk)
            user.phone = new_phone
            user.save(update_fields=["phone"])
            audit_record(
                actor=user,
                subject=user,
                action="user.phone_changed",
                from_state=mask_phone(old_phone),
                to_state=mask_phone(new_phone),
            )
            # The old number hears of it, in case the change was not the owner's doing.
            sms_send_after_commit(
                phone=old_phone,
                template="notice",
                params={
                    "title": platform_text(gettext_lazy("账号手机号已更换")),
                    "body": platform_text(
                        gettext_lazy("您的账号已改绑手机号%(phone)s，如非本人操作请联系平台"),
                        {"phone": mask_phone(new_phone)},
                    ),
                },
            )
    except IntegrityError as exc:
        raise DomainError("phone.taken", _("该手机号已被其他账号使用"), field="new_phone") from exc
    actor.phone = new_phone
    return user


def _token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=api_token_hash(key),
        name=(name or "")[:50],
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE),
    )
    return token, key


def api_token_create(*, actor: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token; the clear key is returned once and only its hash is kept."""
    with transaction.atomic():
        token, key = _token_issue(user=actor, name=name)
        audit_record(actor=actor, subject=token, action="api_token.created")
    return token, key


def api_token_login(*, request, user: User, method: str, name: str = "") -> tuple[ApiToken, str]:
    """Log in through the API: a bearer token instead of a session, recorded as a login.

    Sends Django's user_logged_in so django-axes clears the failures counted so far.
    """
    with transaction.atomic():
        token, key = _token_issue(user=user, name=name)
        audit_record(
            actor=user,
            subject=user,
            action="user.logged_in",
            data={"method": method, "channel": "api"},
        )
    user_logged_in.send(sender=type(user), request=request, user=user)
    return token, key


def _tokens_revoke_all(user: User) -> None:
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise DomainError("not_found", _("内容不存在或无权查看"), status=404)
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, subject=token, action="api_token.revoked")


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _axes_reset(phone: str) -> None:
    from axes.utils import reset

    reset(username=phone)


def user_create(
    *,
    actor: User | None,
    phone: str,
    display_name: str,
    password: str,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create an account directly: staff accounts by a system admin, and the demo accounts.

    ``actor`` None means the platform itself (management commands).
    """
    if actor is not None and not actor.is_superuser:
        raise DomainError("user.create_forbidden", _("只有系统管理员可以创建账号"), status=403)
    phone = normalize_phone(phone)
    _validate_password(
        password,
        user=User(phone=phone, display_name=display_name, is_staff=is_staff or is_superuser),
    )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                phone,
                password,
                display_name=display_name,
                is_staff=is_staff or is_superuser,
                is_superuser=is_superuser,
                password_changed_at=timezone.now(),
            )
            audit_record(
                actor=actor,
                subject=user,
                action="user.created",
                to_state="staff" if user.is_staff else "active",
            )
    except IntegrityError as exc:
        raise DomainError("phone.taken", _("该手机号已被其他账号使用"), field="phone") from exc
    return user


# --- Staff second factor (TOTP, django-otp) ---------------------------------------------


def otp_device_start(*, actor: User) -> TOTPDevice:
    """Begin binding an authenticator app: a new secret, unconfirmed until a code proves it."""
    if otp_device_of(actor) is not None:
        raise DomainError(
            "otp.enrolled", _("您已绑定动态口令，如需更换请联系系统管理员"), status=409
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name=_("动态口令"), confirmed=False)


def _otp_check(device: TOTPDevice, code: str) -> None:
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise RateLimited("otp.throttled", _("动态口令错误次数过多，请稍后再试"))
    code = (code or "").strip()
    if not (code.isdigit() and len(code) == device.digits) or not device.verify_token(code):
        raise DomainError("otp.wrong", _("动态口令错误或已过期"), field="code")


def otp_device_confirm(*, request, code: str) -> TOTPDevice:
    """The first code from the app confirms the binding and verifies this session."""
    actor = request.user
    device = otp_pending_device(actor)
    if device is None:
        raise DomainError("otp.no_pending", _("请先扫描二维码绑定动态口令"), status=409)
    _otp_check(device, code)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, subject=actor, action="user.otp_enrolled")
    _otp_session_verified(request, device)
    return device


def otp_verify(*, request, code: str) -> None:
    """The second factor at login: a code of the bound app marks this session verified."""
    actor = request.user
    device = otp_device_of(actor)
    if device is None:
        raise DomainError("otp.not_enrolled", _("请先绑定动态口令"), status=409)
    _otp_check(device, code)
    with transaction.atomic():
        audit_record(actor=actor, subject=actor, action="user.otp_verified")
    _otp_session_verified(request, device)


def _otp_session_verified(request, device: TOTPDevice) -> None:
    otp_login(request, device)
    session_rekey(request=request)  # more rights, a new session id


def otp_check_for_token(*, user: User, code: str | None) -> None:
    """An API login of staff carries a code of the bound app (the token is then verified)."""
    if not otp_required_for(user):
        return
    device = otp_device_of(user)
    if device is None:
        raise DomainError(
            "otp.not_enrolled", _("工作人员账号须先在网页端登录并绑定动态口令"), status=403
        )
    _otp_check(device, code or "")
