"""A grid worker's own duty lists (三张清单) for her home page: for each grid team she is in,
the powers, responsibilities and negative list of her role there, as her street keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from linli.core.access import may
from linli.places.rules import ancestor_paths
from linli.tickets.access import VIEW
from linli.tickets.models import DutyItem, DutyKind, GridRole


@dataclass
class DutyList:
    kind: str
    label: str
    items: list[DutyItem] = field(default_factory=list)


@dataclass
class RoleDuties:
    grid_name: str
    role: str
    role_label: str
    lists: list[DutyList]

    @property
    def count(self) -> int:
        return sum(len(dl.items) for dl in self.lists)


def my_duty_lists(user: Any) -> list[RoleDuties]:
    """Her role's three lists in each grid she works in (as a request handler: a volunteer of
    the team has none), with the lines her street keeps; nothing when the street keeps none."""
    if not getattr(user, "is_authenticated", False) or not may(user, VIEW):
        return []
    memberships = list(user.grid_memberships.select_related("grid").order_by("grid__code")[:10])
    if not memberships:
        return []
    paths = {m.grid_id: {*ancestor_paths(m.grid.path), m.grid.path} for m in memberships}
    lines = list(DutyItem.objects.restrict(user, VIEW).filter(
        path__in=sorted(set().union(*paths.values())), role__in={m.role for m in memberships})
        .select_related("category"))
    found = []
    for member in memberships:
        mine = [line for line in lines if line.role == member.role and line.path in paths[member.grid_id]]
        if not mine:
            continue
        lists = [DutyList(kind, str(label), [line for line in mine if line.kind == kind])
                 for kind, label in DutyKind.choices]
        role = GridRole(member.role) if member.role in GridRole.values else None
        found.append(RoleDuties(member.grid.name, member.role, str(role.label) if role else member.role, lists))
    return found
