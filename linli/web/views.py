from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from linli.core import today
from linli.core.access import may, restricted, route
from linli.core.models import RoleAssignment
from linli.grids.models import Grid
from linli.people.actions import visible_people
from linli.people.models import SpecialGroup
from linli.people.search import group_token
from linli.places.models import Level, Place


@route(signed_in=True)
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user  # login_required: a User
    assignments = RoleAssignment.objects.filter(user=user).select_related("role", "place", "grid")
    places = Place.objects.restrict(user, "places.view")
    houses = places.filter(level=Level.HOUSE)
    usage = dict(houses.values_list("usage").annotate(n=Count("id")).order_by())
    group_counts = []
    if may(user, "people.view_groups"):
        people = restricted(visible_people(user), user, "people.view_groups")
        for group in (SpecialGroup.ALONE_ELDER, SpecialGroup.OLDEST_OLD, SpecialGroup.DISABLED,
                      SpecialGroup.INFANT, SpecialGroup.SUBSISTENCE, SpecialGroup.KEY_CARE):
            n = people.filter(special_groups_index__contains=group_token(group)).count()
            group_counts.append((group.label, n))
    context = {
        "assignments": assignments,
        "residents": visible_people(user).count(),
        "houses": sum(usage.values()),
        "usage": usage,
        "group_counts": group_counts,
        "communities": places.filter(level=Level.COMMUNITY).order_by("code")[:50],
        "compounds": places.filter(level=Level.COMPOUND).order_by("code")[:200],
        "grids": Grid.objects.restrict(user, "grids.view").order_by("code")[:100],
        "own_person": user.person,
        "todos": today.todos(user),
    }
    return render(request, "web/home.html", context)


@route(public=True)  # remembered in a cookie for the login page too
@require_POST
def elder_mode(request: HttpRequest) -> HttpResponse:
    """Switch large-text mode; remembered on the account and in a cookie for the login page."""
    on = not (request.COOKIES.get("linli_elder") == "1" or getattr(request.user, "elder_mode", False))
    if request.user.is_authenticated:
        request.user.elder_mode = on
        request.user.save(update_fields=["elder_mode"])
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie("linli_elder", "1" if on else "0", max_age=365 * 86400, samesite="Lax")
    return response
