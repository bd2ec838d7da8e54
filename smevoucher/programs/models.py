from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smevoucher.regions.models import Region


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    ACTIVE = "active", _("实施中")
    CLOSED = "closed", _("已结束")


class Program(models.Model):
    """One voucher policy in one region for one year; its rules live in versions."""

    code = models.SlugField(_("项目代码"), max_length=50, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    policy_title = models.CharField(_("政策文件"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("实施地区"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(max_length=6, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("服务券项目")
        verbose_name_plural = _("服务券项目")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(models.Model):
    """The rules as published at one moment; an order is judged by the version then in force."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    rules = models.JSONField(_("规则"))
    effective_from = models.DateTimeField(_("生效时间"))
    note = models.CharField(_("修订说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("项目规则版本")
        verbose_name_plural = _("项目规则版本")
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"], name="program_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id} v{self.number}"

    @property
    def parsed(self):
        from .rules import ProgramRules

        cached = getattr(self, "_parsed", None)
        if cached is None:
            cached = self._parsed = ProgramRules.model_validate(self.rules)
        return cached


class EnterpriseClassification(models.Model):
    """An enterprise on a program's classified list (e.g. 专精特新"小巨人"), by its USCC.

    Imported by staff from the lists the departments publish; the general voucher's tier
    follows from the highest tier any of an enterprise's classes gives.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="classifications")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    class_code = models.CharField(_("类别"), max_length=40)
    enterprise_name = models.CharField(_("企业名称"), max_length=100, blank=True)
    source = models.ForeignKey(
        "ClassificationImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rows",
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业分类名单")
        verbose_name_plural = _("企业分类名单")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "uscc", "class_code"], name="classification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uscc}:{self.class_code}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ClassificationImport(models.Model):
    """One upload of a classified list: its progress and the rows refused, with reasons."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="classification_imports"
    )
    class_code = models.CharField(
        _("类别"), max_length=40, blank=True
    )  # blank: the file names it per row
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
    )  # [{"row": n, "uscc": "...", "reason": "..."}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名单导入")
        verbose_name_plural = _("名单导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.program_id}"
