"""The escalation clock with a frozen clock (pure: no database)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from linli.alerts import clock
from linli.alerts.clock import EXHAUSTED, PAGED, STOPPED, WAITING, Pattern, Slot, Step

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
MIN = datetime.timedelta(minutes=1)
CHAIN = [Step("grid_on_duty", 2), Step("grid_leader", 3), Step("community_duty", 5), Step("family", 5, by_phone=True),
         Step("call_out", 5)]
EVERYONE = {"grid_on_duty": ["wang"], "grid_leader": ["li"], "community_duty": ["zhao"], "family": ["138"],
            "call_out": ["zhao"]}


def who_from(table: dict[str, list[str]]) -> clock.Who[str]:
    return lambda target, at: table.get(target, [])


def test_raising_pages_the_first_step_and_each_wait_escalates() -> None:
    who = who_from(EVERYONE)
    tick = clock.advance(CHAIN, step=0, next_at=None, acknowledged=False, now=T0, who=who)
    assert (tick.status, tick.step, tick.next_at) == (PAGED, 0, T0 + 2 * MIN)
    assert [(p.target, p.recipients, p.escalated) for p in tick.pages] == [("grid_on_duty", ("wang",), False)]
    # Before the wait is over nothing happens.
    early = clock.advance(CHAIN, step=0, next_at=tick.next_at, acknowledged=False, now=T0 + MIN, who=who)
    assert (early.status, early.pages, early.next_at) == (WAITING, (), T0 + 2 * MIN)
    expected = [(1, "li", 3), (2, "zhao", 5), (3, "138", 5), (4, "zhao", 5)]
    now, step, next_at = T0 + 2 * MIN, 0, tick.next_at
    for index, person, wait in expected:
        tick = clock.advance(CHAIN, step=step, next_at=next_at, acknowledged=False, now=now, who=who)
        assert (tick.status, tick.step) == (PAGED, index)
        (page,) = tick.pages
        assert (page.recipients, page.escalated, page.by_phone) == ((person,), True, CHAIN[index].by_phone)
        assert tick.next_at == now + wait * MIN
        step, next_at, now = tick.step, tick.next_at, tick.next_at


def test_exhausted_chain_keeps_paging_the_last_step() -> None:
    tick = clock.advance(CHAIN, step=4, next_at=T0, acknowledged=False, now=T0, who=who_from(EVERYONE))
    assert tick.status == EXHAUSTED and tick.step == 4
    (repeat,) = tick.pages
    assert (repeat.target, repeat.repeat) == ("call_out", True)
    assert tick.next_at == T0 + clock.REPAGE_MINUTES * MIN


def test_acknowledgement_stops_the_clock() -> None:
    tick = clock.advance(CHAIN, step=1, next_at=T0, acknowledged=True, now=T0 + 10 * MIN, who=who_from(EVERYONE))
    assert (tick.status, tick.pages, tick.next_at) == (STOPPED, (), None)


def test_empty_roster_slot_falls_through_to_the_next_step() -> None:
    table = {**EVERYONE, "grid_on_duty": [], "grid_leader": []}
    tick = clock.advance(CHAIN, step=0, next_at=None, acknowledged=False, now=T0, who=who_from(table))
    assert tick.step == 2 and tick.next_at == T0 + 5 * MIN
    assert [(p.index, p.recipients) for p in tick.pages] == [(0, ()), (1, ()), (2, ("zhao",))]
    assert [p.escalated for p in tick.pages] == [False, True, True]


def test_nobody_anywhere_is_exhausted_without_pages_reaching_anyone() -> None:
    tick = clock.advance(CHAIN, step=0, next_at=None, acknowledged=False, now=T0, who=who_from({}))
    assert tick.status == EXHAUSTED
    assert all(not p.recipients for p in tick.pages) and len(tick.pages) == len(CHAIN)
    assert clock.advance([], step=0, next_at=None, acknowledged=False, now=T0, who=who_from({})).status == EXHAUSTED


def test_night_rota_crosses_midnight() -> None:
    pattern = Pattern(day={d: "wang" for d in range(7)}, night={d: "chen" for d in range(7)})
    shifts = clock.weekly_shifts(pattern, datetime.date(2026, 3, 2), 1, SHANGHAI)
    assert len(shifts) == 14
    slots = [Slot(start, end, person) for _kind, start, end, person in shifts]
    at = datetime.datetime.combine
    assert clock.on_call(slots, at(datetime.date(2026, 3, 2), datetime.time(9), SHANGHAI)) == ["wang"]
    assert clock.on_call(slots, at(datetime.date(2026, 3, 2), datetime.time(23, 30), SHANGHAI)) == ["chen"]
    assert clock.on_call(slots, at(datetime.date(2026, 3, 3), datetime.time(2), SHANGHAI)) == ["chen"]
    # 08:00 belongs to the day shift, not to the night shift ending then.
    assert clock.on_call(slots, at(datetime.date(2026, 3, 3), datetime.time(8), SHANGHAI)) == ["wang"]
    night = [s for s in shifts if s[0] == clock.NIGHT][0]
    assert night[2] - night[1] == datetime.timedelta(hours=12) and night[2].date() != night[1].date()


def test_the_clock_pages_whoever_the_night_rota_names() -> None:
    pattern = Pattern(day={0: "wang"}, night={0: "chen"})
    slots = [Slot(s, e, p) for _k, s, e, p in clock.weekly_shifts(pattern, datetime.date(2026, 3, 2), 1, SHANGHAI)]

    def who(target: str, at: datetime.datetime) -> list[str]:
        return clock.on_call(slots, at) if target == "grid_on_duty" else ["li"]

    night = datetime.datetime(2026, 3, 3, 1, 0, tzinfo=SHANGHAI)
    tick = clock.advance(CHAIN, step=0, next_at=None, acknowledged=False, now=night, who=who)
    assert tick.pages[0].recipients == ("chen",)
    # Tuesday night has no slot: the leader is paged at once.
    later = night + datetime.timedelta(days=1)
    tick = clock.advance(CHAIN, step=0, next_at=None, acknowledged=False, now=later, who=who)
    assert [p.recipients for p in tick.pages] == [(), ("li",)]
