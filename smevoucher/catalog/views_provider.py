"""产品管理: the provider's own products, by the Liuzhou tabs (未提交 / 审核中 / 待上传 /
在售 / 已下架). Views parse input and call services; the buttons are those the flow allows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smevoucher.core.access import LOGIN_REQUIRED, PROV_X, access, own
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.programs.selectors import program_version_at
from smevoucher.uploads.models import Upload
from smevoucher.uploads.services import upload_create

from . import services
from .choices import ProductStatus, RevisionStatus
from .fields import TEXT_LIMITS
from .forms import COMPARISON_ROWS, TIER_ROWS, ProductForm, yuan_input
from .reviewing import material_sets
from .selectors import (
    TABS,
    price_history,
    product_actions,
    product_get_for_provider,
    product_may_edit,
    product_open_revision,
    product_values,
    provider_products,
    providers_of,
    review_reason,
)

ACTIVE = "provider_products"
# Where a service's refusal shows on the form.
FORM_FIELDS = {
    "name",
    "category",
    "voucher_types",
    "pricing_mode",
    "guide_price",
    "platform_price",
    "proofs",
    *TEXT_LIMITS,
}


def _product_or_404(request, pk: int):
    try:
        return product_get_for_provider(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@access(LOGIN_REQUIRED)
def index(request):
    tab = request.GET.get("tab", "draft")
    tab = tab if tab in {key for key, _label, _states in TABS} else "draft"
    products, counts = provider_products(actor=request.user, tab=tab)
    return render(
        request,
        "catalog/provider/index.html",
        {
            "providers": providers_of(actor=request.user),
            "tabs": [(key, label, counts[key]) for key, label, _states in TABS],
            "tab": tab,
            "products": products,
            "active_entry": ACTIVE,
        },
    )


def _initial(values: dict) -> dict:
    initial = {name: values.get(name, "") for name in ("name", "category", *TEXT_LIMITS)}
    initial.update(
        voucher_types=values.get("voucher_types", []),
        pricing_mode=values.get("pricing_mode"),
        guide_price=yuan_input(values.get("guide_price_fen")),
        platform_price=yuan_input(values.get("platform_price_fen")),
        keep_proofs=values.get("proof_upload_ids", []),
    )
    for i, tier in enumerate(values.get("tiers", [])[:TIER_ROWS], start=1):
        initial[f"tier_{i}_content"] = tier["content"]
        initial[f"tier_{i}_price"] = yuan_input(tier["price_fen"])
    for i, row in enumerate(values.get("market_comparisons", [])[:COMPARISON_ROWS], start=1):
        initial[f"cmp_{i}_name"] = row["name"]
        initial[f"cmp_{i}_source"] = row.get("source", "")
        initial[f"cmp_{i}_price"] = yuan_input(row["price_fen"])
    return initial


def _existing(values: dict) -> tuple[list, dict]:
    ids = [
        *values.get("proof_upload_ids", []),
        *(m["upload_id"] for m in values.get("materials", [])),
    ]
    uploads = {str(u.pk): u for u in Upload.objects.filter(pk__in=ids)}
    proofs = [uploads[i] for i in values.get("proof_upload_ids", []) if i in uploads]
    materials = {
        (m["set_number"], m["kind"]): uploads[m["upload_id"]]
        for m in values.get("materials", [])
        if m["upload_id"] in uploads
    }
    return proofs, materials


def _upload(request, form, field_name: str, uploaded, purpose: str) -> str | None:
    try:
        return str(upload_create(actor=request.user, uploaded=uploaded, purpose=purpose).pk)
    except DomainError as exc:
        form.add_error(field_name, exc.message)
        return None


def _input_from(request, form: ProductForm) -> services.ProductInput | None:
    """The service's input from a valid form, after storing the new files."""
    data = form.cleaned_data
    proof_ids = list(data.get("keep_proofs", []))
    for uploaded in data.get("proofs", []):
        proof_ids.append(_upload(request, form, "proofs", uploaded, services.PROOF_PURPOSE))
    materials = []
    for number, row in form.material_sets():
        for cell in row:
            kind = cell["field"].name.rsplit("_", 1)[-1]
            uploaded = data.get(cell["field"].name)
            if uploaded:
                upload_id = _upload(
                    request, form, cell["field"].name, uploaded, services.MATERIAL_PURPOSE
                )
            elif cell["existing"] is not None and not data.get(f"{cell['field'].name}_remove"):
                upload_id = str(cell["existing"].pk)
            else:
                continue
            materials.append({"set_number": number, "kind": kind, "upload_id": upload_id})
    if form.errors:
        return None
    return services.ProductInput(
        name=data["name"],
        category=data["category"],
        voucher_types=list(data["voucher_types"]),
        pricing_mode=data["pricing_mode"],
        guide_price_fen=data["guide_price_fen"],
        platform_price_fen=data["platform_price_fen"],
        tiers=data["tiers"],
        market_comparisons=data["market_comparisons"],
        proof_upload_ids=proof_ids,
        materials=materials,
        **{name: data.get(name, "") for name in TEXT_LIMITS},
    )


def _show_error(form: ProductForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in FORM_FIELDS else None, exc.message)


@login_required
@access(LOGIN_REQUIRED)
def create(request):
    providers = [p for p in providers_of(actor=request.user) if p.is_active]
    program_id = request.GET.get("program") or request.POST.get("program")
    provider = next((p for p in providers if str(p.program_id) == str(program_id)), None)
    if provider is None and len(providers) == 1:
        provider = providers[0]
    if provider is None:
        return render(
            request,
            "catalog/provider/choose_program.html",
            {"providers": providers, "active_entry": ACTIVE},
        )
    rules = program_version_at(program=provider.program).parsed
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES, rules=rules)
        if form.is_valid():
            data = _input_from(request, form)
            if data is not None:
                try:
                    product = services.product_create(
                        actor=request.user, program_id=provider.program_id, data=data
                    )
                except NotFound as exc:
                    raise Http404 from exc
                except DomainError as exc:
                    _show_error(form, exc)
                else:
                    messages.success(request, _("产品已保存为草稿，确认无误后请提交审核"))
                    return redirect("provider_products:detail", pk=product.pk)
    else:
        form = ProductForm(rules=rules)
    return render(
        request,
        "catalog/provider/form.html",
        {"form": form, "provider": provider, "product": None, "active_entry": ACTIVE},
    )


@login_required
@access(own(PROV_X), sample="product")
def edit(request, pk: int):
    product = _product_or_404(request, pk)
    if not product_may_edit(product):
        messages.info(request, _("产品或其修改正在审核中，审核完成前不能修改"))
        return redirect("provider_products:detail", pk=product.pk)
    revision = product_open_revision(product)
    values = revision.data if revision is not None else product_values(product)
    proofs, materials = _existing(values)
    rules = program_version_at(program=product.program).parsed
    options = {"rules": rules, "existing_proofs": proofs, "existing_materials": materials}
    if request.method == "POST":
        form = ProductForm(request.POST, request.FILES, **options)
        if form.is_valid():
            data = _input_from(request, form)
            if data is not None:
                try:
                    services.product_update(actor=request.user, product_id=product.pk, data=data)
                except NotFound as exc:
                    raise Http404 from exc
                except DomainError as exc:
                    _show_error(form, exc)
                else:
                    if product.status in services.APPROVED:
                        messages.success(request, _("修改已提交审核，审核通过前产品仍按原内容展示"))
                    else:
                        messages.success(request, _("产品已保存"))
                    return redirect("provider_products:detail", pk=product.pk)
    else:
        form = ProductForm(initial=_initial(values), **options)
    return render(
        request,
        "catalog/provider/form.html",
        {
            "form": form,
            "provider": product.provider,
            "product": product,
            "revision": revision,
            "revision_reason": review_reason(revision) if revision else "",
            "active_entry": ACTIVE,
        },
    )


@login_required
@access(own(PROV_X), sample="product")
def detail(request, pk: int):
    product = _product_or_404(request, pk)
    revision = product_open_revision(product)
    reason = (
        review_reason(product)
        if product.status in (ProductStatus.RETURNED, ProductStatus.REJECTED)
        else ""
    )
    return render(
        request,
        "catalog/provider/detail.html",
        {
            "product": product,
            "tiers": list(product.tiers.all()),
            "proofs": list(product.qualification_proofs.all()),
            "material_sets": material_sets(
                (m.set_number, m.kind, m.upload) for m in product.materials.all()
            ),
            "actions": product_actions(product),
            "may_edit": product_may_edit(product),
            "may_delete": product.status == ProductStatus.DRAFT,
            "revision": revision,
            "revision_reason": review_reason(revision)
            if revision and revision.status == RevisionStatus.RETURNED
            else "",
            "reason": reason,
            "prices": price_history(product),
            "active_entry": ACTIVE,
        },
    )


@login_required
@require_POST
@access(own(PROV_X), sample="product", method="POST", data={"action": "off_sale"})
def action(request, pk: int):
    name = request.POST.get("action", "")
    try:
        product = services.product_transition(actor=request.user, product_id=pk, action=name)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = {
            ProductStatus.SUBMITTED: _("已提交审核，平台工作人员将尽快审核"),
            ProductStatus.ON_SALE: _("产品已上架，在服务产品中展示"),
            ProductStatus.OFF_SALE: _("产品已下架"),
        }
        messages.success(request, done.get(product.status, _("操作成功")))
    return redirect("provider_products:detail", pk=pk)


@login_required
@require_POST
@access(own(PROV_X), sample="product", method="POST")
def delete(request, pk: int):
    try:
        services.product_delete(actor=request.user, product_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("provider_products:detail", pk=pk)
    messages.success(request, _("产品已删除"))
    return redirect("provider_products:index")
