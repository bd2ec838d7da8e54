"""Money at the edges: integer fen inside, yuan text in and out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .errors import DomainError

MAX_FEN = 10**14  # one trillion yuan: far above any program budget


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals and thousands separators: 21000000 -> '210,000.00'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def parse_yuan(text, *, field: str = "amount", allow_zero: bool = False) -> int:
    """A yuan amount typed by a person ('1,234.5', '1234.56元') as exact integer fen."""
    raw = (
        str(text if text is not None else "")
        .strip()
        .replace(",", "")
        .replace("，", "")
        .removesuffix("元")
    )
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise DomainError("amount.invalid", _("请输入正确的金额（元）"), field=field) from exc
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise DomainError("amount.precision", _("金额最多保留两位小数"), field=field)
    fen = int(value * 100)
    if fen < 0 or (fen == 0 and not allow_zero):
        raise DomainError("amount.positive", _("金额必须大于零"), field=field)
    if fen > MAX_FEN:
        raise DomainError("amount.too_large", _("金额超出允许范围"), field=field)
    return fen


def rmb_upper(fen: int) -> str:
    """Integer fen in uppercase RMB (大写金额), exact: 21000000 -> '贰拾壹万元整'.

    cn2an truncates extra decimals, so it is given the exact yuan with two decimals."""
    import cn2an

    if fen < 0:
        return "负" + rmb_upper(-fen)
    whole, cents = divmod(fen, 100)
    return cn2an.an2cn(f"{whole}.{cents:02d}", "rmb")
