"""A round trip through the day's disinfection points: nearest neighbour, then 2-opt and Or-opt.

Pure Python, no Django. Points are (longitude, latitude); distances are planar metres on an
equirectangular projection around the points' mean latitude, exact enough within a street.
The tour starts and ends at the depot (index 0 of ``points``).

How good it is (decision 0034): on random instances of up to 10 points the tour is compared
with the optimum from Held-Karp (``optimal_length``); the tests assert a gap of at most 5 %
on every instance and report the mean, and the benchmark measures 200 points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

METRES_PER_DEGREE = 111_320.0
Point = tuple[float, float]


def planar(points: Sequence[Point]) -> list[tuple[float, float]]:
    """Metres east and north of the first point (equirectangular at the mean latitude)."""
    if not points:
        return []
    k = math.cos(math.radians(sum(lat for _, lat in points) / len(points)))
    lon0, lat0 = points[0]
    return [((lon - lon0) * METRES_PER_DEGREE * k, (lat - lat0) * METRES_PER_DEGREE) for lon, lat in points]


def distance_matrix(points: Sequence[Point]) -> list[list[float]]:
    xy = planar(points)
    return [[math.hypot(ax - bx, ay - by) for bx, by in xy] for ax, ay in xy]


def tour_length(order: Sequence[int], d: Sequence[Sequence[float]]) -> float:
    """Length of the closed tour ``order`` (which starts at the depot)."""
    if len(order) < 2:
        return 0.0
    return sum(d[order[i]][order[i + 1]] for i in range(len(order) - 1)) + d[order[-1]][order[0]]


def nearest_neighbour(d: Sequence[Sequence[float]]) -> list[int]:
    n = len(d)
    order, left = [0], set(range(1, n))
    while left:
        here = d[order[-1]]
        nxt = min(left, key=lambda j: (here[j], j))
        order.append(nxt)
        left.remove(nxt)
    return order


NEIGHBOURS = 12  # candidate edges per point for the local moves


def neighbours(d: Sequence[Sequence[float]], k: int = NEIGHBOURS) -> list[list[int]]:
    """Each index's ``k`` nearest others, nearest first."""
    n = len(d)
    return [sorted((j for j in range(n) if j != i), key=lambda j: d[i][j])[:k] for i in range(n)]


def _reverse(order: list[int], pos: list[int], s: int, t: int) -> None:
    """Reverse the cyclic run of positions s..t (forward from s); where it wraps, reverse the
    rest of the cycle instead, which gives the same tour."""
    if s > t:
        s, t = t + 1, s - 1
        if s > t:
            return
    order[s:t + 1] = order[s:t + 1][::-1]
    for p in range(s, t + 1):
        pos[order[p]] = p


def two_opt(order: list[int], d: Sequence[Sequence[float]], near: Sequence[Sequence[int]]) -> bool:
    """2-opt on the cycle with neighbour lists, both directions; True if the tour changed.
    A move that shortens the tour has a new edge shorter than an old one next to it, so
    looking only at ``d[a][c] < d[a][b]`` misses none when the lists are complete."""
    n = len(order)
    pos = [0] * n
    for p, c in enumerate(order):
        pos[c] = p
    changed, improved = False, True
    while improved:
        improved = False
        for a in range(n):
            for forward in (True, False):
                i = pos[a]
                b = order[(i + 1) % n] if forward else order[i - 1]
                dab = d[a][b]
                for c in near[a]:
                    if d[a][c] >= dab:
                        break
                    j = pos[c]
                    e = order[(j + 1) % n] if forward else order[j - 1]
                    if c == b or e == a:
                        continue
                    if d[a][c] + d[b][e] < dab + d[c][e] - 1e-9:
                        if forward:
                            _reverse(order, pos, (i + 1) % n, j)
                        else:
                            _reverse(order, pos, i, (j - 1) % n)
                        improved = changed = True
                        break
    return changed


def or_opt(order: list[int], d: Sequence[Sequence[float]], near: Sequence[Sequence[int]]) -> bool:
    """Move runs of 1 to 3 stops, either way round, next to one of their neighbours; True if
    the tour changed."""
    n = len(order)
    if n < 5:
        return False
    changed, improved = False, True
    while improved:
        improved = False
        for size in (1, 2, 3):
            for i in range(n):
                run = [order[(i + k) % n] for k in range(size)]
                before, after = order[i - 1], order[(i + size) % n]
                gain = d[before][run[0]] + d[run[-1]][after] - d[before][after]
                inside = set(run)
                rest = [order[(i + size + k) % n] for k in range(n - size)]  # starts at ``after``
                where = {c: k for k, c in enumerate(rest)}
                best, at, flip = 1e-9, -1, False
                for c in {*near[run[0]], *near[run[-1]]}:
                    if c in inside:
                        continue
                    k = where[c]
                    for p in (k - 1, k):  # the edge before c and the edge after it
                        x, y = rest[p % len(rest)], rest[(p + 1) % len(rest)]
                        if x == before and y == after:
                            continue
                        for reverse in (False, True):
                            first, last = (run[-1], run[0]) if reverse else (run[0], run[-1])
                            saved = gain - (d[x][first] + d[last][y] - d[x][y])
                            if saved > best:
                                best, at, flip = saved, p % len(rest), reverse
                if at >= 0:
                    order[:] = rest[:at + 1] + (run[::-1] if flip else run) + rest[at + 1:]
                    improved = changed = True
    return changed


def _from_depot(order: list[int]) -> list[int]:
    k = order.index(0)
    return order[k:] + order[:k]


def solve(d: Sequence[Sequence[float]]) -> list[int]:
    """A short closed tour through every index of the matrix, starting at 0 (the depot)."""
    if len(d) <= 3:
        return list(range(len(d)))
    near = neighbours(d)
    order = nearest_neighbour(d)
    two_opt(order, d, near)
    while or_opt(order, d, near) and two_opt(order, d, near):
        pass
    return _from_depot(order)


def route(depot: Point, stops: Sequence[Point]) -> tuple[list[int], float]:
    """The stops' indexes in visiting order (the depot left out) and the round trip's metres."""
    d = distance_matrix([depot, *stops])
    order = solve(d)
    return [i - 1 for i in order[1:]], tour_length(order, d)


def optimal_length(d: Sequence[Sequence[float]]) -> float:
    """Held-Karp: the shortest closed tour from 0 through every index (exponential; n ≤ 12)."""
    n = len(d)
    if n <= 2:
        return tour_length(list(range(n)), d)
    full = 1 << (n - 1)
    inf = math.inf
    # best[mask][j]: shortest path from 0 through the set ``mask`` of 1..n-1, ending at j + 1
    best = [[inf] * (n - 1) for _ in range(full)]
    for j in range(n - 1):
        best[1 << j][j] = d[0][j + 1]
    for mask in range(1, full):
        row = best[mask]
        for j in range(n - 1):
            here = row[j]
            if here == inf or not mask & (1 << j):
                continue
            for k in range(n - 1):
                if mask & (1 << k):
                    continue
                nxt = mask | (1 << k)
                cand = here + d[j + 1][k + 1]
                if cand < best[nxt][k]:
                    best[nxt][k] = cand
    return min(best[full - 1][j] + d[j + 1][0] for j in range(n - 1))


def one_tree_bound(d: Sequence[Sequence[float]]) -> float:
    """A lower bound on any closed tour: a minimum spanning tree of 1..n-1 plus the two
    shortest edges from 0 (the 1-tree bound, without Held-Karp's multipliers)."""
    n = len(d)
    if n < 3:
        return tour_length(list(range(n)), d)
    inside = [False] * n
    key = [math.inf] * n
    key[1] = 0.0
    total = 0.0
    for _ in range(n - 1):
        u = min((i for i in range(1, n) if not inside[i]), key=lambda i: key[i])
        inside[u] = True
        total += key[u]
        for v in range(1, n):
            if not inside[v] and d[u][v] < key[v]:
                key[v] = d[u][v]
    first, second = sorted(d[0][1:])[:2]
    return total + first + second
