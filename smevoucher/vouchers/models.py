"""Vouchers and the double-entry ledger of their value (integer fen, append-only)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.orgs.models import Organization
from smevoucher.programs.models import Program, ProgramVersion

from .choices import AccountKind, Movement, VoucherStatus


class Voucher(models.Model):
    number = models.CharField(_("服务券编号"), max_length=30, unique=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="vouchers")
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        Organization, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="vouchers"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    voucher_type = models.CharField(_("券种"), max_length=40)
    type_name = models.CharField(_("券种名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=10)  # general / special
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"))
    batch_key = models.CharField(_("批次"), max_length=40, blank=True)
    # The last day it may be used before the batch rules recall it (Guangdong); null: none.
    use_deadline = models.DateField(_("使用截止日"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=VoucherStatus.choices, default=VoucherStatus.ACTIVE
    )
    # Cached from the ledger in the same transaction as each movement (checked by
    # `manage.py ledger_check`): total = available + held + used + recalled.
    total_fen = models.BigIntegerField(_("总额度"), default=0)
    available_fen = models.BigIntegerField(_("可用"), default=0)
    held_fen = models.BigIntegerField(_("冻结"), default=0)
    used_fen = models.BigIntegerField(_("已使用"), default=0)
    recalled_fen = models.BigIntegerField(_("已回收"), default=0)
    issued_at = models.DateTimeField(_("发放时间"), auto_now_add=True)
    recalled_at = models.DateTimeField(_("回收时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("服务券")
        verbose_name_plural = _("服务券")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["org", "program", "year", "voucher_type"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    available_fen__gte=0, held_fen__gte=0, used_fen__gte=0, recalled_fen__gte=0
                ),
                name="voucher_balances_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_fen=models.F("available_fen")
                    + models.F("held_fen")
                    + models.F("used_fen")
                    + models.F("recalled_fen")
                ),
                name="voucher_balances_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def remaining_fen(self) -> int:
        return self.available_fen


class EnterpriseUsage(models.Model):
    """Per enterprise, program and year: what is held or deducted (the annual deduction cap)
    and, per voucher type, what was issued (quota: recalled and expired value still counts).
    The row is locked by every movement that checks a cap."""

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    deducted_fen = models.BigIntegerField(default=0)
    issued = models.JSONField(default=dict)  # voucher type -> fen issued

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org", "program", "year"], name="enterprise_usage_unique"
            ),
            models.CheckConstraint(
                condition=Q(deducted_fen__gte=0), name="enterprise_usage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}/{self.program_id}/{self.year}"


class ProviderUsage(models.Model):
    """Per provider (of one program) and year: the voucher value its orders hold or have
    deducted, in all and per city of the ordering enterprises (the provider caps: at most a
    share of a city's issued total, at most a yearly settlement total). Locked by every
    movement that checks a provider cap, after the program accounts and before the
    enterprise's usage row."""

    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    deducted_fen = models.BigIntegerField(default=0)
    by_city = models.JSONField(default=dict)  # city code (4 digits) -> fen

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"], name="provider_usage_unique"),
            models.CheckConstraint(
                condition=Q(deducted_fen__gte=0), name="provider_usage_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}/{self.year}"


class LedgerAccount(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="ledger_accounts")
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    kind = models.CharField(max_length=20, choices=AccountKind.choices)
    balance_fen = models.BigIntegerField(default=0)  # cached sum of its entries

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind"],
                condition=Q(voucher__isnull=True),
                name="one_program_account_per_kind",
            ),
            models.UniqueConstraint(
                fields=["voucher", "kind"],
                condition=Q(voucher__isnull=False),
                name="one_voucher_account_per_kind",
            ),
            # Only the treasury (the source of public money) may go below zero.
            models.CheckConstraint(
                condition=Q(kind=AccountKind.TREASURY) | Q(balance_fen__gte=0),
                name="ledger_account_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.voucher_id or self.program_id}"


class LedgerTransaction(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    movement = models.CharField(_("类型"), max_length=20, choices=Movement.choices)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    amount_fen = models.BigIntegerField(_("金额"))
    # A retried request carries the same key and moves money once.
    idempotency_key = models.CharField(max_length=100, unique=True)
    ref = models.CharField(_("关联单据"), max_length=100, blank=True)
    # The provider an order's movement counts against, and the ordering enterprise's city:
    # the provider caps are derived from these (`ledger_check`).
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Nullable so that adding it kept SQLite from rebuilding the table (and its triggers).
    city_code = models.CharField(max_length=4, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    memo = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("账本交易")
        verbose_name_plural = _("账本交易")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="ledger_transaction_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.movement} {self.amount_fen}"


class LedgerEntry(models.Model):
    """One leg of a transaction; the legs of a transaction sum to zero."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_fen = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_entry_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_fen:+d}"
