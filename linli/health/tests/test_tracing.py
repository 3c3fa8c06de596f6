"""Contact tracing: hand-made cases at the boundaries, and a brute-force oracle."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.health.tracing import Contact, IntervalIndex, to_epoch, trace

SHANGHAI = ZoneInfo("Asia/Shanghai")
MIN = 60
T0 = to_epoch(datetime(2024, 3, 10, 9, 0, tzinfo=SHANGHAI))
DAY = 86400
# A window that holds every hand-made visit below unless a test says otherwise.
START, END = T0 - 2 * DAY, T0 + 3 * DAY


def at(minutes: int) -> int:
    return T0 + minutes * MIN


def visit(person: str, place: str, from_minute: int, to_minute: int) -> tuple[str, str, int, int]:
    return (person, place, at(from_minute), at(to_minute))


# --- close contacts -------------------------------------------------------------------


def test_exactly_fifteen_minutes_counts_and_one_second_less_does_not():
    intervals = [
        visit("case", "market", 0, 60),
        visit("alice", "market", 45, 90),  # 15:00 together
        ("bob", "market", at(45) + 1, at(90)),  # 14:59 together
    ]
    found = trace(intervals, "case", START, END, 15 * MIN, hops=1)
    assert found == {
        "alice": Contact("alice", 1, at(45), 15 * MIN, via="case", place="market"),
    }


def test_different_places_at_the_same_time_do_not_count():
    intervals = [visit("case", "market", 0, 60), visit("alice", "clinic", 0, 60)]
    assert trace(intervals, "case", START, END, 15 * MIN) == {}


def test_overlap_is_clipped_to_the_window():
    intervals = [visit("case", "market", 0, 60), visit("alice", "market", 0, 60)]
    # Only the last 10 minutes of the hour fall in the window.
    assert trace(intervals, "case", at(50), END, 15 * MIN) == {}
    assert trace(intervals, "case", START, at(10), 15 * MIN) == {}
    found = trace(intervals, "case", at(40), at(58), 15 * MIN)
    assert found["alice"].first_exposure == at(40)
    assert found["alice"].total_overlap == 18 * MIN


def test_overlap_is_cumulative_across_short_visits_and_places():
    intervals = [
        visit("case", "shop", 0, 10),
        visit("case", "lobby", 120, 130),
        visit("alice", "shop", 2, 10),  # 8 minutes
        visit("alice", "lobby", 123, 140),  # 7 minutes
        visit("bob", "shop", 2, 10),  # 8 minutes only
    ]
    found = trace(intervals, "case", START, END, 15 * MIN, hops=1)
    assert list(found) == ["alice"]
    assert found["alice"] == Contact("alice", 1, at(2), 15 * MIN, "case", "shop")


def test_duplicated_or_nested_records_count_each_second_once():
    intervals = [
        visit("case", "gate", 0, 10),
        visit("case", "gate", 0, 10),  # the same passage recorded twice
        visit("alice", "gate", 0, 10),
        visit("alice", "gate", 5, 10),
    ]
    found = trace(intervals, "case", START, END, 0)
    assert found["alice"].total_overlap == 10 * MIN


def test_place_is_where_the_longest_first_segment_happened():
    intervals = [
        visit("case", "gate", 0, 2),
        visit("case", "compound", 0, 60),
        visit("alice", "gate", 0, 2),
        visit("alice", "compound", 0, 30),
    ]
    assert trace(intervals, "case", START, END, 15 * MIN)["alice"].place == "compound"


def test_the_index_case_is_never_returned():
    intervals = [
        visit("case", "market", 0, 60),
        visit("case", "market", 10, 70),  # overlaps the case's own record
        visit("alice", "market", 0, 60),
    ]
    found = trace(intervals, "case", START, END, 15 * MIN, hops=3)
    assert list(found) == ["alice"]


def test_unknown_index_case_has_no_contacts():
    assert trace([visit("alice", "market", 0, 60)], "nobody", START, END) == {}


# --- secondary contacts ---------------------------------------------------------------


SECONDARY = [
    visit("case", "office", 0, 480),
    visit("alice", "office", 240, 480),  # exposed at +4 h
    visit("bob", "market", -600, -540),  # with alice before her exposure: does not count
    visit("alice", "market", -600, -540),
    visit("carol", "gym", 600, 660),  # with alice after her exposure: counts
    visit("alice", "gym", 600, 660),
    visit("dan", "cafe", 200, 300),  # 20 minutes of which 15 after alice's exposure
    visit("alice", "cafe", 200, 300),
    visit("erin", "cafe", 200, 254),  # 14 minutes after alice's exposure
]


def test_secondary_exposure_counts_only_after_the_parents_own_exposure():
    found = trace(SECONDARY, "case", START, END, 15 * MIN)
    assert found == {
        "alice": Contact("alice", 1, at(240), 240 * MIN, "case", "office"),
        "dan": Contact("dan", 2, at(240), 60 * MIN, "alice", "cafe"),
        "carol": Contact("carol", 2, at(600), 60 * MIN, "alice", "gym"),
    }
    assert list(found) == ["alice", "dan", "carol"]


def test_hops_limit_the_degrees():
    assert list(trace(SECONDARY, "case", START, END, 15 * MIN, hops=1)) == ["alice"]
    chain = [
        visit("case", "a", 0, 30),
        visit("p1", "a", 0, 30),
        visit("p1", "b", 40, 70),
        visit("p2", "b", 40, 70),
        visit("p2", "c", 80, 110),
        visit("p3", "c", 80, 110),
    ]
    assert {p: c.degree for p, c in trace(chain, "case", START, END, hops=3).items()} == {
        "p1": 1, "p2": 2, "p3": 3,
    }
    assert list(trace(chain, "case", START, END, hops=2)) == ["p1", "p2"]


def test_a_close_contact_is_not_also_a_secondary_one_and_via_is_the_earliest():
    intervals = [
        visit("case", "office", 0, 60),
        visit("alice", "office", 0, 60),
        visit("bob", "office", 30, 60),
        visit("alice", "gym", 100, 130),
        visit("bob", "gym", 100, 130),  # bob is degree 1 already
        visit("alice", "cafe", 100, 130),
        visit("carol", "cafe", 100, 130),  # via alice (exposed at +100) ...
        visit("bob", "shop", 120, 170),
        visit("carol", "shop", 120, 170),  # ... not bob (+120), though longer
    ]
    found = trace(intervals, "case", START, END, 15 * MIN)
    assert found["bob"].degree == 1
    assert found["carol"] == Contact("carol", 2, at(100), 30 * MIN, "alice", "cafe")


def test_the_window_end_bounds_secondary_exposure_too():
    found = trace(SECONDARY, "case", START, at(610), 15 * MIN)
    assert "carol" not in found


# --- input ----------------------------------------------------------------------------


def test_invalid_intervals_are_skipped_and_counted():
    intervals = [
        visit("case", "market", 0, 60),
        visit("alice", "market", 60, 0),  # out before in
        visit("bob", "market", 0, 20),
        visit("carol", "market", 30, 30),  # zero length: valid, never a contact
    ]
    index = IntervalIndex.from_intervals(intervals)
    assert index.skipped == 1
    assert len(index) == 2  # the zero-length record is valid but not stored
    assert index.intervals_of("alice") == []
    assert list(trace(index, "case", START, END, 15 * MIN, hops=1)) == ["bob"]
    assert list(trace(intervals, "case", START, END, 15 * MIN, hops=1)) == ["bob"]


def test_aware_datetimes_and_timedeltas_are_accepted():
    nine = datetime(2024, 3, 10, 9, 0, tzinfo=SHANGHAI)
    intervals = [
        ("case", "market", nine, nine + timedelta(hours=1)),
        ("alice", "market", nine.astimezone(ZoneInfo("UTC")), T0 + 15 * MIN),
    ]
    found = trace(intervals, "case", nine - timedelta(days=2), nine + timedelta(days=1),
                  timedelta(minutes=15))
    assert found["alice"].first_exposure == T0
    assert trace(intervals, "case", START, END, timedelta(minutes=15, microseconds=1)) == {}


def test_naive_datetimes_and_bad_arguments_are_refused():
    naive = datetime(2024, 3, 10, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="naive"):
        trace([("case", "market", naive, naive)], "case", START, END)
    with pytest.raises(ValueError, match="window"):
        trace([], "case", END, START)
    with pytest.raises(ValueError):
        trace([], "case", START, END, hops=0)
    with pytest.raises(ValueError):
        IntervalIndex.from_columns([1], [1, 2], [0], [1])


def test_long_intervals_do_not_hide_short_ones_and_are_found():
    # A three-day record and many short visits at the same place, both ways round.
    intervals = [visit("guard", "lobby", -3000, 3000)]
    intervals += [visit(f"v{i}", "lobby", 5 * i, 5 * i + 20) for i in range(-500, 500)]
    found = trace(intervals, "guard", START, END, 15 * MIN, hops=1)
    assert len(found) == 1000
    found = trace(intervals, "v0", START, END, 15 * MIN, hops=1)
    assert set(found) == {"guard", "v1", "v-1"}
    assert found["guard"].total_overlap == 20 * MIN


def test_from_columns_and_intervals_of():
    index = IntervalIndex.from_columns(
        persons=[7, 8, 7], places=["gate", "gate", "shop"], t_in=[10, 0, 50], t_out=[20, 30, 40],
    )
    assert index.skipped == 1
    assert index.intervals_of(7) == [("gate", 10, 20)]
    assert index.intervals_of(8) == [("gate", 0, 30)]
    assert IntervalIndex.from_columns([], [], [], []).intervals_of(7) == []


# --- brute-force oracle ---------------------------------------------------------------


def oracle(intervals, index_person, start, end, min_overlap, hops):
    """The definition, second by second: {person: (degree, first, total, {via: places})}."""
    valid = [iv for iv in intervals if iv[3] >= iv[2]]
    people = {iv[0] for iv in valid}

    def together(x, y, since):
        seconds: dict[int, set[str]] = {}
        for p, place, a, b in valid:
            for q, other, c, d in valid:
                if p == x and q == y and place == other:
                    for t in range(max(a, c, since), min(b, d, end)):
                        seconds.setdefault(t, set()).add(place)
        return seconds

    result = {}
    parents = {index_person: start} if index_person in people else {}
    for degree in range(1, hops + 1):
        found = {}
        for q in people - set(result) - {index_person}:
            options = []
            for p, since in parents.items():
                seconds = together(p, q, since)
                if seconds and len(seconds) >= min_overlap:
                    first = min(seconds)
                    options.append((first, len(seconds), p, seconds[first]))
            if options:
                first = min(o[0] for o in options)
                total = max(o[1] for o in options if o[0] == first)
                vias = {o[2]: o[3] for o in options if o[:2] == (first, total)}
                found[q] = (degree, first, total, vias)
        result.update(found)
        parents = {q: v[1] for q, v in found.items()}
    return result


@st.composite
def scenarios(draw):
    """Few people, places and time units, so that contacts of every degree and ties are common."""
    persons = st.integers(0, 7)
    intervals = draw(st.lists(
        st.tuples(persons, st.sampled_from("abc"), st.integers(0, 60), st.integers(-3, 30)).map(
            lambda t: (t[0], t[1], t[2], t[2] + t[3])),
        min_size=10, max_size=40,
    ))
    index_person = draw(st.sampled_from([iv[0] for iv in intervals] + [99]))
    start = draw(st.integers(-5, 30))
    end = start + draw(st.integers(0, 100))
    return intervals, index_person, start, end, draw(st.integers(0, 10)), draw(st.sampled_from([1, 2, 3, 3]))


# The oracle counts time units one by one; the traced data is the same scaled to seconds, so
# that intervals fall in every length class of the index (a unit of 10,000 s: up to 83 hours).
@settings(max_examples=400, deadline=None)
@given(scenarios(), st.sampled_from([1, 60, 1800, 10_000]))
def test_trace_matches_the_brute_force_oracle(scenario, unit):
    intervals, index_person, start, end, min_overlap, hops = scenario
    expected = oracle(intervals, index_person, start, end, min_overlap, hops)
    seconds = [(p, place, a * unit, b * unit) for p, place, a, b in intervals]
    found = trace(seconds, index_person, start * unit, end * unit, min_overlap * unit, hops)
    assert {p: (c.degree, c.first_exposure, c.total_overlap) for p, c in found.items()} == {
        p: (degree, first * unit, total * unit) for p, (degree, first, total, _) in expected.items()
    }
    for person, contact in found.items():
        vias = expected[person][3]
        assert contact.via in vias
        assert contact.place in vias[contact.via]
    keys = [(c.degree, c.first_exposure, -c.total_overlap) for c in found.values()]
    assert keys == sorted(keys)
    assert trace(IntervalIndex.from_intervals(seconds), index_person, start * unit, end * unit,
                 min_overlap * unit, hops) == found
