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
