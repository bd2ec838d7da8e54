"""Masking of personal data for screens, exports and logs."""

from __future__ import annotations

import re

# Mainland mobile numbers, 18-character resident ID numbers and long digit runs (bank cards).
# A mobile as people write it: with or without +86, in 3-4-4 groups with spaces or dashes.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?\d{4}[\s-]?(\d{4})(?!\d)")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_LONG_DIGITS = re.compile(r"(?<!\d)(\d{4})\d{8,15}(\d{4})(?!\d)")


def mask_phone(phone: str | None) -> str:
    """135****7589: the first three and last four digits stay."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_number(number: str | None) -> str:
    """110105********002X: region and the last four stay, the birth date goes."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:1] + "*" * (len(number) - 1)
    keep_head = 6 if len(number) >= 15 else 2
    return f"{number[:keep_head]}{'*' * (len(number) - keep_head - 4)}{number[-4:]}"


def mask_bank_account(number: str | None) -> str:
    """6222 **** **** 1234 style: the first four and last four digits stay."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * (len(number) - 4) + number[-4:]
    return f"{number[:4]} **** **** {number[-4:]}"


def mask_text(text: str) -> str:
    """Mask every phone, ID or card number that appears in free text (log lines)."""
    text = _RESIDENT_ID.sub(r"\1********\2", text)
    text = _LONG_DIGITS.sub(r"\1********\2", text)
    return _MOBILE.sub(r"\1****\2", text)
