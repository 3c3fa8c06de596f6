"""Pages of the fair hand-out (/handout/), phone first: a resident reserves and shows her pickup
code; staff reserve on behalf of elders, open rounds, import and export the list; the keeper
scans the code at the pickup point; everyone who sees a round sees its results by group."""

from __future__ import annotations

import datetime

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
from linli.downloads.actions import do_request_download, recent
from linli.handout import actions, checklist, queries, sheets
from linli.handout.access import MANAGE, RESERVE, VIEW
from linli.handout.downloads import KIND
from linli.handout.forms import ChecklistForm, RoundForm, UploadForm
from linli.handout.models import GONE, Reservation, ReserveCheck, Round, Slot, Status, Via
from linli.handout.tokens import pickup_code, read_pickup
from linli.health.passes import qr_svg
from linli.places.models import Level, Place, full_names
from linli.supplies.access import KEEP
from linli.supplies.models import StoragePoint
from linli.supplies.queries import keeps_any


def _message(error: ValidationError) -> str:
    return str(Bilingual.of_error(error))


def _own(request: HttpRequest, round_: Round) -> Reservation | None:
    house = actions.household_of(request.user)
    if house is None:
        return None
    return (Reservation.objects.filter(round=round_, house=house).exclude(status__in=GONE)
            .select_related("slot__point").first())


@route(VIEW, RESERVE, MANAGE)
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not queries.shown(user):
        return denied(request)
    rounds = list(queries.visible_rounds(user)[:50])
    house = actions.household_of(user)
    mine = ({r.round_id: r for r in Reservation.objects.filter(house=house, round__in=rounds).exclude(status__in=GONE)}
            if house else {})
    now = timezone.now()
    return render(request, "handout/index.html", {
        "rows": [{"round": r, "open": actions.window_open(r, now), "mine": mine.get(r.pk)} for r in rounds],
        "can_manage": may(user, MANAGE), "staff": queries.is_staff(user), "house": house,
        "can_pickup": keeps_any(user)})


@route(VIEW, RESERVE, model=Round)
@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = get_or_404(Round.objects.select_related("item", "community"), user, VIEW, pk=pk)
    now = timezone.now()
    mine = _own(request, round_)
    slots = list(Slot.objects.filter(round=round_).select_related("point"))
    for slot, left in zip(slots, actions.room_in(slots).values(), strict=True):
        slot.room = left  # type: ignore[attr-defined]
    staff = allows(user, VIEW, round_) and queries.is_staff(user)
    can_manage = allows(user, MANAGE, round_)
    return render(request, "handout/round.html", {
        "round": round_, "open": actions.window_open(round_, now), "now": now, "mine": mine,
        "code": pickup_code(mine.pk) if mine and mine.status == Status.HELD else "",
        "qr": qr_svg(pickup_code(mine.pk), scale=6) if mine and mine.status == Status.HELD else "",
        "house": actions.household_of(user), "slots": slots,
        "future_slots": [s for s in slots if s.ends_at > now and not s.released],
        "results": queries.results(round_), "staff": staff, "can_manage": can_manage,
        "recent": recent(user, (KIND,), round=round_.pk) if can_manage else [],  # her lists of this round
        "can_reserve_for": staff and may(user, RESERVE), "upload": UploadForm(),
        "left": round_.shares - round_.taken,
        "ordinary_left": max(0, round_.shares - round_.held_back - round_.taken_ordinary)})


@route(RESERVE, model=Round)
@login_required
@require_POST
def reserve(request: HttpRequest, pk: int) -> HttpResponse:
    """Her own household, or (staff) the household whose house code she typed."""
    user = request.user
    round_ = get_or_404(Round.objects.all(), user, RESERVE, pk=pk)
    code = "".join(request.POST.get("house_code", "").split())
    if code:
        house = Place.objects.filter(level=Level.HOUSE, code=code, path__startswith=round_.path).first()
        via = Via.STAFF
    else:
        house, via = actions.household_of(user), Via.APP
    if house is None or not allows(user, RESERVE, house):
        messages.error(request, _("No household of yours in this community was found; check the house code.")
                       if code else _("The registry does not list your household; ask the community office."))
        return redirect("handout:round", pk=round_.pk)
    chosen = request.POST.get("slot", "")
    slot = Slot.objects.filter(round=round_, pk=int(chosen)).first() if chosen.isdigit() else None
    try:
        reservation = actions.do_reserve(round_, house, acting_user=user, via=via, slot=slot)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        if reservation.status == Status.HELD:
            messages.success(request, _("Reserved: show the pickup code at the pickup point in your slot."))
        else:
            messages.info(request, _("All shares are taken for now: the household is on the waiting list."))
    return redirect("handout:round", pk=round_.pk)


@route(MANAGE)
@login_required
def new_round(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not may(user, MANAGE):
        return denied(request)
    communities = Place.objects.restrict(user, MANAGE).filter(level=Level.COMMUNITY).order_by("path")
    points = StoragePoint.objects.restrict(user, KEEP).filter(is_active=True).order_by("path", "name")
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    form = RoundForm(request.POST or None, communities=communities, points=points, initial={
        "opens_at": now, "closes_at": now + datetime.timedelta(days=1),
        "first_pickup": now + datetime.timedelta(days=1, hours=1), "quota": 5})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = actions.do_open_round(
                data["community"], title=data["title"], item=data["item"], quota=data["quota"],
                households=data["households"], held_back=data["held_back"], opens_at=data["opens_at"],
                closes_at=data["closes_at"], acting_user=user,
                slots=[actions.SlotInput(data["point"], start, end, data.get("per_slot"))
                       for start, end in form.slots()])
        except ValidationError as exc:
            form.add_action_errors(exc)
        except PermissionDenied:
            form.add_error("point", _("You do not keep this point's stock."))
        else:
            messages.success(request, _("The round is open."))
            return redirect("handout:round", pk=round_.pk)
    return render(request, "handout/new.html", {"form": form}, status=422 if form.errors else 200)


@route(MANAGE, model=Round)
@login_required
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The list is made in the background: the page shows how far it got, then offers the file."""
    round_ = get_or_404(Round.objects.select_related("community"), request.user, MANAGE, pk=pk)
    try:
        download = do_request_download(KIND, scope=round_.community, params={"round": round_.pk},
                                       acting_user=request.user)
    except PermissionDenied:
        return denied(request)
    return redirect("downloads:detail", pk=download.pk)


@route(MANAGE, model=Round)
@login_required
@require_POST
def import_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    round_ = get_or_404(Round.objects.all(), user, MANAGE, pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a spreadsheet to upload."))
        return redirect("handout:round", pk=round_.pk)
    upload = form.cleaned_data["file"]
    if upload.size > sheets.MAX_BYTES:
        messages.error(request, _("The file is larger than %(mb)d MB; split it into several files.")
                       % {"mb": sheets.MAX_BYTES // (1024 * 1024)})
        return redirect("handout:round", pk=round_.pk)
    try:
        result = sheets.import_xlsx(round_, upload.read(), upload.name, acting_user=user)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("handout:round", pk=round_.pk)
    return render(request, "handout/imported.html", {"round": round_, "result": result})


@route(KEEP)
@login_required
def pickup(request: HttpRequest) -> HttpResponse:
    """The keeper's phone at the pickup point: scan (or type) the household's code, check, hand out."""
    user = request.user
    if not keeps_any(user):
        return denied(request)
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()[:60]
    reservation, error, status = None, "", 200
    if code:
        pk = read_pickup(code)
        reservation = (Reservation.objects.select_related("round__item", "slot__point", "house")
                       .filter(pk=pk).first() if pk else None)
        if reservation is not None and not (reservation.slot and allows(user, KEEP, reservation.slot.point)):
            reservation = None  # another point's household: as if unknown
        if reservation is None:
            error, status = _("This is not a pickup code of your point; ask the household for its code again."), 404
    if reservation is not None and request.method == "POST" and request.POST.get("collect") == "1":
        try:
            actions.do_collect(reservation, acting_user=user)
        except ValidationError as exc:
            error, status = _message(exc), 422
        else:
            messages.success(request, _("Handed out: %(item)s × %(n)d.") % {
                "item": reservation.round.item.name, "n": reservation.round.quota})
            return redirect("handout:pickup")
        reservation.refresh_from_db()
    address = full_names([reservation.house]).get(reservation.house.pk, "") if reservation else ""
    return render(request, "handout/pickup.html", {
        "code": code, "reservation": reservation, "error": error, "address": address, "now": timezone.now()},
        status=status)


@route(RESERVE, VIEW)
@login_required
def reserve_checklist(request: HttpRequest) -> HttpResponse:
    """The household ticks what it keeps at home; staff see their area's totals below."""
    user = request.user
    if not may(user, RESERVE) and not may(user, VIEW):
        return denied(request)
    house = actions.household_of(user)
    check = ReserveCheck.objects.filter(house=house).first() if house else None
    form = ChecklistForm(request.POST or None, initial={"ticked": check.ticked if check else []})
    if request.method == "POST" and house is not None and form.is_valid():
        try:
            actions.do_tick_reserve(house, form.cleaned_data["ticked"], acting_user=user)
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("Saved. Thank you for keeping your household ready."))
            return redirect("handout:checklist")
    totals = queries.checklist_totals(ReserveCheck.objects.restrict(user, VIEW)) if queries.is_staff(user) else None
    return render(request, "handout/checklist.html", {
        "form": form, "house": house, "check": check, "totals": totals, "items": checklist.ITEMS})
