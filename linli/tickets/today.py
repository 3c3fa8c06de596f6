"""Requests on the home page's 今日待办: to accept and overdue for handlers, to dispatch for the
community and the street, overdue in the area for supervisors, to rate for residents."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from linli.core.access import may
from linli.core.today import Item
from linli.tickets import actions
from linli.tickets.access import DISPATCH, FOLLOW, HANDLE, SUPERVISE, VIEW
from linli.tickets.models import OPEN_STATUSES, Level, Status, Ticket


def items(user: Any, day: datetime.date) -> Iterator[Item]:
    if not getattr(user, "is_authenticated", False):
        return
    queue = reverse("tickets:list")
    if may(user, HANDLE):
        mine = Ticket.objects.restrict(user, HANDLE).filter(actions.for_me(user), status__in=OPEN_STATUSES)
        if n := mine.filter(overdue=True).count():
            yield Item(ngettext("%(n)s of your requests is overdue", "%(n)s of your requests are overdue", n)
                       % {"n": n}, f"{queue}?view=mine", count=n, urgent=True, order=10)
        if n := mine.filter(status=Status.NEW).count():
            yield Item(ngettext("%(n)s request to accept", "%(n)s requests to accept", n) % {"n": n},
                       f"{queue}?view=mine", count=n, order=20)
        if n := mine.filter(status=Status.ACCEPTED).count():
            yield Item(ngettext("%(n)s request being handled", "%(n)s requests being handled", n) % {"n": n},
                       f"{queue}?view=mine", count=n, order=60)
    if may(user, DISPATCH):
        waiting = Ticket.objects.restrict(user, DISPATCH).filter(
            status__in=OPEN_STATUSES, level__in=[Level.COMMUNITY, Level.STREET, Level.DEPARTMENT], handler__isnull=True)
        if n := waiting.count():
            yield Item(ngettext("%(n)s request to dispatch", "%(n)s requests to dispatch", n) % {"n": n},
                       f"{queue}?view=dispatch", count=n, order=25)
    if may(user, SUPERVISE):
        overdue = Ticket.objects.restrict(user, SUPERVISE).filter(status__in=OPEN_STATUSES, overdue=True)
        if n := overdue.count():
            yield Item(ngettext("%(n)s overdue request in your area", "%(n)s overdue requests in your area", n)
                       % {"n": n}, reverse("tickets:supervision"), count=n, urgent=True, order=15)
    if may(user, FOLLOW) and not may(user, VIEW):
        window = timezone.now() - datetime.timedelta(days=settings.LINLI_TICKET_REOPEN_DAYS)
        own = Ticket.objects.restrict(user, FOLLOW)
        if n := own.filter(status=Status.RESOLVED, rating="", resolved_at__gte=window).count():
            yield Item(ngettext("%(n)s of your requests is waiting for your rating",
                                "%(n)s of your requests are waiting for your rating", n) % {"n": n},
                       queue, count=n, order=20)
        if n := own.filter(status__in=OPEN_STATUSES).count():
            yield Item(ngettext("%(n)s of your requests is being handled", "%(n)s of your requests are being handled",
                                n) % {"n": n}, queue, count=n, order=40)
