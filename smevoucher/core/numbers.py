from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import NumberSequence


def next_number(prefix: str) -> str:
    """``PREFIX`` + local time to the second + a 4-digit daily sequence, e.g. SVC202409131530120001.

    Call inside the transaction that stores the numbered thing: the counter row is locked
    until it commits, so numbers never repeat.
    """
    now = timezone.localtime()
    day = now.date()
    updated = NumberSequence.objects.filter(prefix=prefix, day=day).update(value=F("value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(prefix=prefix, day=day, value=1)
        except IntegrityError:
            NumberSequence.objects.filter(prefix=prefix, day=day).update(value=F("value") + 1)
    value = NumberSequence.objects.get(prefix=prefix, day=day).value
    return f"{prefix}{now:%Y%m%d%H%M%S}{value:04d}"
