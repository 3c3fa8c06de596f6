"""Who may work and set up gates. Staff of a compound work any of its gates
(``gates.operate``) and set up gates and the duty roster (``gates.manage``); anyone on the
roster, a volunteer included, works her gate while her shift runs, and reads that gate's
roster (``gates.roster``: who is on duty when) from today on (decision 0020)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.access import AnyOf, PlaceScope, Related, declare, register_actions
from linli.gates.models import DutyShift, Gate, GateEvent, Visitor
from linli.places.models import Place

OPERATE, MANAGE, ROSTER = "gates.operate", "gates.manage", "gates.roster"

register_actions({
    OPERATE: _("work the gates of one's compounds (scan passes, register visitors)"),
    MANAGE: _("set up gates and their duty roster"),
    ROSTER: _("read a gate's duty roster (who is on duty when)"),
})


def _gates_on_duty(user: Any, action: str) -> QuerySet[Gate]:
    now = timezone.now()
    return Gate.objects.filter(shifts__user=user, shifts__starts_at__lte=now, shifts__ends_at__gt=now)


def _on_duty_at(user: Any, action: str, gate: Any) -> bool:
    now = timezone.now()
    return DutyShift.objects.filter(gate=gate, user=user, starts_at__lte=now, ends_at__gt=now).exists()


def _from_today() -> Any:
    """Local midnight today: a shift ending after it is today's or a later one."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))


def _gates_on_roster(user: Any, action: str) -> QuerySet[Gate]:
    return Gate.objects.filter(shifts__user=user, shifts__ends_at__gt=_from_today())


def _on_roster_at(user: Any, action: str, gate: Any) -> bool:
    return DutyShift.objects.filter(gate=gate, user=user, ends_at__gt=_from_today()).exists()


ON_DUTY = Related(rows=_gates_on_duty, check=_on_duty_at, name="on duty")
ON_ROSTER = Related(rows=_gates_on_roster, check=_on_roster_at, name="on the roster from today")
PLACE = PlaceScope()

# The roster names the people on duty and their hours, nothing else: the compound's staff read
# it, and so does everyone on it (to see who relieves her), whether or not a role says so.
declare(Gate, {OPERATE: AnyOf(PLACE, ON_DUTY), MANAGE: PLACE,
               ROSTER: AnyOf(PlaceScope(via=OPERATE), PlaceScope(via=MANAGE), ON_ROSTER)})
for model in (DutyShift, GateEvent, Visitor):
    declare(model, {OPERATE: PLACE, MANAGE: PLACE})
declare(Place, {MANAGE: PLACE})
