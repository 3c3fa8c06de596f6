"""Reach of a notice (知晓率) by community, compound, building and grid, and the follow-up
lists: one grouped query over the notice's households, rolled up in Python (a street has a few
thousand buildings at most)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from linli.grids.models import Grid
from linli.notices.access import VIEW
from linli.notices.models import Notice, NoticeHousehold
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
    rows = (visible_households(user, notice).values("building_path", "grid_id")
            .annotate(n=Count("pk"), reached=Count("pk", filter=Q(reached_at__isnull=False)),
                      reread=Count("pk", filter=Q(reread=True))))
    total = ReachRow("", "")
    communities: dict[str, ReachRow] = {}
    compounds: dict[str, ReachRow] = {}
    buildings: dict[str, ReachRow] = {}
    grids: dict[int | None, ReachRow] = {}
    for row in rows:
        building = row["building_path"]
        community, compound = building[:COMMUNITY_CHARS], building[:COMPOUND_CHARS]
        targets = [total,
                   communities.setdefault(community, ReachRow(community, "")),
                   compounds.setdefault(compound, ReachRow(compound, "")),
                   buildings.setdefault(building, ReachRow(building, "")),
                   grids.setdefault(row["grid_id"], ReachRow(str(row["grid_id"] or ""), ""))]
        for target in targets:
            target.households += row["n"]
            target.reached += row["reached"]
            target.reread += row["reread"]
    names = names_by_path(set(communities) | set(compounds) | set(buildings))
    for path, area_row in (communities | compounds | buildings).items():
        area_row.name = names.get(path, path)
    for path, compound_row in sorted(compounds.items()):
        compound_row.children = [buildings[b] for b in sorted(buildings) if b.startswith(path)]
        communities[path[:COMMUNITY_CHARS]].children.append(compound_row)
    grid_names = dict(Grid.objects.filter(pk__in=[g for g in grids if g]).values_list("pk", "name"))
    for grid_id, grid_row in grids.items():
        grid_row.name = grid_names.get(grid_id, "") if grid_id else ""
    by_via = dict(visible_households(user, notice).filter(reached_at__isnull=False)
                  .values("reached_via").annotate(n=Count("pk")).values_list("reached_via", "n"))
    return Reach(total, [communities[k] for k in sorted(communities)],
                 sorted(grids.values(), key=lambda r: (r.name == "", r.name)), by_via)


def follow_up(households: QuerySet[NoticeHousehold]) -> QuerySet[NoticeHousehold]:
    """Households not yet reached, or asked to read a correction: special groups first, then
    in address order (the round she walks)."""
    return households.filter(Q(reached_at__isnull=True) | Q(reread=True)).order_by("-priority", "path")
