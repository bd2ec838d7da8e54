from __future__ import annotations

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
        request.user = row.user
        request.api_token = row
        return row.user
