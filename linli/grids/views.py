from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.access import allows, get_or_404, may, route
from linli.core.http import denied
from linli.grids import actions
from linli.grids.forms import GridForm
from linli.grids.models import Grid
from linli.grids.queries import grid_counts


@route("grids.view")
@login_required
def grid_list(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "grids.view"):
        return denied(request)
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


@route("grids.view", model=Grid)
@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_or_404(Grid.objects.select_related("community"), request.user, "grids.view", pk=pk)
    places = list(grid.places.order_by("path"))
    members = grid.members.select_related("user").order_by("role", "pk")
    residents, _houses = grid_counts(grid, places)
    return render(request, "grids/detail.html", {
        "grid": grid, "places": places, "members": members, "residents": residents,
        "points": polygon_svg_points(grid.polygon),
        "can_change": allows(request.user, "grids.change", grid.community.path)})


@route("grids.change", model=Grid)
@login_required
def grid_edit(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_or_404(Grid.objects.select_related("community"), request.user, "grids.change", pk=pk)
    form = GridForm(request.POST or None, grid=grid)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_save_grid(grid, acting_user=request.user, name=data["name"], polygon=data["polygon"],
                                 places=list(data["places"]))
            actions.do_set_team(grid, acting_user=request.user, leader=data["leader"], members=list(data["members"]))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Grid saved."))
            return redirect("grids:detail", pk=grid.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "grids/edit.html", {"grid": grid, "form": form}, status=status)
