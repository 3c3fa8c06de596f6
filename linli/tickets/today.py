"""Requests on the home page's 今日待办: to accept and overdue for handlers, to dispatch for the
community and the street, overdue in the area for supervisors, to rate for residents; for
deliveries, those waiting for a volunteer and her own to finish, those left at a door too long
without confirmation for the grid worker (call the household), one at her door for a resident."""

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
from linli.tickets.access import DELIVER, DISPATCH, FOLLOW, HANDLE, SUPERVISE, VIEW
from linli.tickets.models import OPEN_STATUSES, Delivery, DeliveryStatus, Level, Status, Ticket


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
    yield from _deliveries(user)
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


def _deliveries(user: Any) -> Iterator[Item]:
    deliveries = reverse("deliveries:list")
    if may(user, DELIVER):
        offered = Delivery.objects.restrict(user, DELIVER)
        if n := offered.filter(volunteer=user, status__in=[DeliveryStatus.TAKEN, DeliveryStatus.PICKED_UP]).count():
            yield Item(ngettext("%(n)s of your deliveries to finish", "%(n)s of your deliveries to finish", n)
                       % {"n": n}, f"{deliveries}#mine", count=n, order=5)
        if n := offered.filter(status=DeliveryStatus.OPEN).count():
            yield Item(ngettext("%(n)s quarantined household is waiting for a delivery",
                                "%(n)s quarantined households are waiting for a delivery", n) % {"n": n},
                       f"{deliveries}#waiting", count=n, order=6)
    if may(user, HANDLE):
        mine = Ticket.objects.restrict(user, HANDLE).filter(actions.for_me(user))
        if n := actions.unconfirmed().filter(ticket__in=mine).count():
            yield Item(ngettext("%(n)s delivery left at a door is not confirmed: call the household",
                                "%(n)s deliveries left at doors are not confirmed: call the households", n)
                       % {"n": n}, f"{deliveries}#to-call", count=n, urgent=True, order=12)
    if may(user, FOLLOW) and not may(user, VIEW):
        if n := Delivery.objects.restrict(user, FOLLOW).filter(status=DeliveryStatus.AT_DOOR).count():
            yield Item(ngettext("Your delivery is at your door: take it in and tap “Received”",
                                "%(n)s deliveries are at your door: take them in and tap “Received”", n)
                       % {"n": n}, reverse("tickets:list"), count=n, urgent=True, order=5)
