"""Orders (申请服务) and what hangs on them: contracts, remittances, service records,
evaluation, refund requests. Money is integer fen; status changes only in `services`."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.catalog.models import Product, ProductTier
from smevoucher.orgs.models import Organization
from smevoucher.programs.models import Program, ProgramVersion
from smevoucher.providers.models import Provider
from smevoucher.uploads.models import Upload
from smevoucher.vouchers.models import Voucher

from .choices import (
    ContractSource,
    ContractStatus,
    OrderStatus,
    RefundStatus,
    RemittanceStatus,
    ServiceRecordKind,
    Side,
)

USER = settings.AUTH_USER_MODEL


class Order(models.Model):
    number = models.CharField(_("订单编号"), max_length=30, unique=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="orders")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    # The flow variant of the program when the order was placed (at_order / per_order_review).
    voucher_mode = models.CharField(max_length=20)
    enterprise = models.ForeignKey(
        Organization, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="orders"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="orders"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("服务产品"), on_delete=models.PROTECT, related_name="orders"
    )
    tier = models.ForeignKey(
        ProductTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What was ordered, as it read then (products change; orders keep their words).
    product_name = models.CharField(_("服务产品名称"), max_length=100)
    tier_content = models.CharField(_("服务内容"), max_length=300, blank=True)
    category = models.CharField(_("服务类别"), max_length=50)
    amount_fen = models.BigIntegerField(_("服务金额"))
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    # The current deduction: held at placement, captured at the deposit, lowered (and the
    # difference released) when the agreed contract costs less. Cached from the ledger.
    deduction_fen = models.BigIntegerField(_("服务券抵扣金额"), default=0)
    captured_fen = models.BigIntegerField(_("已抵扣"), default=0)
    released_fen = models.BigIntegerField(_("已释放"), default=0)
    refunded_fen = models.BigIntegerField(_("已退回"), default=0)
    contract_amount_fen = models.BigIntegerField(_("合同金额"), null=True, blank=True)
    deposit_fen = models.BigIntegerField(_("合同定金"), default=0)
    final_fen = models.BigIntegerField(_("合同尾款"), default=0)
    paid_fen = models.BigIntegerField(_("已确认汇款"), default=0)
    city_code = models.CharField(_("企业所在市"), max_length=4)
    note = models.CharField(_("订单备注"), max_length=500, blank=True)
    status = models.CharField(
        _("服务状态"),
        max_length=30,
        choices=OrderStatus.choices,
        default=OrderStatus.AWAITING_ACCEPTANCE,
        db_index=True,
    )
    placed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # A form or API call submitted twice places one order.
    idempotency_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签约时间"), null=True, blank=True)
    service_started_at = models.DateTimeField(_("开始服务时间"), null=True, blank=True)
    service_finished_at = models.DateTimeField(_("结束服务时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("确认完成时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_by = models.CharField(_("取消方"), max_length=20, choices=Side.choices, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["enterprise", "status", "-created_at"]),
            models.Index(fields=["provider", "status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0, deduction_fen__gte=0, captured_fen__gte=0),
                name="order_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(captured_fen__lte=models.F("deduction_fen")),
                name="order_captured_within_deduction",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def contract_total_fen(self) -> int:
        """The contract's amount once agreed, the ordered amount before."""
        return self.contract_amount_fen if self.contract_amount_fen is not None else self.amount_fen

    @property
    def pay_fen(self) -> int:
        """What the enterprise pays by transfer (实付金额)."""
        return self.contract_total_fen - self.deduction_fen

    @property
    def unpaid_fen(self) -> int:
        return max(self.pay_fen - self.paid_fen, 0)


class OrderEvent(models.Model):
    """One step of an order (the status-change row and the timeline both parties see)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    side = models.CharField(max_length=20, choices=Side.choices)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class Contract(models.Model):
    """One version of an order's contract. An agreed version is immutable; signing adds
    signatures to its signable PDF (each an incremental update)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="contracts")
    number = models.CharField(_("合同编号"), max_length=30)
    version = models.PositiveSmallIntegerField(_("版本"))
    source = models.CharField(_("合同来源"), max_length=20, choices=ContractSource.choices)
    status = models.CharField(
        _("合同状态"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFTED
    )
    amount_fen = models.BigIntegerField(_("合同总金额"))
    deduction_fen = models.BigIntegerField(_("服务券抵扣金额"))
    deposit_fen = models.BigIntegerField(_("合同定金"))
    final_fen = models.BigIntegerField(_("合同尾款"))
    service_period = models.CharField(_("服务期限"), max_length=200, blank=True)
    service_content = models.TextField(_("服务内容"), blank=True)
    deliverables = models.TextField(_("交付成果"), blank=True)
    acceptance = models.TextField(_("验收标准"), blank=True)
    payment_terms = models.TextField(_("付款约定"), blank=True)
    other_terms = models.TextField(_("其他约定"), blank=True)
    body = models.ForeignKey(Upload, on_delete=models.PROTECT, related_name="+")
    body_sha256 = models.CharField(max_length=64)
    # Body + signing page, made when the enterprise agrees; then signed in place.
    signed_file = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_sha256 = models.CharField(max_length=64, blank=True)
    drafted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(auto_now_add=True)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    provider_signed_at = models.DateTimeField(_("乙方签署时间"), null=True, blank=True)
    enterprise_signed_at = models.DateTimeField(_("甲方签署时间"), null=True, blank=True)

    class Meta:
        ordering = ["order", "version"]
        constraints = [
            models.UniqueConstraint(fields=["order", "version"], name="contract_version_unique"),
            models.CheckConstraint(
                condition=Q(
                    deposit_fen__gte=0,
                    final_fen__gte=0,
                    amount_fen=models.F("deduction_fen")
                    + models.F("deposit_fen")
                    + models.F("final_fen"),
                ),
                name="contract_amounts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


class Remittance(models.Model):
    """One corporate transfer (对公转账) of the enterprise, with its proof."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="remittances")
    sequence = models.PositiveSmallIntegerField(_("第几笔"))
    amount_fen = models.BigIntegerField(_("汇款金额"))
    remitted_on = models.DateField(_("汇款日期"))
    proof = models.ForeignKey(
        Upload, verbose_name=_("转账凭证"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=RemittanceStatus.choices, default=RemittanceStatus.SUBMITTED
    )
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("原因"), max_length=300, blank=True)

    class Meta:
        ordering = ["order", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "sequence"], name="remittance_sequence_unique"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="remittance_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.sequence}"


class ServiceRecord(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="service_records")
    kind = models.CharField(max_length=20, choices=ServiceRecordKind.choices)
    content = models.CharField(_("内容"), max_length=1000, blank=True)
    attachments = models.ManyToManyField(Upload, blank=True, related_name="+")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Evaluation(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="evaluation")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="evaluations")
    stars = models.PositiveSmallIntegerField(
        _("综合评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    content = models.CharField(_("评价内容"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="evaluation_stars_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stars}"


class RefundRequest(models.Model):
    """A request to undo the voucher payment of an order (退回支付), reviewed by the staff
    of the enterprise's region; refused once the voucher has expired."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    side = models.CharField(max_length=20, choices=Side.choices)
    reason = models.CharField(_("申请原因"), max_length=300)
    amount_fen = models.BigIntegerField(_("退回服务券金额"))
    status = models.CharField(
        max_length=20, choices=RefundStatus.choices, default=RefundStatus.SUBMITTED
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=["submitted", "returned"]),
                name="one_open_refund_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} refund"
