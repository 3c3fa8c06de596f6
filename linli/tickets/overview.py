"""What residents' requests give the one-screen overview: requests open now and overdue (with
their number a week ago), requests filed today against the same day last week, and the
compounds coloured by their open requests. Counted with ``tickets.view`` over one's area."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import may
from linli.overview import grouping
from linli.overview.registry import (
    ALL_SCENARIOS,
    EPIDEMIC,
    FILL,
    FLOOD,
    NORMAL,
    Layer,
    LegendEntry,
    register_counter,
    register_layer,
    register_series,
)
from linli.overview.registry import Count as Number
from linli.tickets.access import VIEW
from linli.tickets.models import OPEN_STATUSES, Ticket

# Colours of compounds by open requests: (key, at least, colour).
STEPS = (("many", 10, "#dc3545"), ("some", 3, "#fd7e14"), ("few", 1, "#ffc107"))


def _day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _open_at(moment: datetime.datetime) -> Q:
    """Requests filed before ``moment`` and not closed, resolved or merged by then."""
    return Q(created_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gt=moment)) \
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=moment))


def _tickets(user: Any, place: Any) -> Any:
    return Ticket.objects.restrict(user, VIEW).filter(path__under=place.path)


def _end_of(day: datetime.date) -> datetime.datetime:
    return _day_range(day)[1]


def open_requests(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Number | None:
    """Requests open now (on a past ``day``: at its end), and a week before."""
    if not may(user, VIEW):
        return None
    now = Q(status__in=OPEN_STATUSES) if day is None else _open_at(_end_of(day))
    week_ago = (timezone.now() if day is None else _end_of(day)) - datetime.timedelta(days=7)
    counts = _tickets(user, place).aggregate(now=Count("pk", filter=now), then=Count("pk", filter=_open_at(week_ago)))
    return Number(counts["now"] or 0, last_week=counts["then"] or 0, url=reverse("tickets:list"))


def overdue_requests(user: Any, place: Any, today: datetime.date) -> Number | None:
    if not may(user, VIEW):
        return None
    n = _tickets(user, place).filter(status__in=OPEN_STATUSES, overdue=True).count()
    return Number(n, url=reverse("tickets:list"))


def new_today(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Number | None:
    if not may(user, VIEW):
        return None
    day = day or today
    (start, end), (then_start, then_end) = _day_range(day), _day_range(day - datetime.timedelta(days=7))
    counts = _tickets(user, place).aggregate(
        now=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        then=Count("pk", filter=Q(created_at__gte=then_start, created_at__lt=then_end)))
    return Number(counts["now"] or 0, last_week=counts["then"] or 0)


def requests_per_day(user: Any, place: Any, first: datetime.date,
                     last: datetime.date) -> dict[datetime.date, int] | None:
    """Requests filed on each day from ``first`` to ``last`` (local days), in one grouped query."""
    if not may(user, VIEW):
        return None
    rows = (_tickets(user, place).filter(created_at__gte=_day_range(first)[0], created_at__lt=_end_of(last))
            .annotate(_day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values_list("_day").annotate(n=Count("pk")).order_by())
    return dict(rows)


def compounds_by_requests(user: Any, place: Any, today: datetime.date,
                          day: datetime.date | None = None) -> Layer | None:
    """Compounds by their open requests (on a past ``day``: open at its end)."""
    if not may(user, VIEW):
        return None
    still_open = Q(status__in=OPEN_STATUSES) if day is None else _open_at(_end_of(day))
    counts = grouping.count_by(_tickets(user, place).filter(still_open), grouping.COMPOUND)
    compounds = grouping.places_at(counts, grouping.COMPOUND)
    features = []
    for path, n in counts.items():
        compound = compounds.get(path)
        if compound is None:
            continue
        key = next(k for k, least, _colour in STEPS if n >= least)
        features.append({"type": "Feature", "geometry": None, "properties": {
            "place": compound.pk, "colour": key, "value": n, "text": str(n)}})
    legend = (LegendEntry("many", STEPS[0][2], _("10 or more open requests")),
              LegendEntry("some", STEPS[1][2], _("3 to 9 open requests")),
              LegendEntry("few", STEPS[2][2], _("1 or 2 open requests")),
              LegendEntry("", "#e9ecef", _("no open request")))
    return Layer(features, legend, _("open requests"))


def register() -> None:
    scenarios = (NORMAL, EPIDEMIC, FLOOD)
    register_counter("tickets.open", open_requests, scenarios=scenarios, label=gettext_lazy("Open requests"),
                     people=False, order=40, day=True)
    register_counter("tickets.overdue", overdue_requests, scenarios=scenarios,
                     label=gettext_lazy("Overdue requests"), people=False, order=41)
    register_counter("tickets.new_today", new_today, scenarios=scenarios,
                     label=gettext_lazy("Requests filed today"), people=False, order=42, day=True)
    register_layer("tickets.open", compounds_by_requests, scenarios=(NORMAL, FLOOD), kind=FILL,
                   label=gettext_lazy("Compounds by open requests"), people=False, order=10, day=True)
    register_series("tickets.filed", requests_per_day, scenarios=ALL_SCENARIOS, label=gettext_lazy("Requests filed"),
                    people=False, order=20)
