"""The one domain error type: services raise it, views and the API present it."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a stable machine code and a message for the person (Chinese first).

    ``status`` is the HTTP status the API answers with; forms show ``message`` as an error.
    ``field`` names the input the message belongs to, when it belongs to one.
    """

    def __init__(self, code: str, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.status = status
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """The object does not exist or belongs to another tenant: both answer the same."""

    def __init__(self, message: str | None = None):
        from django.utils.translation import gettext

        super().__init__("not_found", message or gettext("内容不存在或无权查看"), status=404)


class RateLimited(DomainError):
    def __init__(self, code: str, message: str):
        super().__init__(code, message, status=429)
