"""Authentication backends: phone + password, and phone + SMS code.

Both go through ``django.contrib.auth.authenticate`` so django-axes counts their failures
and locks out alike.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from smevoucher.core.errors import DomainError
from smevoucher.core.phone import normalize_phone

from .choices import SmsPurpose
from .models import User


def _phone_or_none(raw: str | None) -> str | None:
    try:
        return normalize_phone(raw)
    except DomainError:
        return None


class PhonePasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        phone = _phone_or_none(phone or username)
        if phone is None or password is None:
            return None
        return super().authenticate(request, username=phone, password=password)


class SmsCodeBackend(ModelBackend):
    def authenticate(self, request, phone=None, sms_code=None, **kwargs):
        if phone is None or sms_code is None:
            return None
        from .services import sms_code_consume

        phone = _phone_or_none(phone)
        user = User.objects.filter(phone=phone).first() if phone else None
        if user is None or not self.user_can_authenticate(user):
            return None
        try:
            sms_code_consume(phone=phone, purpose=SmsPurpose.LOGIN, code=sms_code)
        except DomainError as exc:
            if request is not None:
                request.auth_error = exc  # the view shows why (expired, wrong, too many)
            return None
        return user


def axes_username(request, credentials: dict | None) -> str | None:
    """The phone that django-axes counts failures against."""
    credentials = credentials or {}
    raw = credentials.get("phone") or credentials.get("username")
    if raw is None and request is not None and request.method == "POST":
        raw = request.POST.get("phone")
    return _phone_or_none(raw) or (raw or None)
