"""Reads of the accounts domain: the staff second factor."""

from __future__ import annotations

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


def otp_required_for(user: User) -> bool:
    return bool(settings.STAFF_OTP_REQUIRED and user.is_authenticated and user.is_staff)


def otp_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def otp_pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def otp_demo_code(device: TOTPDevice) -> str:
    """Demo mode only, like the SMS outbox: the code the app would show now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
