from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smevoucher.orgs.models import Organization
from smevoucher.programs.models import ImportStatus, Program
from smevoucher.regions.models import Region
from smevoucher.uploads.models import Upload

from .choices import ProviderLevel, ProviderStatus


class DirectoryEntry(models.Model):
    """An institution on a program's directory of qualified providers (Guangdong's 名录)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="directory")
    name = models.CharField(_("机构全称"), max_length=100, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    level = models.CharField(_("级别"), max_length=20, choices=ProviderLevel.choices)
    # For a city-level institution: the city it serves.
    city = models.ForeignKey(
        Region,
        verbose_name=_("所在城市"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务机构名录")
        verbose_name_plural = _("服务机构名录")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "uscc"], name="directory_uscc_once")
        ]

    def __str__(self) -> str:
        return self.name


class Provider(models.Model):
    """An organization admitted (or applying) as a service provider of one program."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="providers")
    org = models.ForeignKey(
        Organization,
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        related_name="provider_roles",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ProviderStatus.choices, default=ProviderStatus.DRAFT
    )
    level = models.CharField(
        _("级别"), max_length=20, choices=ProviderLevel.choices, default=ProviderLevel.PROVINCIAL
    )
    # Where it may serve: a province code for national/provincial providers, a city code
    # for city-level ones (an enterprise's region code must start with it).
    scope_code = models.CharField(_("服务范围"), max_length=6, db_index=True)
    categories = models.JSONField(_("服务类别"), default=list)
    intro = models.TextField(_("机构简介"), blank=True)
    contact_phone = models.CharField(
        _("服务电话"), max_length=30, blank=True
    )  # a public business line
    address = models.CharField(_("服务地址"), max_length=200, blank=True)
    working_hours = models.CharField(_("工作时间"), max_length=100, blank=True)
    commitment_letter = models.ForeignKey(
        Upload,
        verbose_name=_("服务机构承诺书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    qualifications = models.ManyToManyField(
        Upload, verbose_name=_("资质文件"), blank=True, related_name="+"
    )
    suspended_reason = models.CharField(_("暂停原因"), max_length=300, blank=True)
    applied_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("入驻时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务机构")
        verbose_name_plural = _("服务机构")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "org"], name="provider_once_per_program")
        ]

    def __str__(self) -> str:
        return f"{self.org} @ {self.program_id}"

    @property
    def is_active(self) -> bool:
        return self.status == ProviderStatus.APPROVED

    def serves_region(self, region_code: str) -> bool:
        """Whether an enterprise registered in ``region_code`` lies in this provider's scope."""
        return bool(region_code) and region_code.startswith(self.scope_code)


class DirectoryImport(models.Model):
    """One upload of a program's directory: its progress and the rows refused, with reasons."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="directory_imports")
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理"), default=0)
    accepted_rows = models.PositiveIntegerField(_("导入成功"), default=0)
    refused = models.JSONField(
        _("未导入的行"), default=list
    )  # [{"row": n, "uscc": "...", "name": "...", "reason": "..."}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名录导入")
        verbose_name_plural = _("名录导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"directory import {self.pk} of {self.program_id}"
