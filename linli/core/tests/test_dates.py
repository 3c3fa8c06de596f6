"""Ages in whole years, and the birth-date cut-off that selects the same people."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from linli.core.dates import age_on, years_before

D = datetime.date
days = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))


def test_a_year_older_on_the_birthday():
    assert age_on(D(1966, 11, 2), D(2026, 11, 1)) == 59
    assert age_on(D(1966, 11, 2), D(2026, 11, 2)) == 60
    assert age_on(None, D(2026, 11, 2)) is None


def test_born_on_29_february():
    assert age_on(D(2000, 2, 29), D(2025, 2, 28)) == 24
    assert age_on(D(2000, 2, 29), D(2025, 3, 1)) == 25
    assert years_before(D(2024, 2, 29), 1) == D(2023, 2, 28)


@given(birth=days, today=days, years=st.integers(min_value=0, max_value=120))
def test_the_cut_off_selects_exactly_those_of_that_age(birth, today, years):
    if birth > today or today.year - years < 1:
        return
    assert ((age_on(birth, today) or 0) >= years) == (birth <= years_before(today, years))
