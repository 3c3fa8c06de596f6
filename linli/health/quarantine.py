"""Quarantine dates, as plain functions (no Django): where an order starts, where it ends,
and how the end may move.

The anchors are SORMAS and Go.Data: the quarantine starts at the last exposure to a case;
without a known exposure, at the earliest positive test; without either, on the day the
person was reported. It lasts the standard period for the colour (14 days for red, 7 for
yellow). Staff may extend it, never shorten it below the standard; and when the final day's
follow-up is missing it is extended by a day at a time until someone has seen the person.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

STANDARD_DAYS = {"red": 14, "yellow": 7}


class QuarantineDateError(ValueError):
    """A requested end date that would shorten the quarantine, or dates out of order."""

    def __init__(self, code: str, english: str, chinese: str) -> None:
        super().__init__(f"{english} / {chinese}")
        self.code, self.english, self.chinese = code, english, chinese


@dataclass(frozen=True)
class Start:
    date: datetime.date
    basis: str  # "exposure", "positive_test" or "report"


def start_of(*, last_exposure: datetime.date | None, positive_tests: Iterable[datetime.date],
             reported_on: datetime.date) -> Start:
    if last_exposure is not None:
        return Start(last_exposure, "exposure")
    positives = sorted(positive_tests)
    if positives:
        return Start(positives[0], "positive_test")
    return Start(reported_on, "report")


def standard_days(colour: str) -> int:
    try:
        return STANDARD_DAYS[colour]
    except KeyError:
        raise QuarantineDateError("colour", f"no quarantine for colour {colour!r}",
                                  f"“{colour}”码无需隔离") from None


def standard_end(start: datetime.date, colour: str) -> datetime.date:
    return start + datetime.timedelta(days=standard_days(colour))


def extend(start: datetime.date, colour: str, current_end: datetime.date, new_end: datetime.date) -> datetime.date:
    """The end after staff ask for ``new_end``: later than now is fine; earlier than the
    standard end is refused; between the standard and the current end is also refused
    (an extension, once ordered, is not taken back here: cancel the order instead)."""
    if new_end < standard_end(start, colour):
        raise QuarantineDateError(
            "shorter_than_standard",
            f"the quarantine cannot end before {standard_end(start, colour)} ({standard_days(colour)} days)",
            f"隔离期不得短于标准的 {standard_days(colour)} 天（{standard_end(start, colour)} 之前不能结束）")
    if new_end < current_end:
        raise QuarantineDateError("shorter", f"the end can only move later than {current_end}",
                                  f"结束日期只能延后，不能早于 {current_end}")
    return new_end


def auto_extended_end(end: datetime.date, followed_up: set[datetime.date], today: datetime.date) -> datetime.date:
    """While the last day's follow-up is missing and that day is over, the order runs on a
    day at a time, up to today: nobody is released unseen."""
    while end < today and end not in followed_up:
        end += datetime.timedelta(days=1)
    return end


def may_complete(end: datetime.date, followed_up: set[datetime.date], today: datetime.date) -> bool:
    """An order completes once its end date has passed and the end day was followed up."""
    return end < today and end in followed_up
