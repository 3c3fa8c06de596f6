"""Grids over the API: boundary, covered places and the 1 + N team (display names only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from linli.core.access import get_or_404, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.grids.models import Grid, GridMember

router = Router()


class CoveredPlace(Schema):
    id: int
    code: str
    name: str
    level: str


class TeamMember(Schema):
    display_name: str
    role: str
    duty: str


class GridOut(Schema):
    id: int
    code: str
    name: str
    community_id: int
    community_name: str
    risk_colour: str
    polygon: dict[str, Any] | None = Field(description="GeoJSON polygon, WGS 84")
    places: list[CoveredPlace]
    leader: TeamMember | None
    members: list[TeamMember] = Field(description="the team apart from the leader")


def _member(member: GridMember) -> dict[str, str]:
    # str(user) is the display name (the username only when no display name is set).
    return {"display_name": str(member.user), "role": member.role, "duty": member.duty}


def grid_out(grid: Grid) -> dict[str, Any]:
    team = list(grid.members.select_related("user").order_by("role", "pk"))
    leader = next((m for m in team if m.role == GridMember.Role.LEADER), None)
    return {
        "id": grid.pk, "code": grid.code, "name": grid.name, "community_id": grid.community_id,
        "community_name": grid.community.name, "risk_colour": grid.risk_colour, "polygon": grid.polygon,
        "places": [{"id": p.pk, "code": p.code, "name": p.name, "level": p.level}
                   for p in grid.places.order_by("path")],
        "leader": _member(leader) if leader else None,
        "members": [_member(m) for m in team if m is not leader],
    }


@router.get("/{grid_id}", response={200: GridOut, **ERRORS}, summary="One grid with its places and team")
@route("grids.view", model=Grid, kwarg="grid_id")
def get_grid(request: HttpRequest, grid_id: Id) -> dict[str, Any]:
    grid = get_or_404(Grid.objects.select_related("community"), api_user(request), "grids.view",
                             pk=grid_id)
    return grid_out(grid)
