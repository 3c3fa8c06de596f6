"""The street office's pages for what requests are counted against: the catalogue of categories
with their time limits, the working-calendar corrections, and the grid roles' duty lists
(三张清单). Thin: each change is a ``do_*`` in ``catalogue_actions``."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.http import denied
from linli.places.models import Place
from linli.tickets import catalogue_actions as catalogue
from linli.tickets.access import CATALOGUE
from linli.tickets.forms import CalendarDayForm, CategoryForm, DutyItemForm
from linli.tickets.models import (
    OPEN_STATUSES,
    CalendarDay,
    Category,
    DutyItem,
    DutyKind,
    GridRole,
)


def _refused(form: Any) -> None:
    form.add_error(None, _("You may not change the request catalogue, the calendar or the duty lists."))


# --- the catalogue ----------------------------------------------------------------------------------------

@route(CATALOGUE)
@login_required
def categories(request: HttpRequest) -> HttpResponse:
    """The catalogue, with the open requests of each category in the editor's area."""
    user = request.user
    if not may(user, CATALOGUE):
        return denied(request)
    counts: dict[int, Any] = {row["category_id"]: row for row in catalogue.area_requests(user).order_by()
                              .filter(status__in=OPEN_STATUSES).values("category_id")
                              .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(overdue=True)))}
    rows = [{"category": c, "open": counts.get(c.pk, {}).get("open", 0),
             "overdue": counts.get(c.pk, {}).get("overdue", 0)} for c in Category.objects.all()]
    return render(request, "tickets/catalogue/categories.html", {
        "active": [r for r in rows if r["category"].active], "inactive": [r for r in rows if not r["category"].active],
        "section": "categories", "may_change": allows(user, CATALOGUE, Category())})


@route(CATALOGUE, creates=Category)
@login_required
def category_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not allows(user, CATALOGUE, Category()):  # also a street's officer where several share it
        return denied(request)
    form = CategoryForm(request.POST or None, initial={"level": "grid", "clock": "working", "respond_hours": 4,
                                                       "resolve_hours": 40})
    if request.method == "POST" and form.is_valid():
        try:
            category = catalogue.do_add_category(catalogue.category_input(form.cleaned_data), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            messages.success(request, _("“%(name)s” is in the catalogue: residents can choose it now.")
                             % {"name": category.name})
            return redirect("tickets:catalogue")
    return render(request, "tickets/catalogue/category_form.html", {"form": form, "category": None,
                                                                    "section": "categories"},
                  status=422 if form.errors else 200)


@route(CATALOGUE, model=Category)
@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    category = get_or_404(Category.objects.all(), user, CATALOGUE, pk=pk)
    form = CategoryForm(request.POST or None, initial=catalogue.category_values(category), adding=False)
    if request.method == "POST" and form.is_valid():
        try:
            change = catalogue.do_change_category(category, catalogue.category_input(form.cleaned_data), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            _say_changed(request, change, catalogue.open_count(change.category, catalogue.area_requests(user)))
            return redirect("tickets:catalogue")
    open_requests = catalogue.open_count(category, catalogue.area_requests(user))
    return render(request, "tickets/catalogue/category_form.html", {
        "form": form, "category": category, "open_requests": open_requests, "section": "categories"},
        status=422 if form.errors else 200)


def _say_changed(request: HttpRequest, change: catalogue.CategoryChange, n: int) -> None:
    name = change.category.name
    if not change.changed:
        messages.info(request, _("Nothing changed in “%(name)s”.") % {"name": name})
        return
    if change.limits_changed:
        messages.success(request, ngettext(
            "“%(name)s” is saved. The new limits count for requests filed from now on; the %(n)s open request keeps "
            "the limits it was filed with.",
            "“%(name)s” is saved. The new limits count for requests filed from now on; the %(n)s open requests keep "
            "the limits they were filed with.", n) % {"name": name, "n": n})
    else:
        messages.success(request, _("“%(name)s” is saved.") % {"name": name})


@route(CATALOGUE, model=Category)
@require_POST
@login_required
def category_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop offering a category to residents, or offer it again (never a deletion)."""
    user = request.user
    category = get_or_404(Category.objects.all(), user, CATALOGUE, pk=pk)
    choice = request.POST.get("active")
    if choice not in ("0", "1"):  # a form that says neither changes nothing
        messages.error(request, _("Say whether the category is offered to residents."))
        return redirect("tickets:category_edit", pk=category.pk)
    active = choice == "1"
    catalogue.do_set_category_active(category, active, acting_user=user)
    if active:
        messages.success(request, _("“%(name)s” is offered to residents again.") % {"name": category.name})
    else:
        n = catalogue.open_count(category, catalogue.area_requests(user))
        messages.success(request, ngettext(
            "“%(name)s” is no longer offered to residents. Its %(n)s open request is still handled as before.",
            "“%(name)s” is no longer offered to residents. Its %(n)s open requests are still handled as before.",
            n) % {"name": category.name, "n": n})
    return redirect("tickets:catalogue")


# --- the working calendar ---------------------------------------------------------------------------------

def _calendar_notice(request: HttpRequest, row: CalendarDay) -> None:
    if catalogue.national_working(row.date) == row.working:
        messages.info(request, _("%(date)s is already a %(kind)s in the national calendar: the correction only "
                                 "pins it.") % {"date": row.date.isoformat(), "kind": row.kind_label})


@route(CATALOGUE)
@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The street's corrections to the national calendar: the coming ones, and the past ones
    below them."""
    user = request.user
    if not may(user, CATALOGUE):
        return denied(request)
    form = CalendarDayForm(request.POST or None, initial={"working": "1"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = catalogue.do_add_calendar_day(data["date"], data["working"], note=data["note"], acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            messages.success(request, _("%(date)s is now a %(kind)s for the street's time limits.")
                             % {"date": row.date.isoformat(), "kind": row.kind_label})
            _calendar_notice(request, row)
            return redirect("tickets:calendar")
    today = timezone.localdate()
    rows = CalendarDay.objects.all()
    return render(request, "tickets/catalogue/calendar.html", {
        "form": form, "coming": list(rows.filter(date__gte=today).order_by("date")[:200]),
        "past": list(rows.filter(date__lt=today).order_by("-date")[:60]), "today": today,
        "section": "calendar", "may_change": allows(user, CATALOGUE, CalendarDay())}, status=422 if form.errors else 200)


@route(CATALOGUE, model=CalendarDay)
@login_required
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    row = get_or_404(CalendarDay.objects.all(), user, CATALOGUE, pk=pk)
    form = CalendarDayForm(request.POST or None, initial={"date": row.date, "working": "1" if row.working else "0",
                                                          "note": row.note})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = catalogue.do_change_calendar_day(row, data["date"], data["working"], note=data["note"],
                                                   acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            messages.success(request, _("%(date)s is now a %(kind)s for the street's time limits.")
                             % {"date": row.date.isoformat(), "kind": row.kind_label})
            _calendar_notice(request, row)
            return redirect("tickets:calendar")
    return render(request, "tickets/catalogue/calendar_form.html", {"form": form, "row": row, "section": "calendar"},
                  status=422 if form.errors else 200)


@route(CATALOGUE, model=CalendarDay)
@require_POST
@login_required
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    row = get_or_404(CalendarDay.objects.all(), user, CATALOGUE, pk=pk)
    day: datetime.date = row.date
    catalogue.do_remove_calendar_day(row, acting_user=user)
    messages.success(request, _("%(date)s follows the national calendar again.") % {"date": day.isoformat()})
    return redirect("tickets:calendar")


# --- the duty lists -------------------------------------------------------------------------------------------

def _say_duty_saved(request: HttpRequest, item: DutyItem) -> None:
    messages.success(request, _("Saved on the %(list)s of the %(role)s.")
                     % {"list": DutyKind(item.kind).label, "role": GridRole(item.role).label})
    for notice in catalogue.duty_notices(item):
        messages.warning(request, notice)


@route(CATALOGUE, model=Place, kwarg="street", query=True, where=catalogue.STREET)
@login_required
def duties(request: HttpRequest) -> HttpResponse:
    """A street's three lists for the grid leader and for grid members, and a line to add."""
    user = request.user
    if not may(user, CATALOGUE):
        return denied(request)
    streets = catalogue.streets(user)
    chosen = request.GET.get("street", "")
    street = get_or_404(streets, user, CATALOGUE, pk=chosen) if chosen else streets.first()
    if street is None:
        return render(request, "tickets/catalogue/duties.html", {"street": None, "section": "duties"})
    form = DutyItemForm(request.POST or None, initial={"role": request.GET.get("role") or GridRole.LEADER,
                                                       "kind": request.GET.get("kind") or DutyKind.RESPONSIBILITY})
    if request.method == "POST" and form.is_valid():
        try:
            item = catalogue.do_add_duty_item(street, catalogue.duty_input(form.cleaned_data), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            _say_duty_saved(request, item)
            return redirect(f"{_duties_url(street)}#role-{item.role}")
    items = list(catalogue.duty_lines(user, street))
    roles = [{"role": role, "label": label,
              "lists": [{"kind": kind, "label": kind_label, "items": [i for i in items if i.role == role
                                                                      and i.kind == kind]}
                        for kind, kind_label in DutyKind.choices]}
             for role, label in GridRole.choices]
    return render(request, "tickets/catalogue/duties.html", {
        "street": street, "streets": streets if streets.count() > 1 else [], "roles": roles, "form": form,
        "section": "duties"}, status=422 if form.errors else 200)


@route(CATALOGUE, model=DutyItem)
@login_required
def duty_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_or_404(DutyItem.objects.select_related("category"), user, CATALOGUE, pk=pk)
    form = DutyItemForm(request.POST or None, initial=catalogue.duty_values(item))
    street = catalogue.street_of(user, item)
    back = _duties_url(street)
    if request.method == "POST" and form.is_valid():
        try:
            item = catalogue.do_change_duty_item(item, catalogue.duty_input(form.cleaned_data), acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            _refused(form)
        else:
            _say_duty_saved(request, item)
            return redirect(f"{back}#role-{item.role}")
    return render(request, "tickets/catalogue/duty_form.html", {"form": form, "item": item, "back": back,
                                                                "street": street, "section": "duties"},
                  status=422 if form.errors else 200)


@route(CATALOGUE, model=DutyItem)
@require_POST
@login_required
def duty_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    item = get_or_404(DutyItem.objects.all(), user, CATALOGUE, pk=pk)
    street = catalogue.street_of(user, item)
    catalogue.do_remove_duty_item(item, acting_user=user)
    messages.success(request, _("The line “%(text)s” is removed.") % {"text": item.text})
    return redirect(f"{_duties_url(street)}#role-{item.role}")


def _duties_url(street: Place | None) -> str:
    url = reverse("tickets:duties")
    return f"{url}?street={street.pk}" if street is not None else url
