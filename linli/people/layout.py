"""The building view 一楼一图: floors × units, one cell per house, what lives there at a glance.

Shared by the web page and the API; it lives in people, not places, because every cell
counts residents. A cell outside the viewer's scope is returned without any data, so a grid
worker sees the shape of the building but only her own households.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from linli.core.access import allows
from linli.core.dates import age_on
from linli.people.models import CommunityRole, Person, Residence, SpecialGroup
from linli.places.models import Level, Place

ELDER_AGE = 60
CHILD_AGE = 14


@dataclass
class Cell:
    house_id: int
    number: str
    floor: int
    visible: bool
    usage: str = ""
    residents: int = 0
    households: int = 0
    elders: int = 0
    children: int = 0
    groups: dict[str, int] = field(default_factory=dict)  # special group → count (only with the right)
    roles: dict[str, int] = field(default_factory=dict)  # community role → count

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class UnitColumn:
    unit_id: int
    name: str
    rooms: list[str]


@dataclass
class BuildingLayout:
    building: Place
    units: list[UnitColumn]
    floors: list[int]  # top floor first, as a building is drawn
    cells: dict[tuple[int, int, str], Cell]  # (unit id, floor, room) → cell
    shows_groups: bool
    totals: dict[str, int]

    def row(self, floor: int) -> list[Cell | None]:
        return [self.cells.get((u.unit_id, floor, room)) for u in self.units for room in u.rooms]


def building_layout(building: Place, user: Any, today: datetime.date) -> BuildingLayout:
    assert building.level == Level.BUILDING  # noqa: S101 - callers look buildings up by level
    places = list(Place.objects.filter(path__under=building.path).exclude(pk=building.pk)
                  .order_by("path").only("id", "parent_id", "level", "name", "number", "floor", "usage", "path"))
    units = [p for p in places if p.level == Level.UNIT]
    houses = [p for p in places if p.level == Level.HOUSE]
    shows_groups = allows(user, "people.view_groups", building.path)
    cells: dict[tuple[int, int, str], Cell] = {}
    rooms_by_unit: dict[int, set[str]] = defaultdict(set)
    by_house: dict[int, Cell] = {}
    for house in houses:
        assert house.parent_id is not None  # noqa: S101 - houses always hang under a unit
        room = house.number[-2:] if house.number else str(house.pk)
        rooms_by_unit[house.parent_id].add(room)
        visible = allows(user, "places.view", house.path)
        cell = Cell(house_id=house.pk, number=house.number or house.name, floor=house.floor or 0, visible=visible,
                    usage=house.usage if visible else "")
        cells[(house.parent_id, cell.floor, room)] = cell
        if visible:
            by_house[house.pk] = cell
    _fill_residents(building, by_house, user, shows_groups, today)
    floors = sorted({c.floor for c in cells.values()}, reverse=True)
    columns = [UnitColumn(u.pk, u.name, sorted(rooms_by_unit[u.pk])) for u in units]
    visible_cells = [c for c in cells.values() if c.visible]
    totals = {
        "houses": len(cells),
        "visible_houses": len(visible_cells),
        "residents": sum(c.residents for c in visible_cells),
        "households": sum(c.households for c in visible_cells),
    }
    for usage in ("owner", "rented", "vacant", "commercial"):
        totals[usage] = sum(1 for c in visible_cells if c.usage == usage)
    return BuildingLayout(building, columns, floors, cells, shows_groups, totals)


def _fill_residents(building: Place, by_house: dict[int, Cell], user: Any, shows_groups: bool,
                    today: datetime.date) -> None:
    if not by_house:
        return
    residences = (Residence.objects.filter(path__under=building.path, moved_out__isnull=True,
                                           house_id__in=list(by_house))
                  .values_list("house_id", "household_id", "person_id"))
    people_ids = {pid for _, _, pid in residences}
    fields = ["id", "birth_date", "community_roles", "path"] + (["special_groups"] if shows_groups else [])
    people = {p.pk: p for p in Person.objects.filter(pk__in=people_ids, is_active=True).only(*fields)}
    households: dict[int, set[int]] = defaultdict(set)
    for house_id, household_id, person_id in residences:
        person = people.get(person_id)
        if person is None or not allows(user, "people.view", person.path):
            continue
        cell = by_house[house_id]
        cell.residents += 1
        households[house_id].add(household_id or 0)
        for role in person.community_roles:
            cell.roles[role] = cell.roles.get(role, 0) + 1
        if shows_groups:
            age = age_on(person.birth_date, today)
            cell.elders += age is not None and age >= ELDER_AGE
            cell.children += age is not None and age < CHILD_AGE
            for group in person.special_groups:
                cell.groups[group] = cell.groups.get(group, 0) + 1
    for house_id, ids in households.items():
        by_house[house_id].households = len(ids)


# One-character badges, as on the paper building charts community workers draw; every badge
# also carries its full name in words (tooltip and screen-reader text), never colour alone.
GROUP_BADGES: dict[str, str] = {
    SpecialGroup.ALONE_ELDER: "独",
    SpecialGroup.OLDEST_OLD: "高",
    SpecialGroup.DISABLED: "残",
    SpecialGroup.INFANT: "幼",
    SpecialGroup.SUBSISTENCE: "低",
    SpecialGroup.EXTREME_POVERTY: "困",
    SpecialGroup.MEAL_AID: "餐",
    SpecialGroup.KEY_CARE: "关",
}
ROLE_BADGES: dict[str, str] = {
    CommunityRole.PARTY_MEMBER: "党",
    CommunityRole.VOLUNTEER: "志",
    CommunityRole.BUILDING_LEADER: "楼",
}
