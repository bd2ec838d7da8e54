"""Log filters: personal data never reaches a log line; every line carries the request id."""

from __future__ import annotations

import logging
import re

from .privacy import mask_text
from .request_context import current_request_id

# A string literal as the databases quote it (SQLite's quote(), libpq's escaping): a quote
# inside is doubled, a backslash escapes nothing.
_SQL_STRING = re.compile(r"'(?:[^']|'')*'")
# A verification code next to the word for it (the SMS text, a developer's message).
_SMS_CODE = re.compile(
    r"(验证码|校验码|动态码|sms[_ ]?code|verification[_ ]code)([^\d\n]{0,8})\d{4,8}(?!\d)",
    re.IGNORECASE,
)
_formatter = logging.Formatter()


def _string_values(params) -> list[str]:
    if isinstance(params, dict):
        params = list(params.values())
    if not isinstance(params, list | tuple):
        return []
    values = []
    for value in params:
        if isinstance(value, list | tuple | dict):
            values.extend(_string_values(value))
        elif isinstance(value, str) and len(value) >= 6:
            values.append(value)
    return values


def _sql_without_values(record: logging.LogRecord) -> str | None:
    """The statement of a ``django.db.backends`` record with every value taken out.

    Django's debug cursor logs the SQL with its parameters already quoted into it (and the
    parameters again as ``args``): an SMS text, a phone, an ID number as they are written.
    Every string literal becomes '?', the arguments are left out, and the record's own
    ``sql`` and ``params`` attributes are cleaned too, for a formatter that prints them.
    """
    sql = getattr(record, "sql", None)
    if not isinstance(sql, str):
        return None
    text = _SQL_STRING.sub("'?'", sql)
    for value in _string_values(getattr(record, "params", None)):
        text = text.replace(value, "?")  # a value quoted some other way
    record.sql, record.params = text, None
    duration = getattr(record, "duration", None)
    alias = getattr(record, "alias", None)
    head = f"({duration:.3f}) " if isinstance(duration, float) else ""
    return f"{head}{text}" + (f"; alias={alias}" if alias else "")


def mask_log_text(text: str) -> str:
    return mask_text(_SMS_CODE.sub(r"\1\2******", text))


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = None
        if record.name.startswith("django.db.backends"):
            message = _sql_without_values(record)
        if message is None:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is still logged, masked as far as possible
                message = str(record.msg)
        record.msg = mask_log_text(message)
        record.args = None
        # A traceback ends with the exception's message, which may quote the input (a
        # Resolver404 repeats the path). The masked text replaces the exception for good:
        # a formatter would otherwise format it again from exc_info.
        if record.exc_info:
            record.exc_text = _formatter.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_text(record.stack_info)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
