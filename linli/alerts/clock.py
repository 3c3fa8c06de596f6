"""The escalation clock: who is paged for an alert, and when the next step is due.

Pure standard-library Python (no Django). The Django layer keeps on each open alert the step
reached and when the next one is due (``Alert.step``, ``Alert.next_step_at``), and calls
:func:`advance` when an alert is raised and whenever ``next_step_at`` has passed.

A chain is a list of :class:`Step` (target, minutes to acknowledge, whether to call or text
as well). Step 0 is paged when the alert is raised; while nobody acknowledges, each step's
wait later the next step is paged. A step whose target resolves to nobody at that time (an
empty roster slot, a household without family phones) falls through to the next step at once,
and the timeline says so. When the chain is exhausted the last step that reached someone keeps
being paged every ``REPAGE_MINUTES`` and the alert is overdue. An acknowledgement stops it.

Who a target is at a time comes from a roster lookup passed in (``who(target, at)``), so the
night rota (shifts crossing midnight) is the roster's business: :func:`on_call` answers for
materialised shifts and :func:`weekly_shifts` materialises a weekly pattern.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")

REPAGE_MINUTES = 5

WAITING, PAGED, STOPPED, EXHAUSTED = "waiting", "paged", "stopped", "exhausted"


@dataclass(frozen=True)
class Step:
    target: str
    wait_minutes: int
    by_phone: bool = False


@dataclass(frozen=True)
class Page(Generic[R]):
    """One step tried: who it reached (nobody: it fell through)."""

    index: int
    target: str
    recipients: tuple[R, ...]
    by_phone: bool
    escalated: bool  # a later step than the one paged before
    repeat: bool = False  # the chain was exhausted: the last step paged again


@dataclass(frozen=True)
class Tick(Generic[R]):
    status: str  # WAITING, PAGED, STOPPED or EXHAUSTED
    step: int  # the step reached (index into the chain)
    next_at: datetime.datetime | None  # when to look again (None: never, it is acknowledged)
    pages: tuple[Page[R], ...] = field(default_factory=tuple)


Who = Callable[[str, datetime.datetime], Sequence[R]]


def _minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=max(n, 1))


def _page_from(steps: Sequence[Step], start: int, now: datetime.datetime, who: Who[R],
               escalated: bool) -> tuple[list[Page[R]], int | None]:
    """Try steps from ``start`` on until one reaches somebody; returns the pages tried and the
    index of the step that reached somebody (None: nobody in the rest of the chain)."""
    pages: list[Page[R]] = []
    for index in range(start, len(steps)):
        step = steps[index]
        recipients = tuple(who(step.target, now))
        pages.append(Page(index, step.target, recipients, step.by_phone, escalated or index > start))
        if recipients:
            return pages, index
    return pages, None


def advance(steps: Sequence[Step], *, step: int, next_at: datetime.datetime | None,
            acknowledged: bool, now: datetime.datetime, who: Who[R]) -> Tick[R]:
    """What is due for one alert now.

    ``next_at`` None means the alert has not been paged yet (it was just raised): step 0 is
    paged. Otherwise nothing happens before ``next_at``; at or after it the next step is paged
    (the chain exhausted: the last step reached is paged again)."""
    if acknowledged:
        return Tick(STOPPED, step, None)
    if not steps:
        return Tick(EXHAUSTED, 0, now + _minutes(REPAGE_MINUTES))
    if next_at is not None and now < next_at:
        return Tick(WAITING, step, next_at)
    start = 0 if next_at is None else step + 1
    pages, reached = _page_from(steps, start, now, who, escalated=next_at is not None)
    if reached is not None:
        return Tick(PAGED, reached, now + _minutes(steps[reached].wait_minutes), tuple(pages))
    # Exhausted: page the last step that reaches somebody again, from the end of the chain back.
    for index in range(len(steps) - 1, -1, -1):
        recipients = tuple(who(steps[index].target, now))
        if recipients:
            repeat = Page(index, steps[index].target, recipients, steps[index].by_phone, False, repeat=True)
            return Tick(EXHAUSTED, index, now + _minutes(REPAGE_MINUTES), (*pages, repeat))
    return Tick(EXHAUSTED, len(steps) - 1, now + _minutes(REPAGE_MINUTES), tuple(pages))


# --- rosters ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Slot(Generic[R]):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    who: R


def on_call(slots: Sequence[Slot[R]], at: datetime.datetime) -> list[R]:
    """Who holds a shift at ``at`` (start included, end excluded: at 08:00 the day shift has
    it, not the night shift that ends then)."""
    return [slot.who for slot in slots if slot.starts_at <= at < slot.ends_at]


DAY, NIGHT = "day", "night"


@dataclass(frozen=True)
class Pattern:
    """A weekly pattern: who is on call on each weekday (0 = Monday), for the day shift and the
    night shift that starts that evening."""

    day: dict[int, str]
    night: dict[int, str]
    day_starts: datetime.time = datetime.time(8)
    night_starts: datetime.time = datetime.time(20)


def weekly_shifts(pattern: Pattern, first_day: datetime.date, weeks: int,
                  tz: datetime.tzinfo) -> list[tuple[str, datetime.datetime, datetime.datetime, str]]:
    """The shifts of ``weeks`` weeks from ``first_day``: (kind, starts, ends, who). A night
    shift starts in the evening and ends at the next morning's day start (it crosses midnight)."""
    shifts = []
    for offset in range(weeks * 7):
        day = first_day + datetime.timedelta(days=offset)
        tomorrow = day + datetime.timedelta(days=1)
        weekday = day.weekday()
        day_start = datetime.datetime.combine(day, pattern.day_starts, tz)
        night_start = datetime.datetime.combine(day, pattern.night_starts, tz)
        night_end = datetime.datetime.combine(tomorrow, pattern.day_starts, tz)
        if weekday in pattern.day:
            shifts.append((DAY, day_start, night_start, pattern.day[weekday]))
        if weekday in pattern.night:
            shifts.append((NIGHT, night_start, night_end, pattern.night[weekday]))
    return shifts
