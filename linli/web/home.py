"""What the home page shows each role: today's work first, then her own things (a resident's
code, check-in and household), then the numbers of her area (communities side by side for the
street, one community's for its secretary, her grid's for a grid worker or volunteer)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from linli.core.access import area_of, may, restricted
from linli.grids.models import Grid
from linli.grids.queries import grid_counts
from linli.health.models import CheckIn
from linli.health.queries import epidemic_on, health_menu
from linli.people.actions import visible_people
from linli.people.models import Person, SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place, full_names

SHOWN_GROUPS = (SpecialGroup.ALONE_ELDER, SpecialGroup.OLDEST_OLD, SpecialGroup.DISABLED, SpecialGroup.INFANT,
                SpecialGroup.SUBSISTENCE, SpecialGroup.KEY_CARE)


def own_home_only(user: Any) -> bool:
    """A resident sees her own household only: no search, no registry numbers."""
    area = area_of(user, "people.view")
    return bool(area) and Place.objects.filter(path=area, level=Level.HOUSE).exists()


@dataclass
class Me:
    """The signed-in resident's own things."""

    person: Person
    checked_in: bool
    epidemic: bool
    address: str = ""


def me(user: Any, today: datetime.date) -> Me | None:
    if not getattr(user, "person_id", None):
        return None
    person = visible_people(user).filter(pk=user.person_id).select_related("current_house").first()
    if person is None:
        return None
    house = person.current_house
    return Me(person, CheckIn.objects.filter(person=person, day=today).exists(),
              health_menu(user) and epidemic_on(person.path),
              full_names([house]).get(house.pk, "") if house is not None else "")


@dataclass
class AreaRow:
    """The numbers of one community (or of the user's grid, when that is all she sees)."""

    place: Place | None
    name: str
    residents: int
    houses: int
    usage: dict[str, int]
    groups: list[tuple[str, int]] = field(default_factory=list)
    grids: int = 0


def _numbers(people: QuerySet[Person], houses: QuerySet[Place], with_groups: bool) -> dict[str, Any]:
    usage = dict(houses.values_list("usage").annotate(n=Count("id")).order_by())
    groups = [(str(group.label), people.filter(special_groups_index__contains=group_token(group)).count())
              for group in SHOWN_GROUPS] if with_groups else []
    return {"residents": people.count(), "houses": sum(usage.values()), "usage": usage, "groups": groups}


def area_rows(user: Any) -> list[AreaRow]:
    """One row per community of the user's area; her whole area in one row below a community."""
    if not may(user, "people.view") or own_home_only(user):
        return []
    people = visible_people(user)
    houses = Place.objects.restrict(user, "places.view").filter(level=Level.HOUSE)
    with_groups = may(user, "people.view_groups")
    grouped = restricted(people, user, "people.view_groups") if with_groups else people
    area = area_of(user, "people.view")
    communities = list(Place.objects.restrict(user, "places.view").filter(level=Level.COMMUNITY)
                       .filter(path__startswith=area).order_by("path")[:60])
    if not communities:
        return [AreaRow(None, "", **_numbers(grouped, houses, with_groups) | {"residents": people.count()})]
    grids = dict(Grid.objects.restrict(user, "grids.view").values_list("community_id")
                 .annotate(n=Count("id")).order_by()) if may(user, "grids.view") else {}
    rows = []
    for community in communities:
        numbers = _numbers(grouped.filter(path__startswith=community.path),
                           houses.filter(path__startswith=community.path), with_groups)
        numbers["residents"] = people.filter(path__startswith=community.path).count()
        rows.append(AreaRow(community, community.name, grids=grids.get(community.pk, 0), **numbers))
    return rows


@dataclass
class GridRow:
    grid: Grid
    residents: int
    houses: int


def my_grids(user: Any) -> list[GridRow]:
    """For someone who sees places but no people (a volunteer): her grids, counted as the
    grid page counts them, so the two pages agree."""
    if may(user, "people.view") or not may(user, "grids.view"):
        return []
    return [GridRow(grid, *grid_counts(grid)) for grid in
            Grid.objects.restrict(user, "grids.view").order_by("code")[:20]]
