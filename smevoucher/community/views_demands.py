"""企业需求: the public board, the enterprise's 我的需求管理, a demand's page with the providers'
responses (我要对接) and the one-step order from a quoted product."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from smevoucher.core.access import LOGIN_REQUIRED, PUBLIC, access
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.money import parse_yuan
from smevoucher.core.privacy import mask_phone

from . import services
from .selectors import DEMAND_TABS, demand_board, demand_categories, demand_for_viewer, my_demands


@access(PUBLIC)
def board(request):
    category = request.GET.get("category", "")[:50]
    q = request.GET.get("q", "")[:50]
    demands = list(demand_board(category=category, q=q)[:100])
    for demand in demands:
        demand.masked_phone = mask_phone(demand.contact_phone)
    return render(
        request,
        "community/demands.html",
        {"demands": demands, "categories": demand_categories(), "category": category, "q": q},
    )


def _fields(request) -> dict:
    budget_raw = request.POST.get("budget", "").strip()
    return {
        "name": request.POST.get("name", ""),
        "category": request.POST.get("category", ""),
        "contact_phone": request.POST.get("contact_phone", ""),
        "content": request.POST.get("content", ""),
        "budget_fen": parse_yuan(budget_raw, field="budget")
        if request.POST.get("budget_mode") == "amount"
        else None,
    }


@login_required
@access(LOGIN_REQUIRED)
def mine(request):
    tab = request.GET.get("tab", "all")
    if request.method == "POST":
        try:
            demand = services.demand_submit(actor=request.user, **_fields(request))
        except DomainError as error:
            flash.error(request, error.message)
        else:
            flash.success(request, _("需求已提交，等待平台审核后发布"))
            return redirect("community:demand", demand.pk)
    return render(
        request,
        "community/my_demands.html",
        {
            "demands": my_demands(actor=request.user, tab=tab),
            "tabs": DEMAND_TABS,
            "tab": tab,
            "categories": demand_categories(),
            "active_entry": "demands",
        },
    )


@access(PUBLIC, sample="demand")
def demand(request, pk: int):
    try:
        found, owner = demand_for_viewer(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next=/messages/demands/{pk}/")
        step = request.POST.get("step")
        try:
            if step == "respond":
                product = request.POST.get("product", "")
                services.demand_respond(
                    actor=request.user,
                    demand_id=found.pk,
                    message=request.POST.get("message", ""),
                    product_id=int(product) if product.isdigit() else None,
                )
                flash.success(request, _("已对接该需求，企业将看到贵机构的对接信息"))
            elif step == "close":
                services.demand_close(actor=request.user, demand_id=found.pk)
                flash.success(request, _("需求已关闭"))
            elif step == "resubmit":
                services.demand_resubmit(actor=request.user, demand_id=found.pk, **_fields(request))
                flash.success(request, _("需求已重新提交审核"))
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as error:
            flash.error(request, error.message)
        return redirect("community:demand", pk)
    from smevoucher.catalog.models import Product
    from smevoucher.catalog.selectors import providers_of

    my_products = []
    if request.user.is_authenticated and not owner and not request.user.is_staff:
        providers = [p for p in providers_of(actor=request.user) if p.is_active]
        my_products = list(
            Product.objects.filter(provider__in=providers, status="on_sale").order_by("name")
        )
    from smevoucher.reviews.models import Review

    review = Review.objects.filter(kind="demand", object_id=str(found.pk)).order_by("-pk").first()
    return render(
        request,
        "community/demand.html",
        {
            "demand": found,
            "owner": owner,
            "masked_phone": mask_phone(found.contact_phone),
            "responses": found.responses.select_related("provider__org", "product")
            if (owner or request.user.is_staff)
            else [],
            "response_count": found.responses.count(),
            "my_products": my_products,
            "categories": demand_categories(),
            "review": review,
            "active_entry": "demands",
        },
    )
