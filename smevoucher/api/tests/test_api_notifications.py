"""The site inbox over the API: one's own messages only, paginated, marked read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from smevoucher.accounts.services import api_token_create
from smevoucher.notifications.models import InboxMessage

pytestmark = pytest.mark.django_db


def bearer(user) -> dict:
    _token, key = api_token_create(actor=user)
    return {"Authorization": f"Bearer {key}"}


def messages_for(user, count: int) -> list[InboxMessage]:
    start = timezone.now() - dt.timedelta(hours=count)
    return [
        InboxMessage.objects.create(
            recipient=user,
            title=f"通知{i}",
            body="您的服务券申请已受理",
            link="/center/",
            created_at=start + dt.timedelta(hours=i),
        )
        for i in range(count)
    ]


def test_inbox_lists_own_messages_newest_first_in_pages(
    client, enterprise_user, other_enterprise_user, django_assert_num_queries
):
    # given 25 messages for the enterprise and one for somebody else
    messages_for(enterprise_user, 25)
    messages_for(other_enterprise_user, 1)
    headers = bearer(enterprise_user)
    # when the first page is read (token, count, page: a fixed number of queries)
    with django_assert_num_queries(3):
        first = client.get("/api/v1/inbox", headers=headers)
    # then it holds the newest 20 of the enterprise's 25
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 25
    assert [m["title"] for m in body["items"][:2]] == ["通知24", "通知23"]
    assert len(body["items"]) == 20
    assert body["items"][0]["is_read"] is False
    second = client.get("/api/v1/inbox?page=2", headers=headers).json()
    assert [m["title"] for m in second["items"]] == [f"通知{i}" for i in range(4, -1, -1)]


def test_unread_count_counts_own_unread_messages(client, enterprise_user, other_enterprise_user):
    first, *_rest = messages_for(enterprise_user, 3)
    first.read_at = timezone.now()
    first.save(update_fields=["read_at"])
    messages_for(other_enterprise_user, 2)
    response = client.get("/api/v1/inbox/unread-count", headers=bearer(enterprise_user))
    assert response.status_code == 200
    assert response.json() == {"count": 2}


def test_marking_a_message_read(client, enterprise_user):
    # given an unread message
    [message] = messages_for(enterprise_user, 1)
    headers = bearer(enterprise_user)
    # when it is marked read
    response = client.post(f"/api/v1/inbox/{message.pk}/read", headers=headers)
    # then it is, and the unread count drops
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert response.json()["read_at"]
    assert client.get("/api/v1/inbox/unread-count", headers=headers).json() == {"count": 0}


def test_another_users_message_answers_404(client, enterprise_user, other_enterprise_user):
    # given a message of another enterprise
    [message] = messages_for(other_enterprise_user, 1)
    # when the enterprise tries to mark it read
    response = client.post(f"/api/v1/inbox/{message.pk}/read", headers=bearer(enterprise_user))
    # then it answers as if there were no such message, and nothing changes
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    message.refresh_from_db()
    assert message.read_at is None


def test_read_all_marks_only_own_messages(client, enterprise_user, other_enterprise_user):
    messages_for(enterprise_user, 3)
    [foreign] = messages_for(other_enterprise_user, 1)
    response = client.post("/api/v1/inbox/read-all", headers=bearer(enterprise_user))
    assert response.status_code == 200
    assert response.json() == {"count": 3}
    assert not InboxMessage.objects.filter(recipient=enterprise_user, read_at__isnull=True)
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_a_page_number_below_one_answers_422(client, enterprise_user):
    response = client.get("/api/v1/inbox?page=0", headers=bearer(enterprise_user))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page"
