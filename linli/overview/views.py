"""The one-screen overview (一屏统览): ``/overview/`` opens the screen of one's own street or
community; ``/overview/<id>/`` a street's or community's (drill-down from the street to a
community); the page polls ``data.json`` for its counters and layers and reads the base map
once from ``map.geojson``. The scenario travels in the URL (``?s=epidemic``)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from linli.core.access import get_or_404, may, route
from linli.core.http import denied
from linli.overview import registry, screen
from linli.overview.access import VIEW
from linli.places.models import Level, Place

SCREEN_PLACES = Q(level__in=screen.SCREEN_LEVELS)
POLL_SECONDS = 20


def _place(request: HttpRequest, pk: int) -> Place:
    return get_or_404(Place.objects.filter(SCREEN_PLACES), request.user, VIEW, pk=pk)


def _words() -> dict[str, str]:
    """What the page's script writes, in the reader's language."""
    return {
        "compoundPage": _("Open the compound: its buildings (一楼一图) and households (一房一图)"),
        "buildingPage": _("Open the building (一楼一图)"),
        "gridPage": _("Open the grid"),
        "communityScreen": _("This community on one screen"),
        "updated": _("updated at %(time)s"),
        "stale": _("not updated: the connection is down, the numbers are from %(time)s"),
        "lastWeek": _("same day last week: %(n)s"),
    }


@route(VIEW)
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """One's own screen: the street or community one's role is held over."""
    place = screen.home_place(request.user) if may(request.user, VIEW) else None
    if place is None:
        return denied(request)
    return _screen(request, place)


@route(VIEW, model=Place, where=SCREEN_PLACES)
@login_required
@require_GET
def screen_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _screen(request, _place(request, pk))


def _screen(request: HttpRequest, place: Place) -> HttpResponse:
    scenario = screen.scenario_of(request.GET.get("s"))
    today = timezone.localdate()
    data = screen.screen_data(request.user, place, scenario, today)
    home = screen.home_place(request.user)
    communities = list(Place.objects.restrict(request.user, VIEW).filter(
        parent=place, level=Level.COMMUNITY).order_by("path").values("pk", "name"))
    return render(request, "overview/screen.html", {
        "place": place, "scenario": scenario, "data": data, "today": today,
        "scenarios": [(code, label) for code, label in registry.SCENARIOS.items()],
        "communities": communities, "up": home if home and home.pk != place.pk and place.path.startswith(home.path)
        else None,
        "settings": {
            "data": reverse("overview:data", args=[place.pk]) + f"?s={scenario}",
            "map": reverse("overview:map", args=[place.pk]),
            "scenario": scenario, "poll": POLL_SECONDS, "words": _words(),
        },
    })


@route(VIEW, model=Place, where=SCREEN_PLACES)
@login_required
@require_GET
def data(request: HttpRequest, pk: int) -> JsonResponse:
    place = _place(request, pk)
    scenario = screen.scenario_of(request.GET.get("s"))
    payload: dict[str, Any] = screen.screen_data(request.user, place, scenario, timezone.localdate())
    payload["at"] = timezone.localtime().isoformat(timespec="seconds")
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@route(VIEW, model=Place, where=SCREEN_PLACES)
@login_required
@require_GET
def map_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place(request, pk)
    body = json.dumps(screen.base_map(request.user, place), ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
