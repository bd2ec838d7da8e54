"""The account policy on every request (等保 level 3): session lifetimes, the staff second
factor and password expiry. Runs after authentication and messages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, services

# How often the last-seen time is written back (a session write per request is waste).
SEEN_RESOLUTION_SECONDS = 60

# Views a person may still reach while the second factor or a new password is owed.
_OTP_OPEN_VIEWS = {
    "accounts:otp_setup",
    "accounts:otp_verify",
    "accounts:logout",
    "set_language",
    "api-1:logout",
}
_PASSWORD_OPEN_VIEWS = _OTP_OPEN_VIEWS | {"accounts:password_change", "api-1:password_change"}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _refuse(request, *, status: int, code: str, message: str, to: str):
    if _is_api(request):
        return JsonResponse(
            {"code": code, "message": message},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    messages.warning(request, message)
    query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
    return redirect(reverse(to) + (f"?{query}" if query else ""))


def password_expired(user) -> bool:
    days = settings.STAFF_PASSWORD_EXPIRY_DAYS if user.is_staff else settings.PASSWORD_EXPIRY_DAYS
    if not days:
        return False
    changed = user.password_changed_at or user.date_joined
    return changed + dt.timedelta(days=days) < timezone.now()


class AccountPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            refused = self._check_lifetime(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _check_lifetime(self, request):
        session = request.session
        now = int(timezone.now().timestamp())
        auth_at = session.get(services.SESSION_AUTH_AT)
        seen_at = session.get(services.SESSION_SEEN_AT)
        if auth_at is None or seen_at is None:  # a session from before these rules
            session[services.SESSION_AUTH_AT] = auth_at = now
            session[services.SESSION_SEEN_AT] = seen_at = now
        reason = None
        if now - seen_at > settings.SESSION_IDLE_SECONDS:
            reason = "idle"
        elif now - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
            reason = "lifetime"
        if reason is None:
            if now - seen_at >= SEEN_RESOLUTION_SECONDS:
                session[services.SESSION_SEEN_AT] = now
            return None
        services.session_expire(request=request, reason=reason)
        if reason == "idle":
            message = _("您已%(minutes)d分钟未操作，为保障账号安全已自动退出，请重新登录") % {
                "minutes": settings.SESSION_IDLE_SECONDS // 60
            }
        else:
            message = _("登录已超过%(hours)d小时，为保障账号安全请重新登录") % {
                "hours": settings.SESSION_ABSOLUTE_SECONDS // 3600
            }
        return _refuse(
            request, status=401, code="session.expired", message=message, to="accounts:login"
        )

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if selectors.otp_required_for(user) and not user.is_verified():
            if view_name in _OTP_OPEN_VIEWS:
                return None
            enrolled = selectors.otp_device_of(user) is not None
            return _refuse(
                request,
                status=403,
                code="otp.required",
                message=_("请输入动态口令完成登录")
                if enrolled
                else _("工作人员账号须绑定动态口令（双因素认证）后方可使用"),
                to="accounts:otp_verify" if enrolled else "accounts:otp_setup",
            )
        if password_expired(user) and view_name not in _PASSWORD_OPEN_VIEWS:
            days = (
                settings.STAFF_PASSWORD_EXPIRY_DAYS
                if user.is_staff
                else settings.PASSWORD_EXPIRY_DAYS
            )
            return _refuse(
                request,
                status=403,
                code="password.expired",
                message=_("您的密码已超过%(days)d天未修改，请修改密码后继续使用") % {"days": days},
                to="accounts:password_change",
            )
        return None
