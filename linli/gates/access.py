"""Who may work and set up gates. Staff of a compound work any of its gates
(``gates.operate``) and set up gates and the duty roster (``gates.manage``); anyone on the
roster, a volunteer included, works her gate while her shift runs, and reads that gate's
roster (``gates.roster``: who is on duty when) from today on (decision 0020).

The gates' records (``gates.review``: events, visitors, what the server refused) are read by
the staff whose role holds the action over the compound (the community secretary, the street
office), and by whoever is on duty at a gate, for that gate and her current shift only
(decision 0025)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.access import AnyOf, PlaceScope, Related, declare, register_actions
from linli.gates.models import DutyShift, Gate, GateEvent, Visitor
from linli.places.models import Place

OPERATE, MANAGE, ROSTER = "gates.operate", "gates.manage", "gates.roster"
REVIEW = "gates.review"

register_actions({
    OPERATE: _("work the gates of one's compounds (scan passes, register visitors)"),
    MANAGE: _("set up gates and their duty roster"),
    ROSTER: _("read a gate's duty roster (who is on duty when)"),
    REVIEW: _("read the records of gates (events, visitors, records the server refused)"),
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


def _shift_covering(user: Any, gate: Any, occurred_at: Any) -> QuerySet[DutyShift]:
    """Her shift at ``gate`` that runs now and began before ``occurred_at``."""
    now = timezone.now()
    return DutyShift.objects.filter(user=user, gate=gate, starts_at__lte=now, ends_at__gt=now).filter(
        starts_at__lte=occurred_at)


def _records_of_my_shift(model: type[Model]) -> Related:
    """Records (events, visitors) of a gate she is on duty at now, since her shift began."""

    def rows(user: Any, action: str) -> QuerySet[Any]:
        return model._default_manager.filter(Exists(_shift_covering(user, OuterRef("gate"), OuterRef("occurred_at"))))

    def check(user: Any, action: str, obj: Any) -> bool:
        return _shift_covering(user, obj.gate_id, obj.occurred_at).exists()

    return Related(rows=rows, check=check, name="on duty at its gate, since her shift began")


ON_DUTY = Related(rows=_gates_on_duty, check=_on_duty_at, name="on duty")
ON_ROSTER = Related(rows=_gates_on_roster, check=_on_roster_at, name="on the roster from today")
PLACE = PlaceScope()

# The roster names the people on duty and their hours, nothing else: the compound's staff read
# it, and so does everyone on it (to see who relieves her), whether or not a role says so.
declare(Gate, {OPERATE: AnyOf(PLACE, ON_DUTY), MANAGE: PLACE,
               ROSTER: AnyOf(PlaceScope(via=OPERATE), PlaceScope(via=MANAGE), ON_ROSTER),
               REVIEW: AnyOf(PLACE, ON_DUTY)})
for model in (DutyShift, GateEvent, Visitor):
    declare(model, {OPERATE: PLACE, MANAGE: PLACE})
for model in (GateEvent, Visitor):
    declare(model, {REVIEW: AnyOf(PLACE, _records_of_my_shift(model))})
declare(Place, {MANAGE: PLACE})
