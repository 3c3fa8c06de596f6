"""The fairness rule on cases worked out by hand (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.handout.fairness import (
    ORDINARY,
    PRIORITY,
    Rule,
    Taken,
    Waiting,
    admits,
    offer,
    run_window,
    waiting_order,
)

P, OR = PRIORITY, ORDINARY


def test_held_back_shares_wait_for_priority_households():
    # 5 shares, 2 held back: the first three ordinary households get one, the fourth waits
    # even though shares are left; a priority household arriving late still gets one.
    rule = Rule(shares=5, held_back=2)
    taken = Taken()
    for _ in range(3):
        assert admits(rule, taken, OR, window_open=True)
        taken = taken.plus(OR)
    assert not admits(rule, taken, OR, window_open=True)
    assert admits(rule, taken, P, window_open=True)
    # once the window closes, the held-back shares go to anyone
    assert admits(rule, taken, OR, window_open=False)


def test_priority_households_may_take_every_share():
    rule = Rule(shares=3, held_back=1)
    taken = Taken(total=3, ordinary=0)
    assert not admits(rule, taken, P, window_open=True)


def test_a_whole_window_by_hand():
    # shares 4, held back 2; arrivals: o1 o2 o3 p4 o5 p6 p7
    # o1, o2 given (ordinary limit 4-2 = 2); o3 waits; p4 given; o5 waits; p6 given (4 taken); p7 waits.
    # At closing no share is free: the waiting list is p7, o3, o5 (priority first).
    given, waiting = run_window(Rule(4, 2), [(1, OR), (2, OR), (3, OR), (4, P), (5, OR), (6, P), (7, P)])
    assert given == [1, 2, 4, 6]
    assert waiting == [7, 3, 5]


def test_unused_held_back_shares_go_to_the_waiting_list_at_closing():
    # shares 4, held back 2, only one priority household comes: o1 o2 given, o3 o4 wait, p5 given;
    # at closing one share is free and goes to o3 (the first ordinary household to wait).
    given, waiting = run_window(Rule(4, 2), [(1, OR), (2, OR), (3, OR), (4, OR), (5, P)])
    assert given == [1, 2, 5, 3]
    assert waiting == [4]


def test_released_shares_are_offered_priority_first_then_in_order():
    rule = Rule(shares=10, held_back=0)
    waiting = [Waiting(11, OR, 1), Waiting(12, P, 5), Waiting(13, OR, 2), Waiting(14, P, 3)]
    assert [w.key for w in waiting_order(waiting)] == [14, 12, 11, 13]
    given, after = offer(rule, Taken(total=7, ordinary=5), waiting, window_open=False)
    assert given == [14, 12, 11]
    assert after == Taken(total=10, ordinary=6)


def test_rule_refuses_impossible_numbers():
    with pytest.raises(ValueError):
        Rule(shares=3, held_back=4)


@settings(deadline=None)  # timing depends on the machine's load, not on the rule
@given(st.integers(0, 30), st.integers(0, 30), st.lists(st.sampled_from([P, OR]), max_size=80))
def test_never_more_than_the_shares_and_priority_keeps_its_held_back(shares, held, tiers):
    held = min(held, shares)
    given, waiting = run_window(Rule(shares, held), list(enumerate(tiers)))
    assert len(given) == min(shares, len(tiers))
    assert len(set(given)) == len(given) and not set(given) & set(waiting)
    priority = sum(1 for t in tiers if t == P)
    priority_given = sum(1 for key in given if tiers[key] == P)
    assert priority_given >= min(priority, held)  # the held-back shares were theirs to take
