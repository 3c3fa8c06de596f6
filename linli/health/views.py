"""The web pages of epidemic mode (Chinese first, phone first).

Views stay thin: find the object inside the user's scope (404 outside it), check the form,
call the action, render. Every page that shows a person's health data audits the read with
its purpose. Who may do what:

* ``health.change`` (health officers): risk areas, epidemic mode, records, cases, traces,
  quarantine orders, monitoring devices, the rules test bench;
* ``health.view`` (health officers and the person's own grid worker): lists, overviews;
* ``health.checkin`` (grid workers and health officers): check-ins and follow-ups on a
  resident's behalf, paper passes;
* a resident (``user.person``): her own code, check-in and arrival.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import audit
from linli.core.access import PermissionDenied, allows, area_of, get_or_404, may, restricted, route
from linli.core.errors import bilingual_all
from linli.core.pagination import Pager
from linli.core.text import clean_query_text
from linli.health import actions, forms, keys, labs, passes, queries, rule_words, rules
from linli.health.facts import RiskMap, deadline_hour
from linli.health.models import (
    Arrival,
    Case,
    Channel,
    CheckIn,
    FollowUp,
    FollowUpOutcome,
    LabResult,
    MonitoringDevice,
    OrderStatus,
    QuarantineOrder,
    RiskArea,
    Trace,
)
from linli.people.actions import search_people
from linli.people.models import Person
from linli.places.models import Level, Place, full_names

VIEW, CHANGE, ON_BEHALF = actions.VIEW, actions.CHANGE, actions.ON_BEHALF
View = Callable[..., HttpResponse]
T = TypeVar("T")


# --- helpers ------------------------------------------------------------------------------------

def _denied(request: HttpRequest) -> HttpResponse:
    return render(request, "core/denied.html", status=403)


def needs(action: str) -> Callable[[View], View]:
    """The page is for users who hold ``action`` somewhere; 403 for everyone else."""
    def decorate(view: View) -> View:
        @login_required
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not may(request.user, action):
                return _denied(request)
            return view(request, *args, **kwargs)
        return wrapped
    return decorate


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _words(pairs: Any) -> list[str]:
    """Reasons stored as (zh, en) pairs, in the reader's language."""
    return [str(en if _english() else zh) for zh, en in pairs]


def _pk(value: Any) -> int:
    """A primary key from a URL or a form, or 0 (found nowhere) for anything else: a huge
    number would overflow the database's integer and must not become a 500."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


def _active_people() -> Any:
    return Person.objects.filter(is_active=True).select_related("current_house")


def _person(request: HttpRequest, pk: int, action: str) -> Person:
    """A person whose health data the user may handle with ``action``; 404 otherwise."""
    return get_or_404(_active_people(), request.user, action, pk=pk)


def _own_person(request: HttpRequest) -> Person:
    person_id = getattr(request.user, "person_id", None)
    person = _active_people().filter(pk=person_id).first() if person_id else None
    if person is None:
        raise Http404
    return person


def _read(request: HttpRequest, action: str, purpose: str, obj: Any = None, object_type: str = "",
          **detail: Any) -> None:
    audit.record(action, actor=request.user, obj=obj, object_type=object_type, purpose=purpose, detail=detail,
                 path=None if obj is not None else area_of(request.user, VIEW))


def _perms(request: HttpRequest) -> dict[str, bool]:
    user = request.user
    return {"view": may(user, VIEW), "change": may(user, CHANGE), "checkin": may(user, ON_BEHALF),
            "own": bool(getattr(user, "person_id", None))}


def _nav(perms: dict[str, bool]) -> list[tuple[str, str]]:
    """The epidemic pages the user may open, for the sub-menu under the main menu."""
    items = [("index", _("Overview"))]
    if perms["own"]:
        items += [("my_code", _("My health code")), ("my_checkin", _("Check in"))]
    if perms["checkin"]:
        items += [("checkins", _("Check-ins today")), ("follow_ups", _("Follow-ups"))]
    if perms["view"]:
        items += [("arrivals", _("Arrivals")), ("compounds", _("Compounds")), ("quarantine", _("Quarantine")),
                  ("people", _("Find a person"))]
    if perms["change"]:
        items += [("cases", _("Cases and tracing")), ("risk_areas", _("Risk areas")), ("rules", _("Rules")),
                  ("mode", _("Epidemic mode"))]
    return items


def _page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    perms = _perms(request)
    return render(request, template, {"perms": perms, "health_nav": _nav(perms), "today": timezone.localdate(),
                                      **context}, status=status)


def _addresses(people: list[Person]) -> None:
    """Addresses of many people at once (their houses loaded with ``current_house``), as
    each person's ``address_text``."""
    names = full_names([p.current_house for p in people if p.current_house])
    for p in people:
        p.address_text = names.get(p.current_house_id or 0, "")  # type: ignore[attr-defined]


def _qr(code: str, scale: int) -> str:
    """The pass's QR code as inline SVG with a viewBox and no fixed size, so that it scales
    with the screen or the paper and a phone shows it as large as it can."""
    return str(passes.qr_code(code).svg_inline(scale=scale, omitsize=True))


def _error_text(form: Any) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors)


def _perform(request: HttpRequest, form: forms.StyledForm, action: Callable[[dict[str, Any]], T]) -> T | None:
    """On a POST with a valid form, ``action(form.cleaned_data)``; the action's ValidationError
    is shown on the form. None when nothing was done (a GET, or the form or action refused)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ValidationError as exc:
        form.add_action_errors(exc)
        return None


def _form_status(request: HttpRequest) -> int:
    """A form page shown again after a POST was refused (a success redirects)."""
    return 422 if request.method == "POST" else 200


# --- overview and epidemic mode -------------------------------------------------------------------

@route(signed_in=True)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    perms = _perms(request)
    today = timezone.localdate()
    # Every signed-in user has an overview, empty for an account that no epidemic page concerns.
    context: dict[str, Any] = {"modes": [], "nothing": not any(perms.values())}
    if perms["view"] or perms["change"] or perms["checkin"]:
        reached = Q(pk__in=[])
        for action in queries.HEALTH_ACTIONS:
            reached |= Q(pk__in=Place.objects.restrict(request.user, action).values("pk"))
        context["modes"] = list(Place.objects.filter(reached, epidemic_mode__active=True).order_by("path"))
    if perms["view"]:
        arrivals = Arrival.objects.restrict(request.user, VIEW).filter(arrived_on__gte=queries.watch_from(today))
        context.update(arrivals=arrivals.count(), colours=queries.colour_counts(request.user),
                       orders=QuarantineOrder.objects.restrict(request.user, VIEW)
                       .filter(status=OrderStatus.ACTIVE).count())
    if perms["checkin"]:
        rows = queries.must_check_in(request.user, today)
        context.update(must=len(rows), missing=sum(1 for r in rows if r.checkin is None))
    if perms["own"]:
        person = _own_person(request)
        context["own_on"] = queries.epidemic_on(person.path)
    return _page(request, "health/index.html", context)


@route(CHANGE)
@needs(CHANGE)
def mode(request: HttpRequest) -> HttpResponse:
    places = queries.mode_places(request.user)
    if request.method == "POST":
        if not request.POST.get("place"):
            messages.error(request, _("Choose one of your areas."))
            return redirect("health:mode")
        place = places.filter(pk=_pk(request.POST.get("place"))).first()
        if place is None:
            raise Http404
        active = request.POST.get("active") == "1"
        try:
            actions.do_set_epidemic_mode(place, acting_user=request.user, active=active)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, (_("Epidemic mode is on for %(place)s.") if active
                                       else _("%(place)s is back to normal mode.")) % {"place": place.name})
        return redirect("health:mode")
    rows = list(places[:500])
    modes = set(queries.active_mode_paths())  # also a street above the user's scope
    on = {p.pk for p in rows if p.path in modes}
    inherited = {p.pk for p in rows if p.pk not in on and queries.epidemic_on(p.path, modes)}
    return _page(request, "health/mode.html", {"rows": rows, "on": on, "inherited": inherited})


# --- risk areas ---------------------------------------------------------------------------------------

@route(CHANGE)
@needs(CHANGE)
def risk_areas(request: HttpRequest) -> HttpResponse:
    form = forms.RiskAreaForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    area = _perform(request, form, lambda data: actions.do_add_risk_area(
        acting_user=request.user, source=_("entered by hand"), **data))
    if area is not None:
        messages.success(request, _("%(name)s is now listed as %(level)s.")
                         % {"name": area.name, "level": area.get_level_display()})
        return redirect("health:risk_areas")
    today = timezone.localdate()
    show = request.GET.get("show", "current")
    areas = RiskArea.objects.all()
    if show != "all":
        areas = areas.filter(valid_from__lte=today).exclude(valid_to__lt=today)
    page = Pager(areas.order_by("region_code", "-valid_from"), 50).get_page(request.GET.get("page"))
    return _page(request, "health/risk_areas.html", {"form": form, "page": page, "show": show},
                 status=_form_status(request))


@route(CHANGE)
@needs(CHANGE)
def risk_area_import(request: HttpRequest) -> HttpResponse:
    form = forms.RiskAreaImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        rows, errors = forms.parse_risk_areas(upload.read())
        if not errors:
            try:
                actions.do_import_risk_areas(rows, acting_user=request.user, source=str(upload.name)[:100])
            except ValidationError as exc:
                errors = [forms.RowError(0, [problem]) for problem in bilingual_all(exc)]
        if not errors:
            messages.success(request, _("%(n)d risk areas imported.") % {"n": len(rows)})
            return redirect("health:risk_areas")
        context.update(errors=errors, rows=len(rows) + len(errors))
    return _page(request, "health/risk_area_import.html", context, status=_form_status(request))


# --- arrivals -----------------------------------------------------------------------------------------

@route(VIEW)
@needs(VIEW)
def arrivals(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = Arrival.objects.restrict(request.user, VIEW).filter(
        arrived_on__gte=queries.marks_from(today)).select_related("person__current_house")
    compound = None
    if request.GET.get("compound"):
        compound = get_or_404(Place.objects.filter(level=Level.COMPOUND), request.user, VIEW,
                              pk=_pk(request.GET["compound"]))
        rows = rows.filter(path__under=compound.path)
    page = Pager(rows.order_by("-arrived_on", "path", "pk"), 50).get_page(request.GET.get("page"))
    risk = RiskMap.on(today)
    items = [(a, queries.mark_of(risk, today, a.origin_code, a.origin_name, a.arrived_on)) for a in page]
    _addresses([a.person for a in page])
    _read(request, "health.arrivals_list", "arrival list", object_type="health.arrival",
          shown=len(items), compound=compound.pk if compound else None)
    return _page(request, "health/arrivals.html", {
        "page": page, "items": items, "compound": compound,
        "watch_days": queries.ARRIVAL_WATCH_DAYS, "legend": queries.legend(today)})


@route(VIEW)
@needs(VIEW)
def compounds(request: HttpRequest) -> HttpResponse:
    rows = queries.compound_overview(request.user, timezone.localdate())
    return _page(request, "health/compounds.html", {"rows": rows, "legend": queries.legend_of_thresholds()})


@route(VIEW, model=Place, where=Q(level=Level.BUILDING))
@login_required
def building_arrivals(request: HttpRequest, pk: int) -> HttpResponse:
    """The arrival marks of a building's households: fragments swapped into the building view
    (htmx, out of band), or a page of its own."""
    partial = bool(request.headers.get("HX-Request"))
    try:
        building = get_or_404(Place.objects.filter(level=Level.BUILDING), request.user, VIEW, pk=_pk(pk))
    except Http404:
        if partial:  # the building view asks for every building; nothing to add outside the scope
            return HttpResponse("")
        raise
    today = timezone.localdate()
    on = queries.epidemic_on(building.path)
    marks = queries.arrival_marks(building, request.user, today) if on else {}
    _read(request, "health.building_arrivals", "arrival marks of a building", obj=building,
          houses=len(marks))
    houses = Place.objects.filter(pk__in=list(marks)).order_by("path")
    context = {"building": building, "on": on, "marks": [(house, marks[house.pk]) for house in houses],
               "watch_days": queries.ARRIVAL_WATCH_DAYS, "legend": queries.legend(today)}
    return _page(request, "health/_building_marks.html" if partial else "health/building_arrivals.html", context)


# --- people: search, health record, records by staff --------------------------------------------------

@route(VIEW)
@needs(VIEW)
def people(request: HttpRequest) -> HttpResponse:
    q = clean_query_text(request.GET.get("q", ""), 64)
    results: list[Person] = []
    if q:
        found = restricted(search_people(request.user, q), request.user, VIEW)
        results = list(found.select_related("current_house")[:30])
    template = "health/_people_results.html" if request.headers.get("HX-Request") else "health/people.html"
    _addresses(results)
    return _page(request, template, {"q": q, "results": results})


@route(VIEW, model=Person)
@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk, VIEW)
    status = actions.status_of(found, acting_user=request.user, purpose="health record of a person")

    def seen(model: Any) -> Any:  # her records as far as this viewer may see them
        return model.objects.restrict(request.user, VIEW)

    today = timezone.localdate()
    since = queries.marks_from(today)
    risk = RiskMap.on(today)
    symptoms = dict(forms.SYMPTOMS)
    arrival_rows = [(a, queries.mark_of(risk, today, a.origin_code, a.origin_name, a.arrived_on))
                    for a in Arrival.objects.restrict(request.user, VIEW).filter(person=found, arrived_on__gte=since)
                    .order_by("-arrived_on")]
    _addresses([found])
    return _page(request, "health/person.html", {
        "person": found, "status": status, "reasons": _words(status.reasons), "arrivals": arrival_rows,
        # "default@3": the version is what a reader can follow on the rules page; the set's code is internal
        "rule_version": str(status.rule_set or "").rpartition("@")[2],
        "checkins": [(c, [str(symptoms.get(s, s)) for s in c.symptoms])
                     for c in seen(CheckIn).filter(person=found, day__gte=since).order_by("-day")[:28]],
        "tests": seen(LabResult).filter(person=found).order_by("-sampled_on")[:20],
        "case": seen(Case).filter(person=found).first(),
        "orders": seen(QuarantineOrder).filter(person=found).order_by("-start_date")[:10],
        "may_change": allows(request.user, CHANGE, found.path), "may_checkin": allows(request.user, ON_BEHALF, found.path),
    })


def _record_page(request: HttpRequest, found: Person, form: forms.StyledForm, title: str) -> HttpResponse:
    _addresses([found])
    if request.method != "POST":
        _read(request, "health.record_form", "recording health data of a person", obj=found)
    return _page(request, "health/record_form.html", {"person": found, "form": form, "title": title},
                 status=_form_status(request))


@route(CHANGE, model=Person)
@login_required
def person_arrival(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk, CHANGE)
    form = forms.ArrivalForm(request.POST or None)
    if _perform(request, form, lambda data: actions.do_register_arrival(
            found, acting_user=request.user, channel=Channel.STAFF, **data)) is not None:
        messages.success(request, _("The arrival of %(name)s is registered.") % {"name": found.name})
        return redirect("health:person", pk=found.pk)
    return _record_page(request, found, form, _("Register an arrival"))


@route(CHANGE, model=Person)
@login_required
def person_test(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk, CHANGE)
    form = forms.TestResultForm(request.POST or None, initial={"sampled_on": timezone.localdate(),
                                                               "outcome": "negative"})
    if _perform(request, form, lambda data: actions.do_record_test(
            found, acting_user=request.user, **data)) is not None:
        messages.success(request, _("The test result is recorded."))
        return redirect("health:person", pk=found.pk)
    return _record_page(request, found, form, _("Record a test result"))


@route(CHANGE, model=Person)
@login_required
def person_case(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk, CHANGE)
    form = forms.CaseForm(request.POST or None, initial={"confirmed_on": timezone.localdate()})
    if _perform(request, form, lambda data: actions.do_confirm_case(
            found, acting_user=request.user, **data)) is not None:
        messages.success(request, _("%(name)s is recorded as a confirmed case.") % {"name": found.name})
        return redirect("health:cases")
    return _record_page(request, found, form, _("Record a confirmed case"))


# --- the resident's own pages ----------------------------------------------------------------------------

@route(signed_in=True)
@login_required
def my_code(request: HttpRequest) -> HttpResponse:
    own = _own_person(request)
    status = actions.status_of(own, acting_user=request.user, purpose="own health code")
    code, issued = keys.issue_for(own, status.colour, status.rule_set)
    today = timezone.localdate()
    arrival = Arrival.objects.restrict(request.user, VIEW).filter(
        person=own, arrived_on__gte=queries.watch_from(today)).order_by("-arrived_on").first()
    return _page(request, "health/my_code.html", {
        "person": own, "status": status, "reasons": _words(status.reasons), "qr": _qr(code, 5),
        "code": code, "issued": issued, "arrival": arrival,
        "watch_end": arrival.arrived_on + datetime.timedelta(days=queries.ARRIVAL_WATCH_DAYS) if arrival else None,
        "checkin": CheckIn.objects.restrict(request.user, VIEW).filter(person=own, day=today).first(),
        "must": arrival is not None or status.quarantine is not None, "on": queries.epidemic_on(own.path)})


def _checkin_page(request: HttpRequest, person: Person, *, channel: str, purpose: str, done_message: str,
                  done_url: str) -> HttpResponse:
    """Today's check-in, by the resident herself or on her behalf."""
    form = forms.CheckInForm(request.POST or None)
    if _perform(request, form, lambda data: actions.do_check_in(
            person, acting_user=request.user, channel=channel, **data)) is not None:
        messages.success(request, done_message)
        return redirect(done_url)
    if request.method != "POST":
        _read(request, "health.checkin_form", purpose, obj=person)
    done = CheckIn.objects.restrict(request.user, ON_BEHALF).filter(person=person, day=timezone.localdate()).first()
    return _page(request, "health/checkin_form.html", {
        "form": form, "person": person, "done": done, "own": channel == Channel.SELF}, status=_form_status(request))


@route(signed_in=True)
@login_required
def my_checkin(request: HttpRequest) -> HttpResponse:
    return _checkin_page(request, _own_person(request), channel=Channel.SELF, purpose="own daily check-in",
                         done_message=_("Thank you: today's check-in is done."), done_url="health:my_code")


@route(signed_in=True)
@login_required
def my_arrival(request: HttpRequest) -> HttpResponse:
    own = _own_person(request)
    form = forms.ArrivalForm(request.POST or None, initial={"arrived_on": timezone.localdate()})
    if _perform(request, form, lambda data: actions.do_register_arrival(
            own, acting_user=request.user, channel=Channel.SELF, **data)) is not None:
        messages.success(request, _("Thank you: your arrival is registered. Please check in every day for "
                                    "14 days."))
        return redirect("health:my_code")
    return _page(request, "health/my_arrival.html", {"form": form, "person": own}, status=_form_status(request))


# --- check-ins on someone's behalf ----------------------------------------------------------------------

@route(ON_BEHALF)
@needs(ON_BEHALF)
def checkins(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = queries.must_check_in(request.user, today)
    missing_only = request.GET.get("missing") == "1"
    shown = [r for r in rows if r.checkin is None] if missing_only else rows
    _read(request, "health.checkin_list", "daily check-in list", object_type="health.checkin",
          shown=len(shown))
    _addresses([r.person for r in shown])
    words = dict(forms.SYMPTOMS)
    for row in shown:
        setattr(row, "symptoms", [str(words.get(s, s)) for s in (row.checkin.symptoms if row.checkin else [])])  # noqa: B010
    return _page(request, "health/checkins.html", {
        "rows": shown, "total": len(rows), "missing": sum(1 for r in rows if r.checkin is None),
        "unwell": sum(1 for r in rows if r.unwell), "missing_only": missing_only, "deadline": deadline_hour()})


@route(ON_BEHALF, model=Person)
@login_required
def checkin_on_behalf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk, ON_BEHALF)
    return _checkin_page(request, found, channel=Channel.ON_BEHALF, purpose="check-in on behalf of a resident",
                         done_message=_("Today's check-in of %(name)s is recorded, on her behalf.")
                         % {"name": found.name}, done_url="health:checkins")


@route(ON_BEHALF, model=Person)
@login_required
def paper_pass(request: HttpRequest, pk: int) -> HttpResponse:
    """A pass printed on paper for a resident without a smartphone."""
    found = _person(request, pk, ON_BEHALF)
    status = actions.status_of(found, acting_user=request.user, purpose="printed pass for a resident")
    code, issued = keys.issue_for(found, status.colour, status.rule_set, printed=True)
    return _page(request, "health/paper_pass.html", {
        "person": found, "masked": queries.masked_name(found.name), "status": status,
        "reasons": _words(status.reasons), "qr": _qr(code, 6), "issued": issued})


# --- cases, traces, quarantine ----------------------------------------------------------------------------

@route(CHANGE)
@needs(CHANGE)
def cases(request: HttpRequest) -> HttpResponse:
    rows = list(Case.objects.restrict(request.user, CHANGE).select_related("person").order_by("-confirmed_on")[:200])
    traces: dict[int, list[Trace]] = {}
    for trace in Trace.objects.restrict(request.user, CHANGE).filter(case__in=rows).order_by("-created_at"):
        traces.setdefault(trace.case_id, []).append(trace)
    _read(request, "health.case_list", "confirmed cases", object_type="health.case", shown=len(rows))
    return _page(request, "health/cases.html", {
        "rows": [(c, traces.get(c.pk, [])) for c in rows], "form": forms.TraceForm()})


@route(CHANGE, model=Case)
@require_POST
@login_required
def start_trace(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_or_404(Case.objects.select_related("person"), request.user, CHANGE, pk=pk)
    form = forms.TraceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _error_text(form))
        return redirect("health:cases")
    trace = actions.do_trace(case, acting_user=request.user, **form.cleaned_data)
    return redirect("health:trace", pk=trace.pk)


def _contact_rows(request: HttpRequest, trace: Trace) -> tuple[list[dict[str, Any]], list[int]]:
    ids = [c["person"] for c in trace.contacts]
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    ordered = set(QuarantineOrder.objects.filter(person_id__in=ids, status=OrderStatus.ACTIVE)
                  .values_list("person_id", flat=True))
    rows, choosable = [], []
    for contact in trace.contacts:
        person = found.get(contact["person"])
        in_scope = person is not None and allows(request.user, CHANGE, person.path)
        exposure = datetime.datetime.fromisoformat(contact["first_exposure"])
        rows.append({**contact, "name": queries.masked_name(person.name) if in_scope and person else "",
                     "in_scope": in_scope, "ordered": contact["person"] in ordered,
                     "exposure": timezone.localtime(exposure)})
        if in_scope and contact["person"] not in ordered:
            choosable.append(contact["person"])
    return rows, choosable


@route(CHANGE, model=Trace)
@login_required
def trace(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_or_404(Trace.objects.select_related("case", "case__person"), request.user, CHANGE, pk=pk)
    rows, choosable = _contact_rows(request, found)
    form = forms.ContactsForm(request.POST or None, choosable=choosable)
    if request.method == "POST" and form.is_valid():
        try:
            orders = actions.do_order_contacts(found, form.cleaned_data["people"], acting_user=request.user,
                                               kind=form.cleaned_data["kind"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError)
                           else _("You may not order quarantine for some of these people."))
        else:
            messages.success(request, _("%(n)d quarantine orders created.") % {"n": len(orders)})
            return redirect("health:trace", pk=found.pk)
    if request.method != "POST":
        _read(request, "health.trace_view", "review of a contact trace", obj=found, contacts=len(rows))
    return _page(request, "health/trace.html", {
        "trace": found, "rows": rows, "form": form, "choosable": set(choosable),
        "selected": set(map(_pk, request.POST.getlist("people"))),
        "orders": QuarantineOrder.objects.filter(trace=found).count()}, status=_form_status(request))


@route(VIEW)
@needs(VIEW)
def quarantine(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    orders = QuarantineOrder.objects.restrict(request.user, VIEW).select_related("person", "person__current_house")
    if show != "all":
        orders = orders.filter(status=OrderStatus.ACTIVE)
    page = Pager(orders.order_by("end_date", "path", "pk"), 50).get_page(request.GET.get("page"))
    _read(request, "health.quarantine_list", "quarantine list", object_type="health.quarantineorder",
          shown=len(page.object_list))
    today = timezone.localdate()
    for o in page:
        o.days_left = (o.end_date - today).days  # type: ignore[attr-defined]
    _addresses([o.person for o in page])
    return _page(request, "health/quarantine.html", {"page": page, "show": show})


def _order_page(request: HttpRequest, order: QuarantineOrder, status: int = 200, **forms_: Any) -> HttpResponse:
    may_change = allows(request.user, CHANGE, order.path)
    queries.describe_order(order)
    _addresses([order.person])
    kinds = dict(forms.DEVICE_KINDS)
    devices = list(MonitoringDevice.objects.restrict(request.user, VIEW).filter(order=order).order_by("-consent_at"))
    for device in devices:
        device.kind_text = kinds.get(device.kind, device.kind)  # type: ignore[attr-defined]
    context = {
        "order": order, "may_change": may_change, "may_checkin": allows(request.user, ON_BEHALF, order.path),
        "follow_ups": FollowUp.objects.restrict(request.user, VIEW).filter(order=order).order_by("-day"),
        "devices": devices,
        "extend_form": forms_.get("extend_form") or forms.ExtendForm(initial={"new_end": order.end_date}),
        "end_form": forms_.get("end_form") or forms.EndForm(),
        "device_form": forms_.get("device_form") or forms.DeviceForm(
            initial={"consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
    }
    return _page(request, "health/order.html", context, status=status)


def _order(request: HttpRequest, pk: int, action: str) -> QuarantineOrder:
    return get_or_404(QuarantineOrder.objects.select_related("person", "person__current_house", "trace"),
                             request.user, action, pk=pk)


@route(VIEW, model=QuarantineOrder)
@login_required
def order(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(request, pk, VIEW)
    _read(request, "health.order_view", "quarantine order", obj=found)
    return _order_page(request, found)


@route(CHANGE, model=QuarantineOrder)
@require_POST
@login_required
def order_extend(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(request, pk, CHANGE)
    form = forms.ExtendForm(request.POST)
    if _perform(request, form, lambda data: actions.do_extend_order(
            found, acting_user=request.user, **data)) is not None:
        messages.success(request, _("The quarantine now ends on %(day)s.") % {"day": found.end_date})
        return redirect("health:order", pk=found.pk)
    found.refresh_from_db()
    return _order_page(request, found, 422, extend_form=form)


@route(CHANGE, model=QuarantineOrder)
@require_POST
@login_required
def order_end(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(request, pk, CHANGE)
    form = forms.EndForm(request.POST)
    if _perform(request, form, lambda data: actions.do_end_order(
            found, acting_user=request.user, **data)) is not None:
        messages.success(request, _("The quarantine order is closed."))
        return redirect("health:order", pk=found.pk)
    found.refresh_from_db()
    return _order_page(request, found, 422, end_form=form)


@route(CHANGE, model=QuarantineOrder)
@require_POST
@login_required
def order_device(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(request, pk, CHANGE)
    form = forms.DeviceForm(request.POST)
    if _perform(request, form, lambda data: actions.do_attach_device(
            found, acting_user=request.user, kind=data["kind"], legal_basis=data["legal_basis"],
            consent_at=data["consent_at"], consent_by=data["consent_by"])) is not None:
        messages.success(request, _("The device is recorded with its legal basis and the consent."))
        return redirect("health:order", pk=found.pk)
    return _order_page(request, found, 422, device_form=form)


@route(CHANGE)
@needs(CHANGE)
def orders_print(request: HttpRequest) -> HttpResponse:
    """Order documents for a batch (ticked on the quarantine list, or all orders of a trace),
    one per printed page."""
    ids = [pk for pk in map(_pk, request.GET.getlist("order")) if pk][:500]
    trace_id = _pk(request.GET.get("trace"))
    chosen = Q(pk__in=ids)
    if trace_id:
        chosen |= Q(trace_id=trace_id)
    found = list(QuarantineOrder.objects.restrict(request.user, CHANGE).filter(chosen)
                 .select_related("person", "person__current_house").order_by("path", "pk"))
    if not found and (request.GET.getlist("order") or request.GET.get("trace")):
        raise Http404  # what was asked for is not there, or not the user's to print
    _read(request, "health.orders_print", "printing quarantine orders", object_type="health.quarantineorder",
          orders=[o.pk for o in found])
    for o in found:
        queries.describe_order(o)
    _addresses([o.person for o in found])
    return _page(request, "health/orders_print.html", {"orders": found})


# --- follow-ups -------------------------------------------------------------------------------------------

@route(ON_BEHALF)
@needs(ON_BEHALF)
def follow_ups(request: HttpRequest) -> HttpResponse:
    rows = queries.follow_up_rows(request.user, timezone.localdate())
    _read(request, "health.follow_up_list", "daily quarantine follow-ups", object_type="health.followup",
          shown=len(rows))
    _addresses([r.order.person for r in rows])
    return _page(request, "health/follow_ups.html", {
        "rows": rows, "done": sum(1 for r in rows if r.today is not None), "outcomes": FollowUpOutcome.choices})


@route(ON_BEHALF, model=QuarantineOrder)
@require_POST
@login_required
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    found = _order(request, pk, ON_BEHALF)
    form = forms.FollowUpForm(request.POST, prefix=f"o{found.pk}")
    saved = _perform(request, form, lambda data: actions.do_record_follow_up(
        found, acting_user=request.user, **data))
    if request.headers.get("HX-Request"):
        today = timezone.localdate()
        row = queries.FollowUpRow.of(found, saved or FollowUp.objects.restrict(request.user, ON_BEHALF).filter(
            order=found, day=today).first(), today)
        _addresses([found.person])
        return _page(request, "health/_follow_up_row.html", {
            "row": row, "form": form if saved is None else None, "saved": saved is not None,
            "outcomes": FollowUpOutcome.choices}, status=200 if saved else 422)
    if saved is None:
        messages.error(request, _error_text(form))
    else:
        messages.success(request, _("The follow-up of %(name)s is recorded.") % {"name": found.person.name})
    return redirect(reverse("health:follow_ups") + f"#order-{found.pk}")


# --- the rules test bench ----------------------------------------------------------------------------------

@route(CHANGE)
@needs(CHANGE)
def rules_bench(request: HttpRequest) -> HttpResponse:
    current = actions.active_rule_set()
    document = current.document
    publish = forms.RuleSetForm(request.POST or None, initial={
        "document": json.dumps(document, ensure_ascii=False, indent=2)})
    problems: list[str] = []
    if request.method == "POST" and publish.is_valid():
        try:
            published = actions.do_publish_rule_set(publish.cleaned_data["document"], acting_user=request.user)
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(request, _("Rule set %(code)s version %(version)d is in use from now on; everyone's "
                                        "code is being worked out again.") % {"code": published.code,
                                                                              "version": published.version})
            return redirect("health:rules")
    facts_form = forms.FactsForm(request.GET if "explain" in request.GET else None,
                                 language=translation.get_language() or "zh-hans")
    english = _english()
    params = {"consecutive_normal_checkins": document.get("consecutive_normal_checkins")}
    # Each rule and release condition in words; its id and JSON only in the technical details.
    words = {str(r.get("id")): rule_words.rule_line(r, params, english) for r in document.get("rules", [])}
    words.update({str(c.get("id")): rule_words.condition(c.get("when"), params, english)
                  for c in (document.get("release") or {}).get("conditions", [])})
    result = None
    if facts_form.is_bound and facts_form.is_valid():
        compiled = actions.compiled_rules()
        facts = facts_form.facts()
        decision = compiled.evaluate(facts)
        traces = [{"trace": t, "words": words.get(t.id, t.id),
                   "reads": [rule_words.fact_label(name, english) for name in t.reads]}
                  for t in rules.explain(compiled, facts)]
        result = {"traces": traces, "decision": decision, "reasons": _words(decision.reasons),
                  "fired": [{"id": f, "words": words.get(f, f)} for f in decision.fired],
                  "colour": rule_words.COLOURS.get(decision.colour, decision.colour)}
    if request.headers.get("HX-Request") and facts_form.is_bound:
        return _page(request, "health/_rules_result.html", {"facts_form": facts_form, "result": result},
                     status=200 if result else 422)
    shown_rules = [{"id": r.get("id"), "colour": r.get("colour"), "words": words.get(str(r.get("id")), ""),
                    "reason": r.get("reason_en" if english else "reason_zh"),
                    "json": json.dumps(r.get("when"), ensure_ascii=False)}
                   for r in document.get("rules", [])]
    conditions = [{"id": c.get("id"), "words": words.get(str(c.get("id")), ""),
                   "json": json.dumps(c.get("when"), ensure_ascii=False)}
                  for c in (document.get("release") or {}).get("conditions", [])]
    fact_list = [{"name": name, "type": fact.type, "meaning": fact.en if english else fact.zh}
                 for name, fact in rules.FACTS.items()]
    context = {"current": current, "title": document.get("title_en" if english else "title_zh", ""),
               "description": document.get("description_en" if english else "description_zh", ""),
               "rules": shown_rules, "conditions": conditions, "facts": fact_list, "facts_form": facts_form,
               "result": result, "publish": publish, "problems": problems,
               "technical_open": request.method == "POST"}
    return _page(request, "health/rules.html", context,
                 status=422 if request.method == "POST" or (facts_form.is_bound and result is None) else 200)


@route(CHANGE)
@needs(CHANGE)
def lab_import(request: HttpRequest) -> HttpResponse:
    """Test results from a laboratory's CSV: checked row by row, then all or nothing."""
    form = forms.LabImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = labs.parse(upload.read(), default_lab=form.cleaned_data["lab"])
        problems = [{"row": p.row, "column": p.column, "value": p.value, **p.message} for p in parsed.problems]
        if not problems:
            try:
                done = labs.do_import(parsed, acting_user=request.user, file_name=str(upload.name))
            except ValidationError as exc:
                problems = [{"row": "", "column": "", "value": "", **problem} for problem in bilingual_all(exc)]
            else:
                messages.success(request, _("%(n)d test results recorded; %(m)d were already recorded.")
                                 % {"n": done.created, "m": done.already})
                return redirect("health:cases")
        context["problems"] = problems
    return _page(request, "health/lab_import.html", context, status=_form_status(request))
