"""Quarantine dates: where an order starts, its standard end, extension, never shorter."""

from __future__ import annotations

import datetime

import pytest

from linli.health.quarantine import (
    QuarantineDateError,
    auto_extended_end,
    extend,
    may_complete,
    standard_end,
    start_of,
)

D = datetime.date


@pytest.mark.parametrize(("exposure", "positives", "reported", "expected", "basis"), [
    (D(2026, 11, 3), [D(2026, 11, 1)], D(2026, 11, 5), D(2026, 11, 3), "exposure"),
    (None, [D(2026, 11, 4), D(2026, 11, 2)], D(2026, 11, 5), D(2026, 11, 2), "positive_test"),
    (None, [], D(2026, 11, 5), D(2026, 11, 5), "report"),
])
def test_the_start_falls_back_from_exposure_to_test_to_report(exposure, positives, reported, expected, basis):
    start = start_of(last_exposure=exposure, positive_tests=positives, reported_on=reported)
    assert (start.date, start.basis) == (expected, basis)


@pytest.mark.parametrize(("colour", "end"), [("red", D(2026, 11, 15)), ("yellow", D(2026, 11, 8))])
def test_the_standard_end_depends_on_the_colour(colour, end):
    assert standard_end(D(2026, 11, 1), colour) == end


def test_green_has_no_quarantine():
    with pytest.raises(QuarantineDateError) as info:
        standard_end(D(2026, 11, 1), "green")
    assert info.value.code == "colour" and info.value.chinese


def test_an_extension_moves_the_end_later():
    assert extend(D(2026, 11, 1), "red", D(2026, 11, 15), D(2026, 11, 20)) == D(2026, 11, 20)
    assert extend(D(2026, 11, 1), "red", D(2026, 11, 15), D(2026, 11, 15)) == D(2026, 11, 15)


@pytest.mark.parametrize(("current", "asked", "code"), [
    (D(2026, 11, 15), D(2026, 11, 14), "shorter_than_standard"),
    (D(2026, 11, 20), D(2026, 11, 18), "shorter"),
])
def test_the_end_is_never_shortened(current, asked, code):
    with pytest.raises(QuarantineDateError) as info:
        extend(D(2026, 11, 1), "red", current, asked)
    assert info.value.code == code and info.value.english and info.value.chinese


def test_a_missing_final_follow_up_extends_the_order_day_by_day():
    end = D(2026, 11, 15)
    assert auto_extended_end(end, {D(2026, 11, 15)}, D(2026, 11, 18)) == end  # seen on the last day
    assert auto_extended_end(end, set(), D(2026, 11, 15)) == end  # the last day is not over yet
    assert auto_extended_end(end, set(), D(2026, 11, 18)) == D(2026, 11, 18)  # unseen: runs on to today
    assert auto_extended_end(end, {D(2026, 11, 17)}, D(2026, 11, 20)) == D(2026, 11, 17)  # seen two days late


def test_an_order_completes_only_after_its_last_day_was_followed_up():
    end = D(2026, 11, 15)
    assert may_complete(end, {end}, D(2026, 11, 16))
    assert not may_complete(end, {end}, D(2026, 11, 15))
    assert not may_complete(end, set(), D(2026, 11, 16))
