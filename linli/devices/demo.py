"""The demo street's devices: about one for every ten residents, installed and consented.

- every elder living alone: a door sensor on her flat and an SOS pendant; a few also a water
  meter (the "no water used for 24 h" rule);
- every flat under a home quarantine order: a door sensor; half of the quarantined people a
  wearable (temperature, heart rate);
- smoke detectors in other flats, up to one device per ten residents.

All active, with a plausible legal basis and the person's own consent where the device watches
someone, recently heard from (none silent at the start). Rows are written in bulk: a 50,000
resident street takes a few seconds. Running it again adds nothing.

    from linli.devices.demo import build_devices
    build_devices(street, random.Random(seed))   # street: the Place of level street
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core import bulk
from linli.devices import wire
from linli.devices.models import Device, DeviceKind, DeviceStatus
from linli.health.models import OrderKind, OrderStatus, QuarantineOrder
from linli.people.models import Person, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place

RESIDENTS_PER_DEVICE = 10
WATER_SHARE = 0.1  # of the elders living alone
WEARABLE_SHARE = 0.5  # of the quarantined
CARE = "《个人信息保护法》第十三条第一项（本人同意）；社区居家养老服务协议"
QUARANTINE = "《传染病防治法》第三十九条；居家隔离医学观察通知书"
FIRE = "《消防法》第十六条；社区消防安全网格化管理"
LABELS = {"door": "入户门", "sos": "随身佩戴", "water": "厨房水表", "wearable": "手腕", "smoke": "客厅吊顶"}


def build_devices(street: Place, rng: random.Random, *, now: datetime.datetime | None = None) -> dict[str, int]:
    """Devices for ``street``; how many of each kind were made."""
    if Device.objects.filter(path__startswith=street.path).exists():
        return {}
    now = now or timezone.now()
    residents = Person.objects.filter(path__startswith=street.path, is_active=True, current_house__isnull=False)
    target = residents.count() // RESIDENTS_PER_DEVICE
    elders = list(residents.filter(special_groups_index__contains=group_token(SpecialGroup.ALONE_ELDER))
                  .order_by("pk").values_list("pk", "current_house_id", "name"))
    quarantined = list(QuarantineOrder.objects.filter(path__startswith=street.path, status=OrderStatus.ACTIVE,
                                                      kind=OrderKind.HOME, person__current_house__isnull=False)
                       .order_by("pk").values_list("person_id", "person__current_house_id", "person__name"))
    plan: list[tuple[str, int, int | None, str, str]] = []  # kind, house, person, legal basis, consenting name
    for person, house, name in elders:
        plan += [("door", house, person, CARE, name), ("sos", house, person, CARE, name)]
        if rng.random() < WATER_SHARE:
            plan.append(("water", house, person, CARE, name))
    doors = {house for _, house, _, _, _ in plan}
    for person, house, name in quarantined:
        if house not in doors:
            doors.add(house)
            plan.append(("door", house, person, QUARANTINE, name))
        if rng.random() < WEARABLE_SHARE:
            plan.append(("wearable", house, person, QUARANTINE, name))
    watched = {house for _, house, _, _, _ in plan}
    spare = max(0, target - len(plan))
    if spare:
        houses = list(Place.objects.filter(path__startswith=street.path, level=Level.HOUSE)
                      .exclude(pk__in=watched).values_list("pk", flat=True))
        plan += [("smoke", house, None, FIRE, "") for house in rng.sample(houses, min(spare, len(houses)))]
    return _write(street, plan, rng, now)


def _write(street: Place, plan: list[tuple[str, int, int | None, str, str]], rng: random.Random,
           now: datetime.datetime) -> dict[str, int]:
    heartbeat = dict(DeviceKind.objects.values_list("code", "heartbeat_minutes"))
    paths = dict(Place.objects.filter(pk__in={house for _, house, _, _, _ in plan}).values_list("pk", "path"))
    serial = {"door": "MC", "sos": "SOS", "water": "WM", "wearable": "WB", "smoke": "YG"}
    devices: list[Device] = []
    counts: dict[str, int] = {}
    for n, (kind, house, person, basis, name) in enumerate(plan, start=1):
        installed = now - datetime.timedelta(days=rng.randint(20, 400), minutes=rng.randint(0, 600))
        # Heard from within half its heartbeat: nobody is silent when the demo starts.
        seen = now - datetime.timedelta(minutes=rng.uniform(0, heartbeat[kind] / 2))
        devices.append(Device(
            uid=f"{serial[kind]}-{street.code[-3:]}-{n:06d}", kind_id=kind, house_id=house, person_id=person,
            label=LABELS[kind], path=paths[house], status=DeviceStatus.ACTIVE, legal_basis=basis,
            consent_by=f"self:{name}" if person else "", consent_at=installed if person else None,
            activated_at=installed, secret=wire.new_secret(), battery=rng.randint(35, 100), last_seen_at=seen,
            last_event_at=seen, last_activity_at=seen if kind in ("door", "water") else None))
        counts[kind] = counts.get(kind, 0) + 1
    with transaction.atomic():
        bulk.insert(Device, devices)
    return counts


def prepare_demo_devices(seed: int) -> dict[str, int]:
    """The demo street's devices (``linli demo``)."""
    street = Place.objects.filter(level=Level.STREET).order_by("path").first()
    return build_devices(street, random.Random(seed)) if street is not None else {}  # noqa: S311 - made-up data


def describe(counts: dict[str, Any]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
