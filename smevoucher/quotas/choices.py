from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已发放")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_APPLICATION = (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED)
