"""Log filters: personal data never reaches a log line; every line carries the request id."""

from __future__ import annotations

import logging

from .privacy import mask_text
from .request_context import current_request_id


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is still logged, masked as far as possible
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
