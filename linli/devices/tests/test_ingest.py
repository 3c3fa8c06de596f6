"""Storing device messages: once each, out of order, counted when unreadable or unknown."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from linli.conftest import Street
from linli.devices import hooks, ingest
from linli.devices.models import DeviceEvent, DeviceStatus
from linli.devices.tests.helpers import active_device, at, incoming, register


@pytest.fixture
def heard() -> Iterator[list[list[Any]]]:
    calls: list[list[Any]] = []

    def handler(events: Any) -> None:
        calls.append(list(events))

    hooks.on_events(handler)
    yield calls
    hooks._events.remove(handler)


def test_same_event_twice_is_stored_once(street: Street, heard: list[list[Any]]) -> None:
    device, _ = active_device(street)
    message = {"id": "e-1", "ts": at(5), "type": "door_open", "battery": 80}
    first = ingest.receive([incoming(device, message)], via="mqtt")
    again = ingest.receive([incoming(device, message), incoming(device, message)], via="mqtt")
    assert (first.stored, first.duplicates) == (1, 0)
    assert (again.stored, again.duplicates) == (0, 2)
    assert DeviceEvent.objects.filter(device=device).count() == 1
    # the apps above hear of the new event only, with the device already read
    assert [[e.event_id for e in call] for call in heard] == [["e-1"]]
    event = heard[0][0]
    assert event.device.kind.code == "door" and event.device.house_id == device.house_id and event.pk


def test_out_of_order_never_moves_back(street: Street, heard: list[list[Any]]) -> None:
    device, _ = active_device(street)
    now = timezone.now()
    ingest.receive([incoming(device, {"id": "new", "ts": at(1, now), "type": "door_open", "battery": 70},
                             received_at=now)], via="mqtt")
    late = now + datetime.timedelta(seconds=30)
    outcome = ingest.receive([incoming(device, {"id": "old", "ts": at(60, now), "type": "door_close", "battery": 90},
                                       received_at=late)], via="https")
    assert outcome.stored == 1
    device.refresh_from_db()
    assert device.last_event_at == now - datetime.timedelta(minutes=1)
    assert device.last_activity_at == now - datetime.timedelta(minutes=1)
    assert device.last_seen_at == late  # heard from it later, though about the past
    assert device.battery == 70  # the old message's battery level is out of date
    # a batch arriving out of order in itself: the latest event wins
    ingest.receive([incoming(device, {"id": "c", "ts": at(-0.5, now), "type": "heartbeat", "battery": 65}),
                    incoming(device, {"id": "b", "ts": at(0.5, now), "type": "heartbeat", "battery": 66})], via="mqtt")
    device.refresh_from_db()
    assert device.battery == 65 and device.last_activity_at == now - datetime.timedelta(minutes=1)
    assert [e.event_id for e in heard[-1]] == ["b", "c"]  # oldest first


def test_heartbeat_is_not_activity(street: Street) -> None:
    device, _ = active_device(street)
    ingest.receive([incoming(device, {"id": "hb", "ts": at(1), "type": "heartbeat"})], via="mqtt")
    device.refresh_from_db()
    assert device.last_seen_at is not None and device.last_event_at is not None
    assert device.last_activity_at is None


def test_malformed_is_counted_on_the_device(street: Street, heard: list[list[Any]]) -> None:
    device, _ = active_device(street)
    outcome = ingest.receive([incoming(device, b"{oops"), incoming(device, {"id": "x", "ts": at(1), "type": "flood"}),
                              incoming(device, {"id": "ok", "ts": at(1), "type": "door_open"})], via="mqtt")
    assert (outcome.stored, outcome.malformed, outcome.unknown) == (1, 2, 0)
    device.refresh_from_db()
    assert device.malformed_count == 2
    assert device.last_malformed_reason == "unknown_type: flood"
    assert device.last_malformed_at is not None
    ingest.receive([incoming(device, b"[]")], via="mqtt")
    device.refresh_from_db()
    assert device.malformed_count == 3 and device.last_malformed_reason == "not_object"


def test_wrong_community_inactive_and_unknown_devices(street: Street, heard: list[list[Any]]) -> None:
    device, _ = active_device(street)
    registered, _ = register(street.admin, street.house_in(street.grid_building))
    message = {"id": "e", "ts": at(1), "type": "door_open"}
    outcome = ingest.receive([
        incoming(device, message, community="310115099999"),  # the topic names another community
        incoming(registered, message),  # not activated
        incoming(device, message),
    ], via="mqtt")
    assert (outcome.unknown, outcome.stored) == (2, 1)
    stranger = ingest.receive([ingest.wire.Incoming("310115099001", "NO-SUCH-DEVICE", b"{}", timezone.now())],
                              via="mqtt")
    assert stranger.unknown == 1
    device.status = DeviceStatus.SUSPENDED
    device.save(update_fields=["status"])
    assert ingest.receive([incoming(device, {**message, "id": "f"})], via="mqtt").unknown == 1
    registered.refresh_from_db()
    assert registered.last_seen_at is None and registered.malformed_count == 0
    assert sum(len(call) for call in heard) == 1


def test_an_empty_batch(street: Street) -> None:
    assert ingest.receive([], via="mqtt") == ingest.Outcome()
