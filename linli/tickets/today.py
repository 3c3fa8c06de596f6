"""Requests on the home page's 今日待办: to accept and overdue for handlers, to dispatch for the
community and the street, overdue in the area for supervisors, to rate for residents."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.access import may
from linli.core.scope import scope_for
from linli.core.today import Todo
from linli.tickets.access import DISPATCH, FOLLOW, HANDLE, SUPERVISE, VIEW
from linli.tickets.models import OPEN_STATUSES, Level, Status, Ticket


def todos(user: Any) -> list[Todo]:
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[Todo] = []
    queue = reverse("tickets:list")
    if may(user, HANDLE):
        grid_ids = sorted(scope_for(user, HANDLE).grid_ids)
        mine = Ticket.objects.restrict(user, HANDLE).filter(
            Q(handler=user) | Q(level=Level.GRID, grid_id__in=grid_ids, handler__isnull=True),
            status__in=OPEN_STATUSES)
        found.append(Todo(_("Requests overdue"), mine.filter(overdue=True).count(), f"{queue}?view=mine", True))
        found.append(Todo(_("Requests to accept"), mine.filter(status=Status.NEW).count(), f"{queue}?view=mine"))
        found.append(Todo(_("Requests being handled"), mine.filter(status=Status.ACCEPTED).count(),
                          f"{queue}?view=mine"))
    if may(user, DISPATCH):
        waiting = Ticket.objects.restrict(user, DISPATCH).filter(
            status__in=OPEN_STATUSES, level__in=[Level.COMMUNITY, Level.STREET, Level.DEPARTMENT], handler__isnull=True)
        found.append(Todo(_("Requests to dispatch"), waiting.count(), f"{queue}?view=dispatch"))
    if may(user, SUPERVISE):
        overdue = Ticket.objects.restrict(user, SUPERVISE).filter(status__in=OPEN_STATUSES, overdue=True)
        found.append(Todo(_("Overdue requests in your area"), overdue.count(), reverse("tickets:supervision"), True))
    if may(user, FOLLOW) and not may(user, VIEW):
        window = timezone.now() - datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS)
        own = Ticket.objects.restrict(user, FOLLOW)
        found.append(Todo(_("Your requests waiting for your rating"),
                          own.filter(status=Status.RESOLVED, rating="", resolved_at__gte=window).count(), queue))
        found.append(Todo(_("Your requests being handled"), own.filter(status__in=OPEN_STATUSES).count(), queue))
    return found
