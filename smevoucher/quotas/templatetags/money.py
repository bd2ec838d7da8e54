from django import template

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
    """Integer fen shown in 万元 when round: 300000000 -> 30万."""
    if fen is None:
        return "—"
    fen = int(fen)
    if fen % 1_000_000 == 0:
        return f"{fen // 1_000_000}万"
    return _yuan(fen)
