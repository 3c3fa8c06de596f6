from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.access import allows, get_or_404, may, route
from linli.core.http import denied
from linli.grids import actions
from linli.grids.forms import GridForm
from linli.grids.models import Grid
from linli.grids.queries import grid_counts
from linli.grids.sketch import draw


@route("grids.view")
@login_required
def grid_list(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "grids.view"):
        return denied(request)
    grids = Grid.objects.restrict(request.user, "grids.view").select_related("community").order_by("code")
    return render(request, "grids/list.html", {"grids": grids})


@route("grids.view", model=Grid)
@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = get_or_404(Grid.objects.select_related("community"), request.user, "grids.view", pk=pk)
    places = list(grid.places.select_related("parent").order_by("path"))
    members = grid.members.select_related("user").order_by("role", "pk")
    residents, _houses = grid_counts(grid, places)
    sketch = draw(grid.polygon, [(p.name, reverse("places:detail", args=[p.pk]), p.longitude, p.latitude)
                                 for p in places])
    return render(request, "grids/detail.html", {
        "grid": grid, "places": places, "members": members, "residents": residents, "sketch": sketch,
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
