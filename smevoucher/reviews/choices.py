from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    UNDER_REVIEW = "under_review", _("审核中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


# A review is open while staff or the applicant still has to act on it.
OPEN_STATUSES = (ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW, ReviewStatus.RETURNED)
# Waiting for staff: these count for deadlines and queues.
WAITING_FOR_STAFF = (ReviewStatus.SUBMITTED, ReviewStatus.UNDER_REVIEW)


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    START = "start", _("开始审核")
    APPROVE = "approve", _("通过")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("驳回")
    RESUBMIT = "resubmit", _("重新提交")
    WITHDRAW = "withdraw", _("撤回")
