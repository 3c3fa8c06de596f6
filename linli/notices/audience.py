"""Which households a notice reaches, counted from the registry before it is published.

A household is a house where at least one active resident lives now (``current_house``), as
for tasks. The audience is the union of the chosen areas (street, communities, compounds,
buildings) and the buildings of the chosen grids; a registry group narrows it to the
households with at least one member in the group. Counting is grouped queries only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from linli.grids.models import Grid
from linli.health.models import Arrival, OrderStatus, QuarantineOrder
from linli.people.models import Person, PopulationType
from linli.people.search import group_token
from linli.places.models import Place
from linli.tasks.targets import BUILDING_DEPTH, addresses, building_path, grids_by_building

OLDEST_OLD_AGE = 80
ARRIVED_DAYS = 14  # "arrived": the arrivals of the last 14 days (a screening campaign's target)


@dataclass(frozen=True)
class Count_:
    households: int
    residents: int


def _area_condition(places: Iterable[Place], grids: Iterable[Grid]) -> Q:
    condition = Q(pk__in=[])
    for place in places:
        condition |= Q(path__startswith=place.path)
    covered = Grid.places.through.objects.filter(grid__in=[g.pk for g in grids]).values_list("place__path", flat=True)
    for path in covered:
        condition |= Q(path__startswith=path)
    return condition


def group_people(group: str, area: Q) -> QuerySet[Person]:
    """The active residents in ``area`` who are in ``group``."""
    people = Person.objects.filter(area, is_active=True, current_house__isnull=False)
    if group in ("alone_elder", "infant"):
        return people.filter(special_groups_index__contains=group_token(group))
    if group == "floating":
        return people.filter(population_type=PopulationType.FLOATING)
    if group == "arrived":
        since = timezone.localdate() - datetime.timedelta(days=ARRIVED_DAYS)
        return people.filter(pk__in=Arrival.objects.filter(arrived_on__gte=since).values("person_id"))
    if group == "quarantined":
        return people.filter(pk__in=QuarantineOrder.objects.filter(status=OrderStatus.ACTIVE).values("person_id"))
    raise ValueError(group)


def _group_houses(group: str, area: Q) -> Q:
    """The houses with someone of ``group`` among the residents in ``area``."""
    return Q(current_house_id__in=group_people(group, area).values("current_house_id"))


def residents_query(places: Iterable[Place], grids: Iterable[Grid], group: str = "") -> Q:
    area = _area_condition(list(places), list(grids))
    condition = area & Q(is_active=True, current_house__isnull=False)
    if group:
        condition &= _group_houses(group, area)
    return condition


def count(places: Iterable[Place], grids: Iterable[Grid], group: str = "") -> Count_:
    """Households and residents the audience would reach now (two grouped counts)."""
    rows = Person.objects.filter(residents_query(places, grids, group))
    totals = rows.aggregate(residents=Count("pk"), households=Count("current_house_id", distinct=True))
    return Count_(households=totals["households"] or 0, residents=totals["residents"] or 0)


@dataclass(frozen=True)
class Household:
    house_id: int
    path: str
    building_path: str
    grid_id: int | None
    address: str
    residents: int
    priority: bool
    elder: bool = False  # someone aged 80 or over, or an elder living alone


def born_by(today: datetime.date, age: int) -> datetime.date:
    try:
        return today.replace(year=today.year - age)
    except ValueError:  # 29 February
        return today.replace(year=today.year - age, day=28)


def households(places: Iterable[Place], grids: Iterable[Grid], group: str, today: datetime.date) -> list[Household]:
    """Every household of the audience, with its building, grid, address and resident count;
    subqueries rather than lists of ids (a street has 90,000 households; SQLite takes at most
    32,766 parameters)."""
    residents = Person.objects.filter(residents_query(list(places), list(grids), group))
    per_house = dict(residents.values("current_house_id").annotate(n=Count("pk"))
                     .values_list("current_house_id", "n"))
    paths = dict(Place.objects.filter(pk__in=residents.values("current_house_id")).values_list("pk", "path"))
    # someone in a special group or aged 80 or over: knocked on first
    priority = set(residents.filter(~Q(special_groups_index="") | Q(birth_date__lte=born_by(today, OLDEST_OLD_AGE)))
                   .values_list("current_house_id", flat=True))
    elders = set(residents.filter(Q(special_groups_index__contains=group_token("alone_elder"))
                                  | Q(birth_date__lte=born_by(today, OLDEST_OLD_AGE)))
                 .values_list("current_house_id", flat=True))
    grids_of = grids_by_building(paths.values())
    names = addresses(paths.values())
    return sorted((Household(house, path, building_path(path), grids_of.get(building_path(path)),
                             names[path][:200], per_house[house], house in priority, house in elders)
                   for house, path in paths.items()), key=lambda h: h.path)


__all__ = ["BUILDING_DEPTH", "Count_", "Household", "count", "households", "residents_query"]
