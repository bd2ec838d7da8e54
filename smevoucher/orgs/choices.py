from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROVIDER = "provider", _("服务机构")


class CertStatus(models.TextChoices):
    """The certification states as the manuals show them."""

    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("已驳回")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_PERMIT = "hmt_permit", _("港澳台居民通行证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留证")


class MemberRole(models.TextChoices):
    OWNER = "owner", _("认证账号")
    AGENT = "agent", _("经办人")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("审核中")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
