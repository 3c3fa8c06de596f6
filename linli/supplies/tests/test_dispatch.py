"""The dispatch optimiser on small cases checked by hand (no database)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.supplies.dispatch import QUARANTINE, RESERVE, VULNERABLE, WEIGHTS, Item, Need, Site, plan

KN95 = Item("kn95", "KN95", "只")
SITES = [Site("peihua", "培花"), Site("mudan", "牡丹", quarantined_households=214), Site("meiyuan", "梅园"),
         Site("street", "街道仓库")]
METRES = {("peihua", "mudan"): 800, ("peihua", "meiyuan"): 1500, ("mudan", "meiyuan"): 700,
          ("street", "peihua"): 2000, ("street", "mudan"): 2500, ("street", "meiyuan"): 300}


def metres(a: str, b: str) -> int:
    return 0 if a == b else METRES.get((a, b)) or METRES[(b, a)]


def test_quarantined_households_are_served_before_the_standing_reserve():
    result = plan(SITES, [KN95], {("peihua", "kn95"): 3000},
                  [Need("peihua", "kn95", RESERVE, 1000), Need("mudan", "kn95", QUARANTINE, 2000),
                   Need("meiyuan", "kn95", RESERVE, 500)], metres)
    assert [(line.source, line.destination, line.quantity) for line in result.lines] == [("peihua", "mudan", 2000)]
    # the last 1,000 serve either reserve (same weight): keeping them at home moves nothing
    assert result.shortfall[("meiyuan", "kn95", RESERVE)] == 500
    assert result.weighted_shortfall == 500 * WEIGHTS[RESERVE]
    assert result.unit_metres == 2000 * 800
    line = result.lines[0]
    assert line.explanation_zh == "培花 → 牡丹：2,000 只KN95，牡丹有 214 户居家隔离，需要 2,000 只，库存 0"
    assert "214 quarantined households" in line.explanation_en


def test_the_nearest_source_is_chosen_when_shortfall_ties():
    # both the street warehouse and 培花 could serve 梅园: the warehouse is 300 m away, 培花 1.5 km
    result = plan(SITES, [KN95], {("peihua", "kn95"): 600, ("street", "kn95"): 600},
                  [Need("meiyuan", "kn95", VULNERABLE, 500)], metres)
    assert [(line.source, line.quantity) for line in result.lines] == [("street", 500)]
    assert result.weighted_shortfall == 0


def test_vulnerable_weighs_more_than_the_distance():
    # 培花 can cover one of the two: the vulnerable need 1.5 km away wins over the reserve next door
    result = plan(SITES, [KN95], {("peihua", "kn95"): 100},
                  [Need("mudan", "kn95", RESERVE, 100), Need("meiyuan", "kn95", VULNERABLE, 100)], metres)
    assert [(line.destination, line.quantity) for line in result.lines] == [("meiyuan", 100)]


def test_nothing_moves_when_every_community_has_enough():
    result = plan(SITES, [KN95], {("peihua", "kn95"): 100, ("mudan", "kn95"): 100},
                  [Need("peihua", "kn95", RESERVE, 100), Need("mudan", "kn95", QUARANTINE, 50)], metres)
    assert result.lines == [] and result.weighted_shortfall == 0


def test_an_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="tier"):
        plan(SITES, [KN95], {}, [Need("mudan", "kn95", "friends", 1)], metres)


def _brute_force(stock: dict[str, int], needs: list[Need]) -> int:
    """The least weighted shortfall by trying every split of each source's units (tiny cases only)."""
    sources = sorted(stock)
    best = None
    for split in itertools.product(*[itertools.product(range(stock[s] + 1), repeat=len(needs)) for s in sources]):
        if any(sum(row) > stock[s] for row, s in zip(split, sources, strict=True)):
            continue
        got = [sum(row[i] for row in split) for i in range(len(needs))]
        if any(g > n.quantity for g, n in zip(got, needs, strict=True)):
            continue
        value = sum((n.quantity - g) * WEIGHTS[n.tier] for g, n in zip(got, needs, strict=True))
        best = value if best is None else min(best, value)
    return best or 0


@settings(max_examples=30, deadline=None)
@given(a=st.integers(0, 3), b=st.integers(0, 3),
       wants=st.lists(st.tuples(st.sampled_from(["mudan", "meiyuan"]), st.sampled_from([VULNERABLE, RESERVE]),
                                st.integers(1, 3)), min_size=1, max_size=2, unique_by=lambda w: (w[0], w[1])))
def test_the_weighted_shortfall_is_the_least_possible(a, b, wants):
    stock = {"peihua": a, "street": b}
    needs = [Need(site, "kn95", tier, n) for site, tier, n in wants]
    result = plan(SITES, [KN95], {(k, "kn95"): v for k, v in stock.items()}, needs, metres)
    assert result.weighted_shortfall == _brute_force(stock, needs)
    # what moved never exceeds what a source had
    for source, have in stock.items():
        assert sum(line.quantity for line in result.lines if line.source == source) <= have
