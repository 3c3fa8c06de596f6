"""Load benchmark: many signed-in staff working at once against a real server.

Run on street-scale demo data (Huamu: about 250,000 residents), on PostgreSQL as deployed:

    DATABASE_URL=postgres://…/linli linli demo --residents 250000 --no-serve
    DATABASE_URL=postgres://…/linli python benchmarks/load.py

It starts ``linli serve --processes <cores>`` (waitress, decision 0024) on the same database and
runs ``--users`` virtual staff for ``--seconds``: grid workers (each in her grid), community
secretaries and street officers, each with her own signed-in session (second factor passed, as
after typing the code) and API token. Each repeats, with a pause of ``--think`` seconds (uniform)
between steps as a person reading a page would: search the registry (name, initials or the
last four ID digits of someone in her area), open a person, open a building view (一楼一图),
or search through the API. Every answer must be 200.

A bounded script rather than locust: the virtual users are threads of this process with one
kept-alive connection each (the driver of ``benchmarks/served.py``), which costs well under a
millisecond of CPU per request here, and the figures come out as the one JSON line every
benchmark prints. Goal: p95 < 300 ms and no errors with 200 users on the 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from importlib import import_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import served  # noqa: E402 - beside this file


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


@dataclass
class Staff:
    """One virtual user: her session cookie, her API token and what lies in her area."""

    kind: str
    cookie: str
    token: str
    people: list[tuple[int, str, str, str]]  # pk, name, initials, last four ID digits
    buildings: list[int]


def prepare(users: int, rng: random.Random) -> list[Staff]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Q
    from django_otp import DEVICE_ID_SESSION_KEY

    from linli.core import twofactor
    from linli.core.api_auth import create_token
    from linli.core.models import Role, RoleAssignment, User
    from linli.grids.models import Grid
    from linli.people.models import Person
    from linli.places.models import Level, Place

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806 - a class
    roles = {r.code: r for r in Role.objects.all()}
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    if street is None or not Person.objects.exists():
        sys.exit("no demo street here: run `linli demo --residents 250000 --no-serve` first")
    communities = list(Place.objects.filter(level=Level.COMMUNITY, path__startswith=street.path).order_by("path"))
    accounts: list[tuple[str, User, str]] = []  # kind, user, area path
    # Grid workers: the demo's grid teams (a role on their grid each).
    for assignment in (RoleAssignment.objects.filter(role=roles["grid_worker"], grid__isnull=False)
                       .select_related("user", "grid").order_by("pk")):
        accounts.append(("grid", assignment.user, assignment.grid.path))
    # A secretary for every community and a few street officers, made once.
    for community in communities:
        user, made = User.objects.get_or_create(username=f"load-sec-{community.code}")
        if made:
            RoleAssignment.objects.create(user=user, role=roles["community_secretary"], place=community)
        accounts.append(("community", user, community.path))
    for k in range(max(1, users // 20)):
        user, made = User.objects.get_or_create(username=f"load-street-{k + 1}")
        if made:
            RoleAssignment.objects.create(user=user, role=roles["street_officer"], place=street)
        accounts.append(("street", user, street.path))
    # Grid workers most, as in a street office; every account is used before any is reused.
    grid = [a for a in accounts if a[0] == "grid"]
    others = [a for a in accounts if a[0] != "grid"]
    rng.shuffle(grid)
    picked = (others + grid)[:users]
    while len(picked) < users:
        picked.append(rng.choice(accounts))

    areas: dict[str, tuple[list[tuple[int, str, str, str]], list[int]]] = {}
    staff = []
    for kind, user, path in picked:
        key = path if kind != "grid" else f"grid:{user.pk}"
        if key not in areas:
            if kind == "grid":
                g = Grid.objects.filter(pk__in=RoleAssignment.objects.filter(user=user).values("grid")).first()
                places = list(g.places.filter(level=Level.BUILDING).values_list("pk", "path")) if g else []
                buildings = [pk for pk, _ in places]
                inside = Q(pk__in=[])
                for _, building_path in places:
                    inside |= Q(path__startswith=building_path)
                rows = Person.objects.filter(inside)
            else:
                buildings = list(Place.objects.filter(level=Level.BUILDING, path__startswith=path)
                                 .values_list("pk", flat=True)[:2000])
                rows = Person.objects.filter(path__startswith=path)
            sample = list(rows.values_list("pk", flat=True)[:5000])
            chosen = rng.sample(sample, min(200, len(sample)))
            people = [(p.pk, p.name, p.name_initials[:3], (p.id_number or "")[-4:])
                      for p in Person.objects.filter(pk__in=chosen)]
            areas[key] = (people, buildings)
        people, buildings = areas[key]
        if not people or not buildings:
            continue
        fresh = User.objects.get(pk=user.pk)
        device = twofactor.totp_device(fresh)
        if device is None and twofactor.needs_second_factor(fresh):
            device = twofactor.create_devices(fresh, twofactor.new_key())
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = fresh.get_session_auth_hash()
        if device is not None:
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        staff.append(Staff(kind, f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
                           f"Bearer {create_token(fresh, 'load benchmark')}", people, buildings))
    return staff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 12.0), metavar=("MIN", "MAX"),
                        help="seconds between one step and the next (uniform)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8, help="threads of each server process")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from linli.people.models import Person

    rng = random.Random(args.seed)  # noqa: S311 - benchmark sampling
    staff = prepare(args.users, rng)
    result: dict[str, object] = {"benchmark": "load", "database": connection.vendor,
                                 "residents": Person.objects.count(), "users": len(staff),
                                 "seconds": args.seconds, "think_s": list(args.think),
                                 "kinds": {k: sum(1 for s in staff if s.kind == k) for k in ("grid", "community",
                                                                                            "street")}}
    connection.close()

    samples: dict[str, list[float]] = {"search": [], "person": [], "building": [], "api": []}
    errors: list[str] = []
    lock = threading.Lock()

    def step(person: Staff, rng: random.Random) -> tuple[str, str, dict[str, str]]:
        pk, name, initials, last4 = rng.choice(person.people)
        action = rng.choices(("search", "person", "building", "api"), weights=(35, 25, 25, 15))[0]
        query = rng.choice([q for q in (name, initials, last4) if q])
        if action == "search":
            return action, "/people/?" + urllib.parse.urlencode({"q": query}), {"Cookie": person.cookie}
        if action == "person":
            return action, f"/people/{pk}/", {"Cookie": person.cookie}
        if action == "building":
            return action, f"/places/{rng.choice(person.buildings)}/", {"Cookie": person.cookie}
        return action, "/api/people/persons?" + urllib.parse.urlencode({"q": query}), {"Authorization": person.token}

    with served.server(processes=args.processes, threads=args.threads) as srv:
        # Each server process imports its views and templates once before the clock starts.
        warm = served.drive(srv, [("GET", path, None, headers) for person in staff[: 4 * args.processes]
                                  for _, path, headers in [step(person, rng)]], concurrency=args.processes)
        if warm.failures:
            sys.exit(f"warm-up failed: {warm.failures[:3]}")
        deadline = time.monotonic() + args.seconds

        def user_loop(person: Staff, seed: int) -> None:
            own = random.Random(seed)  # noqa: S311 - benchmark sampling
            time.sleep(own.uniform(0, args.think[1]))  # they did not all sit down at the same second
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            while time.monotonic() < deadline:
                action, path, headers = step(person, own)
                started = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
                    status = 0
                    path = f"{path} {exc!r}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples[action].append(elapsed)
                    if status != 200:
                        errors.append(f"{status} {path}")
                time.sleep(own.uniform(*args.think))
            conn.close()

        pids = srv.pids()
        server_cpu, client_cpu = served.cpu_seconds(pids), time.process_time()
        started = time.perf_counter()
        threads = [threading.Thread(target=user_loop, args=(person, args.seed * 100_000 + i), daemon=True)
                   for i, person in enumerate(staff)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.perf_counter() - started
        server_cpu = served.cpu_seconds(pids) - server_cpu
        client_cpu = time.process_time() - client_cpu

    everything = [ms for values in samples.values() for ms in values]
    result["requests"] = len(everything)
    result["per_s"] = round(len(everything) / elapsed, 1)
    result["p50_ms"] = round(statistics.median(everything), 1) if everything else None
    result["p95_ms"] = round(percentile(everything, 0.95), 1)
    result["p99_ms"] = round(percentile(everything, 0.99), 1)
    result["by_action"] = {name: {"n": len(values), "p50_ms": round(statistics.median(values), 1) if values else None,
                                  "p95_ms": round(percentile(values, 0.95), 1)} for name, values in samples.items()}
    result["errors"] = len(errors)
    if errors:
        result["first_errors"] = errors[:5]
    result["server"] = {"processes": args.processes, "threads": args.threads,
                        "cpu_ms_per_request": round(1000 * server_cpu / max(1, len(everything)), 1)}
    result["client_cpu_ms_per_request"] = round(1000 * client_cpu / max(1, len(everything)), 2)
    result["goal"] = {"p95_ms": 300, "errors": 0}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
