"""Devices and alerts benchmark: MQTT ingest, end-to-end alert latency, the silent-device sweep.

    linli demo --no-serve                        # a street with its devices (for the ingest part)
    python benchmarks/alerts.py                  # uses LINLI_DATA_DIR / DATABASE_URL like linli
    python benchmarks/alerts.py --parts mosquitto,consumer --messages 50000

Prints one JSON line, a key per part:
- ``mosquitto``: the broker's own throughput to a bare paho subscriber: N QoS 1 messages
  published from another process, messages per second received (the yardstick);
- ``consumer``: ``linli devices listen``'s consumer with a handler that does nothing (what the
  MQTT side costs: topic parsing, batching, acknowledgement after the handler);
- ``ingest``: the consumer with the real ``linli.devices.ingest.receive`` and the alert rules on
  the street in LINLI_DATA_DIR (one message in 500 an alarm: alerts raised or updated; the demo's
  devices are made first on a street that has none), events stored per second (goal ≥ 5,000),
  and ``ingest_to_mosquitto`` the ratio to the bare subscriber's rate of the same run;
- ``ingest_partitioned`` (not in the default parts): the same with ``--consumers`` ``linli devices
  listen`` processes partitioned by community (``--communities``), from the first stored event to
  the last, and ``ingest_partitioned_to_mosquitto``;
- ``latency``: SOS presses published one every half second → the alert's live event read from
  ``linli push``'s ``/live/`` stream by a signed-in client (``demo-street``), with the real
  ``linli devices listen`` consumer, while the other devices send 1,000 heartbeats a second:
  p50/p99 (goal p99 ≤ 1 s). The alerts it raises stay in the data directory;
- ``silent_sweep``: ``linli.devices.actions.sweep_silent`` over 100,000 active devices (bench
  smoke detectors added to reach it), 1,000 of them silent (each raising an alert), then again
  with nothing new; rolled back afterwards (goal ≤ 5 s). The URL configuration is loaded first
  (once per process, as in a running worker), timed apart as ``urlconf_seconds``.

``load_average_before`` and ``load_average_after`` say how busy the machine was (``cpus`` cores).

Unless --url names a broker, the MQTT parts start a private Mosquitto on a free port, configured
as decision 0027 recommends for production (no cap on queued messages: Mosquitto's default of
1,000 a client drops messages when a burst outruns the consumer), and stop it at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 1000
"""

# The publisher runs in its own process (the broker and the subscriber share the other core).
PUBLISHER = r"""
import json, sys, time
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
host, port, root, n, devices = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.stdin.read().split(",")
alarm_every = int(sys.argv[6]) if len(sys.argv) > 6 else 0  # every k-th message an alarm, where the device has one
client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
client.max_inflight_messages_set(1000)
client.max_queued_messages_set(0)
client.connect(host, port)
client.loop_start()
started = time.perf_counter()
last = None
for i in range(n):
    uid, community, *alarm = devices[i % len(devices)].split(":")
    kind = alarm[0] if alarm and alarm[0] and alarm_every and i % alarm_every == 0 else "heartbeat"
    body = {"id": f"b{started:.0f}:{i}", "ts": int(time.time() * 1000), "type": kind, "battery": 80}
    last = client.publish(f"{root}/{community}/{uid}/events", json.dumps(body, separators=(",", ":")), qos=1)
last.wait_for_publish(300)
print(json.dumps({"published": n, "publish_seconds": time.perf_counter() - started}))
client.disconnect()
client.loop_stop()
"""


@dataclasses.dataclass
class Broker:
    host: str
    port: int
    private: bool


@contextlib.contextmanager
def broker(url: str | None) -> Iterator[Broker]:
    if url:
        from linli.devices.mqtt import parse_url

        parsed = parse_url(url)
        yield Broker(parsed.host, parsed.port, False)
        return
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(BROKER_CONF.format(port=port))
        process = subprocess.Popen([binary, "-c", conf], stdout=subprocess.DEVNULL,  # noqa: S603
                                   stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                time.sleep(0.05)
            yield Broker("127.0.0.1", port, True)
        finally:
            process.terminate()
            process.wait(10)


def publish_in_background(b: Broker, root: str, n: int, devices: list[str], alarm_every: int = 0) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", PUBLISHER, b.host, str(b.port), root, str(n),  # noqa: S603
                                "-", str(alarm_every)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None
    process.stdin.write(",".join(devices))  # the devices on stdin: thousands do not fit a command line
    process.stdin.close()
    return process


def _devices(n: int = 100) -> list[str]:
    return [f"BENCH{i:05d}:310115099{i % 3 + 1:03d}" for i in range(n)]


def preload(b: Broker, root: str, n: int, devices: list[str], alarm_every: int = 0) -> dict[str, Any]:
    """Publish n messages while the subscriber is away: the broker queues them for its session."""
    publisher = publish_in_background(b, root, n, devices, alarm_every)
    assert publisher.stdout is not None
    out = publisher.stdout.read()
    publisher.wait(timeout=max(300, n // 100))
    return json.loads(out or "{}")


def mosquitto_part(b: Broker, n: int) -> dict[str, Any]:
    """The broker delivering a queue of n messages to a bare paho subscriber (QoS 1, automatic
    acknowledgements): the broker and the client library, nothing of Linli's."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    root = f"bench-{os.getpid()}-{time.time_ns()}/linli"
    client_id = f"bench-bare-{os.getpid()}"
    got = {"n": 0, "last": 0.0}
    done = threading.Event()

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        got["n"] += 1
        got["last"] = time.perf_counter()
        if got["n"] >= n:
            done.set()

    def connect() -> Any:
        sub = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
        sub.on_message = on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 300
        props.ReceiveMaximum = 1000
        sub.connect(b.host, b.port, clean_start=False, properties=props)
        return sub

    sub = connect()
    sub.subscribe(f"{root}/+/+/events", qos=1)
    sub.loop_start()
    time.sleep(0.3)
    sub.disconnect()
    sub.loop_stop()
    published = preload(b, root, n, _devices())
    started = time.perf_counter()
    sub = connect()
    sub.loop_start()
    done.wait(timeout=max(60.0, n / 500))
    sub.disconnect()
    sub.loop_stop()
    seconds = got["last"] - started
    return {"messages": n, "received": got["n"], "seconds": round(seconds, 2),
            "per_second": round(got["n"] / seconds) if seconds > 0 else None, "publisher": published}


def consumer_part(b: Broker, n: int, handler: Callable[..., Any] | None = None,
                  make_incoming: Callable[..., Any] | None = None, devices: list[str] | None = None,
                  alarm_every: int = 0) -> dict[str, Any]:
    """The consumer draining a queue of n messages into a handler: one that does nothing, or the
    real ingest."""
    from linli.devices import mqtt

    @dataclasses.dataclass(frozen=True)
    class Item:
        community: str
        uid: str
        payload: bytes
        received_at: datetime.datetime

    outcomes: list[Any] = []

    def null(batch: list[Any], *, via: str) -> None:
        return None

    def recording(batch: list[Any], *, via: str) -> Any:
        assert handler is not None
        result = handler(batch, via=via)
        outcomes.append(result)
        return result

    root = f"bench-{os.getpid()}-{time.time_ns()}/linli"
    client_id = f"linli-bench-{os.getpid()}-{time.time_ns()}"

    def consumer() -> mqtt.Consumer:
        return mqtt.Consumer(mqtt.Broker(b.host, b.port), handler=recording if handler else null,
                             make_incoming=make_incoming or Item, root=root, filters=mqtt.topic_filters(root=root),
                             client_id=client_id, report_every=0, report=lambda line: None, session_expiry=300)

    def start(c: mqtt.Consumer) -> threading.Thread:
        thread = threading.Thread(target=c.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while c.counts.connects < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        return thread

    first = consumer()  # subscribe once, so that the broker keeps what comes for the session
    thread = start(first)
    first.stop()
    thread.join(10)
    published = preload(b, root, n, devices or _devices(), alarm_every)
    c = consumer()
    started = time.perf_counter()
    thread = start(c)
    last_change, seen = time.monotonic(), 0
    while c.counts.stored_messages < n and time.monotonic() - last_change < 30:
        time.sleep(0.005)
        if c.counts.stored_messages != seen:
            seen, last_change = c.counts.stored_messages, time.monotonic()
    seconds = time.perf_counter() - started
    c.stop()
    thread.join(30)
    counts = c.counts
    result: dict[str, Any] = {
        "messages": n, "acknowledged": counts.stored_messages, "batches": counts.batches,
        "handler_errors": counts.errors, "seconds": round(seconds, 2),
        "per_second": round(counts.stored_messages / seconds) if seconds > 0 else None,
        "mean_batch": round(counts.stored_messages / counts.batches, 1) if counts.batches else None,
        "publisher": published}
    if outcomes:
        totals: dict[str, int] = {}
        for o in outcomes:
            for field in ("stored", "duplicates", "malformed", "unknown"):
                totals[field] = totals.get(field, 0) + int(getattr(o, field, 0))
        result["outcome"] = totals
    return result


ALARMS = {"sos": "sos", "fall": "fall", "smoke": "smoke", "gas": "gas", "wearable": "fall"}
ALARM_EVERY = 500  # one message in 500 an alarm (sos, fall, smoke): the alert rules raise or update alerts


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_devices(minimum: int = 5000) -> dict[str, int]:
    """The demo's devices on every street that has none (``linli.devices.demo``): about one for ten
    residents; bench smoke detectors on the streets' houses when that makes fewer than ``minimum``."""
    import random

    from linli.devices.demo import build_devices
    from linli.devices.models import Device, DeviceStatus
    from linli.places.models import Level, Place

    made: dict[str, int] = {}
    for street in Place.objects.filter(level=Level.STREET).order_by("path"):
        for kind, count in build_devices(street, random.Random(7)).items():
            made[kind] = made.get(kind, 0) + count
    active = Device.objects.filter(status=DeviceStatus.ACTIVE).count()
    if active < minimum:
        made["bench"] = _bench_devices(minimum - active, silent=0, prefix="BENCH-IN")
    return made


def _bench_devices(n: int, *, silent: int, prefix: str) -> int:
    """n active smoke detectors spread over the houses, ``silent`` of them not heard from for a day."""
    from django.db import transaction
    from django.utils import timezone

    from linli.core import bulk
    from linli.devices.models import Device, DeviceStatus
    from linli.places.models import Level, Place

    houses = list(Place.objects.filter(level=Level.HOUSE).values_list("pk", "path")[:200_000])
    if not houses:
        return 0
    now = timezone.now()
    rows = []
    for i in range(n):
        house, path = houses[i % len(houses)]
        seen = now - datetime.timedelta(days=1) if i < silent else now - datetime.timedelta(minutes=i % 300)
        rows.append(Device(uid=f"{prefix}-{os.getpid()}-{i:06d}", kind_id="smoke", house_id=house, path=path,
                           status=DeviceStatus.ACTIVE, legal_basis="benchmark", activated_at=now - datetime.timedelta(days=30),
                           last_seen_at=seen, last_event_at=seen))
    with transaction.atomic():
        bulk.insert(Device, rows)
    return n


def _counts() -> dict[str, int]:
    from linli.alerts.models import Alert
    from linli.devices.models import DeviceEvent

    return {"events": DeviceEvent.objects.count(), "alerts": Alert.objects.count()}


def ingest_part(b: Broker, n: int) -> dict[str, Any]:
    """Sustained ingest: the consumer draining n queued messages (one in ALARM_EVERY an alarm)
    through the real ``linli.devices.ingest.receive`` and the alert rules into stored events and alerts."""
    _django()
    from linli.devices import mqtt, simulator

    made = ensure_devices()
    sims, _ = simulator.load_devices()
    if not sims:
        return {"available": True, "status": "no houses here to put devices in: run `linli demo --no-serve` first"}
    handler, make_incoming = mqtt.default_handler()
    before = _counts()
    devices = [f"{d.uid}:{d.community}:{ALARMS.get(d.kind, '')}" for d in sims]
    cpu = time.process_time()
    result = consumer_part(b, n, handler, make_incoming, devices, alarm_every=ALARM_EVERY)
    # This process's CPU while the queue drained (the consumer's MQTT thread and the ingest), per message.
    result["cpu_us_per_message"] = round((time.process_time() - cpu) / n * 1e6)
    after = _counts()
    result.update({"available": True, "devices": len(sims), "devices_made": made, "alarm_every": ALARM_EVERY,
                   "events_stored": after["events"] - before["events"], "alerts_raised": after["alerts"] - before["alerts"],
                   "goal_per_second": 5000, "met": (result["per_second"] or 0) >= 5000})
    return result


def _stored_events() -> int:
    from linli.devices.models import DeviceEvent

    return DeviceEvent.objects.count()


def ingest_partitioned_part(b: Broker, n: int, consumers: int) -> dict[str, Any]:
    """The same sustained ingest with ``consumers`` ``linli devices listen`` processes, each taking
    a share of the communities (``--communities``). Each is started once to subscribe (a probe
    heartbeat per partition says when it is), stopped, the n messages queued, and all started
    again; the rate is n over the time from the first stored event to the last (the processes'
    start-up is not counted)."""
    _django()
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from linli.devices import simulator

    ensure_devices()
    sims, _ = simulator.load_devices()
    if not sims:
        return {"available": False, "status": "no devices here: run `linli demo --no-serve` first"}
    codes = sorted({d.community for d in sims})
    parts = [codes[k::consumers] for k in range(consumers) if codes[k::consumers]]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "linli.settings"}
    tag = f"{os.getpid()}-{time.time_ns()}"

    def start() -> list[subprocess.Popen[Any]]:
        return [subprocess.Popen([sys.executable, "-m", "linli.cli", "devices", "listen",  # noqa: S603
                                  "--url", f"mqtt://{b.host}:{b.port}", "--communities", ",".join(part),
                                  "--client-id", f"linli-bench-part{k}-{tag}", "--report-every", "0"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for k, part in enumerate(parts)]

    def stop(processes: list[subprocess.Popen[Any]]) -> None:
        for process in processes:
            process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(60)

    result: dict[str, Any] = {"available": True, "consumers": len(parts), "communities": [len(p) for p in parts],
                              "messages": n, "goal_per_second": 5000}
    processes = start()
    try:
        # Subscribed when each partition's probe heartbeat is stored.
        client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        client.connect(b.host, b.port)
        client.loop_start()
        probes = [next(d for d in sims if d.community == part[0]) for part in parts]
        before = _stored_events()
        deadline = time.monotonic() + 120
        while _stored_events() < before + len(probes) and time.monotonic() < deadline:
            for d in probes:
                body = {"id": f"probe{tag}:{time.time_ns()}", "ts": int(time.time() * 1000), "type": "heartbeat"}
                client.publish(f"linli/{d.community}/{d.uid}/events", json.dumps(body), qos=1)
            time.sleep(2)
        client.disconnect()
        client.loop_stop()
    finally:
        stop(processes)
    devices = [f"{d.uid}:{d.community}:{ALARMS.get(d.kind, '')}" for d in sims]
    result["publisher"] = preload(b, "linli", n, devices, ALARM_EVERY)
    before = _stored_events()
    processes = start()
    first = last = None
    seen, last_change = before, time.monotonic()
    try:
        while seen < before + n and time.monotonic() - last_change < 60:
            time.sleep(0.05)
            count = _stored_events()
            if count != seen:
                now = time.perf_counter()
                first = first or now
                last, seen, last_change = now, count, time.monotonic()
    finally:
        stop(processes)
    stored = _stored_events() - before
    seconds = (last - first) if first and last else 0.0
    result.update({"events_stored": stored, "seconds": round(seconds, 2),
                   "per_second": round(stored / seconds) if seconds > 0 else None})
    result["met"] = (result["per_second"] or 0) >= 5000
    return result


# Heartbeats at a steady rate (the background load of the latency part), from its own process.
BACKGROUND = r"""
import json, sys, time
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
host, port, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
devices = sys.stdin.read().split(",")
client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
client.max_inflight_messages_set(1000)
client.max_queued_messages_set(0)
client.connect(host, port)
client.loop_start()
started = time.perf_counter()
i = 0
while time.perf_counter() - started < seconds:
    due = started + i / rate
    pause = due - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    uid, community = devices[i % len(devices)].split(":")
    body = {"id": f"bg{started:.0f}:{i}", "ts": int(time.time() * 1000), "type": "heartbeat", "battery": 80}
    client.publish(f"linli/{community}/{uid}/events", json.dumps(body, separators=(",", ":")), qos=1)
    i += 1
print(json.dumps({"published": i, "per_second": round(i / (time.perf_counter() - started))}))
client.disconnect()
client.loop_stop()
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_port(port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
        time.sleep(0.1)
    return False


def _signed_in_session(username: str) -> str:
    """A session of ``username`` as the sign-in leaves it (password and, if she has one, her authenticator)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from linli.core.models import User

    user = User.objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = next(path for path in settings.AUTHENTICATION_BACKENDS  # the one that signs in
                                        if hasattr(import_string(path), "get_user"))
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return str(session.session_key)


class _Stream(threading.Thread):
    """A signed-in page's live stream read from the push server: the time each "alerts" event arrives."""

    def __init__(self, port: int, session_key: str) -> None:
        super().__init__(daemon=True)
        from django.conf import settings

        self.request = (f"GET /live/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                        f"Cookie: {settings.SESSION_COOKIE_NAME}={session_key}\r\n\r\n").encode()
        self.port = port
        self.status = ""
        self.opened = threading.Event()
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        self.arrived = threading.Condition()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as connection:
            connection.sendall(self.request)
            reader = connection.makefile("rb")
            self.status = reader.readline().decode("latin-1").strip()
            self.opened.set()
            for raw in reader:
                line = raw.decode("utf-8").rstrip("\n")
                if not line.startswith("data:"):
                    continue
                at = time.time()
                data = json.loads(line[5:])
                if data.get("topic") == "alerts":
                    with self.arrived:
                        self.arrivals.append((at, data.get("payload") or {}))
                        self.arrived.notify_all()


def latency_part(b: Broker, *, alarms: int = 100, rate: float = 1000.0, username: str = "demo-street") -> dict[str, Any]:
    """Publish → the alert's live event read by a signed-in client of the push server, for
    ``alarms`` SOS presses on pendants in houses with no open alert, one every half second, while
    the other devices send heartbeats at ``rate`` a second; the real ``linli devices listen``
    consumer and ``linli push`` server, each in its own process. The alerts raised stay."""
    _django()
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    from linli.alerts.models import OPEN_STATES, Alert
    from linli.core.models import User
    from linli.core.scope import scope_for
    from linli.devices import simulator
    from linli.devices.models import Device

    if not User.objects.filter(username=username).exists():
        return {"available": False, "status": f"no user {username} here: run `linli demo --no-serve` first"}
    scope = scope_for(User.objects.get(username=username), "alerts.view")
    busy = set(Alert.objects.filter(state__in=OPEN_STATES).values_list("house_id", flat=True))
    pendants: list[tuple[str, str]] = []
    seen: set[int] = set()
    for uid, house, path in (Device.objects.filter(status="active", kind_id="sos").order_by("uid")
                             .values_list("uid", "house_id", "path")):
        if house not in busy and house not in seen and scope.covers(path):
            seen.add(house)
            pendants.append((uid, simulator.community_code(path)))
    if len(pendants) < alarms:
        return {"available": False, "status": f"only {len(pendants)} SOS pendants without an open alert in {username}'s area"}
    pendants = pendants[:alarms]
    sims, _ = simulator.load_devices()
    background = [f"{d.uid}:{d.community}" for d in sims if d.kind not in ALARMS]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "linli.settings"}
    linli = [sys.executable, "-m", "linli.cli"]
    push_port = _free_port()
    processes: list[subprocess.Popen[Any]] = []
    result: dict[str, Any] = {"available": True, "alarms": alarms, "background_rate": rate, "user": username,
                              "goal_p99_seconds": 1.0}
    try:
        processes.append(subprocess.Popen([*linli, "push", "--port", str(push_port)], env=env,  # noqa: S603
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen([*linli, "devices", "listen", "--url", f"mqtt://{b.host}:{b.port}",  # noqa: S603
                                           "--client-id", f"linli-bench-latency-{os.getpid()}", "--report-every", "0"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if not _wait_port(push_port):
            return {"available": False, "status": "the push server did not start"}
        stream = _Stream(push_port, _signed_in_session(username))
        stream.start()
        stream.opened.wait(10)
        result["stream"] = stream.status
        client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
        client.connect(b.host, b.port)
        client.loop_start()
        time.sleep(2)  # the consumer subscribed
        seconds = alarms * 0.5 + 5
        load = subprocess.Popen([sys.executable, "-c", BACKGROUND, b.host, str(b.port), str(rate), str(seconds)],  # noqa: S603
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert load.stdin is not None and load.stdout is not None
        load.stdin.write(",".join(background))
        load.stdin.close()
        time.sleep(2)  # the load running
        delays: list[float] = []
        missed = 0
        for n, (uid, community) in enumerate(pendants):
            with stream.arrived:
                before = len(stream.arrivals)
            body = {"id": f"lat{os.getpid()}:{n}", "ts": int(time.time() * 1000), "type": "sos"}
            sent = time.time()
            client.publish(f"linli/{community}/{uid}/events", json.dumps(body), qos=1)
            got = None
            with stream.arrived:
                deadline = sent + 10
                while got is None and time.time() < deadline:
                    for at, payload in stream.arrivals[before:]:
                        if payload.get("state") == "new" and payload.get("notify"):
                            got = at
                            break
                    if got is None:
                        stream.arrived.wait(0.05)
            if got is None:
                missed += 1
            else:
                delays.append(got - sent)
            time.sleep(max(0.0, sent + 0.5 - time.time()))
        out = load.stdout.read()
        load.wait(60)
        client.disconnect()
        client.loop_stop()
        result["background"] = json.loads(out or "{}")
        delays.sort()
        result.update({"received": len(delays), "missed": missed})
        if delays:
            result.update({"p50_seconds": round(delays[len(delays) // 2], 3),
                           "p99_seconds": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))], 3),
                           "max_seconds": round(delays[-1], 3),
                           "met": delays[min(len(delays) - 1, int(len(delays) * 0.99))] <= 1.0 and not missed})
    finally:
        for process in processes:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(20)
    return result


class _Rollback(Exception):
    pass


def silent_sweep_part(total: int = 100_000, silent: int = 1000) -> dict[str, Any]:
    """``linli.devices.actions.sweep_silent`` over ``total`` active devices, ``silent`` of them silent
    (each raises a "device silent" alert). Bench devices are added to reach ``total`` and the whole
    thing is rolled back afterwards: the data directory is left as it was (so the live events the
    alerts would send on commit are not part of the figure)."""
    _django()
    from django.db import transaction
    from django.urls import reverse

    from linli.devices.actions import silent_devices, sweep_silent
    from linli.devices.models import Device, DeviceStatus

    result: dict[str, Any] = {"available": True, "goal_seconds": 5.0}
    try:
        with transaction.atomic():
            already_silent = silent_devices().count()
            active = Device.objects.filter(status=DeviceStatus.ACTIVE).count()
            started = time.perf_counter()
            added = _bench_devices(max(0, total - active), silent=max(0, silent - already_silent), prefix="BENCH-SW")
            result["setup_seconds"] = round(time.perf_counter() - started, 2)
            result["devices"] = Device.objects.filter(status=DeviceStatus.ACTIVE).count()
            result["bench_devices_added"] = added
            before = _counts()["alerts"]
            # The URL configuration (the alerts' links) loads once per process, as in a running
            # consumer or task worker: timed apart, not in the sweep.
            started = time.perf_counter()
            reverse("alerts:detail", args=[1])
            result["urlconf_seconds"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
            result["silent"] = sweep_silent()
            result["seconds"] = round(time.perf_counter() - started, 3)
            result["alerts_raised"] = _counts()["alerts"] - before
            started = time.perf_counter()
            result["second_sweep_silent"] = sweep_silent()  # the same devices again: nothing new to raise
            result["second_sweep_seconds"] = round(time.perf_counter() - started, 3)
            raise _Rollback
    except _Rollback:
        pass
    result["met"] = result["seconds"] <= 5.0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--parts", default="mosquitto,consumer,ingest,latency,silent_sweep")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--sweep-devices", type=int, default=100_000)
    parser.add_argument("--alarms", type=int, default=100, help="latency: SOS presses measured")
    parser.add_argument("--rate", type=float, default=1000.0, help="latency: background messages a second")
    parser.add_argument("--consumers", type=int, default=2,
                        help="ingest_partitioned: consumer processes, each a share of the communities")
    parser.add_argument("--url", default=None, help="an existing broker (default: a private Mosquitto)")
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    result: dict[str, Any] = {"benchmark": "alerts", "messages": args.messages,
                              "load_average_before": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    # The console backends of the gateways (app pushes, texts) print to stdout: keep it for the JSON line.
    with contextlib.redirect_stdout(sys.stderr), broker(args.url) as b:
        result["broker"] = {"private": b.private, "port": b.port, "config": BROKER_CONF.splitlines()[1:] if b.private else None}
        if "mosquitto" in parts:
            result["mosquitto"] = mosquitto_part(b, args.messages)
        if "consumer" in parts:
            result["consumer"] = consumer_part(b, args.messages)
        if "ingest" in parts:
            result["ingest"] = ingest_part(b, args.messages)
        if "ingest_partitioned" in parts:
            result["ingest_partitioned"] = ingest_partitioned_part(b, args.messages, args.consumers)
        if "latency" in parts:
            result["latency"] = latency_part(b, alarms=args.alarms, rate=args.rate)
        if "silent_sweep" in parts:
            result["silent_sweep"] = silent_sweep_part(args.sweep_devices)
    base = (result.get("mosquitto") or {}).get("per_second")
    for key in ("consumer", "ingest", "ingest_partitioned"):
        rate = (result.get(key) or {}).get("per_second")
        if base and rate:
            result[f"{key}_to_mosquitto"] = round(rate / base, 2)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
