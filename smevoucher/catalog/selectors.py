"""Reads of the service catalogue: what is on sale, what a product costs an enterprise after
its vouchers, why someone cannot apply, and the provider's own product lists."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.core.errors import NotFound
from smevoucher.orgs.choices import CertStatus, OrgKind
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus, ProgramVersion
from smevoucher.programs.selectors import program_version_at
from smevoucher.providers.choices import ProviderLevel, ProviderStatus
from smevoucher.providers.models import Provider
from smevoucher.regions.models import Region

from .cache import cached
from .categories import category_description
from .choices import MaterialKind, PricingMode, ProductStatus, RevisionStatus
from .fields import MAX_MATERIAL_SETS, REQUIRED_AT_SUBMIT, SCALAR_FIELDS
from .models import Favourite, Product, ProductRevision

S = ProductStatus

VOUCHER_KINDS = {"general": gettext_lazy("通用券服务"), "special": gettext_lazy("专项券服务")}
SORTS = {
    "newest": ("-on_sale_at", "-pk"),
    "sales": ("-sales_count", "-pk"),
    "price": ("min_price_fen", "-pk"),
    "price_desc": ("-max_price_fen", "-pk"),
    "revenue": ("-revenue_fen", "-pk"),
}
SORT_LABELS = {
    "newest": gettext_lazy("最新上架"),
    "sales": gettext_lazy("销量"),
    "price": gettext_lazy("价格从低到高"),
    "price_desc": gettext_lazy("价格从高到低"),
    "revenue": gettext_lazy("销售额"),
}
# The products whose name or overview contains a 2-character piece: the stored bigrams of
# migration 0004 (a column PostgreSQL keeps, not a model field) and their GIN index.
BIGRAM_MATCH = "SELECT id FROM catalog_product WHERE search_bigrams @> ARRAY[%s]::text[]"
MAX_TERMS = 5
MAX_KEYWORD = 50


# --- a product's content as data ---


def product_values(product: Product) -> dict:
    """The product's content in the shape the services check and a revision keeps."""
    values = {name: getattr(product, name) for name in SCALAR_FIELDS}
    values["tiers"] = [
        {"content": t.content, "price_fen": t.price_fen} for t in product.tiers.all()
    ]
    values["proof_upload_ids"] = [str(u.pk) for u in product.qualification_proofs.all()]
    values["materials"] = [
        {"set_number": m.set_number, "kind": m.kind, "upload_id": str(m.upload_id)}
        for m in product.materials.all()
    ]
    return values


def price_of(values: dict) -> tuple:
    return (
        values["pricing_mode"],
        values["guide_price_fen"],
        values["platform_price_fen"],
        [(t["content"], t["price_fen"]) for t in values["tiers"]],
    )


def submit_problem(product: Product) -> tuple[str, str | None] | None:
    """Why the product cannot be sent to review yet and the field it concerns, or None
    (Guangdong's requirements)."""
    missing = [
        str(label) for name, label in REQUIRED_AT_SUBMIT.items() if not getattr(product, name)
    ]
    if missing:
        return _("提交审核前请填写：%(fields)s") % {"fields": "、".join(missing)}, None
    if len(product.market_comparisons or []) < 2:
        return _("收费标准需提供不少于2家市场同类产品比价"), "market_comparisons"
    kinds_by_set: dict[int, set[str]] = {}
    for material in product.materials.all():
        kinds_by_set.setdefault(material.set_number, set()).add(material.kind)
    incomplete = sorted(n for n, kinds in kinds_by_set.items() if kinds != set(MaterialKind.values))
    if incomplete:
        message = _("第%(n)s套历史服务材料不完整：每套需包括合同、发票和服务成果")
        return message % {"n": incomplete[0]}, "materials"
    if product.pricing_mode == PricingMode.RANGE:
        if not 3 <= len(kinds_by_set) <= MAX_MATERIAL_SETS:
            return _(
                "区间定价的产品需提供3至5套历史服务材料（每套包括合同、发票、服务成果）"
            ), "materials"
    elif not kinds_by_set:
        return _("请提供至少1套历史服务材料（合同、发票、服务成果）"), "materials"
    return None


# --- the catalogue ---


@dataclass(frozen=True)
class CatalogProgram:
    program: Program
    rules: object  # ProgramRules

    def kind_of(self, key: str) -> str:
        rule = self.rules.voucher_type(key)
        return rule.kind if rule else ""

    def type_name(self, key: str) -> str:
        rule = self.rules.voucher_type(key)
        return rule.name if rule else key

    def categories(self, counts: dict[tuple[int, str], int]) -> list[dict]:
        return [
            {
                "name": name,
                "description": category_description(name),
                "count": counts.get((self.program.pk, name), 0),
            }
            for name in self.rules.categories
        ]


def catalog_programs() -> list[CatalogProgram]:
    """Active programs with the rules in force now: two queries, whatever their number."""
    now = timezone.now()
    programs = Program.objects.filter(status=ProgramStatus.ACTIVE).prefetch_related(
        Prefetch(
            "versions",
            queryset=ProgramVersion.objects.filter(effective_from__lte=now).order_by(
                "-effective_from", "-number"
            ),
            to_attr="versions_in_force",
        )
    )
    return [
        CatalogProgram(program=p, rules=p.versions_in_force[0].parsed)
        for p in programs.order_by("-year", "code")
        if p.versions_in_force
    ]


def search_terms(q: str) -> list[str]:
    """The keywords of a search box: words split on blanks, each matched as a substring."""
    return [t[:MAX_KEYWORD] for t in (q or "").split()][:MAX_TERMS]


def catalog_on_sale() -> QuerySet[Product]:
    """What the catalogue may show: on sale, of an active provider, of an active program."""
    return Product.objects.filter(
        status=S.ON_SALE,
        provider__status=ProviderStatus.APPROVED,
        program__status=ProgramStatus.ACTIVE,
    )


def catalog_filter(
    products: QuerySet[Product],
    *,
    program_id: int | None = None,
    category: str = "",
    kind: str = "",
    voucher_type: str = "",
    min_fen: int | None = None,
    max_fen: int | None = None,
    q: str = "",
) -> QuerySet[Product]:
    if program_id:
        products = products.filter(program_id=program_id)
    if category:
        products = products.filter(category=category)
    if kind == "general":
        products = products.filter(accepts_general=True)
    elif kind == "special":
        products = products.filter(accepts_special=True)
    if voucher_type:
        products = products.filter(voucher_type_keys__contains=f"|{voucher_type}|")
    # A product matches a price range when any of its prices lies in it.
    if min_fen is not None:
        products = products.filter(max_price_fen__gte=min_fen)
    if max_fen is not None:
        products = products.filter(min_price_fen__lte=max_fen)
    for term in search_terms(q):
        # LIKE '%term%' decides: correct for 1–2 Chinese characters on SQLite; on PostgreSQL
        # the pg_trgm GIN indexes on UPPER(name) / UPPER(overview) serve 3+ characters, and
        # the bigram index (migration 0004) narrows a 2-character keyword first.
        if len(term) == 2 and connection.vendor == "postgresql":
            # a constant statement; the keyword is a parameter
            products = products.filter(pk__in=RawSQL(BIGRAM_MATCH, [term.upper()]))  # noqa: S611
        products = products.filter(Q(name__icontains=term) | Q(overview__icontains=term))
    return products


def catalog_search(*, sort: str = "newest", **filters) -> QuerySet[Product]:
    """The catalogue page's products, ready for a page: one query per page."""
    products = catalog_filter(catalog_on_sale(), **filters)
    return products.select_related("provider__org", "program").order_by(
        *SORTS.get(sort, SORTS["newest"])
    )


class CatalogListing:
    """What a Paginator pages through: the number of matches and each page's product ids
    come from the cache; the products of a page are read by id in one query (and a product
    gone off sale meanwhile is left out)."""

    def __init__(self, products: QuerySet[Product], *, key: list, total=None):
        self.products = products
        self.key = key
        self.total = total  # the number of matches from elsewhere (the category counts)

    def count(self) -> int:
        return cached([*self.key, "count"], self.total or self.products.count)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = cached(
            [*self.key, index.start, index.stop],
            lambda: list(self.products[index].values_list("pk", flat=True)),
        )
        if not ids:
            return []
        by_id = {p.pk: p for p in self.products.filter(pk__in=ids).order_by()}
        return [by_id[pk] for pk in ids if pk in by_id]


def catalog_listing(*, sort: str = "newest", **filters) -> CatalogListing:
    """The catalogue's matches for a Paginator, cached per filter set and sort."""
    sort = sort if sort in SORTS else "newest"
    total = None
    if not filters.get("category"):
        # Without a category, the matches are the sum of the counts per category, which the
        # page reads anyway: one scan of the matches fewer when the cache has neither.
        def total() -> int:
            return sum(catalog_category_counts(**filters).values())

    return CatalogListing(
        catalog_search(sort=sort, **filters),
        key=["list", sort, sorted(filters.items())],
        total=total,
    )


def catalog_category_counts(**filters) -> dict[tuple[int, str], int]:
    """On-sale products per (program, category) under every filter but the category."""
    filters.pop("category", None)

    def compute() -> dict[tuple[int, str], int]:
        rows = (
            catalog_filter(catalog_on_sale(), **filters)
            .order_by()
            .values_list("program_id", "category")
            .annotate(n=Count("pk"))
        )
        return {(program_id, category): n for program_id, category, n in rows}

    return cached(["counts", sorted(filters.items())], compute)


def favourite_ids(*, user, product_ids) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not product_ids:
        return set()
    return set(
        Favourite.objects.filter(user=user, product_id__in=list(product_ids)).values_list(
            "product_id", flat=True
        )
    )


def favourites_of(*, user) -> QuerySet[Product]:
    return (
        Product.objects.filter(favourites__user=user)
        .select_related("provider__org", "program")
        .order_by("-favourites__created_at", "-pk")
    )


def product_get_public(*, pk: int) -> Product:
    """An on-sale product as its public page shows it (its provider may be suspended since:
    the page then says why it cannot be applied for)."""
    product = (
        Product.objects.select_related("provider__org", "program")
        .prefetch_related("tiers")
        .filter(pk=pk, status=S.ON_SALE)
        .first()
    )
    if product is None:
        raise NotFound()
    return product


def provider_products_on_sale(*, provider) -> QuerySet[Product]:
    """A provider's products in the catalogue (for its public page)."""
    return (
        catalog_on_sale()
        .filter(provider=provider)
        .select_related("program")
        .order_by("-on_sale_at", "-pk")
    )


def provider_product_count(*, provider) -> int:
    return Product.objects.filter(provider=provider, status=S.ON_SALE).count()


# --- what an enterprise pays ---


def _voucher_categories_allow(rules, voucher_type: str, category: str) -> bool:
    rule = rules.voucher_type(voucher_type)
    return rule is not None and (not rule.categories or category in rule.categories)


@dataclass(frozen=True)
class _DeductionBasis:
    """What a price after voucher depends on, read once for a product and an enterprise."""

    ratio_bp: int
    per_order_cap_fen: int | None
    annual_cap_fen: int | None
    vouchers: tuple  # the enterprise's usable vouchers for this product
    deducted: dict  # year -> fen already held or deducted (the annual cap)
    program_year: int
    provider: object = None  # ProviderHeadroom for the enterprise's city, when known


def deduction_basis(
    *,
    enterprise_org,
    product: Product,
    rules=None,
    vouchers=None,
    deducted=None,
    provider_usage=None,
) -> _DeductionBasis:
    """Read what the deduction depends on. The order service passes the rows it has locked
    (``vouchers``, ``deducted``, ``provider_usage``) so that the same arithmetic runs on them."""
    from smevoucher.vouchers.choices import VoucherStatus
    from smevoucher.vouchers.deduction import provider_headroom
    from smevoucher.vouchers.models import EnterpriseUsage, Voucher
    from smevoucher.vouchers.selectors import voucher_usable_problem

    rules = rules or program_version_at(program=product.program).parsed
    ratio_bp, per_order_cap_fen = rules.subsidy_for_category(product.category)
    provider = None
    if enterprise_org is not None:
        if vouchers is None:
            vouchers = Voucher.objects.filter(
                org=enterprise_org,
                program=product.program,
                voucher_type__in=list(product.voucher_types),
                status=VoucherStatus.ACTIVE,
                available_fen__gt=0,
            ).order_by("valid_until", "pk")
        vouchers = tuple(
            voucher
            for voucher in vouchers
            if voucher_usable_problem(voucher) is None
            and voucher.voucher_type in product.voucher_types
            and _voucher_categories_allow(rules, voucher.voucher_type, product.category)
        )
        if deducted is None:
            deducted = dict(
                EnterpriseUsage.objects.filter(
                    org=enterprise_org, program=product.program
                ).values_list("year", "deducted_fen")
            )
        if rules.provider_city_share_bp is not None or (
            rules.provider_annual_settlement_cap_fen is not None
        ):
            provider = provider_headroom(
                provider=product.provider,
                rules=rules,
                city_code=enterprise_org.region_code[:4],
                year=product.program.year,
                usage=provider_usage,
            )
    return _DeductionBasis(
        ratio_bp=ratio_bp,
        per_order_cap_fen=per_order_cap_fen,
        annual_cap_fen=rules.enterprise_annual_deduction_cap_fen,
        vouchers=vouchers or (),
        deducted=deducted or {},
        program_year=product.program.year,
        provider=provider,
    )


def preview_at(basis: _DeductionBasis, price_fen: int) -> dict:
    """The price after the best voucher, for one price: pure arithmetic on ``basis``, with
    every cap's headroom (`vouchers.deduction.deduction_limits`)."""
    from smevoucher.vouchers.deduction import deduction_limits, max_deduction

    by_ratio_fen = price_fen * basis.ratio_bp // 10_000
    annual_cap = basis.annual_cap_fen
    provider = basis.provider
    preview = {
        "price_fen": price_fen,
        "ratio_bp": basis.ratio_bp,
        "per_order_cap_fen": basis.per_order_cap_fen,
        "annual_cap_fen": annual_cap,
        "annual_cap_left_fen": None
        if annual_cap is None
        else max(annual_cap - basis.deducted.get(basis.program_year, 0), 0),
        "provider": provider,
        "by_ratio_fen": by_ratio_fen,
        "vouchers": [],
        "voucher": None,
        "deduction_fen": 0,
        "pay_fen": price_fen,
        "limits": [],
        "binding": None,
    }
    best = None
    for voucher in basis.vouchers:
        limits = deduction_limits(
            price_fen=price_fen,
            ratio_bp=basis.ratio_bp,
            per_order_cap_fen=basis.per_order_cap_fen,
            voucher_available_fen=voucher.available_fen,
            enterprise_cap_fen=annual_cap,
            enterprise_used_fen=basis.deducted.get(voucher.year, 0),
            provider=provider,
        )
        deduction, binding = max_deduction(limits)
        cap_left = (
            None if annual_cap is None else max(annual_cap - basis.deducted.get(voucher.year, 0), 0)
        )
        entry = {
            "voucher_id": voucher.pk,
            "number": voucher.number,
            "voucher_type": voucher.voucher_type,
            "type_name": voucher.type_name,
            "available_fen": voucher.available_fen,
            "valid_from": voucher.valid_from,
            "valid_until": voucher.valid_until,
            "use_deadline": voucher.use_deadline,
            "annual_cap_left_fen": cap_left,
            "deduction_fen": deduction,
            "pay_fen": price_fen - deduction,
            "left_after_fen": voucher.available_fen - deduction,
            "limits": limits,
            "binding": binding,
        }
        preview["vouchers"].append(entry)
        if best is None or deduction > best["deduction_fen"]:
            best = entry
    if best is not None:
        preview.update(
            voucher=best,
            deduction_fen=best["deduction_fen"],
            pay_fen=best["pay_fen"],
            annual_cap_left_fen=best["annual_cap_left_fen"],
            limits=best["limits"],
            binding=best["binding"],
        )
    return preview


def _headline(previews: list[dict]) -> dict:
    """The tier with the highest subsidy (最高补贴); the cheapest among equals."""
    return max(previews, key=lambda p: (p["deduction_fen"], -p["price_fen"]))


def deduction_preview(*, enterprise_org, product: Product, tier=None) -> dict:
    """What the enterprise would pay for ``product`` (or one tier of it) with its best usable
    voucher: the program's subsidy ratio for the category, capped by the per-order cap, the
    voucher's balance and what is left of the enterprise's annual deduction cap.

    Without ``tier``, a range-priced product answers for the tier with the highest subsidy
    (the product page's 最高补贴). Money in fen; ratios in basis points. ``enterprise_org``
    may be None (a visitor): the figures then show the price without any deduction.
    """
    basis = deduction_basis(enterprise_org=enterprise_org, product=product)
    if tier is not None:
        return preview_at(basis, tier.price_fen)
    if product.pricing_mode == PricingMode.FIXED:
        return preview_at(basis, product.platform_price_fen or 0)
    prices = [t.price_fen for t in product.tiers.all()] or [product.min_price_fen]
    return _headline([preview_at(basis, price) for price in prices])


def deduction_previews(*, enterprise_org, product: Product) -> tuple[dict, list[tuple]]:
    """The headline preview and one per tier, with a single read of the vouchers."""
    basis = deduction_basis(enterprise_org=enterprise_org, product=product)
    tiers = list(product.tiers.all())
    per_tier = [(tier, preview_at(basis, tier.price_fen)) for tier in tiers]
    if product.pricing_mode == PricingMode.FIXED or not per_tier:
        return preview_at(basis, product.platform_price_fen or product.min_price_fen), per_tier
    return _headline([preview for _tier, preview in per_tier]), per_tier


def voucher_type_validity(product: Product) -> list[dict]:
    """The validity of each voucher type the product accepts (用券有效期), from the rules."""
    rules = program_version_at(program=product.program).parsed
    answer = []
    for key in product.voucher_types:
        rule = rules.voucher_type(key)
        if rule is not None:
            answer.append(
                {
                    "key": key,
                    "name": rule.name,
                    "kind": rule.kind,
                    "valid_from": rule.valid_from,
                    "valid_until": rule.valid_until,
                }
            )
    return answer


def _region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code


def apply_problem(*, user, product: Product, preview: dict | None = None) -> str | None:
    """Why ``user`` cannot apply for ``product`` now (申请服务), or None.

    ``preview`` is the user's ``deduction_preview`` when already computed."""
    if not getattr(user, "is_authenticated", False):
        return _("请先登录企业账号，完成企业信息认证后即可申请服务")
    if user.is_staff:
        return _("工作人员账号不能申请服务")
    org = org_acting_for(user)
    if org is None or org.status != CertStatus.APPROVED:
        return _("请先完成企业信息认证，认证通过后即可申请服务")
    if org.kind != OrgKind.ENTERPRISE:
        return _("仅认证企业可以申请服务")
    provider = product.provider
    if provider.status == ProviderStatus.SUSPENDED:
        return _("该服务机构已被暂停服务，暂不能申请")
    if not provider.is_active or product.status != S.ON_SALE:
        return _("该服务产品暂不可申请")
    if product.program.status != ProgramStatus.ACTIVE:
        return _("该服务券项目已结束")
    if provider.org_id == org.pk:
        return _("不能申请本机构发布的服务产品")
    if not org.region_code.startswith(product.program.region_code):
        return _("该服务产品所属项目仅面向%(region)s注册的企业") % {
            "region": _region_name(product.program.region_code)
        }
    if not provider.serves_region(org.region_code):
        region = _region_name(provider.scope_code)
        if provider.level == ProviderLevel.CITY:
            return _("该服务机构为市级服务机构，仅服务%(city)s注册的企业") % {"city": region}
        return _("该服务机构仅服务%(region)s注册的企业") % {"region": region}
    if preview is None:
        preview = deduction_preview(enterprise_org=org, product=product)
    if not preview["vouchers"]:
        return _("贵企业暂无可用于该服务产品的服务券，请先申请服务券配额")
    return None


# --- the provider's own products ---

TABS = (
    ("draft", gettext_lazy("未提交"), (S.DRAFT, S.RETURNED, S.REJECTED)),
    ("submitted", gettext_lazy("审核中"), (S.SUBMITTED,)),
    ("ready", gettext_lazy("待上传"), (S.READY,)),
    ("on_sale", gettext_lazy("在售"), (S.ON_SALE,)),
    ("off_sale", gettext_lazy("已下架"), (S.OFF_SALE,)),
)
OPEN_REVISION = (RevisionStatus.PENDING, RevisionStatus.RETURNED)


def providers_of(*, actor) -> list[Provider]:
    """The provider records of the organization the actor acts for (any status)."""
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    if org is None:
        return []
    return list(Provider.objects.filter(org=org).select_related("program", "org"))


def is_product_provider(user) -> bool:
    """Whether the user's organization is an admitted provider (the 产品管理 menu). Shares
    the providers' once-per-request read of the organization's provider statuses."""
    from smevoucher.providers.selectors import provider_statuses_for_menu

    return ProviderStatus.APPROVED in provider_statuses_for_menu(user)


def _with_open_revision(products: QuerySet[Product]) -> QuerySet[Product]:
    open_revision = ProductRevision.objects.filter(product=OuterRef("pk"), status__in=OPEN_REVISION)
    return products.annotate(
        open_revision_status=Subquery(open_revision.values("status")[:1]),
        open_revision_id=Subquery(open_revision.values("pk")[:1]),
    )


def provider_products(*, actor, tab: str = "draft") -> tuple[QuerySet[Product], dict[str, int]]:
    """The actor's organization's products in one tab, and the count of every tab."""
    org = org_acting_for(actor)
    mine = Product.objects.filter(provider__org=org) if org else Product.objects.none()
    statuses = {key: states for key, _label, states in TABS}
    by_status = dict(mine.order_by().values_list("status").annotate(n=Count("pk")))
    counts = {key: sum(by_status.get(s, 0) for s in states) for key, states in statuses.items()}
    products = _with_open_revision(
        mine.filter(status__in=statuses.get(tab, statuses["draft"]))
        .select_related("program", "provider")
        .order_by("-updated_at", "-pk")
    )
    return products, counts


def product_get_for_provider(*, actor, pk: int) -> Product:
    """One of the actor's organization's products (any status); NotFound for anyone else's."""
    org = org_acting_for(actor) if getattr(actor, "is_authenticated", False) else None
    product = (
        _with_open_revision(Product.objects.filter(pk=pk, provider__org=org))
        .select_related("program", "provider__org")
        .prefetch_related("tiers", "qualification_proofs", "materials__upload")
        .first()
        if org
        else None
    )
    if product is None:
        raise NotFound()
    return product


def product_actions(product: Product) -> list[dict]:
    """The provider's buttons the flow table allows now (and the guards that hold)."""
    from .services import ACTION_LABELS, PRODUCT_FLOW, PROVIDER

    actions = []
    for (status, action), (_target, who) in PRODUCT_FLOW.items():
        if status != product.status or who != PROVIDER:
            continue
        if action in ("submit", "publish") and not product.provider.is_active:
            continue
        actions.append({"action": action, "label": ACTION_LABELS[(status, action)]})
    return actions


def product_may_edit(product: Product) -> bool:
    return (
        product.status != S.SUBMITTED
        and getattr(product, "open_revision_status", None) != RevisionStatus.PENDING
    )


def product_open_revision(product: Product) -> ProductRevision | None:
    return ProductRevision.objects.filter(product=product, status__in=OPEN_REVISION).first()


def review_reason(subject) -> str:
    """The reviewer's words on the latest decision of ``subject`` (退回 / 驳回), if any."""
    from smevoucher.reviews.selectors import review_latest_for_subject

    review = review_latest_for_subject(subject=subject)
    if review is None or review.status not in ("returned", "rejected"):
        return ""
    return review.last_reason


def price_history(product: Product) -> list:
    return list(product.price_history.all()[:20])
