"""Reach of a notice (知晓率) by community, compound, building and grid, and the follow-up
lists. The reach is read from the notice's reach counts (one row per building and grid, kept
current by the actions), rolled up in Python (a street has a few thousand buildings at most)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from linli.grids.models import Grid
from linli.notices.access import VIEW
from linli.notices.models import Notice, NoticeHousehold, ReachCount, Via
from linli.places.models import names_by_path

COMMUNITY_CHARS, COMPOUND_CHARS = 17, 21  # fixed-width path segments: 31/01/15/099/001/ and 003/


@dataclass
class ReachRow:
    key: str
    name: str
    households: int = 0
    reached: int = 0
    reread: int = 0
    children: list[ReachRow] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.households) if self.households else 0

    @property
    def missing(self) -> int:
        return self.households - self.reached


@dataclass
class Reach:
    total: ReachRow
    communities: list[ReachRow]
    grids: list[ReachRow]
    by_via: dict[str, int]


def visible_households(user: Any, notice: Notice) -> QuerySet[NoticeHousehold]:
    return NoticeHousehold.objects.restrict(user, VIEW).filter(notice=notice)


def reach(user: Any, notice: Notice) -> Reach:
    rows = (ReachCount.objects.restrict(user, VIEW).filter(notice=notice)
            .values_list("path", "grid_id", "households", "reached", "reread", *Via.values))
    by_via = dict.fromkeys(Via.values, 0)
    total = ReachRow("", "")
    communities: dict[str, ReachRow] = {}
    compounds: dict[str, ReachRow] = {}
    buildings: dict[str, ReachRow] = {}
    grids: dict[int | None, ReachRow] = {}
    for building, grid, n, reached, reread, *vias in rows:
        community, compound = building[:COMMUNITY_CHARS], building[:COMPOUND_CHARS]
        targets = [total,
                   communities.setdefault(community, ReachRow(community, "")),
                   compounds.setdefault(compound, ReachRow(compound, "")),
                   buildings.setdefault(building, ReachRow(building, "")),
                   grids.setdefault(grid, ReachRow(str(grid or ""), ""))]
        for target in targets:
            target.households += n
            target.reached += reached
            target.reread += reread
        for via, count in zip(Via.values, vias, strict=True):
            by_via[via] += count
    names = names_by_path(set(communities) | set(compounds) | set(buildings))
    for path, area_row in (communities | compounds | buildings).items():
        area_row.name = names.get(path, path)
    for path in sorted(buildings):
        compounds[path[:COMPOUND_CHARS]].children.append(buildings[path])
    for path, compound_row in sorted(compounds.items()):
        communities[path[:COMMUNITY_CHARS]].children.append(compound_row)
    grid_names = dict(Grid.objects.filter(pk__in=[g for g in grids if g]).values_list("pk", "name"))
    for grid_id, grid_row in grids.items():
        grid_row.name = grid_names.get(grid_id, "") if grid_id else ""
    return Reach(total, [communities[k] for k in sorted(communities)],
                 sorted(grids.values(), key=lambda r: (r.name == "", r.name)),
                 {via: n for via, n in by_via.items() if n})


def follow_up(households: QuerySet[NoticeHousehold]) -> QuerySet[NoticeHousehold]:
    """Households not yet reached, or asked to read a correction: special groups first, then
    in address order (the round she walks)."""
    return households.filter(Q(reached_at__isnull=True) | Q(reread=True)).order_by("-priority", "path")
