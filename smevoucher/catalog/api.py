"""服务产品 over JSON: the catalogue and product pages (with the caller's price after
voucher), the provider's own products, and 我的收藏."""

from __future__ import annotations

from typing import Literal

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from ninja import Query, Router

from smevoucher.api.schemas import ObjectId
from smevoucher.core.access import LOGIN_REQUIRED, PROV_X, access, own
from smevoucher.core.errors import DomainError
from smevoucher.orgs.choices import CertStatus, OrgKind
from smevoucher.orgs.selectors import org_acting_for

from . import services
from .schemas import (
    ActionIn,
    FavouriteOut,
    MyProductOut,
    ProductCardOut,
    ProductDetailOut,
    ProductIn,
    ProductPageOut,
    ProgramCategoriesOut,
)
from .selectors import (
    apply_problem,
    catalog_category_counts,
    catalog_listing,
    catalog_programs,
    deduction_previews,
    favourite_ids,
    favourites_of,
    product_actions,
    product_get_for_provider,
    product_get_public,
    product_open_revision,
    product_values,
    provider_product_count,
    provider_products,
    review_reason,
    voucher_type_validity,
)

router = Router(tags=["服务产品"])

MAX_FEN = 10**14


def _card(product) -> dict:
    return {
        "id": product.pk,
        "name": product.name,
        "category": product.category,
        "program_id": product.program_id,
        "program_name": product.program.name,
        "provider_id": product.provider_id,
        "provider_name": product.provider.org.name,
        "pricing_mode": product.pricing_mode,
        "guide_price_fen": product.guide_price_fen,
        "platform_price_fen": product.platform_price_fen,
        "min_price_fen": product.min_price_fen,
        "max_price_fen": product.max_price_fen,
        "voucher_types": list(product.voucher_types),
        "accepts_general": product.accepts_general,
        "accepts_special": product.accepts_special,
        "sales_count": product.sales_count,
        "revenue_fen": product.revenue_fen,
        "visit_count": product.visit_count,
        "application_count": product.application_count,
        "on_sale_at": product.on_sale_at,
    }


# The API's catalogue wants a login (the web catalogue is public).
@router.get("/products", response=ProductPageOut, summary="服务产品列表与搜索")
@access(LOGIN_REQUIRED)
def product_list(
    request,
    program_id: ObjectId | None = None,
    category: str = Query("", max_length=50),
    kind: Literal["general", "special", ""] = Query(
        "", description="general 通用券服务 / special 专项券服务"
    ),
    voucher_type: str = Query("", max_length=40),
    min_price_fen: int | None = Query(None, ge=0, le=MAX_FEN),
    max_price_fen: int | None = Query(None, ge=0, le=MAX_FEN),
    q: str = Query("", max_length=100, description="关键字，匹配产品名称和服务概述"),
    sort: Literal["newest", "sales", "price", "price_desc", "revenue"] = "newest",
    page: int = Query(1, ge=1),
    page_size: int = Query(12, ge=1, le=60),
):
    products = catalog_listing(
        sort=sort,
        program_id=program_id,
        category=category.strip(),
        kind=kind,
        voucher_type=voucher_type.strip(),
        min_fen=min_price_fen,
        max_fen=max_price_fen,
        q=q,
    )
    current = Paginator(products, page_size).get_page(page)
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "items": [_card(p) for p in current.object_list],
    }


@router.get(
    "/categories", response=list[ProgramCategoriesOut], summary="服务类别（含在售产品数量）"
)
@access(LOGIN_REQUIRED)
def categories(
    request,
    program_id: ObjectId | None = None,
    kind: Literal["general", "special", ""] = Query(""),
):
    counts = catalog_category_counts(program_id=program_id, kind=kind)
    return [
        {
            "program_id": entry.program.pk,
            "program_name": entry.program.name,
            "categories": entry.categories(counts),
        }
        for entry in catalog_programs()
        if program_id in (None, entry.program.pk)
    ]


def _enterprise_of(user):
    org = org_acting_for(user) if not user.is_staff else None
    if org is None or org.status != CertStatus.APPROVED or org.kind != OrgKind.ENTERPRISE:
        return None
    return org


def _preview_out(preview: dict) -> dict:
    return {key: value for key, value in preview.items() if key != "by_ratio_fen"}


@router.get(
    "/products/{product_id}",
    response=ProductDetailOut,
    summary="服务产品详情：价格、券后价与最高补贴、能否申请",
)
@access(LOGIN_REQUIRED, sample="product")
def product_detail(request, product_id: ObjectId):
    user = request.auth
    product = product_get_public(pk=product_id)
    enterprise = _enterprise_of(user)
    preview, tier_previews = deduction_previews(enterprise_org=enterprise, product=product)
    problem = apply_problem(user=user, product=product, preview=preview if enterprise else None)
    provider = product.provider
    return {
        **_card(product),
        **{
            name: getattr(product, name)
            for name in (
                "service_area",
                "target_customers",
                "overview",
                "process",
                "cycle",
                "deliverables",
                "acceptance",
            )
        },
        "tiers": [{"content": t.content, "price_fen": t.price_fen} for t, _p in tier_previews],
        "provider": {
            "id": provider.pk,
            "name": provider.org.name,
            "level": provider.level,
            "level_label": provider.get_level_display(),
            "product_count": provider_product_count(provider=provider),
            "contact_phone": provider.contact_phone,
            "address": provider.address,
            "working_hours": provider.working_hours,
        },
        "validity": voucher_type_validity(product),
        "preview": _preview_out(preview),
        "tier_previews": [
            {"content": t.content, "price_fen": t.price_fen, "preview": _preview_out(p)}
            for t, p in tier_previews
        ],
        "may_apply": problem is None,
        "apply_problem": problem or "",
        "favourite": bool(favourite_ids(user=user, product_ids=[product.pk])),
    }


# --- the provider's own products ---


def _mine(product) -> dict:
    values = product_values(product)
    revision = product_open_revision(product)
    reason = review_reason(product) if product.status in ("returned", "rejected") else ""
    return {
        **values,
        "id": product.pk,
        "program_id": product.program_id,
        "status": product.status,
        "status_label": product.get_status_display(),
        "reason": reason,
        "actions": [a["action"] for a in product_actions(product)],
        "open_revision": {
            "id": revision.pk,
            "status": revision.status,
            "status_label": revision.get_status_display(),
            "reason": review_reason(revision) if revision.status == "returned" else "",
        }
        if revision
        else None,
        "on_sale_at": product.on_sale_at,
        "updated_at": product.updated_at,
    }


def _input(payload: ProductIn) -> services.ProductInput:
    data = payload.dict(exclude={"program_id"})
    return services.ProductInput(**data)


@router.get("/mine", response=list[MyProductOut], summary="产品管理：本机构的服务产品")
@access(LOGIN_REQUIRED)
def my_products(
    request,
    tab: Literal["draft", "submitted", "ready", "on_sale", "off_sale"] = Query(
        "draft", description="未提交 / 审核中 / 待上传 / 在售 / 已下架"
    ),
):
    products, _counts = provider_products(actor=request.auth, tab=tab)
    return [
        _mine(p)
        for p in products.select_related("provider__org").prefetch_related(
            "tiers", "qualification_proofs", "materials"
        )
    ]


@router.post("/mine", response={201: MyProductOut}, summary="新建服务产品（草稿）")
@access(LOGIN_REQUIRED)
def my_product_create(request, payload: ProductIn):
    if payload.program_id is None:
        raise DomainError("product.program_required", _("请选择服务券项目"), field="program_id")
    product = services.product_create(
        actor=request.auth, program_id=payload.program_id, data=_input(payload)
    )
    return 201, _mine(product_get_for_provider(actor=request.auth, pk=product.pk))


@router.get("/mine/{product_id}", response=MyProductOut, summary="本机构的一个服务产品")
@access(own(PROV_X), sample="product")
def my_product(request, product_id: ObjectId):
    return _mine(product_get_for_provider(actor=request.auth, pk=product_id))


@router.put(
    "/mine/{product_id}",
    response=MyProductOut,
    summary="修改服务产品（已审核通过的产品提交修改审核，审核通过前按原内容销售）",
)
@access(own(PROV_X), sample="product")
def my_product_update(request, product_id: ObjectId, payload: ProductIn):
    services.product_update(actor=request.auth, product_id=product_id, data=_input(payload))
    return _mine(product_get_for_provider(actor=request.auth, pk=product_id))


@router.delete("/mine/{product_id}", response={204: None}, summary="删除未提交的产品")
@access(own(PROV_X), sample="product")
def my_product_delete(request, product_id: ObjectId):
    services.product_delete(actor=request.auth, product_id=product_id)
    return 204, None


@router.post(
    "/mine/{product_id}/actions",
    response=MyProductOut,
    summary="提交审核 / 上传（上架） / 下架",
)
@access(own(PROV_X), sample="product", data={"action": "unpublish"})
def my_product_action(request, product_id: ObjectId, payload: ActionIn):
    services.product_transition(actor=request.auth, product_id=product_id, action=payload.action)
    return _mine(product_get_for_provider(actor=request.auth, pk=product_id))


# --- 我的收藏 ---


@router.get("/favourites", response=list[ProductCardOut], summary="我的收藏")
@access(LOGIN_REQUIRED)
def favourites(request):
    return [_card(p) for p in favourites_of(user=request.auth)[:200]]


@router.put("/favourites/{product_id}", response=FavouriteOut, summary="加入收藏")
@access(LOGIN_REQUIRED, sample="product")
def favourite_add(request, product_id: ObjectId):
    on = services.favourite_set(actor=request.auth, product_id=product_id, on=True)
    return {"product_id": product_id, "favourite": on}


@router.delete("/favourites/{product_id}", response=FavouriteOut, summary="取消收藏")
@access(LOGIN_REQUIRED, sample="product")
def favourite_remove(request, product_id: ObjectId):
    on = services.favourite_set(actor=request.auth, product_id=product_id, on=False)
    return {"product_id": product_id, "favourite": on}
