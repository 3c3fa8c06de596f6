"""Devices, events and alerts for the alert tests (and the access matrix), made directly: the
devices' own ingest is not what is tested here."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from linli.alerts import intake
from linli.alerts.models import Alert
from linli.conftest import Street
from linli.devices.models import Device, DeviceEvent, DeviceStatus
from linli.people.actions import PersonInput, do_create_person
from linli.people.models import Person
from linli.places.models import Place

_serial = itertools.count(1)


def device(house: Place, kind: str, person: Person | None = None, **fields: Any) -> Device:
    now = timezone.now()
    return Device.objects.create(uid=f"T-{kind}-{next(_serial)}", kind_id=kind, house=house, path=house.path,
                                 person=person, status=DeviceStatus.ACTIVE, legal_basis="test", consent_by="本人",
                                 consent_at=now, activated_at=fields.pop("activated_at", now), **fields)


def events(dev: Device, *specs: tuple[str, float | None], at: datetime.datetime | None = None) -> list[DeviceEvent]:
    """Store events of ``dev`` (type, value) a second apart, loaded as the hook hands them over."""
    start = at or timezone.now()
    rows = [DeviceEvent(device=dev, event_id=f"e{next(_serial)}", type=type_, value=value,
                        occurred_at=start + datetime.timedelta(seconds=n), received_at=timezone.now(), via="mqtt",
                        path=dev.path) for n, (type_, value) in enumerate(specs)]
    DeviceEvent.objects.bulk_create(rows)
    return list(DeviceEvent.objects.filter(pk__in=[r.pk for r in rows])
                .select_related("device", "device__kind", "device__house", "device__person").order_by("occurred_at"))


def feed(dev: Device, *specs: tuple[str, float | None], at: datetime.datetime | None = None) -> list[DeviceEvent]:
    """Store events and hand them to the intake, as the ingest does."""
    stored = events(dev, *specs, at=at)
    intake.handle_events(stored)
    return stored


def elder_in(street: Street, house: Place, name: str = "独居老人") -> Person:
    return do_create_person(PersonInput(name=name, special_groups=["alone_elder"]), acting_user=street.admin,
                            house=house)


def fall_in(street: Street, building: Place | None = None) -> Alert:
    house = street.house_in(building or street.grid_building)
    feed(device(house, "fall"), ("fall", None))
    return Alert.objects.get(house=house, condition="fall", state="new")


def make_matrix_rows(street: Street, far: dict[str, Place]) -> None:
    """For the access matrix: a fall in the grid worker's grid, a fever under quarantine in the
    community (the health officer's), and a fall in the far district; a chain and shifts."""
    from linli.alerts import actions
    from linli.places.models import Level
    from linli.tickets.tests.helpers import quarantined_neighbour

    fall_in(street)
    person = quarantined_neighbour(street, street.other_grid_building)
    feed(device(person.current_house, "wearable", person), ("temperature", 38.2))
    feed(device(far[Level.HOUSE], "fall"), ("fall", None))
    steps = [actions.StepInput("grid_on_duty", 2), actions.StepInput("community_duty", 5)]
    for community in (street.community, far[Level.COMMUNITY]):
        actions.do_save_chain(community, acting_user=street.admin, severity="", steps=steps)
    from linli.grids.models import Grid

    grid = Grid.objects.filter(community=street.community).order_by("code").first()
    actions.do_create_shifts(street.community, acting_user=street.admin, grid=grid, first_day=timezone.localdate(),
                             weeks=1, day={d: street.grid_worker for d in range(7)}, night={})
    actions.do_create_shifts(far[Level.COMMUNITY], acting_user=street.admin, grid=None, first_day=timezone.localdate(),
                             weeks=1, day={}, night={d: street.admin for d in range(7)})
    # swap offers: the grid worker's shift offered to the secretary, and one in the far community
    from linli.alerts.models import Shift, SwapOffer

    mine = Shift.objects.filter(grid=grid, user=street.grid_worker).order_by("-starts_at").first()
    SwapOffer.objects.create(shift=mine, path=mine.path, offered_by=street.grid_worker, offered_to=street.secretary)
    theirs = Shift.objects.filter(community=far[Level.COMMUNITY]).order_by("-starts_at").first()
    SwapOffer.objects.create(shift=theirs, path=theirs.path, offered_by=street.admin, offered_to=street.secretary)
