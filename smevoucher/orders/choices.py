from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待接单")
    AWAITING_CONTRACT = "awaiting_contract", _("待签合同")
    # Liuzhou: the enterprise applies for the voucher of the agreed contract; staff review.
    VOUCHER_REVIEW = "voucher_review", _("用券审核中")
    AWAITING_PAYMENT = "awaiting_payment", _("待支付")
    AWAITING_DELIVERY = "awaiting_delivery", _("待交付")
    AWAITING_SERVICE = "awaiting_service", _("待服务")
    IN_SERVICE = "in_service", _("待完成")
    AWAITING_EVALUATION = "awaiting_evaluation", _("待评价")
    EVALUATED = "evaluated", _("评价完成")
    CANCELLED = "cancelled", _("订单取消")


class Side(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PROVIDER = "provider", _("服务机构")
    STAFF = "staff", _("平台")
    SYSTEM = "system", _("系统")


class ContractStatus(models.TextChoices):
    DRAFTED = "drafted", _("待企业确认")
    RETURNED = "returned", _("已退回修改")
    AGREED = "agreed", _("已确认，待签署")
    PROVIDER_SIGNED = "provider_signed", _("乙方已签署")
    SIGNED = "signed", _("双方已签署")
    VOID = "void", _("已作废")


class ContractSource(models.TextChoices):
    GENERATED = "generated", _("平台模板生成")
    UPLOADED = "uploaded", _("上传合同附件")


class RemittanceStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待确认收款")
    CONFIRMED = "confirmed", _("已确认收款")
    REJECTED = "rejected", _("未收到款项")


class ServiceRecordKind(models.TextChoices):
    START = "start", _("开始服务")
    PROGRESS = "progress", _("服务进展")
    FINISH = "finish", _("结束服务")


class RefundStatus(models.TextChoices):
    SUBMITTED = "submitted", _("审核中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("已退回支付")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
