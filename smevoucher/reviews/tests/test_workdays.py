"""Deadlines in working days: weekends, public holidays and the adjusted working weekends."""

import datetime as dt

import pytest

from smevoucher.reviews.models import WorkdayOverride
from smevoucher.reviews.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db


def test_a_friday_submission_is_due_after_the_weekend():
    # 2026-11-27 is a Friday
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 30)
    assert add_working_days(dt.date(2026, 11, 27), 2) == dt.date(2026, 12, 1)


def test_a_submission_on_the_eve_of_national_day_waits_for_the_holiday_to_end():
    # 2026-09-30: National Day and Mid-Autumn run to 10-07; the days after are working days
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 30), 2) == dt.date(2026, 10, 9)


def test_public_holidays_and_adjusted_weekends():
    assert not is_working_day(dt.date(2026, 10, 1))
    assert not is_working_day(dt.date(2026, 1, 1))
    assert is_working_day(dt.date(2026, 11, 24))
    assert not is_working_day(dt.date(2026, 11, 28))  # an ordinary Saturday


def test_staff_override_wins_over_the_shipped_calendar():
    # given the State Council makes an ordinary Monday a holiday
    WorkdayOverride.objects.create(
        date=dt.date(2026, 11, 30), is_working_day=False, note="临时调休"
    )
    # then a Friday submission is due a day later
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 12, 1)
    # and a Saturday made a working day counts
    WorkdayOverride.objects.create(date=dt.date(2026, 11, 28), is_working_day=True, note="调休上班")
    assert add_working_days(dt.date(2026, 11, 27), 1) == dt.date(2026, 11, 28)


def test_a_year_the_data_lacks_still_computes():
    assert add_working_days(dt.date(2099, 6, 5), 1) == dt.date(2099, 6, 8)  # Friday → Monday
