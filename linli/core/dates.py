"""Ages as people count them: whole years, a year older on the birthday.

One definition for every count and list (a building's elders, a report's "60 or over", the
age bands sent upward), so that the same person is never 59 in one and 60 in another.
Plain functions, no Django.
"""

from __future__ import annotations

import datetime


def age_on(birth: datetime.date | None, today: datetime.date) -> int | None:
    """Whole years of age on ``today``; None when the birth date is unknown."""
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def years_before(today: datetime.date, years: int) -> datetime.date:
    """The date ``years`` years before ``today``: whoever was born on it or earlier is at least
    ``years`` old. From 29 February, the 28th (the birthday in a year without the 29th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


# Dates a person types into Linli (a move-in, an arrival, a test, a risk area's period) lie in
# these bounds: nothing Linli records happened before 1900 (a birth date before 1880: see the ID
# number rules), and nothing is planned more than two years ahead. A year 1 or 9999, or a 0
# read as 1970-01-01, is a typing or program error, not a date.
EARLIEST = datetime.date(1900, 1, 1)
EARLIEST_BIRTH = datetime.date(1880, 1, 1)
DAYS_AHEAD = 731


def latest(today: datetime.date) -> datetime.date:
    """The last date accepted as typed on ``today``."""
    return today + datetime.timedelta(days=DAYS_AHEAD)


def within_bounds(day: datetime.date, today: datetime.date, earliest: datetime.date = EARLIEST) -> bool:
    return earliest <= day <= latest(today)
