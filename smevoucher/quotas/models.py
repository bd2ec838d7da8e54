from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.orgs.models import Organization
from smevoucher.programs.models import Program, ProgramVersion
from smevoucher.uploads.models import Upload

from .choices import OPEN_APPLICATION, ApplicationStatus


class QuotaApplication(models.Model):
    """配额申请 / 领券资格认证: one enterprise asks for one voucher type of one program."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="quota_applications"
    )
    # The rules in force when the enterprise applied decide the amount.
    program_version = models.ForeignKey(ProgramVersion, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        Organization,
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="quota_applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    voucher_type = models.CharField(_("券种"), max_length=40)
    type_name = models.CharField(_("券种名称"), max_length=50)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    # General vouchers: the tier the enterprise's classes gave when it applied.
    tier_key = models.CharField(_("档次"), max_length=40, blank=True)
    tier_name = models.CharField(_("档次名称"), max_length=100, blank=True)
    classes = models.JSONField(_("企业类别"), default=list)
    # Special vouchers: the proven base (e.g. the guarantee fee) and the amount asked for.
    base_fen = models.BigIntegerField(_("计算基数"), null=True, blank=True)
    amount_fen = models.BigIntegerField(_("申请额度"))
    proof = models.ForeignKey(
        Upload,
        verbose_name=_("合同凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch_key = models.CharField(_("批次"), max_length=40, blank=True)
    voucher = models.OneToOneField(
        "vouchers.Voucher",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("服务券配额申请")
        verbose_name_plural = _("服务券配额申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "program", "voucher_type"],
                condition=Q(status__in=OPEN_APPLICATION),
                name="one_open_quota_application",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="quota_application_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.program_id}:{self.voucher_type}"
