"""Redemption (兑现 / 兑付): a provider's claim for the voucher value of its completed orders,
reviewed step by step, published in a notice with an objection window, then paid from the
program's payable account. Money in integer fen."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.orders.models import Order
from smevoucher.programs.models import Program
from smevoucher.providers.models import Provider
from smevoucher.uploads.models import Upload

from .choices import ClaimStatus

USER = settings.AUTH_USER_MODEL


class Notice(models.Model):
    """公示: the approved claims of a round, with the window for objections."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="notices")
    number = models.CharField(_("公示编号"), max_length=30, unique=True)
    title = models.CharField(_("公示标题"), max_length=200)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    objection_until = models.DateField(_("异议截止日期"))
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class Claim(models.Model):
    number = models.CharField(_("兑现申请编号"), max_length=30, unique=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="claims")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(
        _("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    claimed_fen = models.BigIntegerField(_("申请兑现金额"), default=0)
    approved_fen = models.BigIntegerField(_("核定兑现金额"), default=0)
    stamped_form = models.ForeignKey(
        Upload,
        verbose_name=_("盖章的兑现申请表"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    other_materials = models.ManyToManyField(Upload, blank=True, related_name="+")
    paper_receipt_number = models.CharField(_("纸质材料回执编号"), max_length=30, blank=True)
    paper_received_at = models.DateTimeField(_("纸质材料接收时间"), null=True, blank=True)
    paper_received_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("兑付时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("兑现申请")
        verbose_name_plural = _("兑现申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_fen__gte=0, approved_fen__lte=models.F("claimed_fen")),
                name="claim_approved_within_claimed",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def cut_fen(self) -> int:
        return self.claimed_fen - self.approved_fen


class ClaimLine(models.Model):
    """One order in a claim, with its invoice, and what the reviewers allowed."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="claim_lines")
    # True while the claim may still be paid: an order is in at most one live claim.
    live = models.BooleanField(default=True)
    claimed_fen = models.BigIntegerField(_("申请兑现金额"))
    approved_fen = models.BigIntegerField(_("核定兑现金额"))
    cut_reason = models.CharField(_("核减原因"), max_length=300, blank=True)
    invoice_number = models.CharField(_("发票号码"), max_length=50)
    invoice_amount_fen = models.BigIntegerField(_("发票金额"))
    invoice_date = models.DateField(_("开票日期"))
    invoice = models.ForeignKey(
        Upload, verbose_name=_("发票"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["claim", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(live=True), name="order_in_one_live_claim"
            ),
            models.CheckConstraint(
                condition=Q(
                    claimed_fen__gt=0,
                    approved_fen__gte=0,
                    approved_fen__lte=models.F("claimed_fen"),
                ),
                name="claim_line_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.order_id}"


class Objection(models.Model):
    """An objection to a notice (异议), from anyone logged in; staff answer it."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="objections"
    )
    content = models.CharField(_("异议内容"), max_length=1000)
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(_("处理意见"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    upheld = models.BooleanField(_("异议成立"), default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.notice_id} objection"
