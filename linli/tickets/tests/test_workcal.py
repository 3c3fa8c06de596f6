"""Time limits in working hours: office hours, weekends, China's holidays and make-up working
days, and the street's own corrections."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from linli.tickets.workcal import Calendar, add_hours, parse_hours, working_hours_between

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, h, minute, tzinfo=SH)


@pytest.fixture
def plain(settings) -> Calendar:  # type: ignore[no-untyped-def]
    settings.LINLI_WORKING_HOURS = "09:00-12:00,13:00-18:00"
    return Calendar({})


def test_within_one_morning(plain: Calendar) -> None:
    assert add_hours(at(2026, 12, 1, 9, 30), 2, calendar=plain) == at(2026, 12, 1, 11, 30)


def test_lunch_break_is_not_counted(plain: Calendar) -> None:
    assert add_hours(at(2026, 12, 1, 11), 2, calendar=plain) == at(2026, 12, 1, 14)


def test_evening_request_starts_next_morning(plain: Calendar) -> None:
    # Tuesday 17:30, four hours: half an hour on Tuesday, the three morning hours on Wednesday,
    # and half an hour after lunch.
    assert add_hours(at(2026, 12, 1, 17, 30), 4, calendar=plain) == at(2026, 12, 2, 13, 30)


def test_friday_evening_runs_over_the_weekend(plain: Calendar) -> None:
    # Friday 4 December 2026 at 17:00 + 2 h: one hour on Friday, one on Monday 7 December.
    assert add_hours(at(2026, 12, 4, 17), 2, calendar=plain) == at(2026, 12, 7, 10)


def test_national_day_holiday_and_make_up_working_day(plain: Calendar) -> None:
    # 2026: 1–7 October off (1–3, 5 holidays, 4 a Sunday, 6–7 moved days off); Saturday 10 October
    # is a make-up working day. A request on 30 September 17:00 with 16 working hours: one hour on
    # the 30th, then nothing until Thursday 8 October (8 h), Friday 9th (7 h left → 16:00).
    assert add_hours(at(2026, 9, 30, 17), 16, calendar=plain) == at(2026, 10, 9, 17)
    # Filed on Friday 9 October at 17:00 with 4 hours: one on Friday, three on Saturday the
    # 10th, a make-up working day, not on Monday.
    assert add_hours(at(2026, 10, 9, 17), 4, calendar=plain) == at(2026, 10, 10, 12)


def test_spring_festival_make_up_saturday(plain: Calendar) -> None:
    assert plain.is_working(datetime.date(2026, 2, 14))  # Saturday, a make-up working day
    assert not plain.is_working(datetime.date(2026, 2, 17))  # Spring Festival
    assert not plain.is_working(datetime.date(2026, 2, 20))  # moved day off


def test_street_corrections_win() -> None:
    # A day the State Council announced after the library was released, and a local day off.
    calendar = Calendar({datetime.date(2026, 12, 5): True, datetime.date(2026, 12, 7): False})
    assert calendar.is_working(datetime.date(2026, 12, 5))  # a Saturday, declared working
    assert not calendar.is_working(datetime.date(2026, 12, 7))  # a Monday, declared off


def test_corrections_are_read_from_the_database(db: None) -> None:
    from linli.tickets.models import CalendarDay

    CalendarDay.objects.create(date=datetime.date(2026, 12, 7), working=False, note="台风停工")
    assert not Calendar.load(datetime.date(2026, 12, 1)).is_working(datetime.date(2026, 12, 7))


def test_round_the_clock_limits_ignore_the_calendar() -> None:
    assert add_hours(at(2026, 10, 1, 23), 4, working=False) == at(2026, 10, 2, 3)


def test_working_hours_between(plain: Calendar) -> None:
    assert working_hours_between(at(2026, 12, 4, 17), at(2026, 12, 7, 10), plain) == 2
    assert working_hours_between(at(2026, 12, 7, 10), at(2026, 12, 4, 17), plain) == 0
    assert working_hours_between(at(2026, 12, 1, 8), at(2026, 12, 1, 20), plain) == 8


@pytest.mark.parametrize("spec", ["9-12", "09:00-12:00,11:00-18:00", "18:00-09:00", "", "09:00"])
def test_bad_office_hours_fail_clearly(spec: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_hours(spec)
