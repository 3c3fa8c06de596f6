"""Device events into alerts: facts gathered in bulk, one open alert per house and condition,
clearing where the rules say, the absence sweep."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.alerts import intake
from linli.alerts.models import Alert, AlertEntry, EntryKind, State
from linli.alerts.tests.helpers import device, elder_in, events, feed
from linli.conftest import Street
from linli.devices.models import Device
from linli.tickets.tests.helpers import quarantined_neighbour

pytestmark = pytest.mark.django_db


def test_a_fall_raises_one_critical_alert_and_later_falls_attach(street: Street) -> None:
    house = street.house_in(street.grid_building)
    pendant = device(house, "fall")
    feed(pendant, ("fall", None))
    alert = Alert.objects.get(house=house, condition="fall")
    assert (alert.severity, alert.state, alert.team, alert.event_count) == ("critical", State.NEW, "grid", 1)
    assert alert.grid is not None and alert.explanation["rule"] == "fall"
    kinds = list(alert.entries.values_list("kind", flat=True))
    assert kinds[0] == EntryKind.RAISED and EntryKind.PAGED in kinds
    assert alert.next_step_at is not None
    feed(pendant, ("fall", None), ("fall", None))
    alert.refresh_from_db()
    assert Alert.objects.filter(house=house, condition="fall").count() == 1
    assert alert.event_count == 3
    assert alert.entries.filter(kind=EntryKind.EVENT).get().data["events"] == 2


def test_door_opened_during_home_quarantine_goes_to_health(street: Street) -> None:
    person = quarantined_neighbour(street)
    sensor = device(person.current_house, "door", person)
    feed(sensor, ("door_open", None))
    alert = Alert.objects.get(house=person.current_house, condition="door_quarantine")
    assert (alert.severity, alert.team) == ("major", "health")
    assert alert.explanation["read"] == {"home_quarantine": True}
    # An unquarantined flat's door raises nothing.
    other = device(street.house_in(street.other_grid_building), "door")
    feed(other, ("door_open", None))
    assert not Alert.objects.filter(house=other.house).exists()


def test_fever_raises_and_clears_when_the_temperature_is_back(street: Street) -> None:
    person = quarantined_neighbour(street)
    band = device(person.current_house, "wearable", person)
    feed(band, ("temperature", 36.8))
    assert not Alert.objects.filter(condition="fever").exists()
    feed(band, ("temperature", 38.4))
    alert = Alert.objects.get(condition="fever", house=person.current_house)
    assert alert.team == "health" and alert.explanation["read"]["value"] == 38.4
    feed(band, ("temperature", 36.9))
    alert.refresh_from_db()
    assert alert.state == State.CLEARED and alert.cleared_at is not None


def test_smoke_lists_neighbours_and_a_clear_event_never_closes_it(street: Street) -> None:
    house = street.house_in(street.grid_building)
    detector = device(house, "smoke")
    feed(detector, ("smoke", None))
    alert = Alert.objects.get(house=house, condition="smoke")
    assert alert.severity == "critical"
    assert alert.explanation["neighbours"] and all(isinstance(n, str) for n in alert.explanation["neighbours"])
    feed(detector, ("clear", None))
    alert.refresh_from_db()
    assert alert.state == State.NEW
    assert alert.entries.filter(kind=EntryKind.NOTE, data__held=True).exists()


def test_a_raise_and_a_clear_in_one_batch_keep_the_raise(street: Street) -> None:
    person = quarantined_neighbour(street)
    band = device(person.current_house, "wearable", person)
    feed(band, ("temperature", 36.5), ("temperature", 38.0))
    assert Alert.objects.filter(condition="fever", state=State.NEW).count() == 1


def test_silence_raises_minor_and_hearing_the_device_clears_it(street: Street) -> None:
    house = street.house_in(street.grid_building)
    sensor = device(house, "door")
    intake.handle_silence([Device.objects.select_related("kind", "house").get(pk=sensor.pk)])
    intake.handle_silence([Device.objects.select_related("kind", "house").get(pk=sensor.pk)])
    alert = Alert.objects.get(house=house, condition="silent")
    assert alert.severity == "minor" and alert.event_count == 0
    feed(sensor, ("heartbeat", None))
    alert.refresh_from_db()
    assert alert.state == State.CLEARED


def test_absence_sweep_for_elders_living_alone(street: Street) -> None:
    now = timezone.now()
    house = street.house_in(street.far_building)
    elder = elder_in(street, house)
    idle = device(house, "door", elder, last_activity_at=now - datetime.timedelta(hours=30))
    water = device(house, "water", elder, last_activity_at=now - datetime.timedelta(hours=2))
    other_house = street.house_in(street.other_grid_building)
    device(other_house, "door", last_activity_at=now - datetime.timedelta(hours=30))
    assert intake.sweep_absence(now) == 1
    assert intake.sweep_absence(now) == 0  # already open
    alert = Alert.objects.get(house=house, condition="door_idle")
    assert alert.severity == "major" and alert.explanation["read"]["idle_hours"] >= 24
    assert not Alert.objects.filter(house=other_house).exists()
    assert not Alert.objects.filter(condition="water_idle").exists() and water.pk
    feed(idle, ("door_open", None))
    alert.refresh_from_db()
    assert alert.state == State.CLEARED


def test_a_batch_costs_a_fixed_number_of_queries(street: Street) -> None:
    houses = [street.house_in(street.grid_building), street.house_in(street.other_grid_building)]
    sensors = [device(h, "door") for h in houses]
    small = events(sensors[0], ("door_open", None)) + events(sensors[1], ("heartbeat", None))
    big = []
    for sensor in sensors:
        big += events(sensor, *[("door_open", None), ("door_close", None), ("heartbeat", None)] * 50)
    with CaptureQueriesContext(connection) as few:
        intake.handle_events(small)
    with CaptureQueriesContext(connection) as many:
        intake.handle_events(big)
    assert len(many.captured_queries) == len(few.captured_queries)
    assert not AlertEntry.objects.filter(alert__house__in=houses).exists()
