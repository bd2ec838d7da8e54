"""Rate limits on every submission (POST, PUT, PATCH, DELETE), counted in the shared cache.

Three groups, each with its rate in ``RATE_LIMITS``: logins (and registration and password
resets) per client address; uploads (multipart bodies) and every other submission per
person, or per address before login. django-ratelimit does the counting (fixed windows,
atomic increments in the cache); it is not an installed app, because its system check
knows only third-party Redis backends and would warn about Django's own (and about the
local-memory cache of the one-process demo).
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit import UNSAFE
from django_ratelimit.core import _split_rate, is_ratelimited

from .http import client_ip

LOGIN_VIEWS = {
    "accounts:login",
    "accounts:register",
    "accounts:password_reset",
    "api-1:login",
    "api-1:register",
    "api-1:password_reset",
}


def _address_key(group, request) -> str:
    return client_ip(request) or "unknown"


def _person_key(group, request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{_address_key(group, request)}"


def submission_group(request) -> str | None:
    """Which limit a request counts against, or None for reads."""
    if request.method not in UNSAFE:
        return None
    view_name = request.resolver_match.view_name if request.resolver_match else ""
    if view_name in LOGIN_VIEWS:
        return "login"
    if request.content_type == "multipart/form-data":
        # Parsed here at the latest by the CSRF check, which reads the form; a body that does
        # not parse counts as an upload, and the view then finds no file in it.
        try:
            has_files = bool(request.FILES)
        except MultiPartParserError:
            return "upload"
        if has_files:
            return "upload"
    return "submission"


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.RATE_LIMIT_ENABLED:
            return None
        group = submission_group(request)
        if group is None:
            return None
        rate = settings.RATE_LIMITS[group]
        key = _address_key if group == "login" else _person_key
        limited = is_ratelimited(
            request, group=f"smevoucher.{group}", key=key, rate=rate, method=UNSAFE, increment=True
        )
        if not limited:
            return None
        _count, period = _split_rate(rate)
        return too_many(request, retry_after=period)


def too_many(request, *, retry_after: int):
    message = _("操作过于频繁，请%(seconds)d秒后再试") % {"seconds": retry_after}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "rate_limited", "message": message},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
