"""The gates' items on the home page: the user's duty shifts today, and her next one."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from linli.core.today import Item
from linli.gates.actions import upcoming_shifts
from linli.gates.models import DutyShift

AHEAD_DAYS = 7


def _when(shift: DutyShift, today: datetime.date) -> str:
    begins, ends = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    day = _("today") if begins.date() <= today else date_format(begins.date(), "MONTH_DAY_FORMAT")
    if begins.time() == ends.time() == datetime.time.min and (ends - begins).days >= 1:
        return _("%(day)s, all day") % {"day": day}
    return f"{day} {begins:%H:%M}–{ends:%H:%M}"


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    tomorrow = start + datetime.timedelta(days=1)
    shifts = list(upcoming_shifts(user, start + datetime.timedelta(days=AHEAD_DAYS))[:20])
    now = [s for s in shifts if s.starts_at < tomorrow]
    later = [] if now else [s for s in shifts if s.starts_at >= tomorrow][:1]
    for shift in [*now, *later]:
        yield Item(_("On duty at %(place)s %(gate)s, %(when)s") % {
            "place": shift.gate.place.name, "gate": shift.gate.name, "when": _when(shift, today)},
            reverse("gates:screen", args=[shift.gate_id]), order=5 if shift in now else 60)
