"""The provider's evaluation figures (评价) on its public pages and product pages."""

from django import template

register = template.Library()


@register.inclusion_tag("orders/_rating.html")
def provider_rating(provider, recent: int = 0):
    from smevoucher.orders.models import Evaluation
    from smevoucher.orders.selectors import provider_rating as figures

    latest = []
    if recent:
        latest = list(
            Evaluation.objects.filter(provider=provider)
            .select_related("order")
            .order_by("-created_at")[:recent]
        )
    return {"rating": figures(provider), "latest": latest}
