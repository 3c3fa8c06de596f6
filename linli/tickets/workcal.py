"""Working time: China's public holidays and make-up working days (调休), the street's own
corrections, and the office hours, so that "4 working hours" means what it means to the office.

The national calendar comes from the ``holidays`` package (decision 0013); the State Council
announces each year's calendar in November and libraries follow within weeks, so the street can
correct any day in the meantime (``CalendarDay``). Office hours are ``LINLI_WORKING_HOURS``
(default ``09:00-12:00,13:00-18:00``: eight hours a day).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

DEFAULT_HOURS = "09:00-12:00,13:00-18:00"


@dataclass(frozen=True)
class Period:
    start: datetime.time
    end: datetime.time

    @property
    def hours(self) -> float:
        return _seconds(self.end) / 3600 - _seconds(self.start) / 3600


def _seconds(t: datetime.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@lru_cache(maxsize=8)
def parse_hours(spec: str) -> tuple[Period, ...]:
    periods: list[Period] = []
    for part in spec.split(","):
        try:
            start_text, end_text = part.strip().split("-")
            start = datetime.time.fromisoformat(start_text.strip())
            end = datetime.time.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"LINLI_WORKING_HOURS must look like 09:00-12:00,13:00-18:00, got {spec!r}") from exc
        if end <= start or (periods and start < periods[-1].end):
            raise ImproperlyConfigured(f"LINLI_WORKING_HOURS periods must be in order and not overlap: {spec!r}")
        periods.append(Period(start, end))
    return tuple(periods)


def office_hours() -> tuple[Period, ...]:
    return parse_hours(getattr(settings, "LINLI_WORKING_HOURS", DEFAULT_HOURS))


@lru_cache(maxsize=16)
def _national(year: int) -> tuple[frozenset[datetime.date], frozenset[datetime.date]]:
    """(days off, make-up working days) of the national calendar for a year."""
    calendar = holidays.China(years=year)
    off = frozenset(calendar.keys())
    makeup = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    return off, makeup


class Calendar:
    """Which days are working days, over a span of dates: the national calendar with the
    street's corrections read once (a request's limits are computed with one query)."""

    def __init__(self, corrections: dict[datetime.date, bool] | None = None) -> None:
        self.corrections = corrections or {}

    @classmethod
    def load(cls, start: datetime.date, days: int = 400) -> Calendar:
        from linli.tickets.models import CalendarDay

        rows = CalendarDay.objects.filter(date__gte=start, date__lte=start + datetime.timedelta(days=days))
        return cls(dict(rows.values_list("date", "working")))

    def is_working(self, day: datetime.date) -> bool:
        if day in self.corrections:
            return self.corrections[day]
        off, makeup = _national(day.year)
        if day in makeup:
            return True
        if day in off:
            return False
        return day.weekday() < 5


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else timezone.make_aware(moment)


def add_hours(start: datetime.datetime, hours: float, *, working: bool = True,
              calendar: Calendar | None = None) -> datetime.datetime:
    """The moment ``hours`` of working time (or plain time) after ``start``. A request that
    arrives at 17:30 with a 4-hour limit is due at 12:00 the next working day; one that arrives
    on a holiday starts counting at the next working day's opening."""
    if not working:
        return start + datetime.timedelta(hours=hours)
    calendar = calendar or Calendar.load(_local(start).date())
    periods = office_hours()
    remaining = datetime.timedelta(hours=hours)
    moment = _local(start)
    tz = moment.tzinfo
    day = moment.date()
    for _ in range(3660):  # ten years of days: a limit longer than that is a configuration error
        if calendar.is_working(day):
            for period in periods:
                opens = datetime.datetime.combine(day, period.start, tzinfo=tz)
                closes = datetime.datetime.combine(day, period.end, tzinfo=tz)
                begin = max(opens, moment)
                if begin >= closes:
                    continue
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += datetime.timedelta(days=1)
        moment = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    raise ImproperlyConfigured("a time limit ran past ten years of working days")


def working_hours_between(start: datetime.datetime, end: datetime.datetime,
                          calendar: Calendar | None = None) -> float:
    """Working hours from ``start`` to ``end`` (0 when ``end`` is not later): a request's age
    as the office counts it."""
    if end <= start:
        return 0.0
    a, b = _local(start), _local(end)
    calendar = calendar or Calendar.load(a.date(), days=(b.date() - a.date()).days + 1)
    tz = a.tzinfo
    total = datetime.timedelta()
    day = a.date()
    while day <= b.date():
        if calendar.is_working(day):
            for period in office_hours():
                opens = max(datetime.datetime.combine(day, period.start, tzinfo=tz), a)
                closes = min(datetime.datetime.combine(day, period.end, tzinfo=tz), b)
                if closes > opens:
                    total += closes - opens
        day += datetime.timedelta(days=1)
    return total.total_seconds() / 3600
