"""The building view (一楼一图) over the API, under /api/places/ beside the places themselves.

People serves it because every cell counts residents. A building outside the caller's
``places.view`` scope is "not found"; a house outside it shows only where it is.
"""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from linli.core.access import get_or_404, route
from linli.core.api_auth import ERRORS, Id, api_user
from linli.people.layout import BuildingLayout, Cell, building_layout
from linli.places.models import Level, Place

router = Router()

HIDDEN_CELL_FIELDS = ("house_id", "number", "floor", "visible")


class BuildingOut(Schema):
    id: int
    code: str
    name: str
    floors: int | None
    units_count: int | None
    has_lift: bool | None


class UnitOut(Schema):
    id: int
    name: str
    rooms: list[str]


class CellOut(Schema):
    """A house in the building view. Outside the caller's scope only its position is given."""

    house_id: int
    number: str
    floor: int
    visible: bool
    usage: str | None = None
    residents: int | None = None
    households: int | None = None
    elders: int | None = None
    children: int | None = None
    groups: dict[str, int] | None = Field(None, description="special group → count; empty without the right")
    roles: dict[str, int] | None = None


class RowOut(Schema):
    floor: int
    cells: list[CellOut | None] = Field(description="one per unit and room, in the order of `units`; "
                                                    "null where the floor has no such room")


class LayoutOut(Schema):
    building: BuildingOut
    units: list[UnitOut]
    floors: list[int] = Field(description="top floor first")
    rows: list[RowOut]
    shows_groups: bool
    totals: dict[str, int]


def cell_out(cell: Cell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    data = cell.as_dict()
    if not cell.visible:
        return {key: data[key] for key in HIDDEN_CELL_FIELDS}
    return data


def layout_out(layout: BuildingLayout) -> dict[str, Any]:
    b = layout.building
    return {
        "building": {"id": b.pk, "code": b.code, "name": b.name, "floors": b.floors,
                     "units_count": b.units_count, "has_lift": b.has_lift},
        "units": [{"id": u.unit_id, "name": u.name, "rooms": u.rooms} for u in layout.units],
        "floors": layout.floors,
        "rows": [{"floor": floor, "cells": [cell_out(c) for c in layout.row(floor)]} for floor in layout.floors],
        "shows_groups": layout.shows_groups,
        "totals": layout.totals,
    }


@router.get("/buildings/{building_id}/layout", response={200: LayoutOut, **ERRORS}, exclude_unset=True,
            summary="The building view: floors × units, one cell per house")
@route("places.view", model=Place, kwarg="building_id", where=Q(level=Level.BUILDING))
def get_layout(request: HttpRequest, building_id: Id) -> dict[str, Any]:
    user = api_user(request)
    building = get_or_404(Place.objects.filter(level=Level.BUILDING), user, "places.view", pk=building_id)
    return layout_out(building_layout(building, user, timezone.localdate()))
