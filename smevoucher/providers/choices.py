from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderLevel(models.TextChoices):
    """A provider's level in the directory sets where it may serve (Guangdong)."""

    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")


class ProviderStatus(models.TextChoices):
    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("审核中")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过")
    APPROVED = "approved", _("已入驻")
    SUSPENDED = "suspended", _("已暂停")
