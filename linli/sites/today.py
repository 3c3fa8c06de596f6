"""The disinfection round on the home page's "To do today" (``linli.core.today``): how many
points the user may record are due or overdue, linking to today's route."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.translation import ngettext

from linli.core.access import may
from linli.core.today import Item
from linli.sites.access import RECORD
from linli.sites.models import DisinfectionPoint, PointState


def items(user: Any, today: datetime.date) -> Iterator[Item]:
    if not may(user, RECORD):
        return
    states = [point.state(today) for point in DisinfectionPoint.objects.restrict(user, RECORD)
              .filter(active=True).only("pk", "path", "interval_days", "last_visited_on")]
    due = sum(state in (PointState.DUE, PointState.OVERDUE) for state in states)
    if not due:
        return
    overdue = sum(state == PointState.OVERDUE for state in states)
    text = ngettext("Disinfection: %(n)d point to do today", "Disinfection: %(n)d points to do today", due) % {"n": due}
    if overdue:
        text += ngettext(" (%(n)d overdue)", " (%(n)d overdue)", overdue) % {"n": overdue}
    yield Item(text, reverse("sites:today"), count=due, order=60)
