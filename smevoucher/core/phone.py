from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from .errors import DomainError

_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize_phone(raw: str | None) -> str:
    """A mainland mobile number as 11 digits, or a DomainError with a clear message.

    Accepts the number written with spaces or dashes, or with the +86 / 86 prefix.
    """
    # Full-width digits from a Chinese input method become ASCII: one spelling per phone.
    value = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not _MAINLAND_MOBILE.fullmatch(value):
        raise DomainError("phone.invalid", _("请输入正确的11位手机号码"), field="phone")
    return value
