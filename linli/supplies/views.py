"""Pages of the emergency materials (/supplies/), phone first: a keeper receives, issues and
counts at her point; the offices see the stock of their area."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core.access import PermissionDenied, allows, get_or_404, may, route
from linli.core.errors import Bilingual
from linli.core.http import denied
from linli.downloads.actions import recent
from linli.places.models import Level, Place
from linli.supplies import actions, queries
from linli.supplies.access import APPROVE, COUNT, KEEP, MANAGE, VIEW
from linli.supplies.forms import IssueForm, ReceiveForm, TargetForm
from linli.supplies.models import (
    CountSheet,
    Item,
    Lot,
    SheetStatus,
    Shipment,
    ShipmentStatus,
    StoragePoint,
)


def _message(error: ValidationError) -> str:
    return str(Bilingual.of_error(error))


@route(VIEW, KEEP)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not queries.keeps_any(user):
        return denied(request)
    points = queries.visible_points(user)
    stock = queries.stock_by_point(points)
    items = {item.pk: item for item in Item.objects.filter(is_active=True)}
    rows = [{"point": point, "stock": [(items[i], n) for i, n in sorted(stock.get(point.pk, {}).items()) if i in items]}
            for point in points]
    today = timezone.localdate()
    return render(request, "supplies/index.html", {
        "rows": rows, "expiring": queries.expiring(points, today)[:50], "today": today,
        "recent": recent(user, ("stock",)),  # the stock files she asked for (made in the background)
        "can_street": may(user, MANAGE), "can_suppliers": may(user, "suppliers.view"),
        "waiting": CountSheet.objects.restrict(user, APPROVE).filter(status=SheetStatus.SUBMITTED)
        .exclude(submitted_by=user).exclude(created_by=user).select_related("point")})


@route(VIEW, model=StoragePoint)
@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    point = get_or_404(StoragePoint.objects.select_related("place"), user, VIEW, pk=pk)
    lots = Lot.objects.filter(point=point, quantity__gt=0).select_related("item").order_by("item", "expires_on", "pk")
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=queries.EXPIRING_DAYS)
    return render(request, "supplies/point.html", {
        "point": point, "lots": lots, "today": today, "soon": soon,
        "movements": point.movements.select_related("item", "by", "counterpart")[:30],
        "sheets": point.sheets.select_related("created_by", "submitted_by")[:10],
        "can_keep": allows(user, KEEP, point), "can_count": allows(user, COUNT, point),
        "receive_form": ReceiveForm(prefix="receive"), "issue_form": IssueForm(prefix="issue")})


@route(KEEP, model=StoragePoint)
@login_required
def point_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive (``?do=receive``) or issue / write off stock at the point."""
    user = request.user
    point = get_or_404(StoragePoint.objects.all(), user, KEEP, pk=pk)
    receive = request.GET.get("do") == "receive"
    form: ReceiveForm | IssueForm = (ReceiveForm if receive else IssueForm)(
        request.POST or None, prefix="receive" if receive else "issue")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if receive:
                actions.do_receive(point, data["item"], data["quantity"], expires_on=data["expires_on"],
                                   source=data["source"], note=data["note"], acting_user=user)
            else:
                actions.do_issue(point, data["item"], data["quantity"], kind=data["kind"], note=data["note"],
                                 acting_user=user)
        except ValidationError as exc:
            form.add_action_errors(exc)
        else:
            messages.success(request, _("Recorded: %(item)s × %(n)d.") % {"item": data["item"].name, "n": data["quantity"]})
            return redirect("supplies:point", pk=point.pk)
    return render(request, "supplies/move.html", {"point": point, "form": form, "receive": receive},
                  status=422 if form.errors else 200)


@route(COUNT, model=StoragePoint)
@login_required
@require_POST
def count_start(request: HttpRequest, pk: int) -> HttpResponse:
    point = get_or_404(StoragePoint.objects.all(), request.user, COUNT, pk=pk)
    try:
        sheet = actions.do_start_count(point, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("supplies:point", pk=point.pk)
    return redirect("supplies:count", pk=sheet.pk)


def _lines(sheet: CountSheet) -> list[Any]:
    return list(sheet.lines.select_related("lot__item").order_by("lot__item", "lot__expires_on", "pk"))


@route(VIEW, model=CountSheet)
@login_required
def count_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The count sheet on the phone: one number per lot; then a second person approves."""
    user = request.user
    sheet = get_or_404(CountSheet.objects.select_related("point", "created_by", "submitted_by", "decided_by"),
                       user, VIEW, pk=pk)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("decide") in ("approve", "reject"):
                actions.do_decide_count(sheet, approve=request.POST["decide"] == "approve",
                                        note=request.POST.get("note", ""), acting_user=user)
                messages.success(request, _("The stock-taking is decided."))
            else:
                counts = {int(key[5:]): value for key, value in request.POST.items()
                          if key.startswith("line-") and key[5:].isdigit()}
                submit = request.POST.get("submit") == "1"
                actions.do_record_counts(sheet, counts, acting_user=user, submit=submit)
                messages.success(request, _("Sent for approval by a second person.") if submit else _("Saved."))
            return redirect("supplies:count", pk=sheet.pk)
        except ValidationError as exc:
            error, status = _message(exc), 422
        except PermissionDenied:
            error, status = _("You may not do this: a second person approves a stock-taking."), 403
    own = user.pk in (sheet.created_by_id, sheet.submitted_by_id)
    return render(request, "supplies/count.html", {
        "sheet": sheet, "lines": _lines(sheet), "error": error, "posted": request.POST if status != 200 else {},
        "can_count": sheet.status == SheetStatus.OPEN and allows(user, COUNT, sheet),
        "can_decide": sheet.status == SheetStatus.SUBMITTED and not own and allows(user, APPROVE, sheet),
        "own_waiting": sheet.status == SheetStatus.SUBMITTED and own}, status=status)


@route(MANAGE)
@login_required
def street(request: HttpRequest) -> HttpResponse:
    """The street-wide view: every community's stock against its need; reserve targets; the
    optimiser's dispatch plan on request."""
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    streets = Place.objects.restrict(user, MANAGE).filter(level=Level.STREET).order_by("path")
    chosen = request.GET.get("street", "")
    place = (streets.filter(pk=int(chosen)).first() if chosen.isdigit() else None) or streets.first()
    if place is None:
        return denied(request)
    communities = Place.objects.filter(parent=place, level=Level.COMMUNITY).order_by("path")
    form = TargetForm(request.POST or None, communities=communities)
    status = 200
    if request.method == "POST" and request.POST.get("approve") == "1":
        return _approve_plan(request, place)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.do_set_target(data["community"], data["item"], per_resident=data["per_resident"],
                                      per_elder_household=data["per_elder_household"], fixed=data["fixed"],
                                      acting_user=user)
            except ValidationError as exc:
                form.add_action_errors(exc)
            else:
                messages.success(request, _("The reserve target is saved."))
                return redirect(f"{request.path}?street={place.pk}")
        status = 422
    today = timezone.localdate()
    view = queries.street_view(place, today)
    plan = queries.dispatch_plan(place, view) if request.GET.get("plan") == "1" else None
    return render(request, "supplies/street.html", {
        "street": place, "streets": streets, "view": view, "plan": plan, "form": form,
        "english": (request.LANGUAGE_CODE or "").startswith("en")}, status=status)


def _approve_plan(request: HttpRequest, place: Place) -> HttpResponse:
    """The plan as the street edited it: one quantity per line (0 drops the line)."""
    post = request.POST
    items = {str(item.pk): item for item in Item.objects.all()}
    lines = []
    for n in range(min(int(post.get("lines", "0") or 0) if post.get("lines", "").isdigit() else 0, 5000)):
        item = items.get(post.get(f"item-{n}", ""))
        if item is None:
            continue
        lines.append((post.get(f"source-{n}", ""), post.get(f"destination-{n}", ""), item,
                      post.get(f"quantity-{n}", "0"), post.get(f"why-{n}", "")))
    try:
        made = actions.do_approve_plan(place, lines, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect(f"{request.path}?street={place.pk}&plan=1")
    messages.success(request, _("Plan approved: %(n)d shipments planned.") % {"n": len(made)})
    return redirect("supplies:shipments")


@route(VIEW, KEEP)
@login_required
def shipments(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not queries.keeps_any(user):
        return denied(request)
    rows = []
    for shipment in (Shipment.objects.restrict(user, VIEW).select_related("source_point", "destination_point", "item")
                     .order_by("-pk")[:200]):
        step = ""
        if shipment.status == ShipmentStatus.PLANNED and allows(user, KEEP, shipment.source_point):
            step = "send"
        elif shipment.status == ShipmentStatus.SENT and allows(user, KEEP, shipment.destination_point):
            step = "receive"
        elif shipment.status == ShipmentStatus.RECEIVED and allows(user, MANAGE, shipment):
            step = "close"
        rows.append({"shipment": shipment, "step": step})
    return render(request, "supplies/shipments.html", {"rows": rows})


@route(KEEP, model=Shipment)
@login_required
@require_POST
def shipment_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Send, receive or close a shipment, whichever is its next step."""
    user = request.user
    shipment = get_or_404(Shipment.objects.select_related("source_point", "destination_point", "item"), user, KEEP,
                          pk=pk)
    quantity, note = request.POST.get("quantity", ""), request.POST.get("note", "")
    try:
        if shipment.status == ShipmentStatus.PLANNED:
            actions.do_send_shipment(shipment, quantity, note=note, acting_user=user)
        elif shipment.status == ShipmentStatus.SENT:
            actions.do_receive_shipment(shipment, quantity, note=note, acting_user=user)
        else:
            actions.do_close_shipment(shipment, acting_user=user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    except PermissionDenied:
        messages.error(request, _("The other end of this shipment does this step."))
    else:
        messages.success(request, _("Shipment updated."))
    return redirect("supplies:shipments")
