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


def published_articles(*, kind: str = ""):
    from .models import Article

    articles = Article.objects.filter(withdrawn_at__isnull=True).prefetch_related("attachments")
    if kind:
        articles = articles.filter(kind=kind)
    return articles.order_by("-published_at", "-pk")


def article_public(*, pk: int):
    article = published_articles().filter(pk=pk).first()
    if article is None:
        raise NotFound()
    return article


def help_contacts():
    from smevoucher.regions.models import Region

    from .models import HelpContact

    contacts = list(HelpContact.objects.all())
    names = dict(
        Region.objects.filter(code__in=[c.region_code for c in contacts]).values_list(
            "code", "name"
        )
    )
    return [{"contact": c, "region": names.get(c.region_code, c.region_code)} for c in contacts]
