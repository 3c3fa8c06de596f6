"""The field-site pages: the office's list of points and shelters (with forms to add them) and
the disinfection team's phone page: today's points in route order, on a map, one tap to record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from linli.core.access import get_or_404, may, restricted, route
from linli.core.http import denied
from linli.core.pagination import Pager
from linli.places.models import Level, Place
from linli.sites import actions, queries
from linli.sites.access import MANAGE, RECORD, VIEW
from linli.sites.forms import PointEditForm, PointForm, ShelterEditForm, ShelterForm, VisitForm
from linli.sites.models import DisinfectionPoint, DisinfectionVisit, PointState, Shelter


def _managed(user: Any, levels: tuple[str, ...]) -> Any:
    return restricted(Place.objects.filter(level__in=levels), user, MANAGE).order_by("path")


def _points_page(request: HttpRequest, form: PointForm | None, status: int = 200) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    rows = (DisinfectionPoint.objects.restrict(user, VIEW).select_related("place").order_by("path", "name"))
    page = Pager(rows, 50).get_page(request.GET.get("page"))
    items: list[dict[str, Any]] = [{"point": p, "state": p.state(today)} for p in page]
    last = {v.point_id: v for v in DisinfectionVisit.objects.restrict(user, VIEW).filter(
        point__in=[i["point"] for i in items]).select_related("visited_by").order_by("point_id", "visited_at")}
    for item in items:
        item["last"] = last.get(item["point"].pk)
    return render(request, "sites/points.html", {"items": items, "page": page, "form": form,
                                                "manage": may(user, MANAGE)}, status=status)


@route(VIEW, MANAGE)
@login_required
@require_safe
def point_list(request: HttpRequest) -> HttpResponse:
    if not (may(request.user, VIEW) or may(request.user, MANAGE)):
        return denied(request)
    managed = _managed(request.user, (Level.COMPOUND,))
    form = PointForm(places=managed) if managed.exists() else None
    return _points_page(request, form)


@route(MANAGE)
@login_required
@require_POST
def point_add(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MANAGE):
        return denied(request)
    form = PointForm(request.POST, places=_managed(request.user, (Level.COMPOUND,)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_point(data["compound"], actions.PointInput(
                data["name"], data["kind"], data["longitude"], data["latitude"], data["interval_days"]),
                acting_user=request.user)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Disinfection point added."))
            return redirect("sites:points")
    return _points_page(request, form, status=422)


def _shelters_page(request: HttpRequest, form: ShelterForm | None, status: int = 200) -> HttpResponse:
    rows = Shelter.objects.restrict(request.user, VIEW).select_related("place").order_by("path", "name")
    return render(request, "sites/shelters.html", {"shelters": rows, "form": form,
                                                  "manage": may(request.user, MANAGE)}, status=status)


@route(VIEW, MANAGE)
@login_required
@require_safe
def shelter_list(request: HttpRequest) -> HttpResponse:
    if not (may(request.user, VIEW) or may(request.user, MANAGE)):
        return denied(request)
    managed = _managed(request.user, (Level.COMMUNITY, Level.COMPOUND))
    return _shelters_page(request, ShelterForm(places=managed) if managed.exists() else None)


@route(MANAGE)
@login_required
@require_POST
def shelter_add(request: HttpRequest) -> HttpResponse:
    if not may(request.user, MANAGE):
        return denied(request)
    form = ShelterForm(request.POST, places=_managed(request.user, (Level.COMMUNITY, Level.COMPOUND)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_shelter(data["place"], actions.ShelterInput(
                data["name"], data["longitude"], data["latitude"], data["capacity"], data["contact"]),
                acting_user=request.user)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("Shelter added."))
            return redirect("sites:shelters")
    return _shelters_page(request, form, status=422)


_POINT_FIELDS = ("name", "kind", "longitude", "latitude", "interval_days", "active")
_SHELTER_FIELDS = ("name", "capacity", "contact", "longitude", "latitude", "active")


def _edit(request: HttpRequest, thing: Any, form_class: Any, fields: tuple[str, ...], save: Any, done: str,
          back: str) -> HttpResponse:
    """The change page of a point or shelter: its form filled in, or the change saved through ``save``
    (the action) and back to the list, or the form again with the action's errors."""
    page = {"thing": thing, "place": thing.place, "back": reverse(back)}
    if request.method != "POST":
        return render(request, "sites/edit.html", {**page, "form": form_class(initial={f: getattr(thing, f)
                                                                                        for f in fields})})
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, done)
            return redirect(back)
    return render(request, "sites/edit.html", {**page, "form": form}, status=422)


@route(MANAGE, model=DisinfectionPoint)
@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_or_404(DisinfectionPoint.objects.select_related("place"), request.user, MANAGE, pk=pk)
    return _edit(request, point, PointEditForm, _POINT_FIELDS, lambda d: actions.do_change_point(
        point, actions.PointInput(d["name"], d["kind"], d["longitude"], d["latitude"], d["interval_days"]),
        active=d["active"], acting_user=request.user), _("Disinfection point saved."), "sites:points")


@route(MANAGE, model=Shelter)
@login_required
def shelter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shelter = get_or_404(Shelter.objects.select_related("place"), request.user, MANAGE, pk=pk)
    return _edit(request, shelter, ShelterEditForm, _SHELTER_FIELDS, lambda d: actions.do_change_shelter(
        shelter, actions.ShelterInput(d["name"], d["longitude"], d["latitude"], d["capacity"], d["contact"]),
        active=d["active"], acting_user=request.user), _("Shelter saved."), "sites:shelters")


def _communities(user: Any) -> list[Place]:
    """The communities where the user may record disinfections (of the points she reaches)."""
    width = queries.prefix_length(Level.COMMUNITY)
    paths = {p[:width] for p in DisinfectionPoint.objects.restrict(user, RECORD).values_list("path", flat=True)
             .distinct()}
    return list(Place.objects.filter(path__in=sorted(paths), level=Level.COMMUNITY).order_by("path"))


def _today_page(request: HttpRequest, form: VisitForm | None = None, failed: int | None = None,
                status: int = 200) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    communities = _communities(user)
    chosen = request.GET.get("community") or request.POST.get("community")
    community = next((c for c in communities if str(c.pk) == chosen), communities[0] if communities else None)
    start = None
    start_id = request.GET.get("start")
    if start_id and start_id.isdigit() and community is not None:
        start = queries.points(user, community, RECORD).filter(pk=int(start_id)).first()
    trip = queries.todays_route(user, community, today, start=start) if community else None
    done = (list(queries.points(user, community, RECORD).filter(last_visited_on__gte=today).order_by("name"))
            if community else [])
    stops = trip.stops if trip else []
    compounds = {s.point.place_id for s in stops} | {p.place_id for p in done}
    outlines = [b for b in Place.objects.filter(pk__in=sorted(compounds)).values_list("boundary", flat=True) if b]
    mapped = {
        "outlines": outlines,  # the compounds walked through, for bearings without a tile server
        "depot": list(trip.depot) if trip else None,
        "stops": [{"name": s.point.name, "at": [s.point.longitude, s.point.latitude], "state": s.state.value}
                  for s in stops],
        "done": [{"name": p.name, "at": [p.longitude, p.latitude]} for p in done],
    }
    return render(request, "sites/today.html", {
        "communities": communities, "community": community, "trip": trip, "stops": stops, "done": done,
        "form": form or VisitForm(), "failed": failed, "mapped": mapped, "start": start,
        "km": trip.metres / 1000 if trip else 0, "states": PointState,
        "errors": [str(e) for errors in form.errors.values() for e in errors] if form is not None else [],
        "failed_name": next((s.point.name for s in stops if s.point.pk == failed), ""),
    }, status=status)


@route(RECORD)
@login_required
@require_safe
def today(request: HttpRequest) -> HttpResponse:
    if not may(request.user, RECORD):
        return denied(request)
    return _today_page(request)


@route(RECORD, model=DisinfectionPoint)
@login_required
@require_POST
def visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_or_404(DisinfectionPoint.objects.all(), request.user, RECORD, pk=pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            actions.do_record_visit(point, acting_user=request.user, disinfectant=form.cleaned_data["disinfectant"],
                                    note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_action_errors(error)
        else:
            messages.success(request, _("%(name)s: disinfection recorded.") % {"name": point.name})
            community = request.POST.get("community", "")
            return redirect(reverse("sites:today") + (f"?community={community}" if community.isdigit() else ""))
    return _today_page(request, form=form, failed=point.pk, status=422)
