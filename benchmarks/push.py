"""Live events' benchmark (decision 0026): publish → received latency with many open streams, and
whether normal pages still answer while the streams are open.

Run on demo data (``linli demo --no-serve`` first):

    python benchmarks/push.py                      # the database backend (the demo's)
    LINLI_PUSH_URL=redis://127.0.0.1:6379/15 python benchmarks/push.py

It starts ``linli serve`` (one waitress process and its push server), signs in ``--streams``
staff accounts of one community made for the run (removed afterwards), opens one stream each,
then publishes ``--events`` events for that community from this process (another process than
the push server, as the task worker or a device consumer would) at ``--rate`` a second, while a
page is fetched again and again. Latency is from just before the publishing transaction commits to
the line read from each stream. Goal: p99 ≤ 1 s with 300 streams; pages answer as without them.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
PREFIX = "bench-live-"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def make_staff(count: int) -> tuple[list[str], str]:
    """``count`` staff accounts holding tickets.view over the first community, signed in: their
    session keys, and the community's path."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from linli.core.models import Role, RoleAssignment, User
    from linli.places.models import Level, Place

    remove_staff()
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    if community is None:
        raise SystemExit("no demo street here: run `linli demo --no-serve` first")
    role, _ = Role.objects.get_or_create(code=f"{PREFIX}viewer", defaults={"name": "live benchmark viewer",
                                                                          "actions": ["tickets.view"]})
    users = []
    for n in range(count):
        user = User(username=f"{PREFIX}{n}")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith=PREFIX))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=role, place=community, path=community.path) for user in users])
    keys = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys, community.path


def remove_staff() -> None:
    from django.contrib.sessions.models import Session

    from linli.core.models import Role, RoleAssignment, User

    users = User.objects.filter(username__startswith=PREFIX)
    RoleAssignment.objects.filter(user__in=users).delete()
    ids = {str(pk) for pk in users.values_list("pk", flat=True)}
    stale = [s.pk for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") in ids]
    Session.objects.filter(pk__in=stale).delete()
    users.delete()
    Role.objects.filter(code=f"{PREFIX}viewer").delete()


def page_times(port: int, count: int) -> list[float]:
    """Milliseconds to fetch the sign-in page ``count`` times, one after another."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/login/")
        connection.getresponse().read()
        connection.close()
        times.append((time.perf_counter() - started) * 1000)
    return times


def status(port: int) -> dict[str, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/live/status")
    return json.loads(connection.getresponse().read())


async def open_stream(port: int, key: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /live/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: sessionid={key}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"a stream was refused: {head[:60]!r}")
    return reader, writer


async def read_events(reader: asyncio.StreamReader, latencies: list[float], want: int) -> None:
    got = 0
    while got < want:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            event = json.loads(line[6:])
            if event["topic"] == "bench.live":
                latencies.append(time.time() - event["payload"]["sent"])
                got += 1


def publish_all(path: str, events: int, rate: float) -> None:
    from django.db import transaction

    from linli.core.push import publish

    started = time.monotonic()
    for n in range(events):
        pause = started + n / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with transaction.atomic():
            publish("bench.live", {"n": n, "sent": time.time()}, path=path, action="tickets.view")


async def measure(args: argparse.Namespace, keys: list[str], path: str, web: int, push: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    baseline = await loop.run_in_executor(None, page_times, web, args.pages)
    opened = time.monotonic()
    streams = [await open_stream(push, key) for key in keys]
    open_seconds = time.monotonic() - opened
    held = status(push)["streams"]
    latencies: list[float] = []
    readers = [asyncio.create_task(read_events(reader, latencies, args.events)) for reader, _ in streams]
    pages: list[float] = []
    paging = threading.Thread(target=lambda: pages.extend(page_times(web, args.pages)))
    started = time.monotonic()
    paging.start()
    await loop.run_in_executor(None, publish_all, path, args.events, args.rate)
    try:
        await asyncio.wait_for(asyncio.gather(*readers), timeout=30)
    except TimeoutError:
        pass
    seconds = time.monotonic() - started
    paging.join()
    for _, writer in streams:
        writer.close()
    expected = args.events * len(keys)
    return {
        "backend": "redis" if os.environ.get("LINLI_PUSH_URL") else "database",
        "streams": len(keys), "streams_held": held, "open_streams_s": round(open_seconds, 2),
        "events": args.events, "rate_per_s": args.rate, "deliveries": len(latencies), "expected": expected,
        "latency_ms": {"p50": round(percentile(latencies, 0.5) * 1000, 1),
                       "p99": round(percentile(latencies, 0.99) * 1000, 1),
                       "max": round(max(latencies, default=float("nan")) * 1000, 1)},
        "deliveries_per_s": round(len(latencies) / seconds, 0),
        "page_ms_without_streams": {"p50": round(statistics.median(baseline), 1),
                                    "p95": round(percentile(baseline, 0.95), 1)},
        "page_ms_with_streams": {"p50": round(statistics.median(pages), 1), "p95": round(percentile(pages, 0.95), 1)},
        "goal_p99_ms": 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=300, help="open streams (one signed-in account each)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="events published a second")
    parser.add_argument("--pages", type=int, default=100, help="page fetches, without and with the streams")
    args = parser.parse_args()

    import django

    django.setup()
    keys, path = make_staff(args.streams)
    web, push = _free_port(), _free_port()
    server = subprocess.Popen([sys.executable, "-m", "linli.cli", "serve", "--port", str(web),  # noqa: S603
                               "--push-port", str(push)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(web)
        _wait_port(push)
        result = asyncio.run(measure(args, keys, path, web, push))
    finally:
        server.terminate()
        server.wait(timeout=20)
        remove_staff()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
