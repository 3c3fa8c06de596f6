"""The place pages, from a street down to a house: the place with the people who live there
(一楼一图 for a building, 一房一图 for a house). They are people's pages because they show
residents; places, below people, knows nothing of who lives where."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import allows, get_or_404, route
from linli.people.actions import PersonCard, do_set_house_usage, person_card
from linli.people.layout import building_layout
from linli.people.models import Organization, Residence
from linli.places.models import Level, Place, Usage


@route("places.view", model=Place)
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    # places.view reaches a place whose subtree holds something the user may see: a grid
    # worker opens the compound to reach the buildings of her grid.
    place = get_or_404(Place.objects.all(), request.user, "places.view", pk=pk)
    if place.level == Level.BUILDING:
        return building(request, place)
    if place.level == Level.UNIT:
        return redirect("places:detail", pk=place.parent_id)
    if place.level == Level.HOUSE:
        return house(request, place)
    return area(request, place)


def trail_of(places: list[Place], user: Any) -> list[Place]:
    """The breadcrumbs above a page: each a link where the viewer may open that place."""
    places = [p for p in places if p.level not in (Level.PROVINCE, Level.CITY)]
    visible = set(Place.objects.restrict(user, "places.view").filter(pk__in=[p.pk for p in places])
                  .values_list("pk", flat=True))
    for p in places:
        p.link = p.pk in visible  # type: ignore[attr-defined]
    return places


def _trail(place: Place, user: Any) -> list[Place]:
    return trail_of(place.ancestors(), user)


def area(request: HttpRequest, place: Place) -> HttpResponse:
    """A street, community or compound: its children within the user's scope, with counts."""
    children = Place.objects.restrict(request.user, "places.view").filter(parent=place).order_by("sort_key", "code")
    houses = Place.objects.restrict(request.user, "places.view").filter(path__under=place.path, level=Level.HOUSE)
    stats = houses.aggregate(total=Count("id"), rented=Count("id", filter=Q(usage=Usage.RENTED)),
                             vacant=Count("id", filter=Q(usage=Usage.VACANT)))
    residents = Residence.objects.restrict(request.user, "people.view").filter(
        path__under=place.path, moved_out__isnull=True).count()
    return render(request, "people/area.html", {
        "place": place, "children": children, "stats": stats, "residents": residents, "trail": _trail(place, request.user)})


def building(request: HttpRequest, place: Place) -> HttpResponse:
    layout = building_layout(place, request.user, timezone.localdate())
    audit.record("building.view", actor=request.user, obj=place,
                 detail={"visible_houses": layout.totals["visible_houses"]})
    rows = [(floor, layout.row(floor)) for floor in layout.floors]
    return render(request, "people/building.html",
                  {"place": place, "layout": layout, "rows": rows, "trail": _trail(place, request.user)})


def house(request: HttpRequest, place: Place) -> HttpResponse:
    """一房一图: who lives in this house, in which household and relation, and who lived here."""
    if not allows(request.user, "places.view", place.path):
        raise Http404
    today = timezone.localdate()
    residences = (Residence.objects.restrict(request.user, "people.view").filter(house=place)
                  .select_related("person", "household", "household__head").order_by("moved_out", "household_id", "pk"))
    current: list[tuple[Residence, PersonCard]] = []
    history: list[tuple[Residence, PersonCard]] = []
    for r in residences:
        (history if r.moved_out else current).append((r, person_card(r.person, request.user, today)))
    audit.record("household.view", actor=request.user, obj=place, detail={"people": len(current) + len(history)})
    return render(request, "people/house.html", {
        "place": place, "current": current, "history": history, "trail": _trail(place, request.user),
        "can_see_people": allows(request.user, "people.view", place.path),
        "can_change": allows(request.user, "people.change", place.path),
        "organizations": Organization.objects.restrict(request.user, "orgs.view").filter(place=place),
        "can_register_org": allows(request.user, "orgs.change", place.path) and place.usage == Usage.COMMERCIAL,
        "usages": Usage.choices})


@route("people.change", model=Place, where=Q(level=Level.HOUSE))
@login_required
@require_POST
def set_usage(request: HttpRequest, pk: int) -> HttpResponse:
    house = get_or_404(Place.objects.filter(level=Level.HOUSE), request.user, "people.change", pk=pk)
    try:
        do_set_house_usage(house, str(request.POST.get("usage", ""))[:16], acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect("places:detail", pk=house.pk)
