from django.db.models import QuerySet

from .models import InboxMessage


def inbox_list(*, actor) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(recipient=actor)


def inbox_unread_count(*, actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return InboxMessage.objects.filter(recipient=actor, read_at__isnull=True).count()
