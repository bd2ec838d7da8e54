from django.db import models
from django.utils.translation import gettext_lazy as _


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("审核中")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    APPROVED = "approved", _("审核通过，待公示")
    NOTICE = "notice", _("公示中")
    PAID = "paid", _("已兑付")


# A claim holds its orders while in one of these (an order is in at most one live claim).
LIVE = (
    ClaimStatus.DRAFT,
    ClaimStatus.SUBMITTED,
    ClaimStatus.RETURNED,
    ClaimStatus.APPROVED,
    ClaimStatus.NOTICE,
    ClaimStatus.PAID,
)
