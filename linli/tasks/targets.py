"""Choosing a task's households and places from the registry, and the grid that covers each.

Grids cover buildings, so every target (a building, a house, an organisation's premises)
lies in at most one grid: the one covering its building. A target no grid covers is kept,
without a grid, so that the office sees what nobody was asked to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from linli.grids.models import Grid
from linli.people.models import Organization, Person
from linli.people.search import group_token
from linli.places.models import Level, Place, names_by_path
from linli.places.rules import ancestor_paths
from linli.tasks.models import TargetKind

BUILDING_DEPTH = 7  # province/city/district/street/community/compound/building
COMPOUND_INDEX = 5  # where an address starts on a phone: the compound's name


@dataclass(frozen=True)
class Target:
    place_id: int
    path: str
    person_id: int | None = None
    grid_id: int | None = None
    address: str = ""


def building_path(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:BUILDING_DEPTH]) + "/" if len(parts) > BUILDING_DEPTH else ""


def grids_by_building(paths: Iterable[str]) -> dict[str, int]:
    """building path → the grid covering it, for the grids of the communities holding ``paths``."""
    communities = {"/".join(p.split("/")[:5]) + "/" for p in paths}
    through = Grid.places.through.objects.filter(grid__path__in=sorted(communities))
    return {path: grid for grid, path in through.order_by("grid_id").values_list("grid_id", "place__path")}


def addresses(paths: Iterable[str]) -> dict[str, str]:
    """path → a short address from the compound down (``玉兰苑3号楼1单元502室``)."""
    wanted = set(paths)
    names = names_by_path(wanted)
    return {path: "".join(names.get(a, "") for a in ancestor_paths(path)[COMPOUND_INDEX:]) + names.get(path, "")
            for path in wanted}


def _people_in_groups(area: Place, groups: list[str]) -> list[tuple[int, int, str]]:
    condition = Q()
    for group in groups:
        condition |= Q(special_groups_index__contains=group_token(group))
    rows = (Person.objects.filter(condition, path__under=area.path, is_active=True, current_house__isnull=False)
            .order_by("path", "pk").values_list("current_house_id", "pk", "path"))
    return list(rows)


def _raw_targets(kind: str, area: Place, groups: list[str]) -> list[tuple[int, str, int | None]]:
    """(place id, path, person id) of each target in ``area``."""
    if kind == TargetKind.GROUP_HOUSEHOLDS:
        return [(house, path, person) for house, person, path in _people_in_groups(area, groups)]
    if kind == TargetKind.HOUSEHOLDS:
        rows = (Person.objects.filter(path__under=area.path, is_active=True, current_house__isnull=False)
                .order_by("path", "pk").values_list("current_house_id", "path"))
        return [(house, path, None) for house, path in rows]
    if kind == TargetKind.BUILDINGS:
        return [(pk, path, None) for pk, path in Place.objects.filter(path__under=area.path, level=Level.BUILDING)
                .order_by("path").values_list("pk", "path")]
    if kind == TargetKind.ORGANIZATIONS:
        return [(place, path, None) for place, path in Organization.objects.filter(path__under=area.path)
                .order_by("path").values_list("place_id", "path")]
    raise ValueError(kind)


def select(kind: str, areas: list[Place], groups: list[str], only_grids: set[int] | None = None) -> list[Target]:
    """The targets of a task: one per place (the first member of a group found there is the
    person to see), each with its grid and address, in address order."""
    seen: dict[int, tuple[str, int | None]] = {}
    for area in areas:
        for place_id, path, person_id in _raw_targets(kind, area, groups):
            if place_id not in seen:
                seen[place_id] = (path, person_id)
    grids = grids_by_building(path for path, _ in seen.values())
    chosen = [(place_id, path, person_id, grids.get(building_path(path)))
              for place_id, (path, person_id) in seen.items()]
    if only_grids is not None:
        chosen = [row for row in chosen if row[3] in only_grids]
    names = addresses(path for _, path, _, _ in chosen)
    return sorted((Target(place_id, path, person_id, grid_id, names[path][:200])
                   for place_id, path, person_id, grid_id in chosen), key=lambda t: t.path)
