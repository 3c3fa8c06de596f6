"""One-screen overview benchmark: the data of the street officer's screen, on the demo street.

    linli demo --residents 250000 --no-serve      # the street (its epidemic, requests and visits)
    python benchmarks/overview.py                 # uses LINLI_DATA_DIR / DATABASE_URL like linli

Requests go through Django's full stack in-process (middleware, scoping, JSON), without a
network hop. Prints one JSON line: for each scenario, the time to build the street's screen
data (``/overview/<street>/data.json``: every registered counter and layer) as the page polls it
(p50, max) and the first poll after the slow numbers' one-minute cache expired (``cold_ms``),
and the counters' and layers' count; the base map's GeoJSON (every community, compound and building of the
street: ``map.geojson``) with its size and time; and each provider's own time, so a slow one is
named. Goals (issue 14, 250,000 residents): screen data ≤ 300 ms per scenario, GeoJSON ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
DATA_GOAL_MS, MAP_GOAL_MS = 300, 200


def timed(call: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    out, last = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        last = call()
        out.append((time.perf_counter() - started) * 1000)
    return out, last


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1), "max_ms": round(ordered[-1], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="requests per scenario")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from linli.conftest import pass_second_factor
    from linli.core.models import User
    from linli.overview import registry, screen
    from linli.people.models import Person
    from linli.places.models import Level, Place

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    officer = User.objects.filter(username="demo-street").first()
    if officer is None or Person.objects.count() < 1000:
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    assert street is not None  # noqa: S101 - a demo street has one
    client = Client()
    client.force_login(officer)
    pass_second_factor(client, officer)

    def get(url: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            return response
        return call

    result: dict[str, object] = {
        "benchmark": "overview", "database": connection.vendor, "residents": Person.objects.count(),
        "compounds": Place.objects.filter(level=Level.COMPOUND).count(),
        "buildings": Place.objects.filter(level=Level.BUILDING).count(),
    }
    get(f"/overview/{street.pk}/data.json")()  # warm: the first request loads templates and caches
    scenarios = {}
    for scenario in registry.SCENARIOS:
        cache.clear()  # the first poll of the minute counts the slow numbers afresh
        cold, _response = timed(get(f"/overview/{street.pk}/data.json?s={scenario}"), 1)
        samples, response = timed(get(f"/overview/{street.pk}/data.json?s={scenario}"), args.repeat)
        data = json.loads(response.content)  # type: ignore[attr-defined]
        scenarios[scenario] = {**summary(samples), "cold_ms": round(cold[0], 1), "counters": len(data["counters"]), "layers": len(data["layers"]),
                               "bytes": len(response.content)}  # type: ignore[attr-defined]
    result["screen_data"] = scenarios
    result["screen_data_goal_met"] = all(s["p50_ms"] <= DATA_GOAL_MS for s in scenarios.values())

    samples, response = timed(get(f"/overview/{street.pk}/map.geojson"), args.repeat)
    features = json.loads(response.content)["features"]  # type: ignore[attr-defined]
    result["geojson"] = {**summary(samples), "bytes": len(response.content),  # type: ignore[attr-defined]
                         "features": len(features)}
    result["geojson_goal_met"] = result["geojson"]["p50_ms"] <= MAP_GOAL_MS  # type: ignore[index]

    # Each provider alone (the street officer, the street), so a slow one is named.
    officer = User.objects.get(pk=officer.pk)
    officer.is_verified = lambda: True  # type: ignore[attr-defined] - as after the second factor
    today = timezone.localdate()
    counters, layers = registry.registered()

    def alone(provider: Callable[..., object]) -> Callable[[], object]:
        def call() -> object:
            officer.__dict__.pop("_linli_overview_groups", None)  # nothing shared with another provider
            return provider(officer, street, today)
        return call

    providers = {}
    for name, counter in counters.items():
        providers[f"counter {name}"] = round(statistics.median(timed(alone(counter.provider), 3)[0]), 1)
    for name, layer in layers.items():
        providers[f"layer {name}"] = round(statistics.median(timed(alone(layer.provider), 3)[0]), 1)
    result["providers_ms"] = providers
    result["base_map_ms"] = round(statistics.median(timed(lambda: screen.base_map(officer, street), 3)[0]), 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
