"""The working day's benchmark: residents' requests on a street with a year of them.

Run on street-scale demo data (Huamu: about 250,000 residents):

    linli demo --residents 250000 --no-serve
    python benchmarks/work.py                # uses LINLI_DATA_DIR / DATABASE_URL like linli

The first run adds a year of requests (``--year-requests``, about 500,000) in bulk, with the
routing and limits the actions use, unless the street already holds that many. Then:

- creation: requests filed through the full stack (``POST /api/requests`` with a bearer
  token: authentication, validation, routing, limits, history, audit), as residents of random
  houses, to a real server (``linli serve --processes N``, one per core) from 8 connections at
  once; goal ≥ 200/s. Then the same in this process, one at a time, for the CPU per filing;
- sweep: the time-limit sweep over all open requests (warnings, escalations, closing); goal ≤ 5 s;
- rates: the three-rates table of the street's year by community (and the whole street);
  goal ≤ 2 s;
- today: a grid worker's "to handle" page (``/requests/?view=mine``); goal p95 ≤ 150 ms.

Prints one JSON line. The sweep runs against a copy-free database: it changes what is overdue,
as the worker's five-minute sweep would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year-requests", type=int, default=500_000)
    parser.add_argument("--create", type=int, default=1000, help="requests to file through a real server")
    parser.add_argument("--create-inprocess", type=int, default=200,
                        help="requests to file in this process, for the CPU per filing")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads of each server process")
    parser.add_argument("--concurrency", type=int, default=8, help="connections filing at once")
    parser.add_argument("--pages", type=int, default=60, help="grid worker page loads")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from linli.conftest import pass_second_factor
    from linli.core.api_auth import create_token
    from linli.core.models import Role, RoleAssignment, User
    from linli.people.models import Person
    from linli.places.models import Place
    from linli.tickets import actions, rates
    from linli.tickets.demo import build_history
    from linli.tickets.models import OPEN_STATUSES, Ticket

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import served

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(args.seed)  # noqa: S311 - benchmark sampling
    residents = Person.objects.count()
    if residents == 0:
        sys.exit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    result: dict[str, object] = {"benchmark": "work", "database": connection.vendor, "residents": residents}

    have = Ticket.objects.count()
    if have < args.year_requests * 0.9:
        started = time.perf_counter()
        added = build_history(days=365, per_day=(args.year_requests - have) / 365, seed=args.seed,
                              show_progress=sys.stderr.isatty())
        result["history_added"] = added
        result["history_seconds"] = round(time.perf_counter() - started, 1)
    result["requests"] = Ticket.objects.count()
    result["open"] = Ticket.objects.filter(status__in=OPEN_STATUSES).count()

    # Creation through the full stack, as residents of random houses (each her own account).
    houses = list(Person.objects.filter(current_house__isnull=False).values_list("pk", "current_house_id")[:200_000])
    chosen = rng.sample(houses, min(args.create + args.create_inprocess + 2 * args.processes + 1, len(houses)))
    role = Role.objects.get(code="resident")
    users = []
    for person_id, house_id in chosen:
        user, _ = User.objects.get_or_create(username=f"bench-resident-{person_id}", defaults={"person_id": person_id})
        house = Place.objects.only("path").get(pk=house_id)
        RoleAssignment.objects.get_or_create(user=user, role=role, place_id=house_id, defaults={"path": house.path})
        users.append((f"Bearer {create_token(user, 'bench')}", house_id))
    codes = ["repair-water", "repair-public", "environment", "noise", "elderly", "parking", "utilities"]

    def body(house_id: int) -> bytes:
        return json.dumps({"category": rng.choice(codes), "place_id": house_id,
                           "description": "楼道里有积水，请尽快处理"}).encode()

    # 1. A real server: `linli serve --processes N` (one per core), residents filing from
    # several connections at once over HTTP, the clients on the same machine.
    connection.close()  # the servers write to the same database
    with served.server(processes=args.processes, threads=args.threads) as srv:
        warm = [("POST", "/api/requests", body(h), {"Authorization": t, "Content-Type": "application/json"})
                for t, h in (users.pop() for _ in range(2 * args.processes))]
        served.drive(srv, warm, concurrency=args.processes)  # each server imports its modules once
        calls = [("POST", "/api/requests", body(h), {"Authorization": t, "Content-Type": "application/json"})
                 for t, h in (users.pop() for _ in range(min(args.create, len(users) - args.create_inprocess - 1)))]
        run = served.drive(srv, calls, concurrency=args.concurrency, ok=lambda status: status == 201)
    if run.failures:
        sys.exit(f"filing failed: {run.failures[:3]}")
    result["create_per_s"] = round(len(calls) / run.seconds, 1)
    result["create_server"] = {"processes": args.processes, "threads": args.threads, "connections": args.concurrency, "filed": len(calls),
                               "p50_ms": round(statistics.median(run.latencies_ms), 1),
                               "p95_ms": round(percentile(run.latencies_ms, 0.95), 1),
                               "server_cpu_ms": round(1000 * run.server_cpu_s / len(calls), 2),
                               "client_cpu_ms": round(1000 * run.client_cpu_s / len(calls), 2)}
    result["create_goal_per_s"] = 200

    # 2. In this process (Django's test client, one at a time): the server's CPU per filing on
    # one core, which holds still when other work shares the machine and wall-clock figures do not.
    client = Client()

    def file(token: str, house_id: int) -> None:
        response = client.post("/api/requests", body(house_id), content_type="application/json",
                               HTTP_AUTHORIZATION=token)
        if response.status_code != 201:
            sys.exit(f"filing failed: {response.status_code} {response.content[:300]!r}")

    file(*users.pop())  # the first filing imports the URL modules and API schemas
    started, cpu_started = time.perf_counter(), time.process_time()
    for token, house_id in users:
        file(token, house_id)
    result["create_inprocess_per_s"] = round(len(users) / (time.perf_counter() - started), 1)
    result["create_cpu_ms"] = round(1000 * (time.process_time() - cpu_started) / len(users), 2)

    started = time.perf_counter()
    swept = actions.sweep()
    result["sweep_s"] = round(time.perf_counter() - started, 2)
    result["sweep"] = {"warned": swept.warned, "escalated": swept.escalated, "closed": swept.closed}
    result["sweep_goal_s"] = 5

    year_start = timezone.now() - timezone.timedelta(days=365)
    started, cpu_started = time.perf_counter(), time.process_time()
    table, total = rates.area_rates(Ticket.objects.all(), year_start, timezone.now())
    whole = [total] if total else []
    result["rates_s"] = round(time.perf_counter() - started, 2)
    result["rates_cpu_s"] = round(time.process_time() - cpu_started, 2)
    result["rates_rows"] = len(table)
    result["rates_street"] = {"filed": whole[0].filed, "response": whole[0].response,
                              "resolution": whole[0].resolution, "satisfaction": whole[0].satisfaction} if whole else {}
    result["rates_goal_s"] = 2

    worker = User.objects.get(username="demo-grid")
    page_client = Client()
    page_client.force_login(worker)
    pass_second_factor(page_client, worker)  # as after typing the code
    samples = []
    for _ in range(args.pages):
        started = time.perf_counter()
        response = page_client.get("/requests/?view=mine")
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"page failed: {response.status_code}")
    result["today_p50_ms"] = round(statistics.median(samples), 1)
    result["today_p95_ms"] = round(percentile(samples, 0.95), 1)
    result["today_goal_p95_ms"] = 150
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
