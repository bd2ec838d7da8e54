"""Accounts pages (注册 / 登录 / 找回密码 / 安全设置). Views parse input and call services."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import ANON, LOGIN_REQUIRED, PUBLIC, REDIRECT, access, allow
from smevoucher.core.errors import DomainError
from smevoucher.core.http import client_ip
from smevoucher.core.privacy import mask_phone
from smevoucher.notifications.models import SmsOutbox

from . import forms, selectors, services
from .choices import SmsPurpose

# Form fields a service's error may name, when the form calls them differently.
_FIELD_ALIASES = {"new_phone": "phone", "captcha": "captcha"}
# What is never echoed back into a re-rendered form.
_SECRET_FIELDS = (
    "password",
    "password_confirm",
    "new_password",
    "new_password_confirm",
    "old_password",
    "sms_code",
    "captcha_1",
)


def _add_domain_error(form, exc: DomainError) -> None:
    field = _FIELD_ALIASES.get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


def _redisplay(form_class, request, errors: ErrorDict | None = None):
    """The same form again with what the person typed (never secrets) and a new captcha."""
    data = request.POST.copy()
    for name in _SECRET_FIELDS:
        data.pop(name, None)
    form = form_class(data=data)
    form._errors = ErrorDict()  # shown as given, without validating the half-filled form
    for name, error_list in (errors or {}).items():
        form._errors[name] = ErrorList(error_list)
    return form


def _send_code(request, *, form_class, purpose: str):
    """The 获取验证码 button: check phone and captcha, send, show the form again."""
    sender = forms.SendCodeForm(request.POST)
    if sender.is_valid():
        try:
            services.sms_code_send(
                phone=sender.cleaned_data["phone"], purpose=purpose, ip_address=client_ip(request)
            )
        except DomainError as exc:
            field = _FIELD_ALIASES.get(exc.field, exc.field) or "__all__"
            return _redisplay(form_class, request, {field: [exc.message]})
        messages.success(
            request,
            _("验证码已发送至%(phone)s，%(minutes)d分钟内有效")
            % {
                "phone": mask_phone(request.POST.get("phone", "").strip()),
                "minutes": settings.SMS_CODE_TTL_SECONDS // 60,
            },
        )
        return _redisplay(form_class, request)
    return _redisplay(form_class, request, dict(sender.errors))


def _safe_next(request, fallback: str = "portal:center"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@access(allow(ANON, others=REDIRECT))
def register(request):
    if request.user.is_authenticated:
        return redirect("portal:center")
    form = forms.RegisterForm()
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            form = _send_code(request, form_class=forms.RegisterForm, purpose=SmsPurpose.REGISTER)
        else:
            form = forms.RegisterForm(request.POST)
            if form.is_valid():
                try:
                    user = services.user_register(
                        phone=form.cleaned_data["phone"],
                        display_name=form.cleaned_data["display_name"],
                        password=form.cleaned_data["password"],
                        sms_code=form.cleaned_data["sms_code"],
                    )
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    user.backend = "smevoucher.accounts.backends.PhonePasswordBackend"
                    services.session_login(request=request, user=user, method="register")
                    messages.success(
                        request, _("注册成功，欢迎使用服务券平台。下一步请完成企业信息认证。")
                    )
                    return redirect("portal:center")
    return render(request, "accounts/register.html", {"form": form})


@access(PUBLIC)
def login_view(request):
    method = "sms" if request.GET.get("method") == "sms" else "password"
    form_class = forms.SmsLoginForm if method == "sms" else forms.PasswordLoginForm
    form = form_class()
    if request.method == "POST":
        if method == "sms" and request.POST.get("action") == "send_code":
            form = _send_code(request, form_class=form_class, purpose=SmsPurpose.LOGIN)
        else:
            form = form_class(request.POST)
            if form.is_valid():
                credentials = {"phone": form.cleaned_data["phone"]}
                if method == "sms":
                    credentials["sms_code"] = form.cleaned_data["sms_code"]
                else:
                    credentials["password"] = form.cleaned_data["password"]
                user = authenticate(request, **credentials)
                if user is not None:
                    services.session_login(request=request, user=user, method=method)
                    return _safe_next(request)
                if getattr(request, "axes_locked_out", False):
                    form.add_error(
                        None,
                        _("登录失败次数过多，账号已暂时锁定，请30分钟后再试或通过短信找回密码"),
                    )
                elif getattr(request, "auth_error", None) is not None:
                    form.add_error("sms_code", request.auth_error.message)
                elif method == "sms":
                    form.add_error(None, _("手机号或验证码错误"))
                else:
                    form.add_error(None, _("手机号或密码错误"))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "method": method, "next": request.GET.get("next", "")},
    )


@require_POST
@access(PUBLIC, method="POST")
def logout_view(request):
    services.session_logout(request=request)
    messages.info(request, _("您已安全退出"))
    return redirect("portal:home")


@access(PUBLIC)
def password_reset(request):
    form = forms.PasswordResetForm()
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            form = _send_code(
                request, form_class=forms.PasswordResetForm, purpose=SmsPurpose.RESET_PASSWORD
            )
        else:
            form = forms.PasswordResetForm(request.POST)
            if form.is_valid():
                try:
                    services.user_reset_password(
                        phone=form.cleaned_data["phone"],
                        sms_code=form.cleaned_data["sms_code"],
                        new_password=form.cleaned_data["new_password"],
                    )
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    messages.success(request, _("密码已重置，请使用新密码登录"))
                    return redirect("accounts:login")
    return render(request, "accounts/password_reset.html", {"form": form})


@login_required
@access(LOGIN_REQUIRED)
def security(request):
    return render(request, "accounts/security.html", {"active_entry": "security"})


@login_required
@access(LOGIN_REQUIRED)
def password_change(request):
    form = forms.PasswordChangeForm()
    if request.method == "POST":
        form = forms.PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                services.user_change_password(
                    actor=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                update_session_auth_hash(request, request.user)  # this session stays, others end
                messages.success(request, _("密码修改成功"))
                return redirect("accounts:security")
    return render(
        request, "accounts/password_change.html", {"form": form, "active_entry": "security"}
    )


@login_required
@access(LOGIN_REQUIRED)
def phone_change(request):
    form = forms.PhoneChangeForm()
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            form = _send_code(
                request, form_class=forms.PhoneChangeForm, purpose=SmsPurpose.CHANGE_PHONE
            )
        else:
            form = forms.PhoneChangeForm(request.POST)
            if form.is_valid():
                try:
                    services.user_change_phone(
                        actor=request.user,
                        password=form.cleaned_data["password"],
                        new_phone=form.cleaned_data["phone"],
                        sms_code=form.cleaned_data["sms_code"],
                    )
                except DomainError as exc:
                    _add_domain_error(form, exc)
                else:
                    messages.success(request, _("手机号已更换，请使用新手机号登录"))
                    return redirect("accounts:security")
    return render(request, "accounts/phone_change.html", {"form": form, "active_entry": "security"})


@login_required
@access(LOGIN_REQUIRED)
def otp_setup(request):
    """Bind an authenticator app (staff): a QR code of a new secret, confirmed by one code."""
    if selectors.otp_device_of(request.user) is not None:
        return redirect("accounts:otp_verify")
    form = forms.OtpCodeForm()
    device = selectors.otp_pending_device(request.user)
    if request.method == "POST" and device is not None:
        form = forms.OtpCodeForm(request.POST)
        if form.is_valid():
            try:
                services.otp_device_confirm(request=request, code=form.cleaned_data["code"])
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("动态口令绑定成功，以后登录时请输入身份验证器中的口令"))
                return _safe_next(request)
    if device is None:
        device = services.otp_device_start(actor=request.user)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, title=""),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "demo_code": selectors.otp_demo_code(device) if settings.DEMO_MODE else "",
            "next": request.GET.get("next", ""),
        },
    )


# Without a bound authenticator (none of the matrix's accounts has one) one is sent to bind it.
@login_required
@access(allow(others=REDIRECT))
def otp_verify(request):
    """The second step of a staff login: the code of the bound authenticator app."""
    device = selectors.otp_device_of(request.user)
    if device is None:
        return redirect("accounts:otp_setup")
    if request.user.is_verified():
        return _safe_next(request)
    form = forms.OtpCodeForm()
    if request.method == "POST":
        form = forms.OtpCodeForm(request.POST)
        if form.is_valid():
            try:
                services.otp_verify(request=request, code=form.cleaned_data["code"])
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                return _safe_next(request)
    return render(
        request,
        "accounts/otp_verify.html",
        {
            "form": form,
            "demo_code": selectors.otp_demo_code(device) if settings.DEMO_MODE else "",
            "next": request.GET.get("next", ""),
        },
    )


@access(PUBLIC)
def sms_outbox(request):
    """Demo mode only: the SMS the platform would have sent, so a newcomer can finish."""
    if not settings.DEMO_MODE:
        raise Http404
    rows = [
        {"phone": mask_phone(row.phone), "text": row.text, "at": row.created_at}
        for row in SmsOutbox.objects.order_by("-created_at", "-pk")[:20]
    ]
    return render(request, "accounts/sms_outbox.html", {"rows": rows})


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login sees (django-axes): a Chinese page or a JSON error."""
    message = _("登录失败次数过多，账号已暂时锁定，请30分钟后再试或通过短信找回密码")
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "login.locked", "message": message},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "accounts/locked.html", {"message": message}, status=429)
