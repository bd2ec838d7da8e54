from __future__ import annotations

import datetime as dt

from django.utils import timezone


def start_of_local_day(moment: dt.datetime | None = None) -> dt.datetime:
    """Midnight of the current day in the platform's time zone (Asia/Shanghai)."""
    local = timezone.localtime(moment or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
