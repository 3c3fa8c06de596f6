"""The route solver against the optimum on small instances (Held-Karp) and its invariants."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linli.sites import route

GAP = 0.05  # the bound asserted on every small instance (decision 0034); measured: max 1.5 %, mean < 0.1 %


def _points(rng: random.Random, n: int, spread: float = 0.01) -> list[tuple[float, float]]:
    return [(121.5 + rng.uniform(0, spread), 31.2 + rng.uniform(0, spread)) for _ in range(n)]


def test_held_karp_agrees_with_brute_force() -> None:
    rng = random.Random(7)
    for n in range(3, 8):
        d = route.distance_matrix(_points(rng, n))
        brute = min(route.tour_length([0, *perm], d) for perm in itertools.permutations(range(1, n)))
        assert route.optimal_length(d) == pytest.approx(brute)


def test_gap_to_the_optimum_on_small_instances() -> None:
    rng = random.Random(2026)
    gaps = []
    for n in range(4, 11):
        for _ in range(25):
            d = route.distance_matrix(_points(rng, n))
            order = route.solve(d)
            gaps.append(route.tour_length(order, d) / route.optimal_length(d) - 1)
    assert max(gaps) <= GAP, f"worst gap {max(gaps):.2%}"
    assert sum(gaps) / len(gaps) <= 0.01  # on average within 1 %
    assert min(gaps) >= -1e-9  # never shorter than the optimum: the lengths are honest


def test_clustered_points_are_within_the_gap_too() -> None:
    """Points in a few compounds (clusters), as on the street, not spread evenly."""
    rng = random.Random(3)
    for _ in range(30):
        centres = _points(rng, 3, spread=0.02)
        pts = [(x + rng.gauss(0, 0.0004), y + rng.gauss(0, 0.0004)) for x, y in rng.choices(centres, k=10)]
        d = route.distance_matrix(pts)
        assert route.tour_length(route.solve(d), d) <= (1 + GAP) * route.optimal_length(d) + 1e-6


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(121.4, 121.6), st.floats(31.1, 31.3)), min_size=0, max_size=40))
def test_a_tour_visits_every_stop_once_from_the_depot(stops: list[tuple[float, float]]) -> None:
    depot = (121.5, 31.2)
    order, length = route.route(depot, stops)
    assert sorted(order) == list(range(len(stops)))
    d = route.distance_matrix([depot, *stops])
    assert length == pytest.approx(route.tour_length([0, *(i + 1 for i in order)], d))
    assert length >= route.one_tree_bound(d) - 1e-6 if len(stops) >= 2 else True
    # never longer than visiting them in the given order
    assert length <= route.tour_length(list(range(len(stops) + 1)), d) + 1e-6


def test_planar_distances_are_metres() -> None:
    # 0.001° of latitude is about 111 m; of longitude at 31.2° N about 95 m
    d = route.distance_matrix([(121.5, 31.2), (121.5, 31.201), (121.501, 31.2)])
    assert d[0][1] == pytest.approx(111.32, rel=1e-3)
    assert d[0][2] == pytest.approx(111.32 * math.cos(math.radians(31.2)), rel=1e-3)


def test_one_tree_is_a_lower_bound() -> None:
    rng = random.Random(5)
    for n in range(4, 10):
        d = route.distance_matrix(_points(rng, n))
        assert route.one_tree_bound(d) <= route.optimal_length(d) + 1e-6
