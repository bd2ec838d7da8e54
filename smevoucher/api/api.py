"""The versioned JSON API (/api/v1/), shared by the web portal's scripts and the mini-program.

Every error answers ``{"code": ..., "message": ...}`` with a Chinese message.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from smevoucher.core.errors import DomainError

from .auth import BearerTokenAuth


class ChineseJSONRenderer(JSONRenderer):
    """Chinese stays readable in responses (no \\uXXXX escapes)."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


api = NinjaAPI(
    title="中小企业服务券平台 API",
    version="1",
    description="服务券平台的版本化接口：网页端与小程序共用。错误统一返回 {code, message}。",
    urls_namespace="api-1",
    renderer=ChineseJSONRenderer(),
    auth=[BearerTokenAuth(), django_auth],
    openapi_url="/openapi.json",
    docs_url="/docs",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"code": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None,
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return api.create_response(
        request,
        {"code": "invalid", "message": _("提交的数据格式不正确"), "errors": details},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"code": "unauthorized", "message": _("请先登录")}, status=401
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(
        request, {"code": "not_found", "message": _("内容不存在或无权查看")}, status=404
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(
        request, {"code": f"http_{exc.status_code}", "message": str(exc)}, status=exc.status_code
    )


api.add_router("/accounts", "smevoucher.accounts.api.router")
