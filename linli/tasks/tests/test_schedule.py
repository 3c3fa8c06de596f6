"""Dates of repeating tasks and visit plans, on examples worked out by hand."""

from __future__ import annotations

import datetime

from linli.tasks import schedule

D = datetime.date


def test_months_keep_their_day_or_end_at_the_month_end():
    assert schedule.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert schedule.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)  # a leap year
    assert schedule.add_months(D(2026, 11, 15), 2) == D(2027, 1, 15)
    assert schedule.shifted(D(2026, 3, 2), "weekly", 3) == D(2026, 3, 23)
    assert schedule.shifted(D(2026, 3, 2), "fortnightly", 1) == D(2026, 3, 16)


def test_the_next_occurrence_covers_today_and_skips_missed_periods():
    monday = D(2026, 3, 2)
    assert schedule.periods_to_today(monday, "weekly", D(2026, 3, 8)) == 0  # the same week
    assert schedule.periods_to_today(monday, "weekly", D(2026, 3, 9)) == 1  # the next Monday
    # the worker was stopped for three weeks: only the week that holds today is made
    assert schedule.periods_to_today(monday, "weekly", D(2026, 3, 25)) == 3
    assert schedule.periods_to_today(D(2026, 1, 31), "monthly", D(2026, 2, 28)) == 1


def test_a_visit_is_due_an_interval_after_the_last_that_counted_never_before_the_plan():
    start = D(2026, 3, 2)
    assert schedule.next_visit_due(start, 7, None) == start  # a new plan: due on its first day
    assert schedule.next_visit_due(start, 7, D(2026, 3, 3)) == D(2026, 3, 10)
    # someone visited three days before the plan began: due when the week since is up
    assert schedule.next_visit_due(start, 7, D(2026, 2, 27)) == D(2026, 3, 6)
    # a visit long before the plan does not make it overdue on its first day
    assert schedule.next_visit_due(start, 7, D(2025, 12, 1)) == start


def test_visits_asked_for_in_a_period():
    assert schedule.visits_due_in(30, 7) == 4
    assert schedule.visits_due_in(30, 14) == 2
    assert schedule.visits_due_in(30, 30) == 1
    assert schedule.visits_due_in(30, 90) == 1  # at least one when the period is shorter
    assert schedule.visits_due_in(30, 0) == 0
