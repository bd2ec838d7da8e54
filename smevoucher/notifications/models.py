from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smevoucher.core.privacy import mask_phone


class InboxMessage(models.Model):
    """A message in a user's site inbox (站内消息)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class SmsOutbox(models.Model):
    """Every SMS the platform sent; in demo mode the only place it goes."""

    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    template = models.CharField(_("模板"), max_length=50)
    text = models.TextField(_("内容"))
    backend = models.CharField(_("通道"), max_length=100)
    provider_message_id = models.CharField(_("通道回执"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{mask_phone(self.phone)} {self.template}"
