import pytest
from django.urls import reverse

from smevoucher.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_staff):
    return make_staff(region_code="45", roles=("auditor",), phone="13800000045")


def test_auditor_searches_audit_by_action(client, auditor, enterprise_user):
    audit_record(actor=enterprise_user, subject=enterprise_user, action="user.password_changed")
    audit_record(actor=enterprise_user, subject=enterprise_user, action="user.logged_in")
    client.force_login(auditor)
    body = client.get(reverse("audit:search"), {"action": "user.password"}).content.decode()
    assert "user.password_changed" in body
    assert "user.logged_in" not in body
    # the actor is shown masked
    assert "135****1111" in body
    assert enterprise_user.phone not in body


def test_enterprise_cannot_see_audit(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("audit:search")).status_code == 403


def test_a_citys_reviewer_cannot_read_the_whole_audit_log(client, liuzhou_reviewer, make_staff):
    # the log holds every region's records: a city's staff, even its admin, are refused
    client.force_login(liuzhou_reviewer)
    assert client.get(reverse("audit:search")).status_code == 403
    assert reverse("audit:search") not in client.get(reverse("reviews:workbench")).content.decode()
    city_admin = make_staff(region_code="4502", roles=("sysadmin",), phone="13800004599")
    client.force_login(city_admin)
    assert client.get(reverse("audit:search")).status_code == 403


def test_the_provinces_system_admin_reads_the_audit_log(client, make_staff):
    admin = make_staff(region_code="45", roles=("sysadmin",), phone="13800004598")
    client.force_login(admin)
    assert client.get(reverse("audit:search")).status_code == 200


def test_bad_filter_input_is_a_form_error_not_a_crash(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit:search"), {"since": "not-a-date"})
    assert response.status_code == 200
