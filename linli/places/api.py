"""Places over the API: one place with its breadcrumb and the children of a place. Everything
is cut to the caller's ``places.view`` scope; a place outside it is "not found". The building
view (一楼一图) counts residents, so people serves it (linli/people/place_api.py)."""

from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from linli.core.access import PermissionDenied, allows, get_or_404, may, route, scope_roots
from linli.core.api_auth import ERRORS, Id, Pages, api_user
from linli.places.models import Place

router = Router()


class PlaceItem(Schema):
    id: int
    code: str
    name: str
    level: str
    element_type: str
    parent_id: int | None
    children_count: int


class Crumb(Schema):
    id: int
    name: str
    level: str
    visible: bool = Field(description="whether the caller may open this ancestor")


class PlaceDetail(PlaceItem):
    ancestors: list[Crumb] = Field(description="root first")
    floors: int | None
    units_count: int | None
    has_lift: bool | None
    floor: int | None
    number: str
    area: float | None
    usage: str
    latitude: float | None
    longitude: float | None
    boundary: dict[str, Any] | None


def _with_children_count(places: QuerySet[Place]) -> QuerySet[Place]:
    # Under a place the caller may see, every child is visible too (scopes are path
    # prefixes), so the plain count is the scoped count.
    return places.annotate(children_count=Count("children"))


def place_detail(place: Place, user: Any) -> dict[str, Any]:
    return {
        "id": place.pk, "code": place.code, "name": place.name, "level": place.level,
        "element_type": place.element_type, "parent_id": place.parent_id,
        "children_count": place.children_count,  # type: ignore[attr-defined]
        "ancestors": [{"id": a.pk, "name": a.name, "level": a.level, "visible": allows(user, "places.view", a.path)}
                      for a in place.ancestors()],
        "floors": place.floors, "units_count": place.units_count, "has_lift": place.has_lift,
        "floor": place.floor, "number": place.number,
        "area": float(place.area) if place.area is not None else None, "usage": place.usage,
        "latitude": place.latitude, "longitude": place.longitude, "boundary": place.boundary,
    }


@router.get("", response={200: list[PlaceItem], **ERRORS},
            summary="Children of a place; without `parent`, the top places the caller may see")
@route("places.view")
@paginate(Pages, page_size=50)
def list_places(request: HttpRequest, parent: Id | None = None) -> QuerySet[Place]:
    user = api_user(request)
    if not may(user, "places.view"):
        raise PermissionDenied("places.view")
    places = _with_children_count(Place.objects.restrict(user, "places.view"))
    if parent is not None:
        return places.filter(parent_id=parent).order_by("sort_key", "code")
    roots = scope_roots(user, "places.view")
    if roots is None:
        return places.filter(parent__isnull=True).order_by("code")
    return places.filter(path__in=roots).order_by("path")


@router.get("/{place_id}", response={200: PlaceDetail, **ERRORS},
            summary="One place with its breadcrumb and how many children it has")
@route("places.view", model=Place, kwarg="place_id")
def get_place(request: HttpRequest, place_id: Id) -> dict[str, Any]:
    user = api_user(request)
    place = get_or_404(_with_children_count(Place.objects.all()), user, "places.view", pk=place_id)
    return place_detail(place, user)
