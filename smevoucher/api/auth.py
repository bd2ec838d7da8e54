from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer

from smevoucher.accounts.models import ApiToken
from smevoucher.accounts.services import api_token_hash


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` for the mini-program."""

    def authenticate(self, request, token):
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=api_token_hash(token), revoked_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        # The idle rule of web sessions holds for tokens too; last use is kept to the minute.
        last_used = row.last_used_at or row.created_at
        if now - last_used > dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS):
            return None
        if now - last_used >= dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.api_token = row
        return row.user
