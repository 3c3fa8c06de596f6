"""Reading the field sites: today's state of the points, the households a flood puts at risk,
and the route of the day through the points due."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from linli.core.access import restricted
from linli.overview import grouping, tallies
from linli.overview.grouping import prefix_length
from linli.people.models import Person, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place
from linli.sites import route as solver
from linli.sites.access import RECORD, VIEW
from linli.sites.models import DisinfectionPoint, PointState

# Who a flood puts at risk on the lowest floors (seed 004's 防汛: 一楼、地下室的老弱病残幼).
AT_RISK_GROUPS = (SpecialGroup.ALONE_ELDER, SpecialGroup.OLDEST_OLD, SpecialGroup.DISABLED, SpecialGroup.INFANT)
LOWEST_FLOOR = 1  # ground floor; basements are floor 0 or below
GROUPS = "people.view_groups"


def points(user: Any, place: Place, action: str = VIEW) -> QuerySet[DisinfectionPoint]:
    return DisinfectionPoint.objects.restrict(user, action).filter(path__startswith=place.path, active=True)


def state_counts_by_compound(user: Any, place: Place, today: datetime.date) -> dict[str, dict[str, int]]:
    """compound path → number of points in each state, from one query over the points (a few
    columns each; a street has hundreds of points, not hundreds of thousands)."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: {s.value: 0 for s in PointState})
    width = prefix_length(Level.COMPOUND)
    for point in points(user, place).only("pk", "path", "interval_days", "last_visited_on"):
        found[point.path[:width]][point.state(today).value] += 1
    return dict(found)


@dataclass(frozen=True)
class Stop:
    point: DisinfectionPoint
    state: PointState


@dataclass(frozen=True)
class Route:
    depot: tuple[float, float]
    depot_name: str
    stops: list[Stop]
    metres: float


def centre_of(place: Place) -> tuple[float, float] | None:
    """Where a place is on the map: its point, else the middle of its outline."""
    if place.longitude is not None and place.latitude is not None:
        return place.longitude, place.latitude
    if place.boundary:
        from shapely.geometry import shape

        middle = shape(place.boundary).representative_point()
        return round(middle.x, 6), round(middle.y, 6)
    return None


def depot_of(place: Place) -> tuple[tuple[float, float], str] | None:
    """The community office (the community of ``place``, or the place itself) and its name."""
    width = prefix_length(Level.COMMUNITY)
    community = place if place.level == Level.COMMUNITY else Place.objects.filter(
        path=place.path[:width], level=Level.COMMUNITY).first()
    where = centre_of(community) if community else None
    return (where, str(community.name)) if where and community else None


def todays_route(user: Any, place: Place, today: datetime.date, *, start: DisinfectionPoint | None = None,
                 action: str = RECORD) -> Route | None:
    """The round trip of the day through the points due or overdue in ``place`` that the user
    may see (or record), from the community office or from ``start``; None without a depot."""
    rows = list(points(user, place, action).exclude(last_visited_on__gte=today).order_by("path", "name"))
    due = [p for p in rows if p.state(today) in (PointState.DUE, PointState.OVERDUE)]
    if start is not None:
        depot_point, depot_name = (start.longitude, start.latitude), start.name
        due = [p for p in due if p.pk != start.pk]
    else:
        office = depot_of(place)
        if office is None:
            return None
        depot_point, depot_name = office
    order, metres = solver.route(depot_point, [(p.longitude, p.latitude) for p in due])
    return Route(depot_point, depot_name, [Stop(due[i], due[i].state(today)) for i in order], metres)


FLOOD_TALLY = "sites.flood_households"


def _at_risk_by_building(people: QuerySet[Person], under: str) -> dict[str, dict[str, int]]:
    """building path (or the shorter path of people above any building) → households on the
    lowest floors with someone in a group at risk (``any``) and, for each group, households with
    someone in it, in one grouped query over ``people`` (those living under ``under``)."""
    tokens = {group.value: group_token(group) for group in AT_RISK_GROUPS}
    anyone = Q()
    for token in tokens.values():
        anyone |= Q(special_groups_index__contains=token)
    # The lowest floors as a subquery rather than a join: three times faster on a 250,000-resident
    # street. A resident's row is filed under her house, so her path groups her by building.
    lowest = Place.objects.filter(path__startswith=under, level=Level.HOUSE, floor__lte=LOWEST_FLOOR)
    width = prefix_length(Level.BUILDING)
    rows = (people.filter(anyone, current_house__in=lowest.values("pk")).exclude(special_groups_index="")
            .annotate(_at=Substr("path", 1, width)).values("_at").order_by()
            .annotate(any=Count("current_house", distinct=True),
                      **{group: Count("current_house", distinct=True,
                                      filter=Q(special_groups_index__contains=token))
                         for group, token in tokens.items()}))
    return {str(row["_at"]): {k: int(v or 0) for k, v in row.items() if k != "_at"}  # type: ignore[call-overload]
            for row in rows}


def at_risk_tally() -> dict[str, dict[str, int]]:
    """The summary the overview keeps (``linli.overview.tallies``, refreshed each minute): every
    building's households at risk, so that a district's screen does not read its million people
    cold (218 ms)."""
    return _at_risk_by_building(Person.objects.filter(is_active=True), "")


def at_risk_households(user: Any, place: Place, level: str = Level.COMPOUND) -> dict[str, dict[str, int]]:
    """compound (or building) path → households on the lowest floors with someone in a group at
    risk (``any``) and, for each group, households with someone in it: summed from the
    buildings' tallies where the user's scope is made of whole buildings, else counted over the
    people whose groups she may see. A household lives in one building, so the sums are exact."""
    memo: dict[tuple[int, str], dict[str, dict[str, int]]] = user.__dict__.setdefault("_linli_flood_households", {})
    if (place.pk, level) in memo:
        return memo[(place.pk, level)]
    by_building = tallies.read(FLOOD_TALLY, user, place)
    if by_building is None:
        by_building = _at_risk_by_building(
            restricted(Person.objects.filter(path__startswith=place.path, is_active=True), user, GROUPS), place.path)
    memo[(place.pk, level)] = grouping.rolled_up_rows(by_building, level)
    return memo[(place.pk, level)]
