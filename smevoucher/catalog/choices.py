from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    """The Liuzhou lifecycle: 未提交 → 审核中 → 待上传 → 在售 → 下架."""

    DRAFT = "draft", _("未提交")
    SUBMITTED = "submitted", _("审核中")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过")
    READY = "ready", _("待上传")
    ON_SALE = "on_sale", _("在售")
    OFF_SALE = "off_sale", _("已下架")


class PricingMode(models.TextChoices):
    FIXED = "fixed", _("固定价格")
    RANGE = "range", _("区间报价")


class MaterialKind(models.TextChoices):
    CONTRACT = "contract", _("合同")
    INVOICE = "invoice", _("发票")
    RESULT = "result", _("服务成果")


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("审核中")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
