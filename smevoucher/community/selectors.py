from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from smevoucher.core.errors import NotFound
from smevoucher.staff.permissions import in_jurisdiction, jurisdiction_filter

from .models import Message, MessageStatus


def my_messages(*, actor) -> QuerySet[Message]:
    return Message.objects.filter(author=actor).prefetch_related("replies")


def message_get(*, actor, pk: int) -> Message:
    message = Message.objects.filter(pk=pk).select_related("author").first()
    if message is None:
        raise NotFound()
    if actor.is_staff:
        if actor.is_superuser or in_jurisdiction(actor, message.region_code):
            return message
        raise NotFound()
    if message.author_id != actor.pk:
        raise NotFound()
    return message


def staff_queue(*, actor, status: str = MessageStatus.OPEN) -> list[dict]:
    """The region's messages, the longest waiting first, with how many days they waited."""
    messages = Message.objects.select_related("author")
    if not actor.is_superuser:
        messages = messages.filter(jurisdiction_filter(actor, field="region_code"))
    if status:
        messages = messages.filter(status=status)
    now = timezone.now()
    return [
        {"message": m, "waiting_days": (now - m.waiting_since).days}
        for m in messages.order_by("waiting_since", "pk")[:200]
    ]
