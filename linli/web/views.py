from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import today
from linli.core.access import route
from linli.core.models import RoleAssignment
from linli.grids.models import Grid
from linli.places.models import Level, Place
from linli.tickets.duties import my_duty_lists
from linli.web import home as home_page

# Set in the new session at sign-out: the next page tells app.js to clear the device.
FORGET_DEVICE = "linli.forget_device"


@route(signed_in=True)
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What do I do now? Today's work first, then her own things, then her area's numbers."""
    user: Any = request.user  # login_required: a User
    day = timezone.localdate()
    rows = home_page.area_rows(user)
    context = {
        "assignments": RoleAssignment.objects.filter(user=user).select_related("role", "place", "grid"),
        "today_items": today.items_for(user, day),
        "duties": my_duty_lists(user),
        "me": home_page.me(user, day),
        "rows": rows,
        "side_by_side": len(rows) > 1,
        "resident_first": not rows,  # a resident's own things come before an (often empty) list of work
        "my_grids": home_page.my_grids(user),
        "grids": Grid.objects.restrict(user, "grids.view").order_by("code")[:12] if len(rows) == 1 else [],
        "compounds": (Place.objects.restrict(user, "places.view").filter(level=Level.COMPOUND).order_by("code")[:40]
                      if len(rows) == 1 else []),
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


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, after which the device forgets what Linli kept on it: a gate screen's
    queue (visitors' names and phones among it), its trust list, the offline copies of its pages
    and their service worker. Browsers do it on the ``Clear-Site-Data`` header of this answer;
    the next page also asks app.js to do it, for browsers that ignore the header (over plain
    HTTP, or without support for it). Cookies stay: the language chosen, and the new session."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        request.session[FORGET_DEVICE] = True
        messages.info(request, _("You have logged out. What Linli kept on this device (gate records, offline "
                                 "pages) has been removed from it."))
        return response
