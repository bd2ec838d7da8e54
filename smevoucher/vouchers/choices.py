from django.db import models
from django.utils.translation import gettext_lazy as _


class VoucherStatus(models.TextChoices):
    ACTIVE = "active", _("可使用")
    RECALLED = "recalled", _("已回收")
    EXPIRED = "expired", _("已过期")


class AccountKind(models.TextChoices):
    # Program accounts
    TREASURY = "treasury", _("财政资金来源")
    BUDGET = "budget", _("未分配预算")
    PAYABLE = "payable", _("已抵扣待兑现")
    PAID = "paid", _("已兑现")
    # Voucher accounts
    AVAILABLE = "available", _("可用余额")
    HELD = "held", _("下单冻结")


PROGRAM_ACCOUNTS = (AccountKind.TREASURY, AccountKind.BUDGET, AccountKind.PAYABLE, AccountKind.PAID)
VOUCHER_ACCOUNTS = (AccountKind.AVAILABLE, AccountKind.HELD)


class Movement(models.TextChoices):
    FUND = "fund", _("预算拨入")
    ISSUE = "issue", _("发券")
    HOLD = "hold", _("下单冻结")
    RELEASE = "release", _("取消释放")
    CAPTURE = "capture", _("支付抵扣")
    RECALL = "recall", _("回收")
    REFUND = "refund", _("退款退回")
    REDEEM = "redeem", _("兑现拨付")
    DISALLOW = "disallow", _("兑现核减")
