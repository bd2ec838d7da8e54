"""Personal values as a given viewer may see them: masked unless their role needs them."""

from __future__ import annotations

from smevoucher.core.privacy import mask_bank_account, mask_id_number, mask_phone
from smevoucher.staff.permissions import may_see_full


def shown_id_number(value: str, viewer) -> str:
    return value if may_see_full(viewer, "id_number") else mask_id_number(value)


def shown_bank_account(value: str, viewer) -> str:
    return value if may_see_full(viewer, "bank_account") else mask_bank_account(value)


def shown_phone(value: str, viewer) -> str:
    return value if may_see_full(viewer, "phone") else mask_phone(value)
