"""The one domain error type and its two common refusals."""

from __future__ import annotations

from smevoucher.core.errors import DomainError, NotFound, RateLimited


def test_a_domain_error_carries_code_message_status_and_field():
    error = DomainError("order.invalid_action", "当前状态不能执行该操作", field="action")
    assert (error.code, error.message, error.status, error.field) == (
        "order.invalid_action",
        "当前状态不能执行该操作",
        400,
        "action",
    )
    assert str(error) == "当前状态不能执行该操作"


def test_not_found_answers_404_in_chinese():
    error = NotFound()
    assert isinstance(error, DomainError)
    assert (error.code, error.status, error.message) == ("not_found", 404, "内容不存在或无权查看")


def test_rate_limited_answers_429():
    error = RateLimited("sms.too_soon", "发送过于频繁")
    assert isinstance(error, DomainError)
    assert (error.code, error.status) == ("sms.too_soon", 429)
