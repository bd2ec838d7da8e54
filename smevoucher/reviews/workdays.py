"""Working days in mainland China: public holidays and adjusted weekend working days.

The shipped calendar (holidays.China) is corrected by staff-entered overrides; a year the
data lacks still computes (weekends only) rather than fail.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _calendar(year: int):
    return holidays.China(years=[year])


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    from .models import WorkdayOverride

    return dict(
        WorkdayOverride.objects.filter(date__gte=start, date__lte=end).values_list(
            "date", "is_working_day"
        )
    )


def _shipped_is_working_day(day: dt.date) -> bool:
    calendar = _calendar(day.year)
    try:
        return calendar.is_working_day(day)
    except Exception:  # a year the data does not know: weekdays work
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    override = _overrides(day, day).get(day)
    return override if override is not None else _shipped_is_working_day(day)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (the day of submission does not count)."""
    overrides = _overrides(start, start + dt.timedelta(days=days * 7 + 60))
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        working = overrides.get(day)
        if working is None:
            working = _shipped_is_working_day(day)
        if working:
            counted += 1
    return day
