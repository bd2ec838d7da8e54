from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from smevoucher.audit.services import audit_record
from smevoucher.core.errors import NotFound

from .models import InboxMessage
from .tasks import deliver_inbox, deliver_sms


def sms_send_after_commit(*, phone: str, template: str, params: dict) -> None:
    """Queue an SMS once the current transaction commits (never for a rolled-back change)."""
    transaction.on_commit(lambda: deliver_sms.enqueue(phone, template, params))


def notify(*, user, title: str, body: str = "", link: str = "", sms: bool = False) -> None:
    """Tell ``user`` something in the site inbox (and by SMS), after the change commits.

    Pass lazy strings (gettext_lazy, or ``platform_text``): they are fixed here in the
    platform's language, whatever language the person who caused the message browses in.
    """
    with translation.override(settings.LANGUAGE_CODE):
        title, body = str(title), str(body)
    user_id = user.pk
    transaction.on_commit(lambda: deliver_inbox.enqueue(user_id, title, body, link, sms))


def inbox_mark_read(*, actor, message_id: int) -> InboxMessage:
    with transaction.atomic():
        message = (
            InboxMessage.objects.select_for_update().filter(recipient=actor, pk=message_id).first()
        )
        if message is None:
            raise NotFound()
        if message.read_at is None:
            message.read_at = timezone.now()
            message.save(update_fields=["read_at"])
            audit_record(actor=actor, subject=message, action="inbox.read")
    return message


def inbox_mark_all_read(*, actor) -> int:
    with transaction.atomic():
        count = InboxMessage.objects.filter(recipient=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            audit_record(actor=actor, subject=actor, action="inbox.all_read", data={"count": count})
    return count
