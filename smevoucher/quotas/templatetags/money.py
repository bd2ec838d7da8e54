from django import template
from django.utils import translation

from smevoucher.core.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen shown as yuan: 2100000 -> 21,000.00."""
    if fen is None or fen == "":
        return "—"
    return _yuan(int(fen))


@register.filter
def wan(fen) -> str:
    """Integer fen in 万 when round and the page is Chinese (30万); otherwise in yuan."""
    if fen is None:
        return "—"
    fen = int(fen)
    if fen % 1_000_000 == 0 and translation.get_language().startswith("zh"):
        return f"{fen // 1_000_000}万"
    whole, cents = divmod(fen, 100)
    return f"{whole:,}" if not cents else _yuan(fen)


@register.filter
def rmb_upper(fen) -> str:
    """Integer fen in uppercase RMB (大写金额): 21000000 -> 贰拾壹万元整."""
    from smevoucher.core.money import rmb_upper as _upper

    if fen is None or fen == "":
        return "—"
    return _upper(int(fen))
