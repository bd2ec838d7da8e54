"""Service products. The product row holds what is approved (and on sale); an edit of an
approved product is a revision reviewed on its own while the approved version stays on sale."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.programs.models import Program
from smevoucher.providers.models import Provider
from smevoucher.uploads.models import Upload

from .choices import MaterialKind, PricingMode, ProductStatus, RevisionStatus


class Product(models.Model):
    provider = models.ForeignKey(
        Provider, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="products"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("产品名称"), max_length=100)
    category = models.CharField(_("服务类别"), max_length=50, db_index=True)
    voucher_types = models.JSONField(
        _("可用券种"), default=list
    )  # voucher type keys of the program
    # Derived from voucher_types when they are saved, so the catalogue filters portably
    # (SQLite has no JSON containment): "|general|leasing|", and the kinds they are of.
    voucher_type_keys = models.CharField(max_length=300, blank=True, default="")
    accepts_general = models.BooleanField(_("通用券服务"), default=False)
    accepts_special = models.BooleanField(_("专项券服务"), default=False)
    # The structured introduction (Guangdong manual).
    service_area = models.CharField(_("服务区域"), max_length=200, blank=True)
    target_customers = models.CharField(_("服务对象"), max_length=200, blank=True)
    overview = models.TextField(_("服务概述"), blank=True)
    process = models.TextField(_("服务流程"), blank=True)
    cycle = models.CharField(_("服务周期"), max_length=100, blank=True)
    deliverables = models.TextField(_("交付成果"), blank=True)
    acceptance = models.TextField(_("验收标准"), blank=True)
    # Prices in integer fen. A range-priced product's price is its tiers'.
    pricing_mode = models.CharField(
        _("定价方式"), max_length=10, choices=PricingMode.choices, default=PricingMode.FIXED
    )
    guide_price_fen = models.BigIntegerField(_("市场指导价"), null=True, blank=True)
    platform_price_fen = models.BigIntegerField(_("平台销售价"), null=True, blank=True)
    min_price_fen = models.BigIntegerField(
        _("最低价"), default=0, db_index=True
    )  # derived, for sorting
    max_price_fen = models.BigIntegerField(_("最高价"), default=0)
    # Pricing basis.
    guide_doc_name = models.CharField(_("指导价文件名称"), max_length=200, blank=True)
    guide_doc_number = models.CharField(_("指导价文件文号"), max_length=100, blank=True)
    market_comparisons = models.JSONField(
        _("市场比价"), default=list
    )  # [{"name", "source", "price_fen"}]
    internal_basis = models.TextField(_("内部定价依据"), blank=True)
    qualification_proofs = models.ManyToManyField(
        Upload, verbose_name=_("资质证明"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ProductStatus.choices,
        default=ProductStatus.DRAFT,
        db_index=True,
    )
    # Counters shown in the catalogue (kept by the services that move them).
    visit_count = models.PositiveIntegerField(_("浏览量"), default=0)
    application_count = models.PositiveIntegerField(_("申请量"), default=0)
    sales_count = models.PositiveIntegerField(_("销量"), default=0)
    revenue_fen = models.BigIntegerField(_("成交额"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    on_sale_at = models.DateTimeField(_("上架时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务产品")
        verbose_name_plural = _("服务产品")
        ordering = ["-on_sale_at", "-pk"]
        indexes = [models.Index(fields=["program", "status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_price_fen__gte=0), name="product_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductTier(models.Model):
    """One tier of a range-priced product: what it contains and its price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField()
    content = models.CharField(_("服务内容"), max_length=300)
    price_fen = models.BigIntegerField(_("价格"))

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "position"], name="product_tier_position"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="product_tier_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}#{self.position}"


class ProductMaterial(models.Model):
    """Historical service materials: sets of (contract, invoice, result)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="materials")
    set_number = models.PositiveSmallIntegerField(_("第几套"))
    kind = models.CharField(_("材料类型"), max_length=20, choices=MaterialKind.choices)
    upload = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["set_number", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "set_number", "kind"], name="product_material_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} set {self.set_number} {self.kind}"


class ProductRevision(models.Model):
    """An edit of an approved product, reviewed while the approved version stays on sale."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="revisions")
    data = models.JSONField(_("修改内容"))  # the editable fields and tiers, as submitted
    status = models.CharField(
        _("状态"), max_length=20, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(status__in=[RevisionStatus.PENDING, RevisionStatus.RETURNED]),
                name="one_open_product_revision",
            )
        ]

    def __str__(self) -> str:
        return f"revision {self.pk} of {self.product_id}"


class PriceHistory(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_history")
    pricing_mode = models.CharField(max_length=10, choices=PricingMode.choices)
    guide_price_fen = models.BigIntegerField(null=True, blank=True)
    platform_price_fen = models.BigIntegerField(null=True, blank=True)
    tiers = models.JSONField(default=list)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"price of {self.product_id} at {self.changed_at}"


class Favourite(models.Model):
    """我的收藏."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favourites"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="favourites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="favourite_once")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"
