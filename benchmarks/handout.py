"""The fair hand-out's benchmark: a burst of reservations through the API on PostgreSQL.

    DATABASE_URL=postgres://… linli demo --residents 20000 --no-serve
    DATABASE_URL=postgres://… python benchmarks/handout.py   # uses LINLI_DATA_DIR / DATABASE_URL like linli

A new round of masks is opened in the street's first community for half as many households as
will ask (a fifth of the shares held back for priority households). Then residents of
``--households`` houses, each with her own account and bearer token, reserve at once through the
full stack (``POST /api/handout/rounds/{id}/reservations``: authentication, scope, the household's
group, the round's row lock, the unique constraint, audit) against a real server (``linli serve
--processes N``) from ``--concurrency`` connections; one request in ``--repeat-every`` is the same
household asking again at the same moment (a double tap), which must be refused. Goal: ≥ 500
reservations/s with zero double allocations.

Then the same burst without HTTP (``action``): ``actions.do_reserve`` from as many threads, to
tell the round's lock and the database apart from the web stack's CPU.

Prints one JSON line: reservations/s (201 answers over the burst's wall time), p50/p95 latency,
the refusals, and what the database holds afterwards: households with more than one reservation
(``double_allocations``, must be 0), shares given beyond the round's (``over_shares``, must be 0)
and whether the round's counter equals the shares held. The round and its rows stay (the demo
database is the benchmark's).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's linli
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=2000, help="households reserving in the burst")
    parser.add_argument("--repeat-every", type=int, default=10, help="one request in N is a household's second")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="server processes")
    parser.add_argument("--threads", type=int, default=8, help="threads of each server process")
    parser.add_argument("--concurrency", type=int, default=50, help="connections reserving at once")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from linli.core.api_auth import create_token
    from linli.core.models import Role, RoleAssignment, User
    from linli.handout import actions
    from linli.handout.models import Reservation, Round, Status
    from linli.people.models import Person
    from linli.places.models import Level, Place
    from linli.supplies import actions as supplies
    from linli.supplies.models import Item, PointKind, ReserveType

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import served

    rng = random.Random(args.seed)  # noqa: S311 - benchmark sampling
    admin = User.objects.filter(username="demo-admin").first()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("path").first()
    if admin is None or community is None:
        sys.exit("no demo street here: run `linli demo --no-serve` first")
    if connection.vendor != "postgresql":
        sys.exit("this benchmark is for PostgreSQL: set DATABASE_URL")
    # one resident of each household (the first registered), who reserves for it
    people = list(Person.objects.filter(path__startswith=community.path, is_active=True, current_house__isnull=False)
                  .order_by("current_house_id", "pk").distinct("current_house_id")
                  .values_list("pk", "current_house_id"))
    rng.shuffle(people)
    people = people[:args.households]
    if len(people) < args.households:
        sys.exit(f"the first community has {len(people)} households; ask for fewer with --households")

    # The round: its own point and stock, so that runs do not share them.
    now = timezone.now()
    masks = Item.objects.get(code="mask-surgical")
    point = supplies.do_create_point(community, name=f"压测发放点{now:%m%d%H%M%S}", kind=PointKind.COMMUNITY_ROOM,
                                     reserve_type=ReserveType.GOVERNMENT, owner="居委会", acting_user=admin)
    shares = len(people) // 2
    supplies.do_receive(point, masks, shares * 5, acting_user=admin, source="压测")
    round_ = actions.do_open_round(community, title="压测口罩预约", item=masks, quota=5, households=shares,
                                   held_back=shares // 5, opens_at=now - datetime.timedelta(minutes=1),
                                   closes_at=now + datetime.timedelta(hours=2),
                                   slots=[actions.SlotInput(point, now, now + datetime.timedelta(hours=3))],
                                   acting_user=admin)

    role = Role.objects.get(code="resident")
    tokens = []
    for person_id, house_id in people:
        user, _ = User.objects.get_or_create(username=f"bench-resident-{person_id}", defaults={"person_id": person_id})
        house = Place.objects.only("path").get(pk=house_id)
        RoleAssignment.objects.get_or_create(user=user, role=role, place_id=house_id, defaults={"path": house.path})
        tokens.append(f"Bearer {create_token(user, 'bench')}")
    url = f"/api/handout/rounds/{round_.pk}/reservations"

    def call(token: str) -> served.Call:
        return ("POST", url, b"{}", {"Authorization": token, "Content-Type": "application/json"})

    calls: list[served.Call] = []
    for n, token in enumerate(tokens):
        calls.append(call(token))
        if args.repeat_every and n % args.repeat_every == 0:
            calls.append(call(token))  # the same household again, at once
    repeats = len(calls) - len(tokens)
    statuses: list[int] = []

    def ok(status: int) -> bool:
        statuses.append(status)
        return status in (201, 422)

    connection.close()  # the servers write to the same database
    with served.server(processes=args.processes, threads=args.threads) as srv:
        served.drive(srv, [("GET", "/api/handout/rounds", None, {"Authorization": t}) for t in tokens[:2 * args.processes]],
                     concurrency=args.processes)  # each server imports its modules once
        statuses.clear()
        run = served.drive(srv, calls, concurrency=args.concurrency, ok=ok)
    if run.failures:
        sys.exit(f"reserving failed: {run.failures[:3]}")

    rows = Reservation.objects.filter(round=round_)
    held = rows.filter(status=Status.HELD).count()
    round_ = Round.objects.get(pk=round_.pk)
    doubles = rows.values("house").annotate(n=Count("id")).filter(n__gt=1).count()
    created = statuses.count(201)
    result = {
        "benchmark": "handout", "database": connection.vendor, "households": len(tokens), "shares": shares,
        "requests": len(calls), "repeats": repeats, "reserved": created, "refused": statuses.count(422),
        "reservations_per_s": round(created / run.seconds, 1),
        "requests_per_s": round(len(calls) / run.seconds, 1),
        "p50_ms": round(statistics.median(run.latencies_ms), 1),
        "p95_ms": round(percentile(run.latencies_ms, 0.95), 1),
        "held": held, "waiting": rows.filter(status=Status.WAITING).count(),
        "double_allocations": doubles + max(0, created - len(tokens)),
        "over_shares": max(0, held - shares), "counter_matches": round_.taken == held,
        "server": {"processes": args.processes, "threads": args.threads, "connections": args.concurrency,
                   "server_cpu_ms": round(1000 * run.server_cpu_s / len(calls), 2),
                   "client_cpu_ms": round(1000 * run.client_cpu_s / len(calls), 2)},
        "goal_per_s": 500,
    }
    result["action"] = action_part(community, masks, admin, people, args.concurrency)
    print(json.dumps(result, ensure_ascii=False))


def action_part(community, masks, admin, people, concurrency):  # type: ignore[no-untyped-def]
    """The same burst without HTTP: ``actions.do_reserve`` from ``concurrency`` threads, each on a
    connection of its own, as staff reserving on behalf. What the round's lock and the database
    allow, apart from the web stack's CPU."""
    import queue
    import threading

    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from linli.handout import actions
    from linli.handout.models import Reservation, Status, Via
    from linli.places.models import Place
    from linli.supplies import actions as supplies
    from linli.supplies.models import PointKind, ReserveType

    now = timezone.now()
    point = supplies.do_create_point(community, name=f"压测发放点{now:%m%d%H%M%S}b", kind=PointKind.COMMUNITY_ROOM,
                                     reserve_type=ReserveType.GOVERNMENT, owner="居委会", acting_user=admin)
    shares = len(people) // 2
    supplies.do_receive(point, masks, shares * 5, acting_user=admin, source="压测")
    round_ = actions.do_open_round(community, title="压测口罩预约（动作）", item=masks, quota=5, households=shares,
                                   held_back=shares // 5, opens_at=now - datetime.timedelta(minutes=1),
                                   closes_at=now + datetime.timedelta(hours=2),
                                   slots=[actions.SlotInput(point, now, now + datetime.timedelta(hours=3))],
                                   acting_user=admin)
    houses = list(Place.objects.filter(pk__in=[h for _p, h in people]))
    work: queue.SimpleQueue = queue.SimpleQueue()
    for house in houses:
        work.put(house)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        import time

        try:
            while True:
                try:
                    house = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    actions.do_reserve(round_, house, acting_user=admin, via=Via.STAFF)
                except Exception as exc:  # noqa: BLE001 - counted
                    with lock:
                        errors.append(repr(exc)[:200])
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connections.close_all()

    import time

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    rows = Reservation.objects.filter(round=round_)
    held = rows.filter(status=Status.HELD).count()
    return {"reserved": rows.count(), "errors": errors[:3], "per_s": round(rows.count() / seconds, 1),
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "double_allocations": rows.values("house").annotate(n=Count("id")).filter(n__gt=1).count(),
            "over_shares": max(0, held - shares)}


if __name__ == "__main__":
    main()
