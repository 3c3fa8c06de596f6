"""What alerts give the one-screen overview: the open alerts (drills apart) with their number a
week ago and the critical ones among them, in every scenario, and a point per building with an
open alert, coloured by its most severe one. Counted with ``alerts.view`` over one's area (the
team policy applies: health staff count health alerts)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.alerts.access import VIEW
from linli.alerts.models import OPEN_STATES, Alert, Severity
from linli.core.access import may
from linli.overview import grouping
from linli.overview.registry import (
    ALL_SCENARIOS,
    POINTS,
    Layer,
    LegendEntry,
    register_counter,
    register_layer,
    register_series,
)
from linli.overview.registry import Count as Number

COLOURS = {Severity.CRITICAL: "#dc3545", Severity.MAJOR: "#fd7e14", Severity.MINOR: "#6c757d"}
RANK = {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 2}


def _alerts(user: Any, place: Any) -> Any:
    return Alert.objects.restrict(user, VIEW).filter(path__under=place.path, is_drill=False)


def _open_at(moment: datetime.datetime) -> Q:
    """Alerts raised before ``moment`` and not yet resolved or cleared by then."""
    return Q(opened_at__lt=moment) & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=moment)) \
        & (Q(cleared_at__isnull=True) | Q(cleared_at__gt=moment))


def _day_range(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _still_open(day: datetime.date | None) -> Q:
    """Open now, or (on a past ``day``) at its end."""
    return Q(state__in=OPEN_STATES) if day is None else _open_at(_day_range(day)[1])


def open_alerts(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Number | None:
    if not may(user, VIEW):
        return None
    week_ago = (timezone.now() if day is None else _day_range(day)[1]) - datetime.timedelta(days=7)
    still_open = _still_open(day)
    counts = _alerts(user, place).aggregate(
        now=Count("pk", filter=still_open), then=Count("pk", filter=_open_at(week_ago)),
        critical=Count("pk", filter=still_open & Q(severity=Severity.CRITICAL)),
        major=Count("pk", filter=still_open & Q(severity=Severity.MAJOR)),
        minor=Count("pk", filter=still_open & Q(severity=Severity.MINOR)))
    parts = tuple((str(severity.label), counts[severity.value] or 0) for severity in Severity)
    return Number(counts["now"] or 0, last_week=counts["then"] or 0, parts=parts, url=reverse("alerts:list"))


def alerts_per_day(user: Any, place: Any, first: datetime.date,
                   last: datetime.date) -> dict[datetime.date, int] | None:
    """Alerts raised on each day from ``first`` to ``last`` (local days), in one grouped query."""
    if not may(user, VIEW):
        return None
    rows = (_alerts(user, place).filter(opened_at__gte=_day_range(first)[0], opened_at__lt=_day_range(last)[1])
            .annotate(_day=TruncDate("opened_at", tzinfo=timezone.get_current_timezone()))
            .values_list("_day").annotate(n=Count("pk")).order_by())
    return dict(rows)


def alerts_by_building(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Layer | None:
    """A point per building with an open alert (on a past ``day``: open at its end), coloured by
    its most severe one; per compound on a district's screen."""
    if not may(user, VIEW):
        return None
    rows = _alerts(user, place).filter(_still_open(day)).values_list("path", "severity")
    level = grouping.marker_level(place)  # compounds on a district's screen
    width = grouping.prefix_length(level)
    worst: dict[str, str] = {}
    counts: dict[str, int] = {}
    for path, severity in rows:
        if len(path) < width:
            continue  # an alert filed above any building
        building = path[:width]
        counts[building] = counts.get(building, 0) + 1
        if building not in worst or RANK[Severity(severity)] < RANK[Severity(worst[building])]:
            worst[building] = severity
    buildings = grouping.places_at(counts, level)
    features = []
    for path, n in counts.items():
        building = buildings.get(path)
        point = grouping.point_of(building) if building else None
        if building is None or point is None:
            continue
        features.append({"type": "Feature", "geometry": point, "properties": {
            "place": building.pk, "icon": "alert", "colour": worst[path], "value": n, "text": str(n),
            "name": building.name, "url": reverse("alerts:list")}})
    if level == grouping.BUILDING:
        legend = tuple(LegendEntry(s.value, COLOURS[s], _("a building with an open %(severity)s alert")
                                   % {"severity": s.label}) for s in Severity)
        return Layer(features, legend, _("open alerts, by building"))
    legend = tuple(LegendEntry(s.value, COLOURS[s], _("a compound with an open %(severity)s alert")
                               % {"severity": s.label}) for s in Severity)
    return Layer(features, legend, _("open alerts, by compound"))


def register() -> None:
    register_counter("alerts.open", open_alerts, scenarios=ALL_SCENARIOS, label=gettext_lazy("Open alerts"),
                     people=False, order=35, day=True)
    register_layer("alerts.open", alerts_by_building, scenarios=ALL_SCENARIOS, kind=POINTS,
                   label=gettext_lazy("Open alerts"), people=False, order=20, day=True)
    register_series("alerts.raised", alerts_per_day, scenarios=ALL_SCENARIOS, label=gettext_lazy("Alerts raised"),
                    people=False, order=30)
