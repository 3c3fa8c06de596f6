"""The demo's device traffic: what the street's active devices would send, published to MQTT.

``Traffic`` decides what is sent when (pure and deterministic for a seed: no Django, no broker);
``load_devices`` reads the active devices from the database; ``publish`` sends the traffic to the
broker in real time. Per device:

- a heartbeat at its kind's heartbeat, the battery draining slowly;
- door sensors: the door opened and closed at plausible times of day (mornings, noon, evenings);
- water meters: the litres used every quarter of an hour (little at night);
- wearables: temperature and heart rate every five minutes;
- now and then a doorbell ring;
- one message in 5,000 unreadable, one in 1,000 sent again (the same event id);
- every ``fall_every`` seconds, a fall from ``fall_device`` (the demo's first grid).

``rate`` scales the traffic (2 = twice as many messages; the fall keeps its own period).
"""

from __future__ import annotations

import dataclasses
import datetime
import heapq
import json
import random
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from linli.devices.mqtt import TOPIC_ROOT

MALFORMED_ONE_IN = 5000
DUPLICATE_ONE_IN = 1000
# Share of a day's door openings in each hour of the day (an elder's flat: up early, out in the
# morning and afternoon, home in the evening, quiet at night).
DOOR_PER_HOUR = [0.05, 0.02, 0.02, 0.02, 0.05, 0.2, 0.6, 0.9, 0.8, 0.6, 0.5, 0.6,
                 0.5, 0.3, 0.4, 0.6, 0.8, 0.9, 0.7, 0.5, 0.4, 0.3, 0.15, 0.08]
WATER_LITRES_PER_HOUR = [0.2, 0, 0, 0, 0.2, 3, 12, 15, 8, 4, 3, 6, 8, 3, 2, 2, 3, 8, 14, 10, 8, 6, 3, 1]


@dataclasses.dataclass(frozen=True)
class SimDevice:
    uid: str
    kind: str
    community: str
    heartbeat_minutes: int
    event_types: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Message:
    at: datetime.datetime
    topic: str
    payload: bytes


def community_code(house_path: str) -> str:
    """The community's code from a house's path (its first five segments: province … community)."""
    return "".join(house_path.strip("/").split("/")[:5])


class Traffic:
    """What the devices send, in time order. ``until(t)`` returns every message due by ``t``."""

    def __init__(self, devices: Sequence[SimDevice], *, start: datetime.datetime, seed: int = 1,
                 rate: float = 1.0, fall_every: float = 180.0, fall_device: str | None = None,
                 root: str = TOPIC_ROOT, tz: datetime.tzinfo | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be time zone aware")
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rng = random.Random(seed)  # noqa: S311 - simulated traffic, not secrets
        self.rate = rate
        self.root = root
        self.tz = tz or start.tzinfo
        self.devices = {d.uid: d for d in devices}
        self.run = f"{self.rng.getrandbits(32):08x}"  # event ids of this run differ from earlier runs'
        self.counter: dict[str, int] = {}
        self.battery = {d.uid: self.rng.randint(55, 100) for d in devices}
        self.recent: deque[Message] = deque(maxlen=200)
        self.sent = self.malformed = self.duplicates = 0
        self._queue: list[tuple[datetime.datetime, int, str, str]] = []
        self._seq = 0
        for d in devices:
            # spread the first report of each stream over its period (no burst at start)
            self._schedule(start, self._period(d.heartbeat_minutes * 60) * self.rng.random(), d.uid, "heartbeat")
            for stream, seconds in self._streams(d):
                self._schedule(start, seconds * self.rng.random(), d.uid, stream)
        self.fall_every = fall_every
        self.fall_device = fall_device if fall_device in self.devices else None
        if self.fall_device and fall_every > 0:
            self._schedule(start, min(fall_every, 30.0), self.fall_device, "fall")

    # --- scheduling ----------------------------------------------------------------------
    def _period(self, seconds: float) -> float:
        return seconds / self.rate

    def _streams(self, d: SimDevice) -> list[tuple[str, float]]:
        streams = []
        if "door_open" in d.event_types:
            streams.append(("door", self._period(600)))
        if "water" in d.event_types:
            streams.append(("water", self._period(900)))
        if "temperature" in d.event_types:
            streams.append(("temperature", self._period(300)))
        if "heart_rate" in d.event_types:
            streams.append(("heart_rate", self._period(300)))
        if "ring" in d.event_types:
            streams.append(("ring", self._period(1800)))
        return streams

    def _schedule(self, base: datetime.datetime, seconds: float, uid: str, stream: str) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (base + datetime.timedelta(seconds=seconds), self._seq, uid, stream))

    def next_at(self) -> datetime.datetime | None:
        return self._queue[0][0] if self._queue else None

    def until(self, moment: datetime.datetime) -> list[Message]:
        out: list[Message] = []
        while self._queue and self._queue[0][0] <= moment:
            at, _, uid, stream = heapq.heappop(self._queue)
            out.extend(self._fire(at, self.devices[uid], stream))
        return out

    # --- what one stream sends -------------------------------------------------------------
    def _fire(self, at: datetime.datetime, d: SimDevice, stream: str) -> list[Message]:
        hour = at.astimezone(self.tz).hour
        events: list[tuple[datetime.datetime, dict[str, Any]]] = []
        if stream == "heartbeat":
            if self.rng.random() < 0.05:
                self.battery[d.uid] = max(3, self.battery[d.uid] - 1)
            events.append((at, {"type": "heartbeat", "battery": self.battery[d.uid]}))
            self._schedule(at, self._period(d.heartbeat_minutes * 60) * self.rng.uniform(0.9, 1.0), d.uid, stream)
        elif stream == "door":
            # about six openings a day, by the hour's share
            if self.rng.random() < DOOR_PER_HOUR[hour] * 6 / sum(DOOR_PER_HOUR) * (600 / 3600):
                events.append((at, {"type": "door_open"}))
                self._schedule(at, self.rng.uniform(5, 90), d.uid, "door_close")
            self._schedule(at, self._period(600), d.uid, stream)
        elif stream == "door_close":
            events.append((at, {"type": "door_close"}))
        elif stream == "water":
            mean = WATER_LITRES_PER_HOUR[hour] / 4
            litres = round(self.rng.expovariate(1 / mean), 1) if mean > 0 else 0.0
            events.append((at, {"type": "water", "value": litres}))
            self._schedule(at, self._period(900), d.uid, stream)
        elif stream == "temperature":
            events.append((at, {"type": "temperature", "value": round(self.rng.gauss(36.6, 0.25), 1)}))
            self._schedule(at, self._period(300), d.uid, stream)
        elif stream == "heart_rate":
            base = 62 if hour < 6 else 74
            events.append((at, {"type": "heart_rate", "value": int(self.rng.gauss(base, 7))}))
            self._schedule(at, self._period(300), d.uid, stream)
        elif stream == "ring":
            if 8 <= hour < 21 and self.rng.random() < 0.1:
                events.append((at, {"type": "ring"}))
            self._schedule(at, self._period(1800), d.uid, stream)
        elif stream == "fall":
            kind = "fall" if "fall" in d.event_types else "sos"
            events.append((at, {"type": kind}))
            self._schedule(at, self.fall_every, d.uid, stream)
        messages = [self._message(when, d, event) for when, event in events]
        if messages and self.recent and self.rng.randrange(DUPLICATE_ONE_IN) == 0:
            self.duplicates += 1
            old = self.rng.choice(list(self.recent))
            messages.append(Message(at, old.topic, old.payload))
        for m in messages:
            self.recent.append(m)
        self.sent += len(messages)
        return messages

    def _message(self, at: datetime.datetime, d: SimDevice, event: dict[str, Any]) -> Message:
        n = self.counter.get(d.uid, 0) + 1
        self.counter[d.uid] = n
        body = {"id": f"{self.run}:{n}", "ts": at.astimezone(self.tz).isoformat(timespec="milliseconds"), **event}
        payload = json.dumps(body, separators=(",", ":")).encode()
        if self.rng.randrange(MALFORMED_ONE_IN) == 0:
            self.malformed += 1
            payload = self.rng.choice([payload[: len(payload) // 2], b"\xff\xfe not json",
                                       json.dumps({**body, "type": "teleport"}).encode(),
                                       json.dumps({**body, "ts": "yesterday"}).encode()])
        return Message(at, f"{self.root}/{d.community}/{d.uid}/events", payload)


def load_devices() -> tuple[list[SimDevice], str | None]:
    """The active devices, and the demo's fall device: the first active fall detector, wearable
    or pendant in the houses of the street's first grid."""
    from linli.devices.models import Device
    from linli.grids.models import Grid

    rows = Device.objects.filter(status="active").select_related("kind", "house").order_by("uid")
    devices: list[SimDevice] = []
    paths: dict[str, str] = {}
    for d in rows.iterator(chunk_size=2000):
        devices.append(SimDevice(uid=d.uid, kind=d.kind_id, community=community_code(d.house.path),
                                 heartbeat_minutes=max(1, d.kind.heartbeat_minutes),
                                 event_types=tuple(d.kind.event_types)))
        paths[d.uid] = d.house.path
    grid = Grid.objects.order_by("id").first()
    if grid is None:
        return devices, None
    covered = tuple(grid.places.values_list("path", flat=True))
    for kind in ("fall", "wearable", "sos"):
        for sim in devices:
            if sim.kind == kind and covered and paths[sim.uid].startswith(covered):
                return devices, sim.uid
    return devices, None


def publish(traffic: Traffic, send: Callable[[str, bytes], object], *, duration: float = 0.0,
            stopping: Callable[[], bool] = lambda: False,
            now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC),
            sleep: Callable[[float], object] = time.sleep) -> int:
    """Send the traffic as it falls due, until ``duration`` seconds passed (0: until stopped)."""
    started = now()
    sent = 0
    while not stopping():
        current = now()
        if duration and (current - started).total_seconds() >= duration:
            break
        for m in traffic.until(current):
            send(m.topic, m.payload)
            sent += 1
        upcoming = traffic.next_at()
        wait = 0.5 if upcoming is None else (upcoming - now()).total_seconds()
        sleep(min(max(wait, 0.0), 0.5))
    return sent


def stream(traffic: Traffic, start: datetime.datetime, seconds: float, step: float = 1.0) -> Iterator[Message]:
    """The messages of ``seconds`` of traffic from ``start``, without waiting (tests, benchmarks)."""
    t = 0.0
    while t < seconds:
        t = min(seconds, t + step)
        yield from traffic.until(start + datetime.timedelta(seconds=t))
