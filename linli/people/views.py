from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.core.pagination import CappedPaginator, Pager
from linli.core.text import clean_query_text
from linli.core.validators import format_phone, mask_id_number, mask_phone
from linli.people import actions
from linli.people.forms import EditPersonForm, MoveOutForm, NewResidentForm, OrganizationForm
from linli.people.layout import GROUP_BADGES, ROLE_BADGES
from linli.people.models import Organization, Person, Residence
from linli.people.place_views import trail_of
from linli.places.models import Level, Place, full_names

PAGE_SIZE = 20
# Organisations are registered at a street or below.
ABOVE_STREET = [Level.PROVINCE, Level.CITY, Level.DISTRICT]


@route("people.view")
@login_required
def search(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "people.view"):
        return denied(request)
    q = clean_query_text(request.GET.get("q", ""), 64)
    today = timezone.localdate()
    results = None
    if q.strip():
        people = actions.search_people(request.user, q).select_related("current_house")
        page = CappedPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
        houses = [p.current_house for p in page if p.current_house]
        addresses = full_names(houses)
        cards = [(actions.person_card(p, request.user, today), addresses.get(p.current_house_id or 0, ""))
                 for p in page]
        results = {"page": page, "cards": cards}
    context = {"q": q, "results": results, "group_badges": GROUP_BADGES, "role_badges": ROLE_BADGES}
    template = "people/_results.html" if request.headers.get("HX-Request") else "people/search.html"
    return render(request, template, context)


@route("people.view", model=Person)
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(Person.objects.select_related("current_house"), request.user, "people.view", pk=pk)
    card = actions.view_person(person, request.user, timezone.localdate())
    # Only the houses the viewer may see: a person who once lived elsewhere keeps that history,
    # but it is not this viewer's to read.
    residences = (Residence.objects.restrict(request.user, "people.view").filter(person=person)
                  .select_related("house").order_by("-moved_in"))
    trail = (trail_of(person.current_house.ancestors()[4:] + [person.current_house], request.user)
             if person.current_house else [])
    return render(request, "people/detail.html", {
        "card": card, "person": person, "residences": residences, "trail": trail,
        "group_badges": GROUP_BADGES, "role_badges": ROLE_BADGES,
    })


@route("people.reveal", model=Person)
@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    # Looked up with the right to reveal, so that someone who may only see the person is
    # refused before her input is checked.
    code, purpose = request.POST.get("purpose_code", ""), request.POST.get("purpose", "")
    try:
        person = get_or_404(Person.objects.all(), request.user, "people.reveal", pk=pk)
    except Http404:
        actions.refuse_reveal(request.user, field, "scope", code, purpose, person_id=pk)
        raise
    context = {"person": person, "field": field}
    try:
        value = actions.do_reveal(person, field, acting_user=request.user, purpose=purpose, purpose_code=code)
        context["value"] = format_phone(value) if field == "phone" else value
    except ValidationError as exc:
        context["errors"] = exc.messages
        return render(request, "people/_reveal.html", context, status=422)
    except PermissionDenied:
        return render(request, "people/_reveal.html", {**context, "denied": True}, status=403)
    return render(request, "people/_reveal.html", context)


@route("people.change", model=Place, kwarg="house", query=True, where=Q(level=Level.HOUSE))
@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Register a resident in a house (reached from the household view)."""
    house = get_or_404(Place.objects.filter(level=Level.HOUSE), request.user, "people.change",
                              pk=request.GET.get("house") or request.POST.get("house") or 0)
    show_groups = allows(request.user, "people.view_groups", house.path)
    form = NewResidentForm(request.POST or None, show_groups=show_groups)
    existing = None  # the person already registered with the ID number typed, when she may see her
    if request.method == "POST" and form.is_valid():
        try:
            person = actions.do_create_person(form.to_input(), acting_user=request.user, house=house,
                                              relation=form.cleaned_data["relation"],
                                              moved_in=form.cleaned_data["moved_in"])
        except ValidationError as exc:
            form.add_action_errors(exc)
            existing = exc.existing if isinstance(exc, actions.DuplicateId) else None
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("places:detail", pk=house.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "house": house, "title": _("New resident"),
                                                "existing": existing}, status=status)


@route("people.change", model=Person)
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_or_404(Person.objects.all(), request.user, "people.change", pk=pk)
    show_groups = allows(request.user, "people.view_groups", person)
    initial = {
        "name": person.name, "population_type": person.population_type, "hukou_address": person.hukou_address,
        "school": person.school, "special_groups": person.special_groups, "community_roles": person.community_roles, "notes": person.notes,
    }
    form = EditPersonForm(request.POST or None, initial=initial, show_groups=show_groups,
                          id_masked=mask_id_number(person.id_number), phone_masked=mask_phone(person.phone))
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_person(person, form.to_input_keeping(person.id_number, person.phone),
                                     acting_user=request.user)
        except ValidationError as exc:
            form.add_action_errors(exc)
            existing = exc.existing if isinstance(exc, actions.DuplicateId) else None
        else:
            messages.success(request, _("Saved."))
            return redirect("people:detail", pk=person.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/form.html", {"form": form, "person": person, "title": _("Edit resident"),
                                                "existing": existing}, status=status)


@route("people.change", model=Residence)
@login_required
def move_out(request: HttpRequest, pk: int) -> HttpResponse:
    residence = get_or_404(Residence.objects.select_related("person"), request.user, "people.change", pk=pk)
    form = MoveOutForm(request.POST or None, initial={"moved_out": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_move_out(residence, acting_user=request.user, moved_out=form.cleaned_data["moved_out"])
        except ValidationError as exc:
            form.add_error("moved_out", exc.message_dict.get("moved_out", exc.messages))
        else:
            messages.success(request, _("%(name)s has moved out.") % {"name": residence.person.name})
            return redirect("places:detail", pk=residence.house_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "people/move_out.html", {"form": form, "residence": residence}, status=status)


@route("orgs.view")
@login_required
def organizations(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "orgs.view"):
        return denied(request)
    orgs = Organization.objects.restrict(request.user, "orgs.view").select_related("place").order_by("path", "name")
    page = Pager(orgs, 50).get_page(request.GET.get("page"))
    addresses = full_names([o.place for o in page])
    rows = [(o, addresses.get(o.place_id, "")) for o in page]
    return render(request, "people/organizations.html", {"page": page, "rows": rows})


@route("orgs.change", model=Place, kwarg="place", query=True, where=~Q(level__in=ABOVE_STREET))
@login_required
def new_organization(request: HttpRequest) -> HttpResponse:
    place = get_or_404(Place.objects.exclude(level__in=ABOVE_STREET),
                              request.user, "orgs.change", pk=request.GET.get("place") or request.POST.get("place") or 0)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = actions.do_register_organization(acting_user=request.user, place=place, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": org.name})
            return redirect("people:organizations")
    status = 422 if request.method == "POST" else 200
    return render(request, "people/organization_form.html", {"form": form, "place": place}, status=status)


@route("people.export")
@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Export a list of the user's area, masked unless she states a lawful purpose for full values
    (a long list of them then waits for a second person's approval: decision 0023)."""
    from linli.downloads.access import APPROVE
    from linli.downloads.actions import approval_threshold, do_request_download, recent, waiting_for
    from linli.people.exports import KINDS, export_places, refuse_export

    if not may(request.user, "people.export"):
        if request.method == "POST":
            refuse_export(request.user, "permission", code=str(request.POST.get("scope", "")),
                          kind=request.POST.get("kind", ""), fmt=request.POST.get("format", ""),
                          purpose_code=request.POST.get("purpose_code", ""), purpose=request.POST.get("purpose", ""))
        raise Http404
    places = export_places(request.user)
    context: dict[str, object] = {"places": places, "kinds": KINDS, "threshold": approval_threshold(),
                                  "may_approve": may(request.user, APPROVE)}
    if context["may_approve"]:
        context["waiting"] = waiting_for(request.user).count()
    if request.method == "POST":
        params = {"kind": str(request.POST.get("kind", ""))[:16], "format": str(request.POST.get("format", ""))[:8],
                  "purpose_code": clean_query_text(request.POST.get("purpose_code", ""), 32),
                  "purpose": str(request.POST.get("purpose", ""))[:300]}
        context["asked"] = params
        if not request.POST.get("scope"):
            context["errors"] = [_("Choose one of your areas.")]
            return render(request, "people/export.html", context, status=422)
        place = next((p for p in places if p.code == request.POST.get("scope")), None)
        if place is None:
            refuse_export(request.user, "scope", code=str(request.POST.get("scope")), kind=params["kind"],
                          fmt=params["format"], purpose_code=params["purpose_code"], purpose=params["purpose"])
            raise Http404
        try:
            # A street's list takes seconds to make: the task worker makes it, the page shows how far
            download = do_request_download("people_list", scope=place, params=params, acting_user=request.user)
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "people/export.html", context, status=422)
        except PermissionDenied:
            raise Http404 from None
        return redirect("downloads:detail", pk=download.pk)
    context["recent"] = recent(request.user, ("people_list",))
    return render(request, "people/export.html", context)
