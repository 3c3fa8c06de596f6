"""Visits and tasks benchmark: a grid worker's today page, on the demo street.

    linli demo --residents 250000 --no-serve      # the street, with its visit plans and tasks
    python benchmarks/visits.py                   # uses LINLI_DATA_DIR / DATABASE_URL like linli

Requests go through Django's full stack in-process (middleware, scoping, templates), without
a network hop. Prints one JSON line: the today page (/visits/: overdue, due today, next days)
for the demo grid worker and for other grid workers of the street (and, for comparison, a page
with no data in the same shell), the home page's to-dos
(``linli.tasks.today.todos``), the street-wide task's progress as the street officer polls
it, and the time the demo took to make the plans, the history and the tasks when it had to.
Goal: the grid worker's today page p95 ≤ 150 ms.
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
GOAL_MS = 150


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def page(client: object, url: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(url)  # type: ignore[attr-defined]
        if response.status_code != 200:
            raise SystemExit(f"{url}: unexpected HTTP status {response.status_code}")
        return response
    return get


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(percentile(samples, 0.95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="today pages for the demo grid worker")
    parser.add_argument("--workers", type=int, default=20, help="other grid workers, 10 pages each")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from linli.conftest import pass_second_factor
    from linli.core.models import RoleAssignment, User
    from linli.people.models import Person
    from linli.tasks import today
    from linli.tasks.demo import COLD_WAVE, prepare_demo_work
    from linli.tasks.models import Task, Visit, VisitPlan

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    residents = Person.objects.count()
    if residents < 1000 or not User.objects.filter(username="demo-grid").exists():
        raise SystemExit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    result: dict[str, object] = {"benchmark": "visits", "residents": residents,
                                 "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]}
    if not Task.objects.filter(title=COLD_WAVE).exists():
        started = time.perf_counter()
        prepare_demo_work(seed=args.seed)
        result["demo_seconds"] = round(time.perf_counter() - started, 1)
    result.update(plans=VisitPlan.objects.filter(active=True).count(), visits=Visit.objects.count())

    worker = User.objects.get(username="demo-grid")
    client = Client()
    client.force_login(worker)
    pass_second_factor(client, worker)  # as after typing the code
    timed(page(client, "/visits/"), 5)  # warm caches, the session, templates
    mine = VisitPlan.objects.restrict(worker, "visits.view").filter(active=True)
    result["demo_grid"] = {"plans": mine.count(), **summary(timed(page(client, "/visits/"), args.requests))}
    # The same shell around a page with no data (the password form): what any page costs on this
    # machine now, to read the figures above against when the machine is busy.
    timed(page(client, "/password/"), 5)
    result["baseline_empty_page"] = summary(timed(page(client, "/password/"), args.requests))

    rng = random.Random(args.seed)
    others = list(RoleAssignment.objects.filter(role__code="grid_worker", grid__isnull=False)
                  .exclude(user=worker).values_list("user_id", flat=True))
    samples: list[float] = []
    for user_id in rng.sample(others, min(args.workers, len(others))):
        other = Client()
        other.force_login(User.objects.get(pk=user_id))
        pass_second_factor(other, User.objects.get(pk=user_id))  # as after typing the code
        timed(page(other, "/visits/"), 1)
        samples += timed(page(other, "/visits/"), 10)
    if samples:
        result["other_grid_workers"] = {"workers": min(args.workers, len(others)), **summary(samples)}

    fresh = []
    for _ in range(50):
        user = User.objects.get(pk=worker.pk)  # a new request's user: nothing cached
        fresh += timed(lambda user=user: today.todos(user), 1)
    result["todos"] = summary(fresh)

    officer = Client()
    officer.force_login(User.objects.get(username="demo-street"))
    pass_second_factor(officer, User.objects.get(username="demo-street"))  # as after typing the code
    task = Task.objects.filter(title=COLD_WAVE).first()
    if task is not None:
        result["street_task_progress"] = {"items": task.items.count(),
                                          **summary(timed(page(officer, f"/api/tasks/{task.pk}/progress"), 50))}
    result["goal_p95_ms"] = GOAL_MS
    worst = max(result["demo_grid"]["p95_ms"], *([result["other_grid_workers"]["p95_ms"]] if samples else []))  # type: ignore[index]
    result["met"] = worst <= GOAL_MS
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main()
