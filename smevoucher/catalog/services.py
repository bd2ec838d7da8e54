"""Writes of service products (服务产品): drafts, submission for review, the Liuzhou lifecycle
(未提交 → 审核中 → 待上传 → 在售 → 已下架), revisions of approved products, favourites.

Every product status change goes through ``_move`` and the one table ``PRODUCT_FLOW``; every
revision status change through ``_move_revision`` and ``REVISION_FLOW``. The provider's own
actions come in through ``product_transition``; the review workflow's decisions come in
through the callbacks in ``catalog.reviewing`` (the review's own record is their audit record).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import DomainError, NotFound
from smevoucher.core.money import MAX_FEN
from smevoucher.orgs.models import OrgMember
from smevoucher.orgs.selectors import org_acting_for
from smevoucher.programs.models import Program, ProgramStatus
from smevoucher.programs.selectors import program_version_at
from smevoucher.providers.models import Provider
from smevoucher.reviews.choices import ReviewAction
from smevoucher.reviews.selectors import review_latest_for_subject
from smevoucher.reviews.services import review_submit, review_transition
from smevoucher.uploads.models import Upload

from .cache import catalog_changed
from .choices import MaterialKind, PricingMode, ProductStatus, RevisionStatus
from .fields import (
    MAX_COMPARISONS,
    MAX_MATERIAL_SETS,
    MAX_PROOFS,
    MAX_TIERS,
    SCALAR_FIELDS,
    TEXT_LIMITS,
)
from .models import Favourite, PriceHistory, Product, ProductMaterial, ProductRevision, ProductTier
from .selectors import price_of, product_values, submit_problem

S = ProductStatus
R = RevisionStatus

PROVIDER = "provider"  # the provider's own people, through product_transition
REVIEW = "review"  # the review workflow's decisions, through catalog.reviewing

# (status, action) -> (target, who may)
PRODUCT_FLOW: dict[tuple[str, str], tuple[str, str]] = {
    (S.DRAFT, "submit"): (S.SUBMITTED, PROVIDER),
    (S.RETURNED, "submit"): (S.SUBMITTED, PROVIDER),
    (S.REJECTED, "submit"): (S.SUBMITTED, PROVIDER),
    (S.SUBMITTED, "approve"): (S.READY, REVIEW),
    (S.SUBMITTED, "return"): (S.RETURNED, REVIEW),
    (S.SUBMITTED, "reject"): (S.REJECTED, REVIEW),
    (S.SUBMITTED, "withdraw"): (S.DRAFT, REVIEW),
    (S.RETURNED, "withdraw"): (S.DRAFT, REVIEW),
    (S.READY, "publish"): (S.ON_SALE, PROVIDER),
    (S.ON_SALE, "unpublish"): (S.OFF_SALE, PROVIDER),
    (S.OFF_SALE, "publish"): (S.ON_SALE, PROVIDER),
}

# The provider's buttons: the label depends on where the product stands (上传 / 重新上架).
ACTION_LABELS: dict[tuple[str, str], object] = {
    (S.DRAFT, "submit"): gettext_lazy("提交审核"),
    (S.RETURNED, "submit"): gettext_lazy("修改后重新提交"),
    (S.REJECTED, "submit"): gettext_lazy("重新提交审核"),
    (S.READY, "publish"): gettext_lazy("上传"),
    (S.ON_SALE, "unpublish"): gettext_lazy("下架"),
    (S.OFF_SALE, "publish"): gettext_lazy("重新上架"),
}

AUDIT_ACTIONS = {
    "submit": "product.submitted",
    "publish": "product.published",
    "unpublish": "product.unpublished",
}

# (status, action) -> target; every move comes from the review of the revision.
REVISION_FLOW: dict[tuple[str, str], str] = {
    (R.PENDING, "approve"): R.APPROVED,
    (R.PENDING, "return"): R.RETURNED,
    (R.PENDING, "reject"): R.REJECTED,
    (R.PENDING, "withdraw"): R.WITHDRAWN,
    (R.RETURNED, "resubmit"): R.PENDING,
    (R.RETURNED, "withdraw"): R.WITHDRAWN,
}

EDITABLE = (S.DRAFT, S.RETURNED, S.REJECTED)  # edited in place
APPROVED = (S.READY, S.ON_SALE, S.OFF_SALE)  # edited through a reviewed revision

PROOF_PURPOSE = "product_proof"
MATERIAL_PURPOSE = "product_material"


@dataclass
class ProductInput:
    """Everything a provider fills in for a product. Money in fen."""

    name: str
    category: str
    voucher_types: list[str]
    pricing_mode: str = PricingMode.FIXED
    guide_price_fen: int | None = None
    platform_price_fen: int | None = None
    tiers: list[dict] = field(default_factory=list)  # [{"content", "price_fen"}]
    service_area: str = ""
    target_customers: str = ""
    overview: str = ""
    process: str = ""
    cycle: str = ""
    deliverables: str = ""
    acceptance: str = ""
    guide_doc_name: str = ""
    guide_doc_number: str = ""
    market_comparisons: list[dict] = field(
        default_factory=list
    )  # [{"name", "source", "price_fen"}]
    internal_basis: str = ""
    proof_upload_ids: list[str] = field(default_factory=list)
    materials: list[dict] = field(default_factory=list)  # [{"set_number", "kind", "upload_id"}]


# --- who acts ---


def _active_provider(provider: Provider | None) -> Provider:
    if provider is None:
        raise DomainError(
            "product.not_provider", _("贵机构尚未入驻该项目，不能发布服务产品"), status=403
        )
    if not provider.is_active:
        raise DomainError(
            "product.provider_inactive",
            _("贵机构的服务机构资格当前不可用（未通过审核或已暂停），不能办理该操作"),
            status=403,
        )
    return provider


def _provider_of(actor, program: Program) -> Provider | None:
    org = org_acting_for(actor)
    if org is None:
        return None
    return Provider.objects.select_related("org").filter(org=org, program=program).first()


def _product_for_provider(actor, product_id: int, *, lock: bool) -> Product:
    """The product, if the actor acts for its provider's organization; NotFound otherwise."""
    org = org_acting_for(actor)
    if org is None:
        raise NotFound()
    products = Product.objects.select_for_update() if lock else Product.objects
    product = products.filter(pk=product_id, provider__org=org).first()
    if product is None:
        raise NotFound()
    return product


# --- checking what was filled in ---


def _text(value, name: str) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_LIMITS[name]:
        raise DomainError(
            "product.too_long",
            _("内容过长，最多%(n)s个字") % {"n": TEXT_LIMITS[name]},
            field=name,
        )
    return text


def _fen(value, name: str, *, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise DomainError("product.price_required", _("请填写价格（元）"), field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0 or value > MAX_FEN:
        raise DomainError("product.price_invalid", _("价格必须大于零"), field=name)
    return value


def _uploads(actor, provider: Provider, ids, purpose: str, field_name: str) -> dict[str, Upload]:
    """The uploads named, if they are files of this purpose uploaded by the provider's people."""
    wanted = {str(i) for i in ids if i}
    if not wanted:
        return {}
    members = OrgMember.objects.filter(org_id=provider.org_id).values("user_id")
    try:
        found = {
            str(u.pk): u
            for u in Upload.objects.filter(pk__in=wanted, purpose=purpose, owner__in=members)
        }
    except ValidationError as exc:  # a malformed id: as unknown as a missing one
        raise DomainError(
            "product.file_invalid", _("文件无效，请重新上传"), field=field_name
        ) from exc
    if set(found) != wanted:
        raise DomainError("product.file_invalid", _("文件无效，请重新上传"), field=field_name)
    return found


def _clean(*, actor, provider: Provider, data: ProductInput) -> dict:
    """The input checked against the program's rules, as the JSON a revision keeps."""
    rules = program_version_at(program=provider.program).parsed
    name = str(data.name or "").strip()
    if not name:
        raise DomainError("product.name_required", _("请填写产品名称"), field="name")
    if len(name) > 100:
        raise DomainError("product.too_long", _("产品名称最多100个字"), field="name")
    category = str(data.category or "").strip()
    if not category or (rules.categories and category not in rules.categories):
        raise DomainError(
            "product.category_invalid", _("请从项目的服务类别中选择"), field="category"
        )
    # A provider offers products only in the categories it was admitted for.
    if provider.categories and category not in provider.categories:
        raise DomainError(
            "product.category_not_admitted",
            _("贵机构入驻的服务类别不包括“%(category)s”，请选择：%(admitted)s")
            % {"category": category, "admitted": "、".join(provider.categories)},
            field="category",
        )
    voucher_types: list[str] = []
    for key in data.voucher_types or []:
        if key not in voucher_types:
            voucher_types.append(str(key))
    if not voucher_types:
        raise DomainError(
            "product.voucher_types_required", _("请选择可使用的服务券类型"), field="voucher_types"
        )
    kinds = set()
    for key in voucher_types:
        rule = rules.voucher_type(key)
        if rule is None:
            raise DomainError(
                "product.voucher_type_invalid", _("该项目没有此类服务券"), field="voucher_types"
            )
        if rule.categories and category not in rule.categories:
            raise DomainError(
                "product.voucher_type_category",
                _("%(type)s仅可用于以下服务类别：%(categories)s")
                % {"type": rule.name, "categories": "、".join(rule.categories)},
                field="voucher_types",
            )
        kinds.add(rule.kind)

    mode = data.pricing_mode
    if mode not in PricingMode.values:
        raise DomainError("product.pricing_invalid", _("请选择定价方式"), field="pricing_mode")
    tiers: list[dict] = []
    if mode == PricingMode.FIXED:
        guide = _fen(data.guide_price_fen, "guide_price", required=True)
        platform = _fen(data.platform_price_fen, "platform_price", required=True)
        if platform > guide:
            raise DomainError(
                "product.price_above_guide",
                _("平台销售价不能高于市场指导价"),
                field="platform_price",
            )
        low = high = platform
    else:
        guide = _fen(data.guide_price_fen, "guide_price", required=False)
        platform = None
        for row in data.tiers or []:
            content = str(row.get("content") or "").strip()
            price = row.get("price_fen")
            if not content or price in (None, ""):
                raise DomainError(
                    "product.tier_incomplete",
                    _("每一档报价都需填写服务内容和价格"),
                    field="tiers",
                )
            if len(content) > 300:
                raise DomainError("product.too_long", _("每档服务内容最多300个字"), field="tiers")
            tiers.append({"content": content, "price_fen": _fen(price, "tiers", required=True)})
        if not 2 <= len(tiers) <= MAX_TIERS:
            raise DomainError(
                "product.tiers_count",
                _("区间报价需列出2至%(n)s档服务内容及对应价格") % {"n": MAX_TIERS},
                field="tiers",
            )
        low = min(t["price_fen"] for t in tiers)
        high = max(t["price_fen"] for t in tiers)

    comparisons = []
    for row in data.market_comparisons or []:
        cname = str(row.get("name") or "").strip()
        source = str(row.get("source") or "").strip()
        price = row.get("price_fen")
        if not cname or price in (None, ""):
            raise DomainError(
                "product.comparison_incomplete",
                _("每条市场比价都需填写机构或产品名称和价格"),
                field="market_comparisons",
            )
        if len(cname) > 100 or len(source) > 200:
            raise DomainError(
                "product.too_long", _("市场比价的内容过长"), field="market_comparisons"
            )
        comparisons.append(
            {
                "name": cname,
                "source": source,
                "price_fen": _fen(price, "market_comparisons", required=True),
            }
        )
    if len(comparisons) > MAX_COMPARISONS:
        raise DomainError(
            "product.comparisons_too_many",
            _("市场比价最多%(n)s条") % {"n": MAX_COMPARISONS},
            field="market_comparisons",
        )

    proof_ids = list(dict.fromkeys(str(i) for i in data.proof_upload_ids or [] if i))
    if len(proof_ids) > MAX_PROOFS:
        raise DomainError(
            "product.proofs_too_many",
            _("服务资质证明最多%(n)s个文件") % {"n": MAX_PROOFS},
            field="proofs",
        )
    _uploads(actor, provider, proof_ids, PROOF_PURPOSE, "proofs")
    materials, seen = [], set()
    for row in data.materials or []:
        number, kind, upload_id = row.get("set_number"), row.get("kind"), row.get("upload_id")
        if (
            not isinstance(number, int)
            or not 1 <= number <= MAX_MATERIAL_SETS
            or kind not in MaterialKind.values
            or not upload_id
        ):
            raise DomainError(
                "product.material_invalid",
                _("历史服务材料最多%(n)s套，每套包括合同、发票、服务成果")
                % {"n": MAX_MATERIAL_SETS},
                field="materials",
            )
        if (number, kind) in seen:
            raise DomainError(
                "product.material_twice", _("同一套材料的同类文件只能有一个"), field="materials"
            )
        seen.add((number, kind))
        materials.append({"set_number": number, "kind": kind, "upload_id": str(upload_id)})
    _uploads(actor, provider, [m["upload_id"] for m in materials], MATERIAL_PURPOSE, "materials")

    values = {
        "name": name,
        "category": category,
        "voucher_types": voucher_types,
        "accepts_general": "general" in kinds,
        "accepts_special": "special" in kinds,
        "pricing_mode": mode,
        "guide_price_fen": guide,
        "platform_price_fen": platform,
        "min_price_fen": low,
        "max_price_fen": high,
        "tiers": tiers,
        "market_comparisons": comparisons,
        "proof_upload_ids": proof_ids,
        "materials": sorted(materials, key=lambda m: (m["set_number"], m["kind"])),
    }
    for name_ in TEXT_LIMITS:
        values[name_] = _text(getattr(data, name_), name_)
    return values


def _apply(product: Product, values: dict) -> None:
    """Write checked values (from ``_clean`` or an approved revision) to the product."""
    for name in SCALAR_FIELDS:
        setattr(product, name, values[name])
    product.voucher_type_keys = "|" + "|".join(values["voucher_types"]) + "|"
    product.save(update_fields=[*SCALAR_FIELDS, "voucher_type_keys", "updated_at"])
    product.tiers.all().delete()
    ProductTier.objects.bulk_create(
        ProductTier(product=product, position=i, content=t["content"], price_fen=t["price_fen"])
        for i, t in enumerate(values["tiers"], start=1)
    )
    product.qualification_proofs.set(values["proof_upload_ids"])
    product.materials.all().delete()
    ProductMaterial.objects.bulk_create(
        ProductMaterial(
            product=product, set_number=m["set_number"], kind=m["kind"], upload_id=m["upload_id"]
        )
        for m in values["materials"]
    )


def _record_price(product: Product) -> PriceHistory:
    return PriceHistory.objects.create(
        product=product,
        pricing_mode=product.pricing_mode,
        guide_price_fen=product.guide_price_fen,
        platform_price_fen=product.platform_price_fen,
        tiers=[{"content": t.content, "price_fen": t.price_fen} for t in product.tiers.all()],
    )


# --- the one door of product status ---


def _move(product: Product, action: str, *, by: str) -> tuple[str, str]:
    """Move ``product`` (locked by the caller) by ``action`` as the table allows."""
    target, who = PRODUCT_FLOW.get((product.status, action), (None, None))
    if target is None or who != by:
        raise DomainError("product.invalid_action", _("当前状态不能执行该操作"), status=409)
    if by == PROVIDER and action in ("submit", "publish"):
        _active_provider(Provider.objects.filter(pk=product.provider_id).first())
    if action == "submit":
        problem = submit_problem(product)
        if problem:
            message, field_name = problem
            raise DomainError("product.incomplete", message, field=field_name)
    before = product.status
    product.status = target
    fields = ["status", "updated_at"]
    if target == S.ON_SALE:
        product.on_sale_at = timezone.now()
        fields.append("on_sale_at")
    product.save(update_fields=fields)
    if S.ON_SALE in (before, target):
        catalog_changed()
    return before, target


def _move_revision(revision: ProductRevision, action: str) -> None:
    target = REVISION_FLOW.get((revision.status, action))
    if target is None:
        raise DomainError("product.invalid_action", _("当前状态不能执行该操作"), status=409)
    revision.status = target
    fields = ["status"]
    if target in (R.APPROVED, R.REJECTED, R.WITHDRAWN):
        revision.decided_at = timezone.now()
        fields.append("decided_at")
    revision.save(update_fields=fields)


def _review_label(product: Product, org_name: str) -> str:
    return f"{org_name} · {product.name}"


@transaction.atomic
def product_transition(*, actor, product_id: int, action: str) -> Product:
    """The provider's actions: 提交审核, 上传 (on sale), 下架, 重新上架."""
    product = _product_for_provider(actor, product_id, lock=True)
    if action == "submit" and product.status == S.RETURNED:
        # The returned review is resubmitted; its record is the one record of this change,
        # and its callback moves the product (catalog.reviewing).
        review = review_latest_for_subject(subject=product)
        review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
        product.refresh_from_db()
        return product
    before, after = _move(product, action, by=PROVIDER)
    if action == "submit":
        org = product.provider.org
        review_submit(
            actor=actor,
            subject=product,
            kind="product",
            region_code=org.region_code,
            label=_review_label(product, org.name),
        )
    audit_record(
        actor=actor,
        subject=product,
        action=AUDIT_ACTIONS[action],
        from_state=before,
        to_state=after,
        data={"program": product.program_id},
    )
    return product


def product_review_moved(*, product_id: int, action: str) -> None:
    """Called by the review of the product (inside its transaction): approve, return,
    reject, withdraw, or a resubmission. The review writes the audit record."""
    product = Product.objects.select_for_update().get(pk=product_id)
    if action == "resubmit":
        if product.status != S.SUBMITTED:
            _move(product, "submit", by=PROVIDER)
        return
    _move(product, action, by=REVIEW)
    if action == "approve":
        _record_price(product)


def product_revision_review_moved(*, revision_id: int, action: str) -> None:
    """Called by the review of a revision: approval applies it to the product while the
    product keeps its place in the lifecycle (an on-sale product stays on sale)."""
    revision = ProductRevision.objects.select_for_update().get(pk=revision_id)
    if action == "resubmit" and revision.status == R.PENDING:
        return
    _move_revision(revision, action)
    catalog_changed()
    if action == "approve":
        product = Product.objects.select_for_update().get(pk=revision.product_id)
        old_price = price_of(product_values(product))
        _apply(product, revision.data)
        if price_of(revision.data) != old_price:
            _record_price(product)


# --- drafts and revisions ---


@transaction.atomic
def product_create(*, actor, program_id: int, data: ProductInput) -> Product:
    """A new draft (未提交) product of the actor's provider in the program."""
    program = Program.objects.filter(pk=program_id, status=ProgramStatus.ACTIVE).first()
    if program is None:
        raise NotFound()
    provider = _active_provider(_provider_of(actor, program))
    values = _clean(actor=actor, provider=provider, data=data)
    product = Product.objects.create(
        provider=provider,
        program=program,
        created_by=actor,
        **{name: values[name] for name in SCALAR_FIELDS},
    )
    _apply(product, values)
    audit_record(
        actor=actor,
        subject=product,
        action="product.created",
        to_state=product.status,
        data={"program": program.pk, "name": product.name},
    )
    return product


@transaction.atomic
def product_update(*, actor, product_id: int, data: ProductInput) -> Product:
    """Edit a product. A draft, returned or rejected one changes in place; an approved one
    (待上传, 在售, 已下架) gets a revision that is reviewed while the approved version stays
    as it is; a returned revision is corrected and sent back."""
    product = _product_for_provider(actor, product_id, lock=True)
    provider = _active_provider(
        Provider.objects.select_related("org", "program").get(pk=product.provider_id)
    )
    if product.status == S.SUBMITTED:
        raise DomainError(
            "product.under_review", _("产品正在审核中，审核完成前不能修改"), status=409
        )
    values = _clean(actor=actor, provider=provider, data=data)
    if product.status in EDITABLE:
        _apply(product, values)
        audit_record(
            actor=actor,
            subject=product,
            action="product.updated",
            to_state=product.status,
            data={"name": product.name},
        )
        return product
    open_revision = (
        ProductRevision.objects.select_for_update()
        .filter(product=product, status__in=[R.PENDING, R.RETURNED])
        .first()
    )
    if open_revision is not None and open_revision.status == R.PENDING:
        raise DomainError(
            "product.revision_open",
            _("该产品已有修改正在审核中，请等待审核结果"),
            status=409,
        )
    if open_revision is not None:
        open_revision.data = values
        open_revision.save(update_fields=["data"])
        review = review_latest_for_subject(subject=open_revision)
        # The resubmission's review record is the one record of this change.
        review_transition(actor=actor, review_id=review.pk, action=ReviewAction.RESUBMIT)
        return product
    try:
        with transaction.atomic():
            revision = ProductRevision.objects.create(
                product=product, data=values, created_by=actor
            )
    except IntegrityError as exc:
        raise DomainError(
            "product.revision_open", _("该产品已有修改正在审核中，请等待审核结果"), status=409
        ) from exc
    review_submit(
        actor=actor,
        subject=revision,
        kind="product_revision",
        region_code=provider.org.region_code,
        label=_review_label(product, provider.org.name),
    )
    audit_record(
        actor=actor,
        subject=product,
        action="product.revision_submitted",
        from_state=product.status,
        to_state=product.status,
        data={"revision": revision.pk},
    )
    return product


@transaction.atomic
def product_delete(*, actor, product_id: int) -> None:
    """Delete a draft that was never approved (未提交)."""
    product = _product_for_provider(actor, product_id, lock=True)
    if product.status != S.DRAFT:
        raise DomainError("product.not_draft", _("只有未提交的产品可以删除"), status=409)
    audit_record(
        actor=actor,
        subject=product,
        action="product.deleted",
        from_state=product.status,
        data={"name": product.name},
    )
    product.delete()


# --- what visitors do ---


@transaction.atomic
def favourite_set(*, actor, product_id: int, on: bool) -> bool:
    """Add the product to, or take it off, the user's favourites (我的收藏). Returns whether
    it is a favourite now; nothing is written when nothing changes."""
    if not getattr(actor, "is_authenticated", False):
        raise DomainError("favourite.login", _("请先登录"), status=401)
    product = Product.objects.filter(pk=product_id).first()
    existing = Favourite.objects.filter(user=actor, product_id=product_id).first()
    if on:
        if product is None or product.status != S.ON_SALE:
            raise NotFound()
        if existing is not None:
            return True
        try:
            with transaction.atomic():
                Favourite.objects.create(user=actor, product=product)
        except IntegrityError:
            return True  # added meanwhile by another request of the same user
        audit_record(actor=actor, subject=product, action="favourite.added")
        return True
    if existing is None:
        return False
    existing.delete()
    audit_record(actor=actor, subject=existing.product, action="favourite.removed")
    return False


SESSION_VISITED = "catalog_visited"


def product_record_visit(*, product_id: int, session) -> bool:
    """Count a visit of the product page once per session (访问次数). A counter, not a
    change of anything's state: no audit record."""
    visited = list(session.get(SESSION_VISITED, []))
    if product_id in visited:
        return False
    Product.objects.filter(pk=product_id).update(visit_count=F("visit_count") + 1)
    session[SESSION_VISITED] = [*visited[-199:], product_id]
    return True
