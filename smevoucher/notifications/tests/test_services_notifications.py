"""Notifications: inbox messages and SMS go out only after the change commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import NotFound
from smevoucher.notifications.models import InboxMessage, SmsOutbox
from smevoucher.notifications.selectors import inbox_unread_count
from smevoucher.notifications.services import (
    inbox_mark_all_read,
    inbox_mark_read,
    notify,
    sms_send_after_commit,
)

pytestmark = pytest.mark.django_db


def test_an_sms_is_delivered_after_commit_into_the_outbox(django_capture_on_commit_callbacks):
    # given an SMS asked for inside a change
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        sms_send_after_commit(
            phone="13500001111", template="notice", params={"title": "审核结果", "body": "已通过"}
        )
        # then nothing is sent while the change is open
        assert not SmsOutbox.objects.exists()
    # and once it commits, the outbox holds the sent text
    row = SmsOutbox.objects.get()
    assert row.phone == "13500001111"
    assert row.text == "【服务券平台】审核结果：已通过"
    assert row.backend == "OutboxSmsBackend"


def _change_that_fails_after_asking_for_an_sms() -> None:
    with transaction.atomic():
        sms_send_after_commit(
            phone="13500001111", template="notice", params={"title": "t", "body": "b"}
        )
        raise RuntimeError("the change fails")


def test_no_sms_goes_out_for_a_change_that_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        _change_that_fails_after_asking_for_an_sms()
    assert callbacks == []
    assert not SmsOutbox.objects.exists()


def test_notify_puts_a_message_in_the_inbox_after_commit(
    enterprise_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            user=enterprise_user,
            title="订单已受理",
            body="服务机构已受理您的订单",
            link="/orders/1/",
        )
    assert not InboxMessage.objects.exists()
    # when the change commits
    for callback in callbacks:
        callback()
    message = InboxMessage.objects.get()
    assert (message.recipient, message.title, message.link) == (
        enterprise_user,
        "订单已受理",
        "/orders/1/",
    )
    assert not SmsOutbox.objects.exists()
    assert inbox_unread_count(actor=enterprise_user) == 1


def test_notify_with_sms_also_texts_the_user(enterprise_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=enterprise_user, title="订单已受理", body="请签订合同", sms=True)
    assert SmsOutbox.objects.get().text == "【服务券平台】订单已受理：请签订合同"


def test_notify_does_not_text_an_inactive_user(enterprise_user, django_capture_on_commit_callbacks):
    enterprise_user.is_active = False
    enterprise_user.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=enterprise_user, title="账号已停用", sms=True)
    assert InboxMessage.objects.count() == 1
    assert not SmsOutbox.objects.exists()


def test_marking_a_message_read_is_recorded_once(enterprise_user):
    message = InboxMessage.objects.create(recipient=enterprise_user, title="通知")
    inbox_mark_read(actor=enterprise_user, message_id=message.pk)
    inbox_mark_read(actor=enterprise_user, message_id=message.pk)
    message.refresh_from_db()
    assert message.is_read
    assert AuditRecord.objects.filter(action="inbox.read").count() == 1


def test_another_users_message_cannot_be_marked_read(enterprise_user, other_enterprise_user):
    message = InboxMessage.objects.create(recipient=enterprise_user, title="通知")
    with pytest.raises(NotFound):
        inbox_mark_read(actor=other_enterprise_user, message_id=message.pk)
    message.refresh_from_db()
    assert not message.is_read


def test_mark_all_read_touches_only_the_actors_messages(enterprise_user, other_enterprise_user):
    InboxMessage.objects.create(recipient=enterprise_user, title="一")
    InboxMessage.objects.create(recipient=enterprise_user, title="二")
    InboxMessage.objects.create(recipient=other_enterprise_user, title="别人的")
    assert inbox_mark_all_read(actor=enterprise_user) == 2
    assert inbox_unread_count(actor=enterprise_user) == 0
    assert inbox_unread_count(actor=other_enterprise_user) == 1
    assert AuditRecord.objects.get().data == {"count": 2}


def test_mark_all_read_with_nothing_unread_records_nothing(enterprise_user):
    assert inbox_mark_all_read(actor=enterprise_user) == 0
    assert not AuditRecord.objects.exists()
