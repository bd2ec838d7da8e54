"""The versioned JSON API (/api/v1/), shared by the web portal's scripts and the mini-program.

Every error answers one shape, ``{"code": ..., "message": ...}`` with a Chinese message
(plus ``field`` when it belongs to one input, and ``errors`` for malformed input).
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Router, Schema, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import django_auth
from pydantic import BaseModel

from smevoucher.core.access import NOWHERE, access
from smevoucher.core.errors import DomainError

from .auth import BearerTokenAuth

logger = logging.getLogger(__name__)


class ChineseJSONRenderer(JSONRenderer):
    """Chinese stays readable in responses (no \\uXXXX escapes)."""

    json_dumps_params = {"ensure_ascii": False}


class ErrorOut(Schema):
    code: str = Field(..., max_length=100, examples=["sms.wrong"])
    message: str = Field(..., max_length=500, examples=["验证码错误"])
    field: str | None = Field(None, max_length=100, description="出错的输入项（如有）")


class FieldErrorOut(Schema):
    field: str | None = Field(None, max_length=200, examples=["phone"])
    message: str = Field(..., max_length=500, examples=["此项为必填项"])
    type: str = Field(..., max_length=100, examples=["missing"])


class ValidationErrorOut(Schema):
    code: str = Field(..., max_length=100, examples=["invalid"])
    message: str = Field(..., max_length=500, examples=["提交的数据格式不正确"])
    errors: list[FieldErrorOut]


class VoucherNinjaAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document describes the error bodies of every operation.

    The error shape is decided once, by the handlers below, so it is documented once here
    instead of on each endpoint: 400 and 422 everywhere; 401, 403, 404, 409 and 429 where a
    login is required; 404 where the path names an object; 429 on the public operations
    (send limits, lockout).
    """

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, FieldErrorOut, ValidationErrorOut):
            model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            model_schema.pop("$defs", None)
            components[model.__name__] = model_schema
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                _document_errors(operation, has_path_params="{" in path)
        return schema


def _error_response(description: str, model: type[Schema]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
    }


def _document_errors(operation: dict[str, Any], *, has_path_params: bool) -> None:
    responses = operation.setdefault("responses", {})
    errors = {400: ("业务规则拒绝", ErrorOut), 422: ("输入格式不正确", ValidationErrorOut)}
    if operation.get("security"):
        errors[401] = ("未登录或令牌无效", ErrorOut)
        # Logged-in operations may be refused for the role, for another tenant's object
        # (answered as missing), for the object's state, or for sending too often.
        errors[403] = ("无权执行此操作", ErrorOut)
        errors[404] = ("内容不存在或无权查看", ErrorOut)
        errors[409] = ("当前状态不能执行该操作", ErrorOut)
        errors[429] = ("请求过于频繁", ErrorOut)
    else:
        errors[429] = ("请求过于频繁或登录已锁定", ErrorOut)
    if has_path_params:
        errors[404] = ("内容不存在或无权查看", ErrorOut)
    for status, (description, model) in sorted(errors.items()):
        responses.setdefault(status, _error_response(description, model))


def _chinese_json(view):
    """The OpenAPI document with Chinese left readable (ninja escapes it to \\uXXXX)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.get("Content-Type", "").startswith("application/json"):
            data = json.loads(response.content)
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False),
                content_type="application/json; charset=utf-8",
                status=response.status_code,
            )
        return response

    return wrapper


api = VoucherNinjaAPI(
    title="中小企业服务券平台 API",
    version="1",
    description=(
        "服务券平台的版本化接口：网页端与小程序共用。"
        "登录后以请求头 `Authorization: Bearer <token>` 调用，网页端也可使用会话。"
        "错误统一返回 `{code, message}`（消息为中文），输入格式错误另附 `errors`。"
    ),
    urls_namespace="api-1",
    renderer=ChineseJSONRenderer(),
    auth=[BearerTokenAuth(), django_auth],
    openapi_url="/openapi.json",
    # Swagger UI from ninja's own static files; no validator badge calling out to the web.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
    docs_decorator=_chinese_json,
)


def _error(request, status: int, code: str, message: str, **extra) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    extra = {"field": exc.field} if exc.field else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


# pydantic's error types, in the words a Chinese client shows to its user.
_VALIDATION_MESSAGES = {
    "missing": gettext_lazy("此项为必填项"),
    "string_too_short": gettext_lazy("此项不能为空"),
    "string_too_long": gettext_lazy("长度不能超过{max_length}个字符"),
    "string_type": gettext_lazy("应为文本"),
    "string_pattern_mismatch": gettext_lazy("格式不正确"),
    "enum": gettext_lazy("取值无效，可选值：{expected}"),
    "literal_error": gettext_lazy("取值无效，可选值：{expected}"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_type": gettext_lazy("应为整数"),
    "bool_parsing": gettext_lazy("应为布尔值"),
    "bool_type": gettext_lazy("应为布尔值"),
    "greater_than_equal": gettext_lazy("不能小于{ge}"),
    "less_than_equal": gettext_lazy("不能大于{le}"),
    "uuid_parsing": gettext_lazy("编号格式不正确"),
    "uuid_type": gettext_lazy("编号格式不正确"),
    "datetime_parsing": gettext_lazy("时间格式不正确"),
    "json_invalid": gettext_lazy("请求体不是有效的JSON"),
    "null_character": gettext_lazy("不能包含空字符"),
    "model_attributes_type": gettext_lazy("请求体应为JSON对象"),
    "dict_type": gettext_lazy("请求体应为JSON对象"),
}


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "value_error" and context.get("error"):
        return str(context["error"])
    if "expected" in context:
        context = {**context, "expected": str(context["expected"]).replace(" or ", ", ")}
    template = _VALIDATION_MESSAGES.get(kind)
    if template is None:
        return _("格式不正确")
    try:
        return str(template).format(**context)
    except (KeyError, IndexError):
        return str(template)


def _validation_field(loc: list | tuple) -> str | None:
    # ninja's locations read ("body", "<parameter>", "<field>", ...) or ("query", "<field>").
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    details = [
        {
            "field": _validation_field(error.get("loc", ())),
            "message": _validation_message(error),
            "type": error.get("type", ""),
        }
        for error in exc.errors
    ]
    return _error(request, 422, "invalid", _("提交的数据格式不正确"), errors=details)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _error(request, 401, "unauthorized", _("请先登录"))


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return _error(request, 403, "forbidden", _("无权执行此操作"))


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc):
    return _error(request, 413, "too_large", _("提交的内容过大"))


@api.exception_handler(SuspiciousOperation)
def suspicious_request(request, exc):
    return _error(request, 400, "bad_request", _("请求无法处理"))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "not_found", _("内容不存在或无权查看"))


# ninja's own refusals (an unreadable body, a throttle), in the one error shape.
_HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("请求无法解析，请提交正确的JSON或表单")),
    403: ("forbidden", gettext_lazy("无权执行此操作")),
    404: ("not_found", gettext_lazy("内容不存在或无权查看")),
    429: ("throttled", gettext_lazy("请求过于频繁，请稍后再试")),
}


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    code, message = _HTTP_ERRORS.get(exc.status_code, (f"http_{exc.status_code}", str(exc)))
    return _error(request, exc.status_code, code, str(message))


# PostgreSQL cannot store NUL in text, and Django's forms refuse it for that reason: the API
# refuses it in any input (path, query, form or body), as malformed input naming the field.
def _nul_locations(value: Any, location: tuple) -> list[tuple]:
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, str):
        return [location] if "\x00" in value else []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple | set):
        items = enumerate(value)
    else:
        return []
    found = []
    for key, item in items:
        found += _nul_locations(key, location) + _nul_locations(item, (*location, key))
    return found


def refuse_nul_characters(view_func):
    """Applied to every operation, on the validated input it is about to receive."""

    @functools.wraps(view_func)
    def wrapper(request, *args, **kwargs):
        # Located as ninja locates its own errors, so the answer names the field alone.
        found = [
            loc
            for name, value in kwargs.items()
            for loc in _nul_locations(
                value, ("body", name) if isinstance(value, BaseModel) else ("input", name)
            )
        ]
        if found:
            raise ValidationError(
                [{"loc": loc, "type": "null_character", "msg": ""} for loc in dict.fromkeys(found)]
            )
        return view_func(request, *args, **kwargs)

    return wrapper


api.add_decorator(refuse_nul_characters)


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    # A bug, not an input problem: log it whole, answer in the one error shape.
    logger.error("unhandled error in %s %s", request.method, request.path, exc_info=exc)
    return _error(request, 500, "server_error", _("服务器繁忙，请稍后再试"))


api.add_router("/accounts", "smevoucher.accounts.api.router")
api.add_router("/uploads", "smevoucher.uploads.api.router")
api.add_router("/inbox", "smevoucher.notifications.api.router")
api.add_router("/staff", "smevoucher.staff.api.router")
api.add_router("/regions", "smevoucher.regions.api.router")
api.add_router("/orgs", "smevoucher.orgs.api.router")
api.add_router("/reviews", "smevoucher.reviews.api.router")
api.add_router("/programs", "smevoucher.programs.api.router")
api.add_router("/classifications", "smevoucher.programs.api_imports.router")
api.add_router("/quotas", "smevoucher.quotas.api.router")
api.add_router("/vouchers", "smevoucher.vouchers.api.router")
api.add_router("/catalog", "smevoucher.catalog.api.router")
api.add_router("/providers", "smevoucher.providers.api.router")
api.add_router("/orders", "smevoucher.orders.api.router")
api.add_router("/esign", "smevoucher.esign.api.router")
api.add_router("/settlements", "smevoucher.settlements.api.router")
api.add_router("/messages", "smevoucher.community.api.router")
api.add_router("/news", "smevoucher.community.api_news.router")
api.add_router("/demands", "smevoucher.community.api.demands_router")

# Mounted last: an unknown address under /api/v1/ answers JSON, not the portal's 404 page.
unknown = Router()


@unknown.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
@access(NOWHERE, kwargs={"rest": "no/such/endpoint"})
def unknown_endpoint(request, rest: str):
    raise Http404(rest)


api.add_router("", unknown)
