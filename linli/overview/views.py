"""The one-screen overview (一屏统览): ``/overview/`` opens the screen of one's own street or
community; ``/overview/<id>/`` a street's or community's (drill-down from the street to a
community); the page polls ``data.json`` for its counters and layers and reads the base map
once from ``map.geojson``. The scenario travels in the URL (``?scenario=epidemic``; the older
``?s=`` is still read) and down the drill-down to the building and household pages; the time
slider's day too (``&day=2026-03-01``, one of the last 14 days)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as conf
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from linli.core.access import get_or_404, may, route
from linli.core.errors import api_item
from linli.core.http import denied
from linli.overview import registry, screen, tiles
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
        "streetScreen": _("This street on one screen"),
        "updated": _("updated at %(time)s"),
        "stale": _("not updated: the connection is down, the numbers are from %(time)s"),
        "lastWeek": _("same day last week: %(n)s"),
        "todayOnly": _("today's number: not kept per day"),
        "nowOnly": _("(today)"),
        "today": _("today"),
        "printedAt": _("printed at %(time)s"),
        "seriesSmall": _("days with 1 to 4 people (“< 5”) have no bar"),
    }


def scenario_asked(request: HttpRequest) -> str:
    return screen.scenario_of(request.GET.get("scenario") or request.GET.get("s"))


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
    scenario = scenario_asked(request)
    today = timezone.localdate()
    try:
        day = screen.day_of(request.GET.get("day"), today)
    except ValueError as exc:
        messages.error(request, str(exc.args[0]))
        day = today
    data = screen.screen_data(request.user, place, scenario, today, day)
    data["at"] = timezone.localtime().isoformat(timespec="seconds")
    home = screen.home_place(request.user)
    communities = list(Place.objects.restrict(request.user, VIEW).filter(  # the screens one level down
        parent=place, level__in=(Level.STREET, Level.COMMUNITY)).order_by("path").values("pk", "name"))
    days = screen.days(today)
    response = render(request, "overview/screen.html", {
        "place": place, "scenario": scenario, "scenario_label": registry.SCENARIOS[scenario], "data": data,
        "today": today, "day": day, "days": days, "day_index": days.index(day), "now": timezone.localtime(),
        "scenarios": [(code, label) for code, label in registry.SCENARIOS.items()],
        "communities": communities, "up": home if home and home.pk != place.pk and place.path.startswith(home.path)
        else None,
        "settings": {
            "data": reverse("overview:data", args=[place.pk]) + f"?scenario={scenario}",
            "map": reverse("overview:map", args=[place.pk]),
            "scenario": scenario, "poll": POLL_SECONDS, "words": _words(),
            "days": [d.isoformat() for d in days], "day": day.isoformat(),
            "tiles": {"url": conf.LINLI_MAP_TILES, "attribution": conf.LINLI_MAP_TILES_ATTRIBUTION,
                      "maxZoom": conf.LINLI_MAP_TILES_MAX_ZOOM} if conf.LINLI_MAP_TILES else None,
        },
    })
    source = tiles.csp_source(conf.LINLI_MAP_TILES)
    if source:  # the configured tiles, and only then, may load as images on this page
        update: dict[str, Any] = dict(getattr(response, "_csp_update", None) or {})
        sources = update.get("img-src", [])
        update["img-src"] = [*([sources] if isinstance(sources, str) else sources), source]
        response._csp_update = update  # type: ignore[attr-defined]
    return response


@route(VIEW, model=Place, where=SCREEN_PLACES)
@login_required
@require_GET
def data(request: HttpRequest, pk: int) -> JsonResponse:
    place = _place(request, pk)
    scenario = scenario_asked(request)
    today = timezone.localdate()
    try:
        day = screen.day_of(request.GET.get("day"), today)
    except ValueError as exc:
        text = exc.args[0]
        return JsonResponse({"detail": [api_item(["query", "day"], "invalid_day", text)]}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    payload: dict[str, Any] = screen.screen_data(request.user, place, scenario, today, day)
    payload["at"] = timezone.localtime().isoformat(timespec="seconds")
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@route(VIEW, model=Place, where=SCREEN_PLACES)
@login_required
@require_GET
def map_geojson(request: HttpRequest, pk: int) -> HttpResponse:
    place = _place(request, pk)
    body = screen.base_map_json(request.user, place)
    response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
