"""我要留言: the writer's region answers; both see the thread; unanswered ones age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from smevoucher.community import services
from smevoucher.community.models import Message
from smevoucher.community.selectors import staff_queue
from smevoucher.core.errors import DomainError
from smevoucher.notifications.models import InboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(make_org):
    return make_org("柳州市留言测试有限公司").owner  # a Liuzhou enterprise


def test_a_message_is_answered_by_its_region(
    writer, liuzhou_reviewer, nanning_reviewer, django_capture_on_commit_callbacks
):
    message = services.message_create(
        actor=writer, title="配额何时发放", content="请问配额审核需要多久？"
    )
    assert message.region_code == "450202"
    # Nanning's staff cannot see or answer it
    with pytest.raises(DomainError) as refused:
        services.message_reply(actor=nanning_reviewer, message_id=message.pk, content="答复")
    assert refused.value.status == 404
    # Liuzhou's staff answer; the writer is told
    with django_capture_on_commit_callbacks(execute=True):
        services.message_reply(
            actor=liuzhou_reviewer, message_id=message.pk, content="一般1-2个工作日。"
        )
    message.refresh_from_db()
    assert message.status == "answered"
    assert InboxMessage.objects.filter(recipient=writer, title__contains="配额何时发放").exists()
    # the writer adds to the thread, and it waits again
    services.message_reply(actor=writer, message_id=message.pk, content="谢谢，还想了解专项券。")
    message.refresh_from_db()
    assert message.status == "open"
    assert list(message.replies.values_list("by_staff", flat=True)) == [True, False]


def test_too_long_a_message_is_refused_with_the_count(writer):
    with pytest.raises(DomainError, match="当前1001个字"):
        services.message_create(actor=writer, title="标题", content="字" * 1001)
    assert not Message.objects.exists()


def test_unanswered_messages_age_in_the_queue(writer, liuzhou_reviewer):
    old = services.message_create(actor=writer, title="早的", content="内容")
    Message.objects.filter(pk=old.pk).update(waiting_since=timezone.now() - dt.timedelta(days=3))
    services.message_create(actor=writer, title="新的", content="内容")
    rows = staff_queue(actor=liuzhou_reviewer)
    assert [(r["message"].title, r["waiting_days"]) for r in rows] == [("早的", 3), ("新的", 0)]


def test_pages(client, writer, liuzhou_reviewer, make_org):
    client.force_login(writer)
    response = client.post(
        reverse("community:messages"), {"title": "发票问题", "content": "发票抬头怎么写？"}
    )
    message = Message.objects.get()
    assert response.status_code == 302
    client.force_login(liuzhou_reviewer)
    assert "发票问题" in client.get(reverse("community:staff")).content.decode()
    client.post(
        reverse("community:message", args=[message.pk]), {"content": "按合同甲方名称开具。"}
    )
    client.force_login(writer)
    assert (
        "按合同甲方名称开具"
        in client.get(reverse("community:message", args=[message.pk])).content.decode()
    )
    client.force_login(make_org("南宁市别家企业有限公司").owner)
    assert client.get(reverse("community:message", args=[message.pk])).status_code == 404
