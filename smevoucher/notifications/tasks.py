"""Deliveries queued after commit (django-tasks: in-process by default, a worker in production)."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django_tasks import task

from . import sms
from .models import InboxMessage, SmsOutbox

logger = logging.getLogger(__name__)


@task()
def deliver_sms(phone: str, template: str, params: dict) -> int:
    backend = sms.get_backend()
    text = sms.render(template, params)
    message_id = backend.send(phone=phone, template=template, params=params)
    row = SmsOutbox.objects.create(
        phone=phone,
        template=template,
        text=text,
        backend=type(backend).__name__,
        provider_message_id=message_id,
    )
    logger.info("sms %s sent through %s", template, type(backend).__name__)
    return row.pk


@task()
def deliver_inbox(user_id: int, title: str, body: str, link: str, sms_too: bool) -> int:
    user = get_user_model().objects.get(pk=user_id)
    message = InboxMessage.objects.create(recipient=user, title=title, body=body, link=link)
    if sms_too and user.is_active:
        deliver_sms.enqueue(user.phone, "notice", {"title": title, "body": body[:60]})
    return message.pk
