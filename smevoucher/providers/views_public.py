"""The public provider pages (服务机构): admitted providers of programs being carried out."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from smevoucher.core.access import PUBLIC, access
from smevoucher.core.errors import NotFound

from .forms import PublicProviderFilterForm
from .selectors import (
    program_categories,
    public_programs,
    public_provider_get,
    public_providers,
    scope_labels,
)

PAGE_SIZE = 20


@require_GET
@access(PUBLIC)
def index(request):
    programs = public_programs()
    categories: list[str] = []
    for program in programs:
        categories += [c for c in program_categories(program) if c not in categories]
    form = PublicProviderFilterForm(request.GET or None, programs=programs, categories=categories)
    data = form.cleaned_data if form.is_valid() else {}
    providers = public_providers(program_id=data.get("program"), category=data.get("category", ""))
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = scope_labels(p.scope_code for p in page.object_list)
    rows = [{"provider": p, "scope_label": labels.get(p.scope_code, "")} for p in page]
    return render(request, "providers/public_list.html", {"form": form, "page": page, "rows": rows})


@require_GET
@access(PUBLIC, sample="provider")
def detail(request, provider_id: int):
    try:
        provider = public_provider_get(provider_id=provider_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "providers/public_detail.html",
        {
            "provider": provider,
            "scope_label": scope_labels([provider.scope_code])[provider.scope_code],
        },
    )
