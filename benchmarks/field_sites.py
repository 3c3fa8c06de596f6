"""The flood and disinfection scenarios' providers on a street: server time for each counter
and layer the field sites register, for the whole street and for its first community.

Run on a copy of a street (it adds the demo's points and shelters when there are none):
    LINLI_DATA_DIR=~/street-250k linli demo --residents 250000 --no-serve   # once
    cp -r ~/street-250k /tmp/copy && LINLI_DATA_DIR=/tmp/copy python -m linli.cli migrate
    LINLI_DATA_DIR=/tmp/copy python benchmarks/field_sites.py
Prints one JSON line (milliseconds, best of three, uncached: the screen caches the slow ones a minute). Goal: each scenario's providers together
within the overview's 300 ms for the street.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from linli.core.models import User  # noqa: E402
from linli.overview import registry  # noqa: E402
from linli.places.models import Level, Place  # noqa: E402
from linli.sites.demo import prepare_demo_sites  # noqa: E402
from linli.sites.models import DisinfectionPoint  # noqa: E402


def timed(entries: list[object], user: User, place: Place) -> dict[str, float]:
    """Milliseconds per provider, best of three; each run starts without the request's memo,
    as one screen refresh does (the counter and the layer of one scenario share it)."""
    best: dict[str, float] = {}
    for _ in range(3):
        user.__dict__.pop("_linli_flood_households", None)
        for entry in entries:
            started = time.perf_counter()
            entry.provider(user, place, timezone.localdate())  # type: ignore[attr-defined]
            took = (time.perf_counter() - started) * 1000
            name = entry.name  # type: ignore[attr-defined]
            best[name] = round(min(best.get(name, took), took), 1)
    return best


def main() -> None:
    made = prepare_demo_sites(seed=1)
    officer = User.objects.get(username="demo-street")
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("path").first()
    result: dict[str, object] = {"benchmark": "field_sites", "points": DisinfectionPoint.objects.count(),
                                 "added": made}
    counters, layers = registry.registered()
    for scenario in (registry.FLOOD, registry.DISINFECTION):
        for name, place in (("street", street), ("community", community)):
            times = timed([e for e in [*counters.values(), *layers.values()]
                           if e.name.startswith("sites.") and scenario in e.scenarios], officer, place)
            result[f"{scenario}_{name}_ms"] = times
            result[f"{scenario}_{name}_total_ms"] = round(sum(times.values()), 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
