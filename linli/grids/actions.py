"""Grids: their boundary, the places they cover and their "1 + N" team."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from linli.core import audit
from linli.core.access import require
from linli.core.models import Role, RoleAssignment, User
from linli.core.scope import clear_scope_cache
from linli.grids.models import Grid, GridMember
from linli.grids.rules import check_grid
from linli.places.models import Place


@transaction.atomic
def do_save_grid(grid: Grid, *, acting_user: Any, name: str, polygon: Any, places: list[Place]) -> Grid:
    require(acting_user, "grids.change", grid.community.path)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [ValidationError(_("Give the grid a name."), code="required")]})
    check_grid(grid.community, polygon, places)
    grid.name, grid.polygon, grid.path = name, polygon, grid.community.path
    grid.save()
    grid.places.set(places)
    audit.record("grid.save", actor=acting_user, obj=grid, detail={"places": [p.pk for p in places]})
    return grid


@transaction.atomic
def do_set_team(grid: Grid, *, acting_user: Any, leader: User, members: list[User]) -> None:
    """One leader and N members; each of them works as a grid worker on this grid."""
    require(acting_user, "grids.change", grid.community.path)
    members = [m for m in dict.fromkeys(members) if m != leader]
    role = Role.objects.get(code="grid_worker")
    GridMember.objects.filter(grid=grid).delete()
    GridMember.objects.create(grid=grid, user=leader, role=GridMember.Role.LEADER, duty="网格长")
    GridMember.objects.bulk_create(GridMember(grid=grid, user=m, role=GridMember.Role.MEMBER, duty="网格员")
                                   for m in members)
    team = [leader, *members]
    RoleAssignment.objects.filter(grid=grid, role=role).exclude(user__in=team).delete()
    for user in team:
        RoleAssignment.objects.get_or_create(user=user, role=role, grid=grid)
        clear_scope_cache(user)
    audit.record("grid.team", actor=acting_user, obj=grid,
                 detail={"leader": leader.pk, "members": [m.pk for m in members]})
