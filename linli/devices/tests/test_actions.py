"""Registering, consent and activation, suspension and retirement; the sweep and the purge."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from linli.conftest import Street
from linli.core.access import PermissionDenied
from linli.core.models import AuditEvent
from linli.devices import actions, hooks, ingest, wire
from linli.devices.models import DeviceEvent, DeviceKind, DeviceStatus
from linli.devices.tests.helpers import activate, active_device, incoming, register
from linli.people.models import Person


def test_register_gives_the_secret_once(street: Street) -> None:
    house = street.house_in(street.grid_building)
    device, secret = register(street.admin, house, "door", uid="MC-2026-0001")
    assert device.status == DeviceStatus.REGISTERED and device.path == house.path
    assert device.secret == secret and len(secret) >= 40
    assert AuditEvent.objects.filter(action="devices.register", object_id=str(device.pk)).exists()
    with pytest.raises(ValidationError) as caught:
        register(street.admin, house, "door", uid="MC-2026-0001")
    assert "uid" in caught.value.message_dict


@pytest.mark.parametrize("uid", ["", "ab", "has space", "a/b", "#", "x" * 65, "-leading"])
def test_bad_serial_numbers(street: Street, uid: str) -> None:
    with pytest.raises(ValidationError) as caught:
        register(street.admin, street.house_in(street.grid_building), uid=uid or " ")
    assert "uid" in caught.value.message_dict


def test_house_and_person_must_fit(street: Street) -> None:
    with pytest.raises(ValidationError) as caught:
        register(street.admin, street.grid_building)
    assert "house" in caught.value.message_dict
    stranger = street.person_in(street.far_building)
    with pytest.raises(ValidationError) as caught:
        register(street.admin, street.house_in(street.grid_building), "sos", person=stranger)
    assert "person" in caught.value.message_dict
    resident = Person.objects.filter(current_house__isnull=False, path__startswith=street.grid_building.path).first()
    assert resident is not None
    device, _ = register(street.admin, resident.current_house, "sos", person=resident)
    assert device.person == resident


def test_scope(street: Street) -> None:
    with pytest.raises(PermissionDenied):  # the grid worker may see devices, not register them
        register(street.grid_worker, street.house_in(street.grid_building))
    with pytest.raises(PermissionDenied):  # the secretary manages her own community only
        register(street.secretary, street.house_in(street.far_building))
    device, _ = register(street.secretary, street.house_in(street.grid_building))
    assert device.registered_by == street.secretary


def test_activation_needs_consent_where_a_person_is_watched(street: Street) -> None:
    door, _ = register(street.admin, street.house_in(street.grid_building), "door")  # watches a person
    with pytest.raises(ValidationError) as caught:
        actions.do_record_consent_and_activate(door, acting_user=street.admin, legal_basis="依据社区养老服务协议")
    assert {"consent_by", "consent_at", "relation"} <= set(caught.value.message_dict)
    door.refresh_from_db()
    assert door.status == DeviceStatus.REGISTERED and door.activated_at is None
    with pytest.raises(ValidationError) as caught:
        activate(street.admin, door, legal_basis="")
    assert set(caught.value.message_dict) == {"legal_basis"}
    with pytest.raises(ValidationError) as caught:
        activate(street.admin, door, consent_at=timezone.now() + datetime.timedelta(days=1))
    assert set(caught.value.message_dict) == {"consent_at"}
    activate(street.admin, door, consent_by="李明", relation="guardian")
    door.refresh_from_db()
    assert door.status == DeviceStatus.ACTIVE and door.activated_at is not None
    assert actions.consent_words(door)[1] == "李明" and door.consent_by == "guardian:李明"
    assert AuditEvent.objects.filter(action="devices.activate", object_id=str(door.pk)).exists()


def test_a_smoke_detector_needs_a_legal_basis_only(street: Street) -> None:
    smoke, _ = register(street.admin, street.house_in(street.grid_building), "smoke")
    with pytest.raises(ValidationError):
        actions.do_record_consent_and_activate(smoke, acting_user=street.admin, legal_basis="")
    actions.do_record_consent_and_activate(smoke, acting_user=street.admin, legal_basis="《消防法》第十六条")
    smoke.refresh_from_db()
    assert smoke.status == DeviceStatus.ACTIVE and smoke.consent_by == "" and smoke.consent_at is None


def test_a_smoke_detector_watching_a_person_needs_consent(street: Street) -> None:
    resident = Person.objects.filter(current_house__isnull=False, path__startswith=street.grid_building.path).first()
    assert resident is not None
    smoke, _ = register(street.admin, resident.current_house, "smoke", person=resident)
    with pytest.raises(ValidationError) as caught:
        actions.do_record_consent_and_activate(smoke, acting_user=street.admin, legal_basis="《消防法》第十六条")
    assert "consent_by" in caught.value.message_dict


def test_suspend_retire_rotate(street: Street) -> None:
    device, secret = active_device(street)
    new = actions.do_rotate_secret(device, acting_user=street.admin)
    device.refresh_from_db()
    assert new != secret and device.secret == new
    actions.do_suspend(device, acting_user=street.admin, reason="夏天外出")
    with pytest.raises(ValidationError):
        actions.do_suspend(device, acting_user=street.admin)
    activate(street.admin, device)  # back from the summer, consent recorded again
    actions.do_retire(device, acting_user=street.admin)
    device.refresh_from_db()
    assert device.status == DeviceStatus.RETIRED and device.secret == "" and device.retired_at
    with pytest.raises(ValidationError):
        activate(street.admin, device)
    with pytest.raises(ValidationError):
        actions.do_rotate_secret(device, acting_user=street.admin)


@pytest.fixture
def silenced() -> Iterator[list[list[Any]]]:
    calls: list[list[Any]] = []

    def handler(devices: Any) -> None:
        calls.append(list(devices))

    hooks.on_silence(handler)
    yield calls
    hooks._silence.remove(handler)


def test_the_silent_sweep(street: Street, silenced: list[list[Any]]) -> None:
    now = timezone.now()
    heard, _ = active_device(street, "door")  # heartbeat 60 minutes
    never, _ = active_device(street, "smoke")  # 720 minutes, never heard from
    suspended, _ = active_device(street, "door")
    actions.do_suspend(suspended, acting_user=street.admin)
    ingest.receive([incoming(heard, {"id": "hb", "ts": now.isoformat(), "type": "heartbeat"}, received_at=now)],
                   via="mqtt")
    mine = {heard.pk, never.pk, suspended.pk}

    def silent_at(minutes: int) -> set[int]:
        actions.sweep_silent(now + datetime.timedelta(minutes=minutes))
        return {d.pk for d in silenced[-1] if d.pk in mine} if silenced else set()

    assert silent_at(59) == set()
    assert silent_at(61) == {heard.pk}
    assert silent_at(12 * 60 + 1) == {heard.pk, never.pk}  # since its activation
    assert silenced[-1][0].kind.code  # with its kind (and house, person) already read


def test_the_purge_follows_each_kinds_retention(street: Street) -> None:
    door, _ = active_device(street, "door")
    smoke, _ = active_device(street, "smoke")
    DeviceKind.objects.filter(pk="smoke").update(retention_days=90)
    now = timezone.now()
    for device, kind in ((door, "door_open"), (smoke, "smoke")):
        ingest.receive([incoming(device, {"id": f"{kind}-{age}", "ts": (now - datetime.timedelta(days=age)).isoformat(),
                                          "type": kind}, received_at=now - datetime.timedelta(days=age))
                        for age in (1, 40)], via="mqtt")
    mine = DeviceEvent.objects.filter(device__in=[door, smoke])
    assert mine.count() == 4
    counts = actions.purge_events(now)
    assert counts.get("door", 0) >= 1 and "smoke" not in counts
    assert set(mine.values_list("event_id", flat=True)) == {"door_open-1", "smoke-1", "smoke-40"}
    assert AuditEvent.objects.filter(action="devices.purge_events").exists()
    assert actions.purge_events(now) == {}


def test_uid_rule_matches_the_wire() -> None:
    assert wire.UID.fullmatch("MC-2026-0001") and not wire.UID.fullmatch("a b")


def test_demo_devices(street: Street) -> None:
    import random

    from linli.devices.demo import build_devices
    from linli.devices.models import Device
    from linli.places.models import Level, Place

    whole = Place.objects.get(level=Level.STREET)
    counts = build_devices(whole, random.Random(1))
    residents = Person.objects.filter(is_active=True, current_house__isnull=False).count()
    made = Device.objects.filter(path__startswith=whole.path)
    assert made.count() == sum(counts.values()) and abs(made.count() - residents // 10) <= residents // 20
    assert counts["sos"] >= 1 and counts["door"] >= counts["sos"]  # a pendant for each elder, a door sensor too
    assert not made.exclude(status=DeviceStatus.ACTIVE).exists()
    assert not made.filter(person__isnull=False, consent_at__isnull=True).exists()
    assert not actions.silent_devices().filter(pk__in=made.values("pk")).exists()
    assert build_devices(whole, random.Random(1)) == {}  # again: nothing added
