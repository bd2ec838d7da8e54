"""Identity numbers, checked by their standards (python-stdnum), with Chinese messages."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError

from smevoucher.core.errors import DomainError

from .choices import IdType


def clean_uscc(value: str, *, field: str = "uscc") -> str:
    """A unified social credit code (GB 32100-2015), upper-case, check character verified."""
    compact = uscc.compact(value or "")
    if not compact:
        raise DomainError("uscc.required", _("请填写统一社会信用代码"), field=field)
    try:
        return uscc.validate(compact)
    except InvalidLength as exc:
        raise DomainError("uscc.length", _("统一社会信用代码应为18位"), field=field) from exc
    except InvalidChecksum as exc:
        raise DomainError(
            "uscc.checksum", _("统一社会信用代码校验位不正确，请核对后重新填写"), field=field
        ) from exc
    except ValidationError as exc:
        raise DomainError(
            "uscc.invalid", _("统一社会信用代码格式不正确，请核对后重新填写"), field=field
        ) from exc


# Permits of Hong Kong, Macao and Taiwan residents: H/M + 8 or 10 digits, or 8 digits
# (Taiwan), or the 18-digit 居住证 number beginning 81/82/83; foreign permanent residence:
# the 15-character (old) or 18-digit (2017) form.
_HMT = re.compile(r"^([HM]\d{8}(\d{2})?|\d{8}|8[123]\d{15}[\dX])$")
_FOREIGN = re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$")


def clean_id_number(id_type: str, value: str, *, field: str = "id_number") -> str:
    number = re.sub(r"\s", "", value or "").upper()
    if not number:
        raise DomainError("id.required", _("请填写证件号码"), field=field)
    if id_type == IdType.RESIDENT_ID:
        if len(number) != 18:
            raise DomainError("id.length", _("居民身份证号码应为18位"), field=field)
        try:
            ric.get_birth_date(number)
        except ValidationError as exc:
            raise DomainError(
                "id.birth_date", _("居民身份证号码中的出生日期不正确"), field=field
            ) from exc
        try:
            ric.validate(number)
        except InvalidChecksum as exc:
            raise DomainError(
                "id.checksum", _("居民身份证号码校验位不正确，请核对后重新填写"), field=field
            ) from exc
        except InvalidComponent as exc:
            raise DomainError(
                "id.region", _("居民身份证号码中的地区码不正确"), field=field
            ) from exc
        except ValidationError as exc:
            raise DomainError("id.invalid", _("居民身份证号码格式不正确"), field=field) from exc
        return number
    if id_type == IdType.HMT_PERMIT:
        if not _HMT.match(number):
            raise DomainError("id.invalid", _("港澳台居民通行证号码格式不正确"), field=field)
        return number
    if id_type == IdType.FOREIGN_PERMANENT:
        if not _FOREIGN.match(number):
            raise DomainError("id.invalid", _("外国人永久居留证号码格式不正确"), field=field)
        return number
    raise DomainError("id.type", _("请选择证件类型"), field="id_type")


def clean_bank_account(value: str, *, field: str = "account_number") -> str:
    """Digits only, 8 to 30; a bank card number (16-19 digits, UnionPay 62...) must pass Luhn.

    Corporate settlement accounts follow each bank's own scheme and carry no Luhn digit.
    """
    number = re.sub(r"[\s-]", "", value or "")
    if not number:
        raise DomainError("bank.required", _("请填写银行账号"), field=field)
    if not number.isdigit() or not 8 <= len(number) <= 30:
        raise DomainError("bank.invalid", _("银行账号应为8至30位数字"), field=field)
    if number.startswith("62") and 16 <= len(number) <= 19 and not luhn.is_valid(number):
        raise DomainError("bank.checksum", _("银行卡号校验不通过，请核对后重新填写"), field=field)
    return number
