from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smevoucher.staff.choices import StaffRole

from .choices import OPEN_STATUSES, ReviewAction, ReviewStatus


class ReviewChainStep(models.Model):
    """One step of the review chain of a kind of thing (certification, quota, redemption...).

    Edited by a system admin; a review follows the chain as it stood when it was submitted.
    """

    kind = models.CharField(_("审核事项"), max_length=50)
    position = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("环节名称"), max_length=50)
    role = models.CharField(_("办理角色"), max_length=20, choices=StaffRole.choices)
    working_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=2)

    class Meta:
        verbose_name = _("审核环节")
        verbose_name_plural = _("审核环节")
        ordering = ["kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "position"], name="review_step_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.position} {self.name}"


class Review(models.Model):
    """The review of one submission of one thing, step by step, by named staff."""

    kind = models.CharField(_("审核事项"), max_length=50, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    subject_label = models.CharField(_("申请事项"), max_length=200)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="reviews_applied",
    )
    # Where the applicant is registered (district, city or province code): staff jurisdiction.
    region_code = models.CharField(_("所属地区"), max_length=6, db_index=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED
    )
    # The chain as it stood at submission: [{"name", "role", "working_days"}, ...]
    chain = models.JSONField(_("审核流程"), default=list)
    step = models.PositiveSmallIntegerField(_("当前环节"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"))
    step_started_at = models.DateTimeField(_("本环节开始时间"))
    deadline = models.DateField(_("办理期限"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews_handled",
    )
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    last_reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("审核")
        verbose_name_plural = _("审核")
        ordering = ["deadline", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="one_open_review_per_subject",
            )
        ]
        indexes = [models.Index(fields=["kind", "status", "region_code"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.status}"

    @property
    def step_name(self) -> str:
        if 0 <= self.step < len(self.chain):
            return self.chain[self.step]["name"]
        return ""

    @property
    def step_role(self) -> str:
        if 0 <= self.step < len(self.chain):
            return self.chain[self.step]["role"]
        return ""

    @property
    def is_last_step(self) -> bool:
        return self.step >= len(self.chain) - 1


class ReviewEvent(models.Model):
    """Each action on a review, in order: the history the applicant and staff see."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    step = models.PositiveSmallIntegerField(_("环节"))
    step_name = models.CharField(_("环节名称"), max_length=50, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("办理人"), max_length=100)
    action = models.CharField(_("操作"), max_length=20, choices=ReviewAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=20, choices=ReviewStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=ReviewStatus.choices)
    reason = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.action}"


class WorkdayOverride(models.Model):
    """A day the State Council's arrangement makes different from the shipped calendar
    (an extra holiday, or a weekend made a working day); staff add them as announced."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_working_day else 'holiday'}"
