import pytest
from django.urls import reverse

from smevoucher.notifications.models import InboxMessage
from smevoucher.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_unread_count_in_header_and_mark_read(
    client, enterprise_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=enterprise_user, title="配额申请已通过", body="您的通用券已发放")
    client.force_login(enterprise_user)
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert "配额申请已通过" in body
    assert 'class="badge"' in body
    message = InboxMessage.objects.get(recipient=enterprise_user)
    client.post(reverse("notifications:mark_read", args=[message.pk]))
    message.refresh_from_db()
    assert message.read_at is not None
    assert 'class="badge"' not in client.get(reverse("portal:home")).content.decode()


def test_another_users_message_answers_404(
    client, enterprise_user, other_enterprise_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=enterprise_user, title="私人消息")
    message = InboxMessage.objects.get(recipient=enterprise_user)
    client.force_login(other_enterprise_user)
    assert client.post(reverse("notifications:mark_read", args=[message.pk])).status_code == 404
    assert "私人消息" not in client.get(reverse("notifications:inbox")).content.decode()


def test_mark_all_read(client, enterprise_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=enterprise_user, title="一")
        notify(user=enterprise_user, title="二")
    client.force_login(enterprise_user)
    client.post(reverse("notifications:mark_all_read"))
    assert not InboxMessage.objects.filter(recipient=enterprise_user, read_at__isnull=True).exists()
