from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from linli.core.permissions import get_scoped_or_404
from linli.grids.models import Grid
from linli.people.models import Residence


@login_required
def grid_list(request: HttpRequest) -> HttpResponse:
    grids = Grid.objects.restrict(request.user, "grids.view").select_related("community").order_by("code")
    return render(request, "grids/list.html", {"grids": grids})


def polygon_svg_points(polygon: dict | None, size: int = 240) -> str:
    """The grid's outer ring as SVG points scaled into a square, for a map-free sketch."""
    try:
        ring = polygon["coordinates"][0] if polygon else []
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1
    except (KeyError, IndexError, TypeError, ValueError):
        return ""
    pad = 10
    scale = (size - 2 * pad) / span
    return " ".join(f"{pad + (x - min(xs)) * scale:.1f},{size - pad - (y - min(ys)) * scale:.1f}" for x, y in zip(xs, ys, strict=False))


@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_scoped_or_404(Grid.objects.select_related("community"), request.user, "grids.view", pk=pk)
    places = list(grid.places.order_by("path"))
    members = grid.members.select_related("user").order_by("role", "pk")
    residents = 0
    for place in places:
        residents += Residence.objects.filter(path__under=place.path, moved_out__isnull=True).count()
    return render(request, "grids/detail.html", {
        "grid": grid, "places": places, "members": members, "residents": residents,
        "points": polygon_svg_points(grid.polygon)})
