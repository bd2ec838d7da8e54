"""The public catalogue (服务产品 / 通用券服务 / 专项券服务), product pages and 我的收藏.
Views parse input and call selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import LOGIN_REQUIRED, PUBLIC, access
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.orgs.choices import CertStatus, OrgKind
from smevoucher.orgs.selectors import org_acting_for

from . import services
from .cache import cached
from .forms import CatalogFilterForm
from .selectors import (
    SORT_LABELS,
    SORTS,
    VOUCHER_KINDS,
    apply_problem,
    catalog_category_counts,
    catalog_listing,
    catalog_programs,
    deduction_previews,
    favourite_ids,
    favourites_of,
    product_get_public,
    provider_product_count,
    voucher_type_validity,
)

PAGE_SIZE = 12


def _kinds(product) -> list[str]:
    kinds = []
    if product.accepts_general:
        kinds.append(VOUCHER_KINDS["general"])
    if product.accepts_special:
        kinds.append(VOUCHER_KINDS["special"])
    return kinds


@access(PUBLIC)
def index(request):
    """The catalogue. A visitor who is not logged in gets the page's body from the cache
    (per language and query, dropped when the catalogue changes): no query at all; a
    logged-in person's body is rendered for them (their favourites), from cached counts."""
    if request.user.is_authenticated:
        main = _index_main(request)
    else:
        main = cached(
            ["page", get_language(), sorted(request.GET.lists())], lambda: _index_main(request)
        )
    return render(request, "catalog/index.html", {"main": main})


def _index_main(request) -> str:
    form = CatalogFilterForm(request.GET)
    filters = form.filters()
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "newest"
    page_size = form.cleaned_data.get("page_size") or PAGE_SIZE
    programs = catalog_programs()
    by_id = {entry.program.pk: entry for entry in programs}
    if filters["program_id"] not in by_id:
        filters["program_id"] = None
    counts = catalog_category_counts(**filters)
    shown = [e for e in programs if filters["program_id"] in (None, e.program.pk)]
    if filters["program_id"] is None:
        # Without a chosen program, only programs with something on sale get a category block
        # (a past year's program would fill the page with empty categories).
        with_products = {
            program_id for program_id, _category in counts if counts[(program_id, _category)]
        }
        shown = [e for e in shown if e.program.pk in with_products] or shown
    page = Paginator(catalog_listing(sort=sort, **filters), page_size).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    favourites = favourite_ids(user=request.user, product_ids=[p.pk for p in rows])
    items = [
        {
            "product": product,
            "kinds": _kinds(product),
            "voucher_names": [by_id[product.program_id].type_name(k) for k in product.voucher_types]
            if product.program_id in by_id
            else [],
            "favourite": product.pk in favourites,
        }
        for product in rows
    ]
    return render_to_string(
        "catalog/_index_main.html",
        {
            "form": form,
            "filters": filters,
            "sort": sort,
            "sorts": SORT_LABELS,
            "kinds": VOUCHER_KINDS,
            "programs": programs,
            "category_blocks": [
                {"program": e.program, "categories": e.categories(counts)} for e in shown
            ],
            "page": page,
            "items": items,
        },
        request=request,
    )


def _enterprise_of(user):
    org = org_acting_for(user) if user.is_authenticated and not user.is_staff else None
    if org is None or org.status != CertStatus.APPROVED or org.kind != OrgKind.ENTERPRISE:
        return None
    return org


@access(PUBLIC, sample="product")
def detail(request, pk: int):
    try:
        product = product_get_public(pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    counted = services.product_record_visit(product_id=product.pk, session=request.session)
    enterprise = _enterprise_of(request.user)
    preview, tier_previews = deduction_previews(enterprise_org=enterprise, product=product)
    problem = apply_problem(
        user=request.user, product=product, preview=preview if enterprise else None
    )
    return render(
        request,
        "catalog/detail.html",
        {
            "product": product,
            "provider": product.provider,
            "tier_previews": tier_previews,
            "preview": preview,
            "enterprise": enterprise,
            "problem": problem,
            "validity": voucher_type_validity(product),
            "kinds": _kinds(product),
            "provider_product_count": provider_product_count(provider=product.provider),
            "favourite": bool(favourite_ids(user=request.user, product_ids=[product.pk])),
            "visit_count": product.visit_count + (1 if counted else 0),
        },
    )


@login_required
@require_POST
@access(LOGIN_REQUIRED, sample="product", method="POST", data={"on": "1"})
def favourite(request, pk: int):
    try:
        on = services.favourite_set(
            actor=request.user, product_id=pk, on=request.POST.get("on") == "1"
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已加入我的收藏") if on else _("已取消收藏"))
    if request.POST.get("next") == "favourites":
        return redirect("catalog:favourites")
    return redirect("catalog:detail", pk=pk)


@login_required
@access(LOGIN_REQUIRED)
def favourites(request):
    page = Paginator(favourites_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/favourites.html",
        {"page": page, "active_entry": "favourites"},
    )
