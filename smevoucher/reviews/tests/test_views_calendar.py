"""The working-day calendar (工作日设置): system admins correct the shipped holidays."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import VALID_ID, make_uscc
from smevoucher.audit.models import AuditRecord
from smevoucher.core.errors import DomainError
from smevoucher.orgs.services import org_save, org_submit
from smevoucher.reviews.models import Review, WorkdayOverride
from smevoucher.reviews.services import workday_override_remove, workday_override_set
from smevoucher.reviews.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(make_staff):
    return make_staff(region_code="45", roles=("sysadmin",), phone="13800000001")


def test_only_a_system_admin_may_open_the_calendar(client, liuzhou_reviewer, sysadmin):
    url = reverse("calendar:index")
    assert client.get(url).status_code == 302
    client.force_login(liuzhou_reviewer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"date": "2031-10-08", "is_working_day": "0"}).status_code == 403
    assert not WorkdayOverride.objects.exists()
    client.force_login(sysadmin)
    body = client.get(url).content.decode()
    assert "工作日设置" in body
    assert "未来30天" in body


def test_the_next_thirty_days_are_marked_as_the_calendar_computes(client, sysadmin):
    client.force_login(sysadmin)
    body = client.get(reverse("calendar:index")).content.decode()
    today = timezone.localdate()
    days = [today + dt.timedelta(days=n) for n in range(30)]
    for day in days:
        assert day.isoformat() in body
    day_offs = sum(1 for day in days if not is_working_day(day))
    assert body.count('class="dayoff"') == day_offs
    assert body.count('class="workday"') == 30 - day_offs


def test_an_override_changes_a_computed_deadline(
    client, sysadmin, enterprise_user, send_certify_code
):
    # given the deadline a submission today would get (2 working days)
    today = timezone.localdate()
    first_working_day = add_working_days(today, 1)
    before = add_working_days(today, 2)
    # when the admin makes the next working day a holiday on the calendar page
    client.force_login(sysadmin)
    response = client.post(
        reverse("calendar:index"),
        {"date": first_working_day.isoformat(), "is_working_day": "0", "note": "临时调休"},
    )
    assert response.status_code == 302
    assert not is_working_day(first_working_day)
    # then the same submission's deadline moves one working day later
    after = add_working_days(today, 2)
    assert after > before
    assert after == add_working_days(before, 1)
    org = org_save(
        actor=enterprise_user,
        kind="enterprise",
        name="柳州市期限测试有限公司",
        uscc=make_uscc(501),
        region_code="450202",
        address="",
        legal_rep_name="张三",
        legal_rep_id_type="resident_id",
        legal_rep_id_number=VALID_ID,
    )
    org_submit(
        actor=enterprise_user,
        org_id=org.pk,
        sms_code=send_certify_code(enterprise_user),
        agreed=True,
    )
    assert Review.objects.get(object_id=str(org.pk)).deadline == after
    # and the page lists the override and marks the day as adjusted
    body = client.get(reverse("calendar:index")).content.decode()
    assert "临时调休" in body
    assert "人工调整" in body


def test_a_weekend_made_a_working_day_counts(sysadmin):
    saturday = dt.date(2031, 10, 11)
    assert saturday.weekday() == 5
    friday = saturday - dt.timedelta(days=1)
    assert add_working_days(friday, 1) == dt.date(2031, 10, 13)
    workday_override_set(actor=sysadmin, date=saturday, is_working_day=True, note="调休上班")
    assert add_working_days(friday, 1) == saturday


def test_setting_a_date_again_updates_it_and_removing_restores_the_calendar(client, sysadmin):
    day = dt.date(2031, 10, 13)  # a Monday
    client.force_login(sysadmin)
    url = reverse("calendar:index")
    client.post(url, {"date": day.isoformat(), "is_working_day": "0", "note": "甲"})
    client.post(url, {"date": day.isoformat(), "is_working_day": "0", "note": "乙"})
    assert list(WorkdayOverride.objects.values_list("note", flat=True)) == ["乙"]
    assert not is_working_day(day)
    response = client.post(reverse("calendar:remove"), {"date": day.isoformat()})
    assert response.status_code == 302
    assert not WorkdayOverride.objects.exists()
    assert is_working_day(day)
    actions = list(
        AuditRecord.objects.filter(action__startswith="workday_override")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["workday_override.set", "workday_override.set", "workday_override.removed"]


def test_bad_input_is_a_form_error(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("calendar:index"), {"date": "not-a-date", "is_working_day": "0"})
    assert response.status_code == 200
    assert "请输入正确的日期" in response.content.decode()
    assert not WorkdayOverride.objects.exists()


def test_removing_a_date_without_override_is_a_message_not_a_crash(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(reverse("calendar:remove"), {"date": "2031-10-13"}, follow=True)
    assert response.status_code == 200
    assert "该日期没有工作日调整" in response.content.decode()


def test_services_refuse_anyone_but_a_system_admin(liuzhou_reviewer):
    with pytest.raises(DomainError) as refused:
        workday_override_set(
            actor=liuzhou_reviewer, date=dt.date(2031, 10, 8), is_working_day=False
        )
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        workday_override_remove(actor=liuzhou_reviewer, date=dt.date(2031, 10, 8))
    assert not AuditRecord.objects.filter(action__startswith="workday_override").exists()
