"""Messages to the platform (我要留言): anyone logged in writes; the staff of the writer's
region answer; both see the thread; unanswered messages age in the staff's queue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class MessageStatus(models.TextChoices):
    OPEN = "open", _("待回复")
    ANSWERED = "answered", _("已回复")


class Message(models.Model):
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="messages_written")
    # Where it is answered: the writer's organization's region, else the province chosen.
    region_code = models.CharField(_("所属地区"), max_length=6, db_index=True)
    title = models.CharField(_("标题"), max_length=100)
    content = models.CharField(_("留言内容"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.OPEN
    )
    created_at = models.DateTimeField(_("留言时间"), auto_now_add=True)
    waiting_since = models.DateTimeField(_("等待回复起始"), auto_now_add=True)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "waiting_since"])]

    def __str__(self) -> str:
        return self.title


class MessageReply(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    by_staff = models.BooleanField(default=False)
    content = models.CharField(_("回复内容"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.message_id} reply"


class ArticleKind(models.TextChoices):
    NOTICE = "notice", _("通知公告")
    POLICY = "policy", _("政策文件")
    GUIDE = "guide", _("操作指南")


class Article(models.Model):
    """A notice, policy document or operation guide published by staff (public)."""

    kind = models.CharField(_("类别"), max_length=20, choices=ArticleKind.choices)
    region_code = models.CharField(_("发布单位所属地区"), max_length=6)
    publisher_name = models.CharField(_("发布单位"), max_length=100)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), max_length=20000)
    attachments = models.ManyToManyField("uploads.Upload", blank=True, related_name="+")
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class HelpContact(models.Model):
    """Who helps in a region (the Guangdong manual's help center): unit, phone, e-mail."""

    region_code = models.CharField(_("地区"), max_length=6, unique=True)
    unit = models.CharField(_("承办单位"), max_length=100)
    phone = models.CharField(_("咨询电话"), max_length=50)
    email = models.EmailField(_("电子邮箱"), blank=True)
    hours = models.CharField(_("服务时间"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region_code"]

    def __str__(self) -> str:
        return self.unit


class DemandStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    REVIEWING = "reviewing", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("审核不通过")
    CLOSED = "closed", _("关闭需求")


class Demand(models.Model):
    """An enterprise's demand (企业需求), reviewed before it is published on the board."""

    number = models.CharField(_("需求编号"), max_length=30, unique=True)
    org = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("企业"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("需求名称"), max_length=100)
    category = models.CharField(_("服务类别"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    # None: 需要服务商报价 (the providers quote); else a stated budget in fen.
    budget_fen = models.BigIntegerField(_("预算金额"), null=True, blank=True)
    content = models.CharField(_("需求内容"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=20, choices=DemandStatus.choices, default=DemandStatus.PENDING
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class DemandResponse(models.Model):
    """A provider's answer to a demand (我要对接), optionally quoting one of its products at
    its price after voucher for that enterprise."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="responses")
    provider = models.ForeignKey("providers.Provider", on_delete=models.PROTECT, related_name="+")
    message = models.CharField(_("对接说明"), max_length=300)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_fen = models.BigIntegerField(_("产品价格"), null=True, blank=True)
    price_after_voucher_fen = models.BigIntegerField(_("券后价"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["demand", "provider"], name="one_response_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.demand_id}:{self.provider_id}"
