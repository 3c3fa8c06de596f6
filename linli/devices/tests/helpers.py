"""Devices made through the actions in the test street (shared with the access matrix)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.utils import timezone

from linli.conftest import Street
from linli.devices import actions, wire
from linli.devices.models import Device, DeviceKind
from linli.people.models import Person
from linli.places.models import Place

_serial = [0]


def next_uid(prefix: str = "DS") -> str:
    _serial[0] += 1
    return f"{prefix}-{_serial[0]:06d}"


def register(user: Any, house: Place, kind: str = "door", person: Person | None = None, uid: str = "",
             label: str = "入户门") -> tuple[Device, str]:
    return actions.do_register_device(actions.NewDevice(uid=uid or next_uid(), kind=DeviceKind.objects.get(pk=kind),
                                                        house=house, person=person, label=label), acting_user=user)


def activate(user: Any, device: Device, **fields: Any) -> Device:
    data = {"legal_basis": "《个人信息保护法》第十三条第一项，本人同意", "consent_by": "王秀英", "relation": "self",
            "consent_at": timezone.now() - datetime.timedelta(days=1), **fields}
    return actions.do_record_consent_and_activate(device, acting_user=user, **data)


def active_device(street: Street, kind: str = "door", building: Place | None = None,
                  user: Any = None) -> tuple[Device, str]:
    user = user or street.admin
    house = street.house_in(building or street.grid_building)
    device, secret = register(user, house, kind)
    activate(user, device)
    device.refresh_from_db()
    return device, secret


def make_matrix_rows(street: Street, far_house: Place) -> None:
    """An active door sensor in the grid worker's grid, with an event, and one in the far district."""
    from linli.devices import ingest

    for house in (street.house_in(street.grid_building), far_house):
        device, _ = register(street.admin, house, "door")
        activate(street.admin, device)
        ingest.receive([incoming(device, {"id": "m-1", "ts": timezone.now().isoformat(), "type": "door_open"})],
                       via="mqtt")


def incoming(device: Device, payload: Any, received_at: datetime.datetime | None = None,
             community: str | None = None) -> wire.Incoming:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return wire.Incoming(wire.community_of(device.path) if community is None else community, device.uid, raw,
                         received_at or timezone.now())


def at(minutes_ago: float, now: datetime.datetime | None = None) -> str:
    return ((now or timezone.now()) - datetime.timedelta(minutes=minutes_ago)).isoformat()
