import pytest
from django.urls import reverse

from smevoucher.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_staff_search_audit_by_action(client, staff_user, enterprise_user):
    audit_record(actor=enterprise_user, subject=enterprise_user, action="user.password_changed")
    audit_record(actor=enterprise_user, subject=enterprise_user, action="user.logged_in")
    client.force_login(staff_user)
    body = client.get(reverse("audit:search"), {"action": "user.password"}).content.decode()
    assert "user.password_changed" in body
    assert "user.logged_in" not in body
    # the actor is shown masked
    assert "135****1111" in body
    assert enterprise_user.phone not in body


def test_enterprise_cannot_see_audit(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("audit:search")).status_code == 403


def test_bad_filter_input_is_a_form_error_not_a_crash(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("audit:search"), {"since": "not-a-date"})
    assert response.status_code == 200
