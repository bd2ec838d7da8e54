"""The image captcha (图形验证码) shared by the web forms and the JSON API.

A challenge answers once: the right answer consumes it, and so does a wrong one, so that a
single image cannot be guessed at repeatedly.
"""

from __future__ import annotations

from dataclasses import dataclass

from captcha.models import CaptchaStore
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smevoucher.core.errors import DomainError


@dataclass(frozen=True)
class Captcha:
    key: str
    image_url: str


def captcha_create() -> Captcha:
    """A new challenge: its key and the address of its image."""
    key = CaptchaStore.generate_key()
    return Captcha(key=key, image_url=reverse("captcha-image", kwargs={"key": key}))


def captcha_check(*, key: str, answer: str) -> None:
    """Accept the answer to challenge ``key`` once, or raise ``captcha.wrong``."""
    key = (key or "").strip()
    answer = (answer or "").strip().lower()
    if key and answer:
        # One DELETE decides: of two concurrent requests with the right answer only one
        # removes the row, so only one passes.
        matched, _deleted = CaptchaStore.objects.filter(
            hashkey=key, response=answer, expiration__gt=timezone.now()
        ).delete()
        if matched:
            return
    if key:
        CaptchaStore.objects.filter(hashkey=key).delete()
    raise DomainError("captcha.wrong", _("图形验证码错误或已过期"), field="captcha")
