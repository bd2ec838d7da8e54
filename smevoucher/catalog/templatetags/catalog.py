"""Template helpers of the catalogue: ``{% provider_products provider %}`` for a provider's
public page, and ratios in basis points as percentages."""

from __future__ import annotations

from django import template

from smevoucher.catalog.selectors import provider_products_on_sale

register = template.Library()


@register.inclusion_tag("catalog/_provider_products.html")
def provider_products(provider, limit: int = 50):
    """The provider's on-sale products, as a list for its public page."""
    products = list(provider_products_on_sale(provider=provider)[:limit])
    return {"products": products}


@register.filter
def bp_percent(value) -> str:
    """Basis points as a percentage: 3000 -> '30%', 1250 -> '12.5%'."""
    if value is None:
        return ""
    whole, rest = divmod(int(value), 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


@register.filter
def voucher_type_names(product) -> str:
    """The names of the voucher types a product accepts (通用券、融资担保专项券), from the
    rules of its program in force now."""
    from smevoucher.programs.selectors import program_version_at

    rules = program_version_at(program=product.program).parsed
    names = []
    for key in product.voucher_types or []:
        rule = rules.voucher_type(key)
        names.append(rule.name if rule else key)
    return "、".join(names)
