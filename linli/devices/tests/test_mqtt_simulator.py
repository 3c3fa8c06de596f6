"""The demo's device traffic: what is sent when (no broker needed), and which devices it uses."""

from __future__ import annotations

import collections
import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from linli.devices import mqtt, simulator
from linli.devices.kinds import BUILTIN_KINDS

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime.datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI)


def device(uid: str, kind: str, community: str = "310115099001") -> simulator.SimDevice:
    _, heartbeat, _, types = BUILTIN_KINDS[kind]
    return simulator.SimDevice(uid=uid, kind=kind, community=community, heartbeat_minutes=heartbeat,
                               event_types=tuple(types))


def street(n: int = 50) -> list[simulator.SimDevice]:
    kinds = list(BUILTIN_KINDS)
    return [device(f"D{i:04d}", kinds[i % len(kinds)], f"3101150990{i % 3 + 1:02d}") for i in range(n)]


def run(traffic: simulator.Traffic, hours: float) -> list[simulator.Message]:
    return list(simulator.stream(traffic, START, hours * 3600, step=60))


def decoded(messages: list[simulator.Message]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for m in messages:
        try:
            body = json.loads(m.payload)
        except ValueError:
            continue
        parsed = mqtt.parse_topic(m.topic)
        assert parsed is not None
        out.append((parsed[0], parsed[1], body))
    return out


def test_the_same_seed_gives_the_same_traffic_and_another_seed_other_traffic() -> None:
    devices = street()
    first = run(simulator.Traffic(devices, start=START, seed=3), 2)
    again = run(simulator.Traffic(devices, start=START, seed=3), 2)
    other = run(simulator.Traffic(devices, start=START, seed=4), 2)
    assert first == again
    assert first != other


def test_every_message_is_on_its_device_topic_with_an_event_of_its_kind() -> None:
    devices = street()
    kinds = {d.uid: d for d in devices}
    messages = decoded(run(simulator.Traffic(devices, start=START, seed=1), 6))
    assert messages
    for community, uid, body in messages:
        d = kinds[uid]
        assert community == d.community
        assert body["type"] in d.event_types or body["type"] == "teleport"  # teleport: a deliberate bad one
        assert 1 <= len(body["id"]) <= 64
        assert datetime.datetime.fromisoformat(body["ts"]).tzinfo is not None
    times = [m.at for m in run(simulator.Traffic(devices, start=START, seed=1), 1)]
    assert times == sorted(times)


def test_heartbeats_follow_the_kind_and_the_battery_only_drains() -> None:
    wearable = device("W1", "wearable")  # heartbeat every 30 minutes
    smoke = device("S1", "smoke")  # every 12 hours
    messages = decoded(run(simulator.Traffic([wearable, smoke], start=START, seed=2), 24))
    beats = collections.Counter(uid for _, uid, body in messages if body["type"] == "heartbeat")
    assert 46 <= beats["W1"] <= 54  # 24 h / 30 min, each a little early
    assert 2 <= beats["S1"] <= 3
    levels = [body["battery"] for _, uid, body in messages if uid == "W1" and body["type"] == "heartbeat"]
    assert all(0 <= b <= 100 for b in levels)
    assert levels == sorted(levels, reverse=True)
    readings = collections.Counter(body["type"] for _, uid, body in messages if uid == "W1")
    assert readings["temperature"] == readings["heart_rate"] == 24 * 12  # every five minutes
    temperatures = [body["value"] for _, uid, body in messages if body["type"] == "temperature"]
    assert 35.5 < sum(temperatures) / len(temperatures) < 37.3


def test_doors_open_by_day_more_than_by_night_and_close_after_opening() -> None:
    doors = [device(f"DOOR{i}", "door") for i in range(60)]
    messages = decoded(run(simulator.Traffic(doors, start=START, seed=5), 24))
    hours = collections.Counter(
        datetime.datetime.fromisoformat(body["ts"]).astimezone(SHANGHAI).hour
        for _, _, body in messages if body["type"] == "door_open")
    night = sum(hours[h] for h in range(0, 5))
    morning = sum(hours[h] for h in range(6, 11))
    assert morning > 5 * max(night, 1)
    once = {(uid, body["id"]): (uid, body) for _, uid, body in messages}.values()  # without the repeats
    opened = collections.Counter(uid for uid, body in once if body["type"] == "door_open")
    closed = collections.Counter(uid for uid, body in once if body["type"] == "door_close")
    assert sum(opened.values()) >= 60 * 3  # a few times a day each
    for uid, n in opened.items():
        assert closed[uid] in (n, n - 1)  # the last one may still be open at the end


def test_water_is_reported_every_quarter_hour_with_little_at_night() -> None:
    meters = [device(f"WATER{i}", "water") for i in range(10)]
    messages = decoded(run(simulator.Traffic(meters, start=START, seed=6), 24))
    usage = [(datetime.datetime.fromisoformat(b["ts"]).astimezone(SHANGHAI).hour, b["value"])
             for _, _, b in messages if b["type"] == "water"]
    assert len(usage) == 10 * 24 * 4
    night = sum(v for h, v in usage if 1 <= h < 4)
    evening = sum(v for h, v in usage if 18 <= h < 21)
    assert night < evening / 10


def test_a_fall_every_few_minutes_from_the_fall_device() -> None:
    devices = [device("F1", "fall"), device("P1", "sos"), device("D1", "door")]
    traffic = simulator.Traffic(devices, start=START, seed=7, fall_every=180, fall_device="F1")
    falls = [(uid, b) for _, uid, b in decoded(run(traffic, 1)) if b["type"] == "fall"]
    assert {uid for uid, _ in falls} == {"F1"}
    assert 19 <= len(falls) <= 21  # one every three minutes
    pendant = simulator.Traffic(devices, start=START, seed=7, fall_every=600, fall_device="P1")
    sos = [uid for _, uid, b in decoded(run(pendant, 1)) if b["type"] == "sos"]
    assert sos and set(sos) == {"P1"}  # a pendant has no fall sensor: its button is pressed
    none = simulator.Traffic(devices, start=START, seed=7, fall_every=0, fall_device="F1")
    assert not [b for _, _, b in decoded(run(none, 1)) if b["type"] in ("fall", "sos")]


def test_rate_scales_the_traffic() -> None:
    devices = street(30)
    normal = len(run(simulator.Traffic(devices, start=START, seed=8, fall_every=0), 2))
    double = len(run(simulator.Traffic(devices, start=START, seed=8, fall_every=0, rate=2), 2))
    assert 1.7 * normal < double < 2.3 * normal


def test_some_messages_are_unreadable_and_some_sent_twice() -> None:
    devices = street(200)
    traffic = simulator.Traffic(devices, start=START, seed=9, fall_every=0)
    messages = run(traffic, 24)
    unreadable = [m for m in messages if _unreadable(m.payload)]
    ids = collections.Counter((m.topic, json.loads(m.payload)["id"]) for m in messages if not _unreadable(m.payload))
    repeated = [key for key, n in ids.items() if n > 1]
    assert traffic.duplicates >= 1 and len(repeated) >= 1
    assert traffic.malformed == len(unreadable) >= 1
    assert len(messages) / DUPLICATE_TOLERANCE < traffic.duplicates * simulator.DUPLICATE_ONE_IN < len(messages) * DUPLICATE_TOLERANCE


DUPLICATE_TOLERANCE = 3


def _unreadable(payload: bytes) -> bool:
    try:
        body = json.loads(payload)
    except ValueError:
        return True
    return body.get("type") == "teleport" or body.get("ts") == "yesterday"


def test_publish_sends_what_is_due_and_stops_after_the_duration() -> None:
    devices = street(20)
    traffic = simulator.Traffic(devices, start=START, seed=10, fall_every=60, fall_device="D0002")
    clock = [START]
    sent: list[tuple[str, bytes]] = []

    def sleep(seconds: float) -> None:
        clock[0] += datetime.timedelta(seconds=max(seconds, 0.01))

    count = simulator.publish(traffic, lambda t, p: sent.append((t, p)), duration=600,
                              now=lambda: clock[0], sleep=sleep)
    assert count == len(sent) > 0
    reference = list(simulator.stream(simulator.Traffic(devices, start=START, seed=10, fall_every=60,
                                                        fall_device="D0002"), START, 600))
    assert sent[: len(reference) - 5] == [(m.topic, m.payload) for m in reference][: len(reference) - 5]


def test_community_code_from_a_house_path() -> None:
    assert simulator.community_code("31/01/15/099/001/002/003/01/0101/") == "310115099001"


@pytest.mark.django_db
def test_the_active_devices_and_the_fall_device_of_the_first_grid() -> None:
    from linli.devices.models import Device, DeviceKind
    from linli.grids.models import Grid
    from linli.places.models import Level, Place

    grid = Grid.objects.order_by("id").first()
    building = grid.places.order_by("path").first()
    houses = list(Place.objects.filter(path__startswith=building.path, level=Level.HOUSE).order_by("path")[:3])
    elsewhere = Place.objects.filter(level=Level.HOUSE).exclude(path__startswith=grid.community.path).first()
    kinds = {k.code: k for k in DeviceKind.objects.all()}

    def add(uid: str, kind: str, house: Place, status: str = "active") -> Device:
        return Device.objects.create(uid=uid, kind=kinds[kind], house=house, path=house.path, status=status)

    add("A-FALL-OUT", "fall", elsewhere)
    add("B-WEAR-IN", "wearable", houses[1])
    add("C-FALL-IN", "fall", houses[2])
    add("D-DOOR-IN", "door", houses[0])
    add("E-FALL-OFF", "fall", houses[0], status="registered")
    devices, fall_device = simulator.load_devices()
    assert [d.uid for d in devices] == ["A-FALL-OUT", "B-WEAR-IN", "C-FALL-IN", "D-DOOR-IN"]
    assert fall_device == "C-FALL-IN"  # a fall detector first, then a wearable, then a pendant
    door = devices[-1]
    assert door.community == grid.community.code
    assert door.heartbeat_minutes == kinds["door"].heartbeat_minutes and "door_open" in door.event_types
