from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from linli.core.permissions import PermissionDenied, get_scoped_or_404
from linli.people import actions
from linli.people.models import Person, Residence
from linli.places.layout import GROUP_BADGES, ROLE_BADGES
from linli.places.models import full_names

PAGE_SIZE = 20


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:64]
    today = timezone.localdate()
    results = None
    if q.strip():
        people = actions.search_people(request.user, q).select_related("current_house")
        page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        houses = [p.current_house for p in page if p.current_house]
        addresses = full_names(houses)
        cards = [(actions.person_card(p, request.user, today), addresses.get(p.current_house_id, "")) for p in page]
        results = {"page": page, "cards": cards}
    context = {"q": q, "results": results, "group_badges": GROUP_BADGES, "role_badges": ROLE_BADGES}
    template = "people/_results.html" if request.headers.get("HX-Request") else "people/search.html"
    return render(request, template, context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.select_related("current_house"), request.user, "people.view", pk=pk)
    card = actions.view_person(person, request.user, timezone.localdate())
    residences = Residence.objects.filter(person=person).select_related("house").order_by("-moved_in")
    trail = person.current_house.ancestors()[4:] + [person.current_house] if person.current_house else []
    return render(request, "people/detail.html", {
        "card": card, "person": person, "residences": residences, "trail": trail,
        "group_badges": GROUP_BADGES, "role_badges": ROLE_BADGES,
    })


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    person = get_scoped_or_404(Person.objects.all(), request.user, "people.view", pk=pk)
    context = {"person": person, "field": field}
    try:
        context["value"] = actions.do_reveal(person, field, acting_user=request.user,
                                             purpose=request.POST.get("purpose", ""))
    except ValidationError as exc:
        context["errors"] = exc.messages
        return render(request, "people/_reveal.html", context, status=422)
    except PermissionDenied:
        return render(request, "people/_reveal.html", {**context, "denied": True}, status=403)
    return render(request, "people/_reveal.html", context)
