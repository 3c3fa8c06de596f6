"""Who may work and set up gates. Staff of a compound work any of its gates
(``gates.operate``) and set up gates and the duty roster (``gates.manage``); anyone on the
roster, a volunteer included, works her gate while her shift runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.access import AnyOf, PlaceScope, Related, declare, register_actions
from linli.gates.models import DutyShift, Gate, GateEvent, Visitor
from linli.places.models import Place

OPERATE, MANAGE = "gates.operate", "gates.manage"

register_actions({
    OPERATE: _("work the gates of one's compounds (scan passes, register visitors)"),
    MANAGE: _("set up gates and their duty roster"),
})


def _gates_on_duty(user: Any, action: str) -> QuerySet[Gate]:
    now = timezone.now()
    return Gate.objects.filter(shifts__user=user, shifts__starts_at__lte=now, shifts__ends_at__gt=now)


def _on_duty_at(user: Any, action: str, gate: Any) -> bool:
    now = timezone.now()
    return DutyShift.objects.filter(gate=gate, user=user, starts_at__lte=now, ends_at__gt=now).exists()


ON_DUTY = Related(rows=_gates_on_duty, check=_on_duty_at, name="on duty")
PLACE = PlaceScope()

declare(Gate, {OPERATE: AnyOf(PLACE, ON_DUTY), MANAGE: PLACE})
for model in (DutyShift, GateEvent, Visitor):
    declare(model, {OPERATE: PLACE, MANAGE: PLACE})
declare(Place, {MANAGE: PLACE})
