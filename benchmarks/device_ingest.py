"""Device ingest benchmark: ``linli.devices.ingest.receive`` in batches, and the silent sweep.

    python benchmarks/device_ingest.py                     # fresh SQLite data dir
    DATABASE_URL=postgres://… python benchmarks/device_ingest.py --data-dir /tmp/ingest-bench

Builds a small street, registers ``--devices`` active devices in bulk, then stores
``--events`` messages in batches of ``--batch`` (as the MQTT consumer does: door events,
heartbeats with battery levels, 5 % repeated deliveries, 1 % unreadable) and times them;
then adds devices up to ``--sweep-devices`` and times the silent-device sweep. Prints one
JSON line. Goals: ≥ 5,000 events/s; the sweep over 100,000 devices ≤ 5 s (the silent devices
raise their alerts, which stay; the URL configuration is loaded before, timed apart).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import time

SEEN_MINUTES = [*range(50), 90]


def main() -> None:
    # The console backends of the gateways (the alerts' app pushes) print to stdout: keep it for the JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        result = run()
    print(json.dumps(result))


def run() -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--sweep-devices", type=int, default=100_000)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    os.environ["LINLI_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="linli-ingest-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

    import django

    django.setup()
    import datetime

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from linli.core.bulk import insert
    from linli.demo.builder import Plan, StreetBuilder
    from linli.devices import actions, ingest, wire
    from linli.devices.models import Device, DeviceStatus
    from linli.places.models import Level, Place

    call_command("migrate", verbosity=0)
    if not Place.objects.filter(level=Level.HOUSE).exists():
        StreetBuilder(Plan(residents=2000, seed=3), show_progress=False).build()
    houses = list(Place.objects.filter(level=Level.HOUSE).values_list("pk", "path"))
    now = timezone.now()

    def make(count: int) -> list[Device]:
        devices, base = [], Device.objects.count()
        for n in range(count):
            pk, path = houses[n % len(houses)]
            devices.append(Device(uid=f"BENCH-{base + n:07d}", kind_id="door", house_id=pk,
                                  path=path, status=DeviceStatus.ACTIVE, legal_basis="bench", activated_at=now,
                                  # about 2 % silent (a door sensor's heartbeat is an hour)
                                  last_seen_at=now - datetime.timedelta(minutes=rng.choice(SEEN_MINUTES)),
                                  secret=""))
        insert(Device, devices)
        return devices

    rng = random.Random(5)
    devices = make(args.devices)
    messages = []
    for n in range(args.events):
        device = rng.choice(devices)
        kind = rng.choice(["door_open", "door_close", "heartbeat"])
        payload: dict[str, object] = {"id": f"e{n}", "ts": (now - datetime.timedelta(seconds=rng.randint(0, 3600)))
                                      .isoformat(), "type": kind}
        if kind == "heartbeat":
            payload["battery"] = rng.randint(5, 100)
        raw = json.dumps(payload).encode() if rng.random() > 0.01 else b"{broken"
        messages.append(wire.Incoming(wire.community_of(device.path), device.uid, raw, now))
        if rng.random() < 0.05:
            messages.append(messages[-1])
    total = ingest.Outcome()
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(messages), args.batch):
        total.add(ingest.receive(messages[i:i + args.batch], via="mqtt"))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    result: dict[str, object] = {
        "benchmark": "device_ingest", "database": connection.vendor, "batch": args.batch, "messages": len(messages),
        "stored": total.stored, "duplicates": total.duplicates, "malformed": total.malformed, "unknown": total.unknown,
        "seconds": round(wall, 2), "messages_per_second": round(len(messages) / wall), "cpu_seconds": round(cpu, 2),
        "goal_messages_per_second": 5000, "cpu_us_per_message": round(cpu / len(messages) * 1e6),
        "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    more = args.sweep_devices - Device.objects.count()
    if more > 0:
        for _ in range(0, more, 20_000):
            make(min(20_000, more))
            more -= 20_000
    from django.urls import reverse

    started = time.perf_counter()
    reverse("alerts:detail", args=[1])  # the URL configuration, loaded once per process: timed apart
    result["urlconf_seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    silent = actions.sweep_silent()
    result.update({"sweep_devices": Device.objects.count(), "sweep_silent": silent,
                   "sweep_seconds": round(time.perf_counter() - started, 2), "goal_sweep_seconds": 5})
    return result


if __name__ == "__main__":
    main()
