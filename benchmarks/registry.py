"""Registry benchmark: resident search, the building view, and demo seeding, on a street.

Run on street-scale demo data (Huamu: about 250,000 residents):

    linli demo --residents 250000 --no-serve
    python benchmarks/registry.py            # uses LINLI_DATA_DIR / DATABASE_URL like linli

Requests go through Django's full stack in-process (middleware, scoping, audit writes,
template rendering), without a network hop. Prints one JSON line.
Goals: search p95 ≤ 50 ms, building view p95 ≤ 150 ms.

The street officer searches for people of her street and opens its buildings. In a district
of several streets (`linli demo --residents 1000000`: four streets of 250,000) the district
officer's searches over every street are measured too (``search_district_scope_*``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(call: Callable[[], int], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = call()
        out.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"unexpected HTTP status {status}")
    return out


def search_queries(rng: random.Random, count: int, path: str = "") -> list[tuple[str, str]]:
    """Realistic search-box inputs of every kind, taken from the people under ``path``."""
    from linli.people.models import Person

    pks = list(Person.objects.filter(path__startswith=path).values_list("pk", flat=True))
    chosen = rng.sample(pks, min(count, len(pks)))
    found = Person.objects.in_bulk(chosen)
    people = [found[pk] for pk in chosen]
    kinds = ["name", "surname+1", "initials", "id_last4", "phone", "id"]
    queries = []
    for i, person in enumerate(people):
        kind = kinds[i % len(kinds)]
        value = {
            "name": person.name,
            "surname+1": person.name[:2],
            "initials": person.name_initials[:3],
            "id_last4": person.id_number[-4:] if person.id_number else person.name,
            "phone": person.phone.removeprefix("+86") if person.phone else person.name,
            "id": person.id_number or person.name,
        }[kind]
        queries.append((kind, value))
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--buildings", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from linli.conftest import pass_second_factor
    from linli.core.models import RoleAssignment, User
    from linli.demo.models import DemoStreet
    from linli.people.models import Person
    from linli.places.models import Level, Place

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    street = DemoStreet.objects.order_by("-pk").first()
    residents = Person.objects.count()
    if street is None or residents < 1000:
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    rng = random.Random(args.seed)
    result: dict[str, object] = {"benchmark": "registry", "residents": residents,
                                 "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}

    officer = Client()
    officer.force_login(User.objects.get(username="demo-street"))
    pass_second_factor(officer, User.objects.get(username="demo-street"))  # as after typing the code
    grid = Client()
    grid.force_login(User.objects.get(username="demo-grid"))
    pass_second_factor(grid, User.objects.get(username="demo-grid"))  # as after typing the code
    for client in (officer, grid):  # warm caches, sessions, templates
        client.get("/people/", {"q": "王"})
    own = Place.objects.get(pk=RoleAssignment.objects.get(user__username="demo-street").place_id)
    result["street_residents"] = Person.objects.filter(path__startswith=own.path).count()

    queries = search_queries(rng, args.searches, own.path)
    by_kind: dict[str, list[float]] = {}
    samples: list[float] = []
    for kind, value in queries:
        ms = timed(lambda value=value: officer.get("/people/", {"q": value}).status_code, 1)[0]
        samples.append(ms)
        by_kind.setdefault(kind, []).append(ms)
    result["search_street_scope_p50_ms"] = round(statistics.median(samples), 1)
    result["search_street_scope_p95_ms"] = round(percentile(samples, 0.95), 1)
    result["search_p95_by_kind_ms"] = {k: round(percentile(v, 0.95), 1) for k, v in by_kind.items()}
    grid_samples = [timed(lambda v=v: grid.get("/people/", {"q": v}).status_code, 1)[0] for _, v in queries[:100]]
    result["search_grid_scope_p50_ms"] = round(statistics.median(grid_samples), 1)
    result["search_grid_scope_p95_ms"] = round(percentile(grid_samples, 0.95), 1)
    result["search_goal_p95_ms"] = 50

    api_samples = [timed(lambda v=v: officer.get("/api/people/persons", {"q": v}).status_code, 1)[0]
                   for _, v in queries[:150]]
    result["api_search_p50_ms"] = round(statistics.median(api_samples), 1)
    result["api_search_p95_ms"] = round(percentile(api_samples, 0.95), 1)

    district = User.objects.filter(username="demo-district").first()
    if district is not None:  # a district of several streets: the district officer searches them all
        wide = Client()
        wide.force_login(district)
        pass_second_factor(wide, district)
        wide.get("/people/", {"q": "王"})
        wide_samples = [timed(lambda v=v: wide.get("/people/", {"q": v}).status_code, 1)[0]
                        for _, v in search_queries(rng, args.searches // 2)]
        result["search_district_scope_p50_ms"] = round(statistics.median(wide_samples), 1)
        result["search_district_scope_p95_ms"] = round(percentile(wide_samples, 0.95), 1)

    buildings = list(Place.objects.filter(level=Level.BUILDING, path__startswith=own.path)
                     .values_list("pk", flat=True))
    chosen = [rng.choice(buildings) for _ in range(args.buildings)]
    views = [timed(lambda pk=pk: officer.get(f"/places/{pk}/").status_code, 1)[0] for pk in chosen]
    result["building_view_p50_ms"] = round(statistics.median(views), 1)
    result["building_view_p95_ms"] = round(percentile(views, 0.95), 1)
    result["building_view_goal_p95_ms"] = 150
    layouts = [timed(lambda pk=pk: officer.get(f"/api/places/buildings/{pk}/layout").status_code, 1)[0]
               for pk in chosen]
    result["api_building_layout_p95_ms"] = round(percentile(layouts, 0.95), 1)

    stats = street.stats or {}
    if stats.get("seconds"):
        result["seed_residents_per_s"] = round(stats["residents"] / stats["seconds"])
        result["seed_seconds"] = stats["seconds"]
    result["search_goal_met"] = max(result["search_street_scope_p95_ms"],  # type: ignore[type-var]
                                    result["search_grid_scope_p95_ms"],
                                    result.get("search_district_scope_p95_ms", 0)) <= 50
    result["building_goal_met"] = result["building_view_p95_ms"] <= 150  # type: ignore[operator]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
