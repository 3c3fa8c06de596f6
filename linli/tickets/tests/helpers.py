"""Filing requests in tests, as the personas would."""

from __future__ import annotations

from typing import Any

from linli.conftest import Street
from linli.core.models import Role, RoleAssignment, User
from linli.grids.models import Grid, GridMember
from linli.places.models import Place
from linli.tickets import actions
from linli.tickets.models import Category, Source, Ticket


def category(code: str = "repair-water") -> Category:
    return Category.objects.get(code=code)


def file(user: Any, place: Place, code: str = "repair-water", *, source: str = Source.APP,
         description: str = "厨房水管漏水，楼下渗水", **extra: Any) -> Ticket:
    return actions.do_submit(actions.NewTicket(category=category(code), place=place, description=description,
                                               source=source, **extra), acting_user=user)


def grid_member(street: Street, username: str = "second-worker", name: str = "网格员 李芳") -> User:
    """Another grid worker in the demo grid worker's grid, a member of its team (the demo
    team's other member is a volunteer, who handles nothing)."""
    grid = Grid.objects.get(places=street.grid_building)
    user = User.objects.create_user(username, display_name=name)
    GridMember.objects.create(grid=grid, user=user, role=GridMember.Role.MEMBER)
    RoleAssignment.objects.create(user=user, role=Role.objects.get(code="grid_worker"), grid=grid)
    return user
