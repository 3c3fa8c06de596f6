"""Demo gates: an east and a south gate for every compound of the first community, with the
demo grid worker and volunteer on duty at the first compound's gates all day, for a week
from today. Safe to run again: nothing is created twice."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from linli.core.models import User
from linli.gates.actions import day_start
from linli.gates.models import DutyShift, Gate
from linli.places.models import Level, Place

GATE_NAMES = ("东门", "南门")
ON_DUTY = ("demo-grid", "demo-volunteer")
ROSTER_DAYS = 7


@transaction.atomic
def prepare_demo_gates(days: int = ROSTER_DAYS) -> list[Gate]:
    community = Place.objects.filter(level=Level.COMMUNITY).order_by("code").first()
    if community is None:
        return []
    compounds = list(Place.objects.filter(parent=community, level=Level.COMPOUND).order_by("code"))
    gates = [Gate.objects.get_or_create(place=compound, name=name)[0]
             for compound in compounds for name in GATE_NAMES]
    if not compounds:
        return gates
    first_gates = [gate for gate in gates if gate.place_id == compounds[0].pk]
    today = timezone.localdate()
    for user in User.objects.filter(username__in=ON_DUTY):
        for offset in range(days):
            start = day_start(today + datetime.timedelta(days=offset))
            for gate in first_gates:
                DutyShift.objects.get_or_create(gate=gate, user=user, starts_at=start,
                                                defaults={"ends_at": start + datetime.timedelta(days=1)})
    return gates
