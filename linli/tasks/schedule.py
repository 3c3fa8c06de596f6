"""Dates of pushed-down tasks that repeat and of household visits: plain functions, no Django.

A repeating task is a chain of occurrences, each covering ``[starts_on, due_on]``; the next
starts one period after the previous one started. A visit plan is due ``interval`` days after
the last visit that counted (a visit where the household was met, or said no), and never
before the plan itself began.
"""

from __future__ import annotations

import calendar
import datetime

WEEKLY, FORTNIGHTLY, MONTHLY = "weekly", "fortnightly", "monthly"
PERIOD_DAYS = {WEEKLY: 7, FORTNIGHTLY: 14, MONTHLY: 31}  # the longest a period lasts


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the month's last day when it has no such day (31 Jan → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def shifted(day: datetime.date, repeat: str, periods: int) -> datetime.date:
    """``day`` moved on by ``periods`` periods of ``repeat``."""
    if repeat == MONTHLY:
        return add_months(day, periods)
    return day + datetime.timedelta(days=PERIOD_DAYS[repeat] * periods)


def periods_to_today(starts_on: datetime.date, repeat: str, today: datetime.date) -> int:
    """How many periods on from ``starts_on`` the latest occurrence that has begun by ``today``
    lies (0: the current occurrence is still the latest). Periods missed while nothing ran
    (a stopped worker) are skipped: only the occurrence that covers today is worth making."""
    periods = 0
    while shifted(starts_on, repeat, periods + 1) <= today:
        periods += 1
    return periods


def next_visit_due(starts_on: datetime.date, interval_days: int, last_visit_on: datetime.date | None) -> datetime.date:
    """When a household on a visit plan is next due: ``interval_days`` after the last visit
    that counted, and not before the plan began (a new plan is due on its first day, unless
    someone visited within the interval just before)."""
    if last_visit_on is None:
        return starts_on
    return max(starts_on, last_visit_on + datetime.timedelta(days=interval_days))


def visits_due_in(days: int, interval_days: int) -> int:
    """Visits a plan asks for in ``days`` days (a weekly plan: 4 in 30 days)."""
    if interval_days <= 0:
        return 0
    return max(1, round(days / interval_days))
