"""Today's disinfection route through 200 points: time to solve, length, and how far it is from
a lower bound (the 1-tree) and, where OR-Tools is installed, from its guided-local-search tour.

Prints one JSON line. Goal: the route through 200 points in at most 2 s.
    python benchmarks/disinfection_route.py [--points 200] [--seed 1] [--ortools-seconds 10]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from linli.sites import route  # noqa: E402


def street_points(n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Points in about 20 compounds of a 2 km × 2 km street, as the demo lays them out."""
    centres = [(121.50 + rng.uniform(0, 0.02), 31.20 + rng.uniform(0, 0.018)) for _ in range(20)]
    return [(x + rng.uniform(-0.0015, 0.0015), y + rng.uniform(-0.0012, 0.0012))
            for x, y in (rng.choice(centres) for _ in range(n))]


def ortools_length(d: list[list[float]], seconds: int) -> float | None:
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        return None
    scaled = [[int(round(v * 10)) for v in row] for row in d]  # decimetres
    manager = pywrapcp.RoutingIndexManager(len(d), 1, 0)
    model = pywrapcp.RoutingModel(manager)
    cost = model.RegisterTransitCallback(
        lambda i, j: scaled[manager.IndexToNode(i)][manager.IndexToNode(j)])
    model.SetArcCostEvaluatorOfAllVehicles(cost)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.seconds = seconds
    solution = model.SolveWithParameters(params)
    if solution is None:
        return None
    order, index = [], model.Start(0)
    while not model.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(model.NextVar(index))
    return route.tour_length(order, d)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ortools-seconds", type=int, default=10)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    points = street_points(args.points, rng)
    depot = (121.51, 31.209)
    started = time.perf_counter()
    order, metres = route.route(depot, points)
    seconds = time.perf_counter() - started
    d = route.distance_matrix([depot, *points])
    bound = route.one_tree_bound(d)
    other = ortools_length(d, args.ortools_seconds)
    print(json.dumps({
        "benchmark": "disinfection_route", "points": args.points, "seconds": round(seconds, 3),
        "goal_seconds": 2.0, "metres": round(metres, 1), "one_tree_bound_metres": round(bound, 1),
        "gap_to_bound": round(metres / bound - 1, 4),
        "ortools_gls_metres": round(other, 1) if other is not None else None,
        "gap_to_ortools": round(metres / other - 1, 4) if other else None,
        "ortools_seconds": args.ortools_seconds if other is not None else None,
    }))


if __name__ == "__main__":
    main()
