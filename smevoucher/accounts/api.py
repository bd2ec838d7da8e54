"""Accounts over JSON (注册 / 登录 / 安全设置) for the mini-program and the portal's scripts.

Endpoints parse, call the services and shape answers; the rules live in the services, the
authentication backends (so django-axes counts every login) and ``captcha_check``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, update_session_auth_hash
from django.utils.translation import gettext as _
from ninja import Router
from ninja.throttling import AnonRateThrottle

from smevoucher.core.access import LOGIN_REQUIRED, PUBLIC, access
from smevoucher.core.errors import DomainError, RateLimited
from smevoucher.core.http import client_ip

from .captcha import captcha_check, captcha_create
from .schemas import (
    CaptchaOut,
    LoginIn,
    MeOut,
    MessageOut,
    PasswordChangeIn,
    PasswordResetIn,
    PhoneChangeIn,
    RegisterIn,
    SmsCodeSendIn,
    SmsCodeSentOut,
    TokenOut,
)
from .services import (
    api_token_create,
    api_token_login,
    api_token_revoke,
    otp_check_for_token,
    session_logout,
    sms_code_send,
    user_change_password,
    user_change_phone,
    user_register,
    user_reset_password,
)

router = Router(tags=["账号"])


class ClientAddressThrottle(AnonRateThrottle):
    """Counts per REMOTE_ADDR: a client-sent X-Forwarded-For must not reset its count."""

    scope = "client_address"

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR")


def _token_answer(*, user, name: str) -> dict:
    token, key = api_token_create(actor=user, name=name)
    return {"token": key, "token_type": "Bearer", "expires_at": token.expires_at, "user": user}


# Each challenge is a database row: an address gets a generous but bounded number of them.
@router.post(
    "/captcha",
    auth=None,
    response=CaptchaOut,
    throttle=ClientAddressThrottle("30/m"),
    summary="获取图形验证码",
)
@access(PUBLIC)
def captcha_new(request):
    captcha = captcha_create()
    return {"key": captcha.key, "image_url": request.build_absolute_uri(captcha.image_url)}


@router.post("/sms-codes", auth=None, response=SmsCodeSentOut, summary="发送短信验证码")
@access(PUBLIC)
def sms_code_request(request, payload: SmsCodeSendIn):
    captcha_check(key=payload.captcha_key, answer=payload.captcha_answer)
    sms = sms_code_send(
        phone=payload.phone,
        purpose=payload.purpose.value,
        ip_address=client_ip(request),
    )
    return {
        "message": _("验证码已发送"),
        "expires_at": sms.expires_at,
        "resend_after_seconds": settings.SMS_RESEND_SECONDS,
    }


@router.post("/register", auth=None, response=TokenOut, summary="注册")
@access(PUBLIC)
def register(request, payload: RegisterIn):
    user = user_register(
        phone=payload.phone,
        display_name=payload.display_name,
        password=payload.password,
        sms_code=payload.sms_code,
    )
    return _token_answer(user=user, name=payload.device_name)


@router.post("/login", auth=None, response=TokenOut, summary="登录（密码或短信验证码）")
@access(PUBLIC)
def login(request, payload: LoginIn):
    captcha_check(key=payload.captcha_key, answer=payload.captcha_answer)
    if payload.password is not None:
        user = authenticate(request, phone=payload.phone, password=payload.password)
        failure = DomainError("login.failed", _("手机号或密码错误"))
    else:
        user = authenticate(request, phone=payload.phone, sms_code=payload.sms_code)
        failure = getattr(request, "auth_error", None) or DomainError(
            "login.failed", _("手机号或验证码错误")
        )
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise RateLimited(
                "login.locked",
                _("登录失败次数过多，账号已暂时锁定，请30分钟后再试或通过短信找回密码"),
            )
        raise failure
    otp_check_for_token(user=user, code=payload.otp_code)
    token, key = api_token_login(
        request=request,
        user=user,
        method="password" if payload.password is not None else "sms",
        name=payload.device_name,
    )
    return {"token": key, "token_type": "Bearer", "expires_at": token.expires_at, "user": user}


@router.post("/logout", response=MessageOut, summary="退出登录")
@access(LOGIN_REQUIRED)
def logout(request):
    token = getattr(request, "api_token", None)
    if token is not None:
        api_token_revoke(actor=request.auth, token=token)
    else:
        session_logout(request=request)
    return {"message": _("已退出登录")}


@router.get("/me", response=MeOut, summary="当前用户")
@access(LOGIN_REQUIRED)
def me(request):
    return request.auth


@router.post("/me/password", response=MessageOut, summary="修改密码")
@access(LOGIN_REQUIRED)
def password_change(request, payload: PasswordChangeIn):
    user = request.auth
    user_change_password(
        actor=user, old_password=payload.old_password, new_password=payload.new_password
    )
    if getattr(request, "api_token", None) is None:
        update_session_auth_hash(request, user)  # this session stays logged in
    return {"message": _("密码已修改")}


@router.post("/me/phone", response=MeOut, summary="更换手机号")
@access(LOGIN_REQUIRED)
def phone_change(request, payload: PhoneChangeIn):
    return user_change_phone(
        actor=request.auth,
        password=payload.password,
        new_phone=payload.new_phone,
        sms_code=payload.sms_code,
    )


@router.post("/password-reset", auth=None, response=MessageOut, summary="找回密码")
@access(PUBLIC)
def password_reset(request, payload: PasswordResetIn):
    user_reset_password(
        phone=payload.phone, sms_code=payload.sms_code, new_password=payload.new_password
    )
    return {"message": _("密码已重置，请使用新密码登录")}
