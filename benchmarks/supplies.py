"""Emergency materials benchmark: the dispatch plan between communities.

    python benchmarks/supplies.py                         # the street in LINLI_DATA_DIR, read only
    LINLI_DATA_DIR=~/street-250k python benchmarks/supplies.py --communities 200 --items 30

Prints one JSON line:
- ``street``: a plan for the street's own communities × the standard catalogue, with the needs
  read from its registry (residents, households with vulnerable members, active quarantine
  orders) and stock drawn at random around them (seeded), distances between the communities'
  compounds' centres: seconds, lines, weighted shortfall before and after;
- ``synthetic``: the issue's goal, 200 communities × 30 items (goal ≤ 2 s, optimality gap
  reported): seconds, arcs, and the gap against an independent linear-programming solution of
  the same weighted-shortfall problem (SciPy's HiGHS), with that solver's own time beside it.

The database is opened read-only (``mode=ro``); nothing is written.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from linli.supplies.catalogue import CATALOGUE  # noqa: E402
from linli.supplies.dispatch import QUARANTINE, RESERVE, VULNERABLE, WEIGHTS, Item, Need, Site, plan  # noqa: E402


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> int:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return int(2 * 6_371_000 * math.asin(math.sqrt(h)))


def street_instance(db: Path, seed: int) -> tuple[list[Site], list[Item], dict, list[Need], dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    communities = con.execute("SELECT path, name FROM places_place WHERE level = 'community' ORDER BY path").fetchall()
    width = len(communities[0][0])
    centres = {path: (lat, lon) for path, lat, lon in con.execute(
        "SELECT substr(path, 1, ?), avg(latitude), avg(longitude) FROM places_place WHERE level = 'compound' "
        "AND latitude IS NOT NULL GROUP BY 1", (width,))}
    residents = dict(con.execute("SELECT substr(path, 1, ?), count(*) FROM people_person WHERE is_active "
                                 "GROUP BY 1", (width,)).fetchall())
    vulnerable = dict(con.execute("SELECT substr(path, 1, ?), count(DISTINCT current_house_id) FROM people_person "
                                  "WHERE is_active AND special_groups_index != '' GROUP BY 1", (width,)).fetchall())
    quarantined = dict(con.execute("SELECT substr(path, 1, ?), count(*) FROM health_quarantineorder "
                                   "WHERE status = 'active' GROUP BY 1", (width,)).fetchall())
    rng = random.Random(seed)
    sites = [Site(path, name, quarantined.get(path, 0), vulnerable.get(path, 0)) for path, name in communities]
    items = [Item(code, name, unit) for code, name, _c, _g, unit, _s in CATALOGUE]
    stock, needs = {}, []
    for site in sites:
        people = residents.get(site.key, 0)
        for item in items:
            per = 2 if item.key.startswith("mask") else 0.05
            needs.append(Need(site.key, item.key, RESERVE, int(people * per)))
            needs.append(Need(site.key, item.key, VULNERABLE, int(site.vulnerable_households * per * 10)))
            needs.append(Need(site.key, item.key, QUARANTINE, int(site.quarantined_households * per * 30)))
            stock[(site.key, item.key)] = int(people * per * rng.choice([0, 0.3, 0.8, 1.2, 2.5]))
    fallback = (31.2, 121.5)
    metres = {(a.key, b.key): _haversine(centres.get(a.key, fallback), centres.get(b.key, fallback)) for a in sites
              for b in sites}
    return sites, items, stock, needs, metres


def synthetic_instance(n: int, m: int, seed: int) -> tuple[list[Site], list[Item], dict, list[Need], dict]:
    rng = random.Random(seed)
    sites = [Site(f"c{i}", f"社区{i}", rng.randint(0, 300), rng.randint(0, 500)) for i in range(n)]
    where = {s.key: (rng.uniform(0, 8000), rng.uniform(0, 8000)) for s in sites}
    items = [Item(f"i{j}", f"物资{j}", "件") for j in range(m)]
    stock, needs = {}, []
    for site in sites:
        for item in items:
            base = rng.randint(100, 5000)
            stock[(site.key, item.key)] = int(base * rng.choice([0, 0.2, 0.7, 1.0, 1.5, 3.0]))
            needs.append(Need(site.key, item.key, RESERVE, base))
            needs.append(Need(site.key, item.key, VULNERABLE, site.vulnerable_households * rng.randint(0, 4)))
            needs.append(Need(site.key, item.key, QUARANTINE, site.quarantined_households * rng.randint(0, 6)))
    metres = {(a, b): int(math.dist(where[a], where[b])) for a in where for b in where}
    return sites, items, stock, needs, metres


def lp_check(sites: list[Site], items: list[Item], stock: dict, needs: list[Need]) -> tuple[int, float]:
    """The least weighted shortfall by linear programming (SciPy's HiGHS), item by item: per
    item, variables x[s, t] (source s serving tier t) with sum_t x <= stock, sum_s x <= need."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    started, total = time.perf_counter(), 0.0
    for item in items:
        sources = [s.key for s in sites if stock.get((s.key, item.key), 0) > 0]
        tiers = [need for need in needs if need.item == item.key and need.quantity > 0]
        if not sources or not tiers:
            total += sum(t.quantity * WEIGHTS[t.tier] for t in tiers)
            continue
        ns, nt = len(sources), len(tiers)
        cost = -np.tile([WEIGHTS[t.tier] for t in tiers], ns).astype(float)
        rows = np.concatenate([np.repeat(np.arange(ns), nt), ns + np.tile(np.arange(nt), ns)])
        cols = np.concatenate([np.arange(ns * nt), np.arange(ns * nt)])
        a_ub = coo_matrix((np.ones(2 * ns * nt), (rows, cols)), shape=(ns + nt, ns * nt)).tocsr()
        b_ub = np.concatenate([[stock[(s, item.key)] for s in sources], [t.quantity for t in tiers]])
        result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        served = -result.fun
        total += sum(t.quantity * WEIGHTS[t.tier] for t in tiers) - served
    return round(total), time.perf_counter() - started


def run(sites: list[Site], items: list[Item], stock: dict, needs: list[Need], metres: dict, check: bool) -> dict:
    result = plan(sites, items, stock, needs, lambda a, b: metres[(a, b)])
    out = {"communities": len(sites), "items": len(items), "seconds": round(result.seconds, 3), "arcs": result.arcs,
           "lines": len(result.lines), "moved": result.moved,
           "weighted_shortfall_before": sum(result.before.values()),
           "weighted_shortfall_after": result.weighted_shortfall}
    if check:
        lp, lp_seconds = lp_check(sites, items, stock, needs)
        out["lp_weighted_shortfall"] = lp
        out["optimality_gap"] = (result.weighted_shortfall - lp) / max(lp, 1)
        out["lp_seconds"] = round(lp_seconds, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=200)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    report: dict = {"benchmark": "supplies", "goal_seconds": 2.0}
    data_dir = os.environ.get("LINLI_DATA_DIR", "")
    db = Path(data_dir) / "linli.sqlite3" if data_dir else None
    if db is not None and db.exists():
        report["street"] = run(*street_instance(db, args.seed), check=True)
    report["synthetic"] = run(*synthetic_instance(args.communities, args.items, args.seed), check=True)
    report["load"] = os.getloadavg()[0]
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
