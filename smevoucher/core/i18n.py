from __future__ import annotations

from django.conf import settings
from django.utils import translation


def platform_text(message, params: dict | None = None) -> str:
    """A message in the platform's language (stored notifications, SMS), with parameters,
    whatever language the person who caused it browses in."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
        return text % params if params else text
