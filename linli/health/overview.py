"""What the epidemic app gives the one-screen overview (疫情 scenario): home-quarantine orders in
force, arrivals today and in the last 14 days by the risk level of where they came from,
people who have not checked in today, and the compounds coloured by their arrivals (seed 001:
"每个小区根据返沪人员数量进行颜色标注"), with the thresholds of ``queries.thresholds`` in words.

Counts are read with ``health.report`` (the right to the health departments' figures of one's
area): street and community staff see counts, never people."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core.access import may
from linli.health import queries
from linli.health.access import REPORT
from linli.health.facts import RiskMap
from linli.health.models import Arrival, CheckIn, OrderStatus, QuarantineOrder, RiskLevel
from linli.overview import grouping
from linli.overview.registry import (
    ALL_SCENARIOS,
    EPIDEMIC,
    FILL,
    Layer,
    LegendEntry,
    register_counter,
    register_layer,
    register_series,
)
from linli.overview.registry import Count as Number

RISK_WORDS = {RiskLevel.HIGH: gettext_lazy("from high-risk areas"),
              RiskLevel.MEDIUM: gettext_lazy("from medium-risk areas"),
              RiskLevel.LOW: gettext_lazy("from low-risk areas"), "": gettext_lazy("from elsewhere")}
MAP_COLOURS = {"red": "#dc3545", "orange": "#fd7e14", "yellow": "#ffc107", "blue": "#0d6efd", "": "#e9ecef"}


def _by_risk(rows: Any, risk: RiskMap) -> Counter[str]:
    tally: Counter[str] = Counter()
    for origin, n in rows.values_list("origin_code").annotate(n=Count("pk")).order_by():
        tally[queries.risk_level(risk, origin)] += n
    return tally


def _parts(tally: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple((str(words), tally.get(level, 0)) for level, words in RISK_WORDS.items())


def _in_force(day: datetime.date) -> Q:
    return Q(start_date__lte=day, end_date__gte=day) & ~Q(status=OrderStatus.CANCELLED)


def quarantine_orders(user: Any, place: Any, today: datetime.date,
                      day: datetime.date | None = None) -> Number | None:
    """Orders in force now (on a past ``day``: whose dates covered it and not cancelled)."""
    if not may(user, REPORT):
        return None
    orders = QuarantineOrder.objects.restrict(user, REPORT).filter(path__under=place.path)
    week_ago = (day or today) - datetime.timedelta(days=7)
    counts = orders.aggregate(
        now=Count("pk", filter=_in_force(day) if day else Q(status=OrderStatus.ACTIVE)),
        then=Count("pk", filter=_in_force(week_ago)))
    return Number(counts["now"] or 0, last_week=counts["then"] or 0)


def arrivals_today(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Number | None:
    if not may(user, REPORT):
        return None
    day = day or today
    arrivals = Arrival.objects.restrict(user, REPORT).filter(path__under=place.path)
    tally = _by_risk(arrivals.filter(arrived_on=day), RiskMap.on(day))
    last_week = arrivals.filter(arrived_on=day - datetime.timedelta(days=7)).count()
    return Number(sum(tally.values()), last_week=last_week, parts=_parts(tally))


def arrivals_watched(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Number | None:
    if not may(user, REPORT):
        return None
    day = day or today
    arrivals = Arrival.objects.restrict(user, REPORT).filter(
        path__under=place.path, arrived_on__gte=queries.watch_from(day), arrived_on__lte=day)
    tally = _by_risk(arrivals, RiskMap.on(day))
    return Number(sum(tally.values()), parts=_parts(tally))


def arrivals_per_day(user: Any, place: Any, first: datetime.date, last: datetime.date) -> dict[datetime.date, int] | None:
    """Arrivals on each day from ``first`` to ``last``, in one query grouped by the day."""
    if not may(user, REPORT):
        return None
    rows = (Arrival.objects.restrict(user, REPORT)
            .filter(path__under=place.path, arrived_on__gte=first, arrived_on__lte=last)
            .values_list("arrived_on").annotate(n=Count("pk")).order_by())
    return dict(rows)


def missing_checkins(user: Any, place: Any, today: datetime.date) -> Number | None:
    """People who must check in today (an order in force, or an arrival in the last 14 days)
    and have not yet."""
    if not may(user, REPORT):
        return None
    under = Q(path__under=place.path)
    must = set(QuarantineOrder.objects.restrict(user, REPORT).filter(under, status=OrderStatus.ACTIVE)
               .values_list("person_id", flat=True))
    must |= set(Arrival.objects.restrict(user, REPORT).filter(
        under, arrived_on__gte=queries.watch_from(today), arrived_on__lte=today).values_list("person_id", flat=True))
    done = set(CheckIn.objects.filter(under, day=today).values_list("person_id", flat=True))
    return Number(len(must - done), url=reverse("health:checkins") + "?missing=1")


def compounds_by_arrivals(user: Any, place: Any, today: datetime.date, day: datetime.date | None = None) -> Any:
    """Each compound with arrivals in the 14 days up to today (or ``day``), coloured by the
    thresholds."""
    if not may(user, REPORT):
        return None
    day = day or today
    n = grouping.prefix_length(grouping.COMPOUND)
    rows = (Arrival.objects.restrict(user, REPORT)
            .filter(path__under=place.path, arrived_on__gte=queries.watch_from(day), arrived_on__lte=day)
            .annotate(_at=Substr("path", 1, n)).values_list("_at", "origin_code").annotate(c=Count("pk")).order_by())
    risk = RiskMap.on(day)
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for at, origin, c in rows:
        level = queries.risk_level(risk, origin) or "other"
        tally[at][level] += c
        tally[at]["any"] += c
    compounds = grouping.places_at(tally, grouping.COMPOUND)
    rules = queries.thresholds()
    features = []
    for at, counts in tally.items():
        compound = compounds.get(at)
        if compound is None:
            continue
        colour, reason = queries.compound_colour(dict(counts), rules)
        features.append({"type": "Feature", "geometry": None, "properties": {
            "place": compound.pk, "colour": colour, "value": counts["any"], "text": str(counts["any"]),
            "reason": reason}})
    legend = [LegendEntry(colour, MAP_COLOURS[colour], f"{label}: {_(' or ').join(texts)}")
              for colour, label, texts in queries.legend_of_thresholds()]
    legend.append(LegendEntry("", MAP_COLOURS[""], _("no arrival in the last 14 days")))
    return Layer(features, tuple(legend), _("arrivals in the last 14 days"))


def register() -> None:
    register_counter("health.quarantine", quarantine_orders, scenarios=(EPIDEMIC,),
                     label=gettext_lazy("Home-quarantine orders in force"), order=30, day=True)
    register_counter("health.arrivals_today", arrivals_today, scenarios=(EPIDEMIC,),
                     label=gettext_lazy("Arrivals today"), order=31, day=True)
    register_counter("health.arrivals_watched", arrivals_watched, scenarios=(EPIDEMIC,),
                     label=gettext_lazy("Arrivals in the last 14 days"), order=32, day=True)
    register_counter("health.missing_checkins", missing_checkins, scenarios=(EPIDEMIC,),
                     label=gettext_lazy("Not checked in today"), order=33)
    register_layer("health.arrivals", compounds_by_arrivals, scenarios=(EPIDEMIC,), kind=FILL,
                   label=gettext_lazy("Compounds by arrivals"), order=10, day=True)
    register_series("health.arrivals", arrivals_per_day, scenarios=ALL_SCENARIOS,
                    label=gettext_lazy("Arrivals"), order=10)
